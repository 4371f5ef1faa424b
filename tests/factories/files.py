"""上传文件 factories: the smallest PNG the upload checks accept, as bytes and as a form upload."""
from __future__ import annotations

import io

from werkzeug.datastructures import FileStorage

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def png(name: str = "a.png", data: bytes = PNG) -> FileStorage:
    """An in-memory PNG upload."""
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type="image/png")
