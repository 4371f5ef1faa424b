"""报修流程: the state machine of a repair request (accept → dispatch → work → complete → confirm/rate → close)."""
# Every step checks who acts and the current status (a step out of order is a Conflict and changes nothing),
# writes a RepairEvent (the timeline) and an audit row, and tells whoever must know. `allowed_actions` answers
# the same checks for a page, so a button is offered exactly when the step would be accepted.
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from pm.access import Scope, can
from pm.errors import Conflict, DomainError, Forbidden, NotFound
from pm.extensions import db
from pm.models import (
    Compound,
    PhotoStage,
    RepairEvent,
    RepairRequest,
    RepairStatus,
    Role,
    Team,
    User,
    team_members,
)
from pm.models.repairs import OPEN_STATUSES
from pm.services import audit, recipients, tallies
from pm.services.labels import label
from pm.services.messages import Message, stored
from pm.services.notifications import TO_RATE, mark_done, notify, repair_subject
from pm.services.repairs.photos import attach_photos
from pm.services.repairs.settings import setting
from pm.services.repairs.words import team_kind_for
from pm.services.text import N_, check_text
from pm.timeutil import LOCAL_TZ, utcnow

logger = logging.getLogger(__name__)

HANDLER, WORKER, FILER = "handler", "worker", "filer"  # who may take a step
DONE_STATUSES = (RepairStatus.COMPLETED, RepairStatus.CONFIRMED, RepairStatus.CLOSED)

E_NOT_HANDLER = N_("只有服务站人员可以处理工单")
E_NOT_FOUND = N_("工单不存在或不在您的权限范围内")
E_NOT_WORKER = N_("只有被派单人员或站长可以进行此操作")
E_NOT_FILER = N_("只有报修人本人可以进行此操作")
E_REOPEN_LATE = N_("完工超过 %(days)s 天的工单不能重新打开，请重新报修")
E_FUND_HOME = N_("维修资金只能用于共用部位、共用设施，户内报修不能申请")
E_FUND_REJECTED = N_("不予受理的工单不能申请维修资金")
E_FUND_LINKED = N_("该工单已关联使用方案")
E_CHANGED = N_("工单状态刚被他人更改，请刷新后重试")


@dataclass(frozen=True)
class Step:
    """One step of the workflow: the statuses it starts from, who takes it, and the refusal out of order."""

    statuses: tuple[RepairStatus, ...]
    by: str
    out_of_order: str | None  # msgid with %(status)s


STEPS: dict[str, Step] = {
    "accept": Step((RepairStatus.SUBMITTED,), HANDLER, N_("工单当前状态为“%(status)s”，不能受理")),
    "reject": Step((RepairStatus.SUBMITTED, RepairStatus.ACCEPTED), HANDLER,
                   N_("工单当前状态为“%(status)s”，不能不予受理")),
    "dispatch": Step((RepairStatus.SUBMITTED, RepairStatus.ACCEPTED), HANDLER,
                     N_("工单当前状态为“%(status)s”，不能派单")),
    "transfer": Step((RepairStatus.DISPATCHED, RepairStatus.IN_PROGRESS), HANDLER,
                     N_("工单当前状态为“%(status)s”，不能转派")),
    "start": Step((RepairStatus.DISPATCHED,), WORKER, N_("工单当前状态为“%(status)s”，不能开始处理")),
    "complete": Step((RepairStatus.IN_PROGRESS,), WORKER, N_("工单当前状态为“%(status)s”，不能完工")),
    "agree": Step(OPEN_STATUSES, HANDLER, N_("工单当前状态为“%(status)s”，不能约定时间")),
    "followup": Step(DONE_STATUSES, HANDLER, N_("工单当前状态为“%(status)s”，不能登记回访")),
    "fund": Step(tuple(RepairStatus), HANDLER, None),  # its own refusals (shared parts only, not rejected, once)
    "confirm": Step((RepairStatus.COMPLETED,), FILER, N_("工单当前状态为“%(status)s”，不能确认")),
    "reopen": Step(DONE_STATUSES, FILER, N_("工单当前状态为“%(status)s”，不能重新打开")),
}


