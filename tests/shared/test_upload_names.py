"""Uploaded file names keep one safe extension, the one of the checked (sniffed) type."""
from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage

from pm.services import storage
from tests.factories.files import PNG

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 32


@pytest.mark.parametrize("name, content_type, kept", [
    ("报价.pdf", "application/pdf", "报价.pdf"),
    ("报价.PDF", "application/pdf", "报价.pdf"),
    ("invoice.html", "application/pdf", "invoice.pdf"),
    ("invoice", "application/pdf", "invoice.pdf"),
    ("photo.jpeg", "image/jpeg", "photo.jpeg"),
    ("photo.png", "image/jpeg", "photo.jpg"),
    ("shell.php.png", "image/png", "shell_php.png"),
    ("x.svg", "image/png", "x.png"),
    ("../../etc/passwd", "image/png", "passwd.png"),
    ("C:\\Users\\a\\现场.exe", "image/webp", "现场.webp"),
    ("a\x00b\x1b.pdf", "application/pdf", "ab.pdf"),
    (".htaccess", "image/png", "htaccess.png"),
    ("...", "image/png", "file.png"),
    ("", "image/png", ""),
])
def test_safe_name_matches_the_checked_type(name, content_type, kept):
    assert storage.safe_name(name, content_type) == kept


@pytest.mark.parametrize("data, name, kept", [
    (PNG, "evil.html", "evil.png"),
    (JPEG, "report.pdf.exe", "report_pdf.jpg"),
    (PDF, "方案.docx", "方案.pdf"),
])
def test_saved_upload_names_follow_the_content(app, data, name, kept):
    """What save() keeps as the user's name (shown and offered for download) ends with the checked type."""
    stored = storage.save(FileStorage(stream=io.BytesIO(data), filename=name), "plans/1",
                          allowed=storage.DOCUMENT_TYPES, max_bytes=storage.MAX_DOCUMENT_BYTES)
    assert stored.original_name == kept
    assert stored.path.endswith(storage.DOCUMENT_TYPES[stored.content_type])
