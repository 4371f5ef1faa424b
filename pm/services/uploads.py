"""上传文件: photos and documents checked by content (not by name), stored under UPLOAD_DIR, never in the DB.

Callers keep the returned relative path in their own model and serve it with `send_stored()` only after
their scope check.
"""
from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass

from flask import current_app, send_file
from werkzeug.datastructures import FileStorage

from pm.errors import DomainError, NotFound

IMAGE_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
DOCUMENT_TYPES = {**IMAGE_TYPES, "application/pdf": ".pdf"}
MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_DOCUMENT_BYTES = 15 * 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    path: str  # relative to UPLOAD_DIR
    content_type: str
    size_bytes: int
    sha256: str
    original_name: str


def sniff(head: bytes) -> str | None:
    """The content type from the first bytes of a file, or None if it is none we accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def save(file: FileStorage | None, subdir: str, *, allowed: dict[str, str] = IMAGE_TYPES,
         max_bytes: int = MAX_IMAGE_BYTES, field: str = "photos") -> StoredFile:
    """Check a file's content type and size, then store it under UPLOAD_DIR/subdir with a random name."""
    if file is None or not file.filename:
        raise DomainError("请选择文件", field=field)
    data = file.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DomainError(f"文件“{file.filename}”太大（最大 {max_bytes // (1024 * 1024)} MB）", field=field)
    if not data:
        raise DomainError(f"文件“{file.filename}”是空的", field=field)
    content_type = sniff(data[:16])
    if content_type not in allowed:
        kinds = "、".join(ext.lstrip(".").upper() for ext in dict.fromkeys(allowed.values()))
        raise DomainError(f"文件“{file.filename}”不是允许的格式（{kinds}）", field=field)
    safe_subdir = subdir.strip("/").replace("..", "")
    directory = os.path.join(current_app.config["UPLOAD_DIR"], safe_subdir)
    os.makedirs(directory, exist_ok=True)
    name = secrets.token_hex(16) + allowed[content_type]
    with open(os.path.join(directory, name), "wb") as out:
        out.write(data)
    return StoredFile(
        path=f"{safe_subdir}/{name}", content_type=content_type, size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(), original_name=file.filename[:200],
    )


def absolute(path: str) -> str:
    """The absolute path of a stored file, refusing anything outside UPLOAD_DIR."""
    root = os.path.realpath(current_app.config["UPLOAD_DIR"])
    full = os.path.realpath(os.path.join(root, path))
    if not full.startswith(root + os.sep):
        raise NotFound("文件不存在")
    return full


def send_stored(path: str, content_type: str, *, download_name: str | None = None):
    """Serve a stored file (the caller has checked scope); never cached by shared caches."""
    full = absolute(path)
    if not os.path.exists(full):
        raise NotFound("文件不存在")
    response = send_file(full, mimetype=content_type, download_name=download_name, as_attachment=bool(download_name))
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