@dataclass(frozen=True)
class Parts:
    """The parts a user plays for one request."""

    handles: bool  # a station role (capability repair.handle)
    in_scope: bool  # the request is in the user's scope
    works: bool  # the assigned staff member, or a station manager
    filed: bool  # the filer


def parts_of(req: RepairRequest, user: User, scope: Scope) -> Parts:
    """Who `user` is for `req` (one scope query)."""
    return Parts(
        handles=can(user, "repair.handle"),
        in_scope=scope.contains(RepairRequest, req.id),
        works=user.id == req.assignee_id or user.role == Role.STATION_MANAGER,
        filed=req.filer_user_id is not None and req.filer_user_id == user.id,
    )


def reopen_deadline(req: RepairRequest) -> datetime | None:
    """Until when the filer may reopen a completed request (None: not completed)."""
    if req.completed_at is None:
        return None
    return req.completed_at + timedelta(days=setting("REPAIR_REOPEN_DAYS"))


def refusal(action: str, req: RepairRequest, parts: Parts, now: datetime) -> DomainError | None:
    """Why `action` cannot be taken now by someone playing `parts` (None: it can)."""
    step = STEPS[action]
    if step.by == FILER:
        if not parts.filed:
            return Forbidden(E_NOT_FILER)
        if not parts.in_scope:
            return NotFound(E_NOT_FOUND)
    else:
        if not parts.handles:
            return Forbidden(E_NOT_HANDLER)
        if not parts.in_scope:
            return NotFound(E_NOT_FOUND)
    if action == "fund":
        return _fund_refusal(req)
    if req.status not in step.statuses:
        return Conflict(step.out_of_order, field="status", status=label(req.status))
    if step.by == WORKER and not parts.works:
        return Forbidden(E_NOT_WORKER)
    if action == "reopen":
        until = reopen_deadline(req)
        if until is None or now > until:
            return Conflict(E_REOPEN_LATE, field="status", days=setting("REPAIR_REOPEN_DAYS"))
    return None


def _fund_refusal(req: RepairRequest) -> DomainError | None:
    if not req.is_common_area:
        return DomainError(E_FUND_HOME, field="needs_fund")
    if req.status == RepairStatus.REJECTED:
        return Conflict(E_FUND_REJECTED, field="status")
    if req.use_plan_id is not None:
        return Conflict(E_FUND_LINKED, field="needs_fund")
    return None


def allowed_actions(req: RepairRequest, user: User, scope: Scope, now: datetime) -> frozenset[str]:
    """The steps `user` may take on `req` at `now` (what a page offers; the services check the same)."""
    parts = parts_of(req, user, scope)
    return frozenset(action for action in STEPS if refusal(action, req, parts, now) is None)


def require_step(action: str, req: RepairRequest, actor: User, scope: Scope, now: datetime) -> None:
    """Raise the refusal of `action`, if any."""
    err = refusal(action, req, parts_of(req, actor, scope), now)
    if err is not None:
        raise err


# -- the timeline ------------------------------------------------------------------------------------------
def record_event(req: RepairRequest, kind: str, from_status, to_status, actor: User | None, now: datetime,
                 note: str | None = None, message: Message | None = None) -> RepairEvent:
    """Append a step to the request's timeline (actor None: the system): `note` is what the actor typed, `message`
    what the system says (shown in the reader's language)."""
    event = RepairEvent(request=req, kind=kind, from_status=from_status and str(from_status),
                        to_status=to_status and str(to_status), actor_id=actor.id if actor else None,
                        note=note, message=stored(message), at=now)
    db.session.add(event)
    return event


