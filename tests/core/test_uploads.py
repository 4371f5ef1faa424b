"""Uploads are checked by content and size, stored outside the database, never outside UPLOAD_DIR."""
import io

import pytest
from werkzeug.datastructures import FileStorage

from pm.errors import DomainError, NotFound
from pm.services import uploads
from tests.factories.files import PNG

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _file(data: bytes, name: str = "x.png") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def test_image_stored_by_content(app):
    """A PNG named .jpg is stored as PNG (the name is not trusted)."""
    stored = uploads.save(_file(PNG, "photo.jpg"), "repairs")
    assert stored.content_type == "image/png" and stored.path.endswith(".png")
    with open(uploads.absolute(stored.path), "rb") as fh:
        assert fh.read() == PNG


@pytest.mark.parametrize("data", [b"GIF89a" + b"0" * 20, b"<html>", b"%PDF-1.4 ..."])
def test_non_images_refused(app, data):
    """GIF, HTML and PDF are refused where only images are allowed."""
    with pytest.raises(DomainError):
        uploads.save(_file(data, "x.jpg"), "repairs")


def test_pdf_allowed_for_documents(app):
    """Documents may be PDF."""
    stored = uploads.save(_file(b"%PDF-1.7\n" + b"0" * 10, "q.pdf"), "plans", allowed=uploads.DOCUMENT_TYPES)
    assert stored.content_type == "application/pdf"


def test_oversized_and_empty_refused(app):
    """A file over the limit, or an empty one, is refused."""
    with pytest.raises(DomainError, match="太大"):
        uploads.save(_file(JPEG + b"0" * 100), "repairs", max_bytes=50)
    with pytest.raises(DomainError, match="空"):
        uploads.save(_file(b""), "repairs")


def test_paths_outside_upload_dir_refused(app):
    """A stored path cannot escape UPLOAD_DIR."""
    with pytest.raises(NotFound):
        uploads.absolute("../../etc/passwd")
