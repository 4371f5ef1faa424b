"""方案材料: quotations, contracts and acceptance reports of a plan, kept by the shared upload store and served by
the one download endpoint (/files/plan_document/<id>) to whoever may see the plan."""
from __future__ import annotations

import logging

from pm.access import Scope, can
from pm.errors import Conflict
from pm.extensions import db
from pm.models import User
from pm.models.fund import PlanDocument, UsePlan
from pm.services import storage
from pm.services.fund.plans.policy import ENDED, audit_plan, require_in_scope

logger = logging.getLogger(__name__)

KIND = "plan_document"
MAX_DOCUMENT_BYTES = storage.MAX_DOCUMENT_BYTES

storage.register_kind(KIND, PlanDocument, path_attr="stored_path", type_attr="content_type", name_attr="filename")


def may_add_document(plan: UsePlan, actor: User | None) -> bool:
    """Proposers add documents until the plan is charged, cancelled or rejected (the compound scope is checked
    when the plan is loaded and again when adding)."""
    return can(actor, "fund.plan.propose") and plan.status not in ENDED


def add_document(plan: UsePlan, *, filename: str | None, data: bytes, actor: User, scope: Scope) -> PlanDocument:
    """Store a plan document (PDF, JPEG or PNG by content; at most 10 MB) under UPLOAD_DIR/plans/<plan>/."""
    require_in_scope(scope, actor, plan.compound_id, "fund.plan.propose")
    if plan.status in ENDED:
        raise Conflict("该方案已结束，不能再上传材料", field="status")
    stored = storage.save(data, f"plans/{plan.id}", allowed=storage.DOCUMENT_TYPES,
                          max_bytes=storage.MAX_DOCUMENT_BYTES, field="file", filename=filename)
    name = stored.original_name or f"document{storage.DOCUMENT_TYPES[stored.content_type]}"
    doc = PlanDocument(plan_id=plan.id, filename=name, stored_path=stored.path, content_type=stored.content_type,
                       size_bytes=stored.size_bytes, uploaded_by_id=actor.id)
    db.session.add(doc)
    try:
        db.session.flush()
    except Exception:
        storage.discard([stored.path])
        raise
    audit_plan("plan.document", plan, actor, {"document_id": doc.id, "filename": name, "size_bytes": stored.size_bytes})
    logger.info("document %r stored for plan %r by %r", doc, plan, actor)
    return doc


def documents_of(plan: UsePlan, scope: Scope) -> list[PlanDocument]:
    """The plan's documents the user may see, in upload order."""
    return list(db.session.scalars(scope.select(PlanDocument).where(PlanDocument.plan_id == plan.id)
                                   .order_by(PlanDocument.id)))