def move(req: RepairRequest, to: RepairStatus, kind: str, actor: User | None, now: datetime,
         note: str | None = None, *, message: Message | None = None, **changes) -> None:
    """Change the status (with the given column changes), record the event and the audit row. The status moves
    by a guarded UPDATE (… WHERE status = the one read): a parallel step that moved it first makes this one a
    409, so a change is made — and counted in the compound's tallies — once."""
    before = req.status
    moved = db.session.execute(update(RepairRequest).where(RepairRequest.id == req.id, RepairRequest.status == before)
                               .values(status=to).execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        raise Conflict(E_CHANGED, field="status")
    tallies.bump(req.compound_id, tallies.change(tallies.repair_flags(before), tallies.repair_flags(to)))
    req.status = to
    req.updated_at = now
    for key, value in changes.items():
        setattr(req, key, value)
    record_event(req, kind, before, to, actor, now, note, message)
    db.session.flush()
    logger.info("repair %r %s by %r", req, kind, actor)
    audit.record(f"repair.{kind}", req, actor=actor, place=db.session.get(Compound, req.compound_id),
                 changes={"status": [before, to], **{k: v for k, v in changes.items() if not k.endswith("_at")},
                          **({"note": note} if note else {})})


def _tell_filer(req: RepairRequest, kind: str, title: Message) -> None:
    for user_id in recipients.enabled([req.filer_user_id]):
        notify(user_id, kind, title, link=f"/repairs/{req.id}", key=f"{kind}.{req.id}.{req.reopen_count}",
               compound_id=req.compound_id, subject=repair_subject(req.id))


def _event_count(req: RepairRequest) -> int:
    return db.session.scalar(select(func.count()).select_from(RepairEvent).where(RepairEvent.request_id == req.id))


# -- the steps ---------------------------------------------------------------------------------------------
def accept(req: RepairRequest, *, actor: User, scope: Scope, now: datetime | None = None) -> RepairRequest:
    """受理: the station takes the request on."""
    now = now or utcnow()
    require_step("accept", req, actor, scope, now)
    move(req, RepairStatus.ACCEPTED, "accepted", actor, now, accepted_at=now)
    return req


def reject(req: RepairRequest, *, actor: User, scope: Scope, reason: str, now: datetime | None = None) -> RepairRequest:
    """不予受理, with a reason the filer sees (e.g. a utility company's line, a private dispute)."""
    now = now or utcnow()
    require_step("reject", req, actor, scope, now)
    reason = check_text(reason, field="reason", label=N_("不予受理的理由"), max_len=200, min_len=2)
    move(req, RepairStatus.REJECTED, "rejected", actor, now, reason, rejected_at=now, reject_reason=reason)
    _tell_filer(req, "repair.rejected", Message(N_("您的报修 #%(id)s 未予受理：%(reason)s"),
                                                {"id": req.id, "reason": reason}))
    return req


def dispatch_teams(req: RepairRequest) -> list[Team]:
    """The station's teams with their members (whom the request may be dispatched to)."""
    if req.station_id is None:
        return []
    return list(db.session.scalars(select(Team).options(selectinload(Team.members))
                                   .where(Team.station_id == req.station_id).order_by(Team.id)))


def proposed_member(req: RepairRequest, teams: list[Team]) -> tuple[int, int] | None:
    """(team id, member id) a dispatch proposes: on transfer the current assignee; else the first member of the
    team that matches the category (the maintenance team for most), or of the first team that has members."""
    if req.team_id and req.assignee_id:
        return req.team_id, req.assignee_id
    kind = team_kind_for(req.category)
    staffed = sorted((t for t in teams if t.members), key=lambda t: t.kind != kind)
    return (staffed[0].id, staffed[0].members[0].id) if staffed else None


def _team_and_member(req: RepairRequest, team_id: int | None, assignee_id: int | None) -> tuple[Team, User]:
    if assignee_id is None:
        raise DomainError("请选择处理人员", field="assignee_id")
    team = db.session.get(Team, team_id) if team_id else None
    if team is None or team.station_id != req.station_id:
        raise DomainError("所选队伍不属于本服务站", field="team_id")
    member = db.session.scalar(
        select(User).join(team_members, team_members.c.user_id == User.id)
        .where(team_members.c.team_id == team.id, User.id == assignee_id, User.is_enabled.is_(True))
    )
    if member is None:
        raise DomainError("所选人员不是该队伍的成员", field="assignee_id")
    return team, member


def _to_whom(team: Team, member: User) -> Message:
    """"运维队 · 张三": the team (its given name, else its kind's label when shown) and the member."""
    return Message(N_("%(team)s · %(member)s"), {"team": team.name or team.kind, "member": member.display_name})


def _notify_assignee(req: RepairRequest, member: User, title: Message) -> None:
    notify(member, "repair.dispatched", title, body=req.description[:200], link=f"/repairs/{req.id}",
           key=f"repair.dispatched.{req.id}.{member.id}.{_event_count(req)}", compound_id=req.compound_id)


def dispatch(req: RepairRequest, *, actor: User, scope: Scope, team_id: int | None, assignee_id: int | None,
             now: datetime | None = None) -> RepairRequest:
    """派单: to a staff member of one of the station's teams (a submitted request is accepted on the way)."""
    now = now or utcnow()
    require_step("dispatch", req, actor, scope, now)
    team, member = _team_and_member(req, team_id, assignee_id)
    if req.status == RepairStatus.SUBMITTED:
        accept(req, actor=actor, scope=scope, now=now)
    move(req, RepairStatus.DISPATCHED, "dispatched", actor, now, message=_to_whom(team, member),
         dispatched_at=now, team_id=team.id, assignee_id=member.id)
    _notify_assignee(req, member, Message(N_("新派单：#%(id)s"), {"id": req.id}))
    return req


def transfer(req: RepairRequest, *, actor: User, scope: Scope, team_id: int | None, assignee_id: int | None,
             note: str | None = None, now: datetime | None = None) -> RepairRequest:
    """转派: to another team (or member) of the station; the work starts again from "dispatched"."""
    now = now or utcnow()
    require_step("transfer", req, actor, scope, now)
    note = check_text(note, field="note", label=N_("转派说明"), max_len=500, required=False)
    team, member = _team_and_member(req, team_id, assignee_id)
    if team.id == req.team_id and member.id == req.assignee_id:
        raise DomainError("已经派给该人员", field="assignee_id")
    move(req, RepairStatus.DISPATCHED, "transferred", actor, now, note, message=_to_whom(team, member),
         team_id=team.id, assignee_id=member.id, dispatched_at=now)
    _notify_assignee(req, member, Message(N_("转派工单：#%(id)s"), {"id": req.id}))
    return req


def start(req: RepairRequest, *, actor: User, scope: Scope, now: datetime | None = None) -> RepairRequest:
    """到场处理: the staff member is on site."""
    now = now or utcnow()
    require_step("start", req, actor, scope, now)
    move(req, RepairStatus.IN_PROGRESS, "started", actor, now, started_at=req.started_at or now)
    return req


def complete(req: RepairRequest, *, actor: User, scope: Scope, note: str, photos: list | None = None,
             now: datetime | None = None) -> RepairRequest:
    """完工, with a note and photos; the filer then confirms and rates."""
    now = now or utcnow()
    require_step("complete", req, actor, scope, now)
    note = check_text(note, field="note", label=N_("完工说明"), max_len=2000, min_len=2)
    attach_photos(req, photos, PhotoStage.COMPLETION, actor)
    move(req, RepairStatus.COMPLETED, "completed", actor, now, note, completed_at=now, completion_note=note)
    _tell_filer(req, "repair.completed", Message(N_("您的报修 #%(id)s 已完工，请确认并评价"), {"id": req.id}))
    return req


def confirm(req: RepairRequest, *, actor: User, scope: Scope, rating: int | None, comment: str | None = None,
            now: datetime | None = None) -> RepairRequest:
    """确认并评价 (1–5) by the filer; the request is then closed."""
    now = now or utcnow()
    require_step("confirm", req, actor, scope, now)
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise DomainError("评分应为 1–5 分", field="rating")
    comment = check_text(comment, field="comment", label=N_("评价"), max_len=500, required=False)
    move(req, RepairStatus.CONFIRMED, "confirmed", actor, now, comment, confirmed_at=now, rating=rating,
         rating_comment=comment)
    move(req, RepairStatus.CLOSED, "closed", actor, now, closed_at=now)
    mark_done([TO_RATE], [repair_subject(req.id)], now=now)
    return req


def reopen(req: RepairRequest, *, actor: User, scope: Scope, reason: str, now: datetime | None = None) -> RepairRequest:
    """返工: the filer reopens within N days of completion; back to the same staff member, counted."""
    now = now or utcnow()
    require_step("reopen", req, actor, scope, now)
    reason = check_text(reason, field="reason", label=N_("返工原因"), max_len=500, min_len=2)
    to = RepairStatus.DISPATCHED if req.assignee_id else RepairStatus.ACCEPTED
    move(req, to, "reopened", actor, now, reason, reopen_count=req.reopen_count + 1, completed_at=None,
         confirmed_at=None, closed_at=None, rating=None, rating_comment=None, escalation_level=0,
         dispatched_at=now if req.assignee_id else req.dispatched_at)
    mark_done([TO_RATE], [repair_subject(req.id)], now=now)  # answered: not fixed, so nothing to rate now
    managers = recipients.station_managers([req.station_id]).get(req.station_id, []) if req.station_id else []
    for user_id in recipients.enabled([*managers, req.assignee_id]):
        notify(user_id, "repair.reopened", Message(N_("工单返工：#%(id)s"), {"id": req.id}), body=reason, link=f"/repairs/{req.id}",
               key=f"repair.reopened.{req.id}.{req.reopen_count}.{user_id}", compound_id=req.compound_id)
    return req


def record_followup(req: RepairRequest, *, actor: User, scope: Scope, note: str,
                    now: datetime | None = None) -> RepairRequest:
    """回访: the station's follow-up call after completion."""
    now = now or utcnow()
    require_step("followup", req, actor, scope, now)
    note = check_text(note, field="note", label=N_("回访记录"), max_len=500, min_len=2)
    req.followup_at, req.followup_note, req.updated_at = now, note, now
    record_event(req, "followup", req.status, req.status, actor, now, note)
    db.session.flush()
    audit.record("repair.followup", req, actor=actor, changes={"followup_note": note},
                 place=db.session.get(Compound, req.compound_id))
    return req


def agree_time(req: RepairRequest, *, actor: User, scope: Scope, at: datetime | None,
               now: datetime | None = None) -> RepairRequest:
    """约定时间: completion at a time agreed with the filer (replaces the working-day deadline)."""
    now = now or utcnow()
    require_step("agree", req, actor, scope, now)
    if at is None or at.tzinfo is None:
        raise DomainError("请填写约定完成时间", field="agreed_at")
    if at <= now:
        raise DomainError("约定完成时间不能早于现在", field="agreed_at")
    if at > now + timedelta(days=366):
        raise DomainError("约定完成时间不能超过一年", field="agreed_at")
    before = req.completion_due_at
    req.completion_due_at, req.is_time_agreed, req.is_deadline_unknown, req.updated_at = at, True, False, now
    record_event(req, "agreed", req.status, req.status, actor, now, at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M"))
    db.session.flush()
    audit.record("repair.agree_time", req, actor=actor, changes={"completion_due_at": [before, at]},
                 place=db.session.get(Compound, req.compound_id))
    return req
