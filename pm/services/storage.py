"""上传文件: the one store of uploads — checked by content and size, kept under UPLOAD_DIR, served after a scope check."""
# Callers keep StoredFile.path (relative to UPLOAD_DIR) and content_type on their own row, discard() what they
# stored when their write fails, and register their row type with register_kind() so that the one download
# endpoint (pm.blueprints.files) serves it to the users whose scope includes the row. Never in the database.
from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app, send_file
from flask_babel import gettext
from werkzeug.datastructures import FileStorage

from pm.access import require
from pm.errors import DomainError, NotFound
from pm.services.text import N_

logger = logging.getLogger(__name__)

IMAGE_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
DOCUMENT_TYPES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
ALL_TYPES = {**IMAGE_TYPES, **DOCUMENT_TYPES}
MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 6

E_MISSING = N_("请选择文件")
E_EMPTY = N_("文件“%(name)s”是空的")
E_TOO_BIG = N_("文件“%(name)s”太大（最大 %(max)s）")
E_TYPE = N_("文件“%(name)s”不是允许的格式（%(kinds)s）")
E_TOO_MANY = N_("最多上传 %(max)s 张照片")
E_STORE = N_("服务器无法保存上传的文件，请稍后重试")
E_NOT_FOUND = N_("文件不存在")
UNNAMED = N_("上传的文件")

_SUBDIR = re.compile(r"^[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*$")
_KIND = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


@dataclass(frozen=True)
class StoredFile:
    """A file written under UPLOAD_DIR: where (relative path), what it is, and the name the user gave it."""

    path: str
    content_type: str
    size_bytes: int
    sha256: str
    original_name: str


def sniff(head: bytes) -> str | None:
    """The content type from the first bytes of a file (JPEG, PNG, WebP, PDF), or None for anything else."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def _size(limit: int) -> str:
    if limit >= 1024 * 1024 and limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MB"
    if limit >= 1024 and limit % 1024 == 0:
        return f"{limit // 1024} KB"
    return f"{limit} B"


def _shown_name(name: str | None) -> str:
    """The user's file name without any directory part, at most 200 characters."""
    return os.path.basename((name or "").replace("\\", "/")).strip()[:200]


# The extensions a stored type may keep in its file name; the first is given when the user's name has another.
EXTENSIONS = {"image/jpeg": (".jpg", ".jpeg"), "image/png": (".png",), "image/webp": (".webp",),
              "application/pdf": (".pdf",)}


def safe_name(name: str, content_type: str) -> str:
    """The user's file name as kept and offered for download: no directory, no control characters, one extension
    and it matches the checked type ("invoice.html" holding a PDF → "invoice.pdf", "a.php.png" → "a_php.png")."""
    stem, ext = os.path.splitext(_shown_name(name))
    stem = "".join(ch for ch in stem if not unicodedata.category(ch).startswith("C")).replace(".", "_").strip(" _")
    allowed = EXTENSIONS.get(content_type, ())
    ext = ext.lower() if ext.lower() in allowed else (allowed[0] if allowed else "")
    return f"{(stem or 'file')[:190]}{ext}" if (stem or name) else ""


def _root() -> str:
    return os.path.realpath(current_app.config["UPLOAD_DIR"])


def save(file_or_bytes: FileStorage | bytes | None, subdir: str, *, allowed: dict[str, str] = IMAGE_TYPES,
         max_bytes: int = MAX_IMAGE_BYTES, field: str = "photos", filename: str | None = None) -> StoredFile:
    """Check a file's content type (by its bytes) and size, then write it under UPLOAD_DIR/subdir with a random
    name. `subdir` is chosen by the code ("repairs/12"), never by the user."""
    if not _SUBDIR.match(subdir or ""):
        raise ValueError(f"invalid upload subdirectory {subdir!r}")
    if isinstance(file_or_bytes, FileStorage):
        if not file_or_bytes.filename:
            raise DomainError(E_MISSING, field=field)
        name = _shown_name(filename or file_or_bytes.filename)
        data = file_or_bytes.stream.read(max_bytes + 1)
    elif isinstance(file_or_bytes, (bytes, bytearray)):
        name, data = _shown_name(filename), bytes(file_or_bytes)
    else:
        raise DomainError(E_MISSING, field=field)
    shown = name or gettext(UNNAMED)
    if not data:
        raise DomainError(gettext(E_EMPTY, name=shown), field=field)
    if len(data) > max_bytes:
        raise DomainError(gettext(E_TOO_BIG, name=shown, max=_size(max_bytes)), field=field)
    content_type = sniff(data[:16])
    if content_type not in allowed:
        kinds = "、".join(ext.lstrip(".").upper() for ext in dict.fromkeys(allowed.values()))
        raise DomainError(gettext(E_TYPE, name=shown, kinds=kinds), field=field)
    relative = f"{subdir}/{secrets.token_hex(16)}{allowed[content_type]}"
    full = os.path.join(_root(), relative)
    try:
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "xb") as out:
            out.write(data)
    except OSError:
        logger.exception("cannot store upload %s", relative)
        raise DomainError(E_STORE, field=field) from None
    return StoredFile(path=relative, content_type=content_type, size_bytes=len(data),
                      sha256=hashlib.sha256(data).hexdigest(), original_name=safe_name(name, content_type))


