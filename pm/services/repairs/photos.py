"""报修照片: a request's photos at filing and at completion, kept in the one upload store."""
from __future__ import annotations

from werkzeug.datastructures import FileStorage

from pm.extensions import db
from pm.models import PhotoStage, RepairPhoto, RepairRequest, User
from pm.services import storage


def attach_photos(req: RepairRequest, files: list[FileStorage] | None, stage: PhotoStage, actor: User | None) -> None:
    """Store up to MAX_PHOTOS images of a stage (checked by content); on any bad file none is kept and the
    DomainError propagates."""
    already = len([p for p in req.photos if p.stage == stage]) if req.id else 0
    for s in storage.save_many(files, f"repairs/{req.compound_id}", already=already, field="photos"):
        db.session.add(RepairPhoto(request=req, stage=stage, path=s.path, content_type=s.content_type,
                                   size_bytes=s.size_bytes, sha256=s.sha256,
                                   uploaded_by_id=actor.id if actor else None))
