"""督办与自动关闭: overdue requests escalate to the community, then the street office; unconfirmed ones close."""
# Both are jobs' work (pm/tasks/repairs.py), run with the SYSTEM scope. Escalation stores the level reached on
# the request and each notification has a dedupe key, so a rerun never notifies anyone twice.
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from pm.access import Scope
from pm.errors import Conflict
from pm.extensions import db
from pm.models import Community, Compound, RepairRequest, RepairStatus
from pm.services import recipients
from pm.services.messages import Message
from pm.services.notifications import TO_RATE, mark_done, notify, repair_subject
from pm.services.repairs.deadlines import first_missed_deadline
from pm.services.repairs.queue import overdue_clause
from pm.services.repairs.settings import setting
from pm.services.repairs.workflow import move, record_event
from pm.services.text import N_


def escalate_overdue(now: datetime, *, scope: Scope, batch: int = 1000) -> dict[str, int]:
    """督办: an overdue request notifies the community (level 1), and after N more hours the street office
    (level 2). Idempotent: the level is stored and each notification has a dedupe key."""
    counts = {"community": 0, "street": 0}
    street_after = timedelta(hours=setting("REPAIR_ESCALATE_STREET_HOURS"))
    last_id = 0
    while True:
        stmt = (select(RepairRequest, Compound.community_id, Community.street_id, Compound.name)
                .join(Compound, Compound.id == RepairRequest.compound_id)
                .join(Community, Community.id == Compound.community_id)
                .where(overdue_clause(now), RepairRequest.escalation_level < 2, RepairRequest.id > last_id)
                .order_by(RepairRequest.id).limit(batch))
        rows = db.session.execute(scope.filter(stmt, RepairRequest)).all()
        if not rows:
            break
        last_id = rows[-1][0].id
        by_community = recipients.community_officials({r[1] for r in rows})
        by_street = recipients.street_officials({r[2] for r in rows})
        for req, community_id, street_id, compound_name in rows:
            due = first_missed_deadline(req, now)
            title = {"compound": compound_name, "id": req.id}
            if req.escalation_level < 1:
                for user_id in by_community.get(community_id, []):
                    notify(user_id, "repair.overdue", Message(N_("报修超时：%(compound)s #%(id)s"), title),
                           body=req.description[:200], link=f"/repairs/{req.id}",
                           key=f"repair.overdue.{req.id}.{req.reopen_count}.community.{user_id}",
                           compound_id=req.compound_id)
                req.escalation_level = 1
                record_event(req, "escalated", req.status, req.status, None, now,
                             message=Message(N_("超时，已通知社区")))
                counts["community"] += 1
            elif due is not None and now - due >= street_after:
                for user_id in by_street.get(street_id, []):
                    notify(user_id, "repair.overdue",
                           Message(N_("报修超时：%(compound)s #%(id)s（社区督办后仍未办结）"), title),
                           body=req.description[:200], link=f"/repairs/{req.id}",
                           key=f"repair.overdue.{req.id}.{req.reopen_count}.street.{user_id}",
                           compound_id=req.compound_id)
                req.escalation_level = 2
                record_event(req, "escalated", req.status, req.status, None, now,
                             message=Message(N_("超时，已通知街道办事处")))
                counts["street"] += 1
        db.session.flush()
        if len(rows) < batch:
            break
    return counts


def auto_close(now: datetime, *, scope: Scope) -> dict[str, int]:
    """自动关闭: completed requests the filer has not confirmed within N days."""
    limit = now - timedelta(days=setting("REPAIR_AUTO_CLOSE_DAYS"))
    rows = db.session.scalars(scope.select(RepairRequest).where(
        RepairRequest.status == RepairStatus.COMPLETED, RepairRequest.completed_at < limit)).all()
    closed = []
    for req in rows:
        try:
            with db.session.begin_nested():
                move(req, RepairStatus.CLOSED, "auto_closed", None, now, closed_at=now,
                     message=Message(N_("报修人未在规定时间内确认，系统自动关闭")))
        except Conflict:  # confirmed or reopened by the filer a moment ago: theirs stands
            continue
        closed.append(req)
    mark_done([TO_RATE], [repair_subject(req.id) for req in closed], now=now)  # nothing left to rate
    return {"closed": len(closed)}