def save_many(files: Iterable[FileStorage | None] | None, subdir: str, *, max_count: int = MAX_PHOTOS,
              already: int = 0, allowed: dict[str, str] = IMAGE_TYPES, max_bytes: int = MAX_IMAGE_BYTES,
              field: str = "photos") -> list[StoredFile]:
    """Store several files (empty file inputs are ignored): all of them, or — on any bad one — none.

    `already` counts the files the row has, so that at most `max_count` are ever attached."""
    files = [f for f in files or [] if f is not None and f.filename]
    if len(files) + already > max_count:
        raise DomainError(gettext(E_TOO_MANY, max=max_count), field=field)
    stored: list[StoredFile] = []
    try:
        for f in files:
            stored.append(save(f, subdir, allowed=allowed, max_bytes=max_bytes, field=field))
    except DomainError:
        discard(s.path for s in stored)
        raise
    return stored


def absolute(path: str) -> str:
    """The absolute path of a stored file; anything that would leave UPLOAD_DIR is NotFound."""
    if not path or "\x00" in path or os.path.isabs(path) or "\\" in path:
        raise NotFound(E_NOT_FOUND)
    root = _root()
    full = os.path.realpath(os.path.join(root, path))
    if not full.startswith(root + os.sep):
        logger.warning("refused stored path outside UPLOAD_DIR: %r", path)
        raise NotFound(E_NOT_FOUND)
    return full


def discard(paths: Iterable[str | None]) -> None:
    """Remove stored files whose rows were not written (a failed request must leave no orphan on disk)."""
    for path in paths:
        if not path:
            continue
        try:
            os.remove(absolute(path))
        except (FileNotFoundError, NotFound):
            pass


def send(path: str, content_type: str, *, download_name: str | None = None, as_attachment: bool | None = None):
    """Serve a stored file (the caller has checked scope): images inline, anything else as an attachment;
    a type this store never writes is sent as an opaque download. Never cached (a shared computer keeps nothing)."""
    full = absolute(path)
    if not os.path.isfile(full):
        raise NotFound(E_NOT_FOUND)
    if content_type not in ALL_TYPES:
        content_type, as_attachment = "application/octet-stream", True
    if as_attachment is None:
        as_attachment = not content_type.startswith("image/")
    if as_attachment and not download_name:
        download_name = "file" + ALL_TYPES.get(content_type, "")
    response = send_file(full, mimetype=content_type, as_attachment=as_attachment, download_name=download_name)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# -- kinds served by the one download endpoint ---------------------------------------------------------------
@dataclass(frozen=True)
class FileKind:
    """A model whose rows point at stored files: which attributes hold the path, type and original name, and
    the capability a user needs besides having the row in scope."""

    model: type
    path_attr: str
    type_attr: str
    name_attr: str | None = None
    capability: str | None = None


_KINDS: dict[str, FileKind] = {}


def register_kind(kind: str, model: type, *, path_attr: str, type_attr: str, name_attr: str | None = None,
                  capability: str | None = None) -> None:
    """Serve rows of `model` at /files/<kind>/<id> (scope rule of the model applies). Registering the same kind
    again with the same settings is harmless; with other settings it is refused."""
    if not _KIND.match(kind):
        raise ValueError(f"invalid file kind {kind!r}")
    for attr in (path_attr, type_attr, name_attr):
        if attr is not None and not hasattr(model, attr):
            raise ValueError(f"{model.__name__} has no attribute {attr!r}")
    spec = FileKind(model, path_attr, type_attr, name_attr, capability)
    if _KINDS.setdefault(kind, spec) != spec:
        raise ValueError(f"file kind {kind!r} is already registered differently")


def kind_of(kind: str) -> FileKind:
    """The registered kind, or NotFound (an unknown kind looks like a missing file)."""
    try:
        return _KINDS[kind]
    except KeyError:
        raise NotFound(E_NOT_FOUND) from None


def serve(scope, user, kind: str, file_id: int):
    """The one scoped download (the /files page and GET /api/v1/files): 404 when the kind is unknown, the row is
    outside the user's scope, it has no file, or its stored path leaves UPLOAD_DIR; images inline, documents as
    attachments. `scope` is the caller's pm.access.Scope (its get() applies the model's rule)."""
    spec = kind_of(kind)
    if spec.capability:
        require(user, spec.capability)
    row = scope.get(spec.model, file_id)
    path = getattr(row, spec.path_attr)
    if not path:
        raise NotFound(E_NOT_FOUND)
    name = getattr(row, spec.name_attr) if spec.name_attr else None
    return send(path, getattr(row, spec.type_attr), download_name=name or None)


def kinds() -> dict[str, FileKind]:
    """The registered kinds (a copy)."""
    return dict(_KINDS)
