"""报事报修: filing, the workflow (accept → dispatch → work → complete → confirm/rate → close), deadlines,
the station queue, escalation of overdue requests and the monthly metrics of a station.

Every step checks the current status (a step out of order is a Conflict and changes nothing), writes a
RepairEvent (the timeline) and an audit row, and sends the notifications the issue lists. Time is passed in
as `now` so the rules can be tested at any moment.
"""
from __future__ import annotations

import logging
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from flask import current_app, has_app_context
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import FileStorage

from pm.access import Scope, can
from pm.errors import Conflict, DomainError, Forbidden, NotFound
from pm.extensions import db
from pm.models import (
    Building,
    Community,
    Compound,
    DeadlineRule,
    Household,
    PhotoStage,
    RepairCategory,
    RepairEvent,
    RepairPhoto,
    RepairPortal,
    RepairRequest,
    RepairStatus,
    Role,
    StreetOffice,
    Team,
    Unit,
    Urgency,
    User,
    station_compounds,
    team_members,
)
from pm.models.repairs import OPEN_STATUSES
from pm.models.types import MAX_PHOTOS
from pm.services import audit, uploads
from pm.services.notifications import notify
from pm.services.repairs.workdays import Calendar, add_workdays
from pm.timeutil import LOCAL_TZ, utcnow

logger = logging.getLogger(__name__)

# Categories in which an emergency (特急) can be reported: burst pipe, drains, power cut, people trapped in an
# elevator; gas and fire-system failures are filed as "other" (domain.md "Repair requests").
EMERGENCY_CATEGORIES = frozenset({
    RepairCategory.WATER_SUPPLY, RepairCategory.DRAINAGE, RepairCategory.POWER, RepairCategory.ELEVATOR,
    RepairCategory.OTHER,
})
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")

DEFAULTS = {  # county-configurable through DeadlineRule; these apply when no row matches
    "REPAIR_REOPEN_DAYS": 7,  # the filer may reopen within this many days of completion
    "REPAIR_AUTO_CLOSE_DAYS": 3,  # completed and not confirmed for this long → closed by the job
    "REPAIR_PUBLIC_PER_PHONE_HOUR": 5,  # public page: requests per phone number per hour
    "REPAIR_PUBLIC_PER_IP_HOUR": 10,  # public page: requests per IP address per hour
    "REPAIR_ESCALATE_STREET_HOURS": 24,  # overdue this long past the first escalation → the street office
}


def setting(name: str) -> int:
    """A repair setting from the app config, or its default."""
    if has_app_context():
        return int(current_app.config.get(name, DEFAULTS[name]))
    return DEFAULTS[name]


# -- deadlines ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RuleValues:
    response_minutes: int
    onsite_minutes: int | None
    completion_workdays: int | None
    completion_hours: int | None


def default_rule(category: RepairCategory, urgency: Urgency, grade: int) -> RuleValues:
    """domain.md: emergencies on site in 30 min at grade 1, 1 h otherwise; ordinary answered in 24 h, done in
    2 working days. Urgent (not an emergency) sits between: answered in 2 h, on site in 4 h, done in 1 working day."""
    if urgency == Urgency.EMERGENCY:
        return RuleValues(15, 30 if grade == 1 else 60, None, 24)
    if urgency == Urgency.URGENT:
        return RuleValues(120, 240, 1, None)
    return RuleValues(24 * 60, None, 2, None)


def county_id_of(compound_id: int) -> int | None:
    """The county of a compound, in one query."""
    return db.session.scalar(
        select(StreetOffice.county_id)
        .join(Community, Community.street_id == StreetOffice.id)
        .join(Compound, Compound.community_id == Community.id)
        .where(Compound.id == compound_id)
    )


def rule_for(county_id: int | None, category: RepairCategory, urgency: Urgency, grade: int) -> RuleValues:
    """The most specific DeadlineRule of the county (category and grade beat "any"), else the defaults."""
    if county_id is not None:
        rows = db.session.scalars(
            select(DeadlineRule).where(
                DeadlineRule.county_id == county_id,
                DeadlineRule.urgency == urgency,
                or_(DeadlineRule.category.is_(None), DeadlineRule.category == category),
                or_(DeadlineRule.service_grade.is_(None), DeadlineRule.service_grade == grade),
            )
        ).all()
        if rows:
            best = max(rows, key=lambda r: (r.category is not None, r.service_grade is not None))
            return RuleValues(best.response_minutes, best.onsite_minutes, best.completion_workdays,
                              best.completion_hours)
    return default_rule(category, urgency, grade)


def compute_deadlines(req: RepairRequest, compound: Compound, county_id: int | None) -> None:
    """Set the response, on-site and completion deadlines of a request from its filing time."""
    rule = rule_for(county_id, req.category, req.urgency, compound.service_grade or 2)
    start = req.submitted_at
    req.response_due_at = start + timedelta(minutes=rule.response_minutes)
    req.onsite_due_at = start + timedelta(minutes=rule.onsite_minutes) if rule.onsite_minutes else None
    req.is_deadline_unknown = False
    if rule.completion_hours:
        req.completion_due_at = start + timedelta(hours=rule.completion_hours)
    elif rule.completion_workdays:
        due = add_workdays(start, rule.completion_workdays, Calendar(county_id))
        req.completion_due_at = due.at
        req.is_deadline_unknown = due.unknown
    else:
        req.completion_due_at = None


def upsert_rule(county_id: int, *, actor: User, category: RepairCategory | None, urgency: Urgency,
                service_grade: int | None, response_minutes: int, onsite_minutes: int | None,
                completion_workdays: int | None, completion_hours: int | None) -> DeadlineRule:
    """Set a county's deadline rule (county administrators; capability repair.rules)."""
    if not can(actor, "repair.rules"):
        raise Forbidden("您的角色无权进行此操作")
    if service_grade is not None and not 1 <= service_grade <= 5:
        raise DomainError("服务等级应为 1–5", field="service_grade")
    for name, value in (("response_minutes", response_minutes), ("onsite_minutes", onsite_minutes),
                        ("completion_workdays", completion_workdays), ("completion_hours", completion_hours)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value <= 0):
            raise DomainError("时限必须是正整数", field=name)
    if response_minutes is None:
        raise DomainError("请填写响应时限", field="response_minutes")
    if completion_workdays and completion_hours:
        raise DomainError("完成时限只能填写工作日或小时之一", field="completion_hours")
    row = db.session.scalar(select(DeadlineRule).where(
        DeadlineRule.county_id == county_id, DeadlineRule.urgency == urgency,
        DeadlineRule.category.is_(None) if category is None else DeadlineRule.category == category,
        DeadlineRule.service_grade.is_(None) if service_grade is None else DeadlineRule.service_grade == service_grade,
    ))
    values = {"response_minutes": response_minutes, "onsite_minutes": onsite_minutes,
              "completion_workdays": completion_workdays, "completion_hours": completion_hours}
    if row is None:
        row = DeadlineRule(county_id=county_id, category=category, urgency=urgency, service_grade=service_grade,
                           **values)
        db.session.add(row)
        changes = {"category": category, "urgency": urgency, "service_grade": service_grade, **values}
    else:
        changes = audit.diff(row, values)
        for key, value in values.items():
            setattr(row, key, value)
    db.session.flush()
    from pm.models import County

    audit.record("repair.rule", row, actor=actor, changes=changes, place=db.session.get(County, county_id))
    return row


# -- filing ------------------------------------------------------------------------------------------------
def _enum(cls, value, field: str, message: str):
    try:
        return cls(value)
    except ValueError:
        raise DomainError(message, field=field) from None


def station_of(compound_id: int) -> int | None:
    """The station that keeps a compound (the first by id when several share it)."""
    return db.session.scalar(
        select(func.min(station_compounds.c.station_id)).where(station_compounds.c.compound_id == compound_id)
    )


def _check_text(value: str | None, field: str, label: str, max_len: int, *, min_len: int = 0) -> str | None:
    value = (value or "").strip()
    if len(value) < min_len:
        raise DomainError(f"请填写{label}（至少 {min_len} 个字）" if min_len > 1 else f"请填写{label}", field=field)
    if len(value) > max_len:
        raise DomainError(f"{label}不能超过 {max_len} 个字", field=field)
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value):
        raise DomainError(f"{label}不能包含控制字符", field=field)
    return value or None


def _save_photos(req: RepairRequest, files: list[FileStorage], stage: PhotoStage, actor: User | None) -> None:
    """Store up to MAX_PHOTOS images (by content); on any bad file remove what was stored and raise."""
    files = [f for f in files or [] if f is not None and f.filename]
    already = len([p for p in req.photos if p.stage == stage]) if req.id else 0
    if len(files) + already > MAX_PHOTOS:
        raise DomainError(f"最多上传 {MAX_PHOTOS} 张照片", field="photos")
    stored = []
    try:
        for f in files:
            stored.append(uploads.save(f, f"repairs/{req.compound_id}", field="photos"))
    except DomainError:
        for s in stored:
            try:
                os.remove(uploads.absolute(s.path))
            except OSError:  # pragma: no cover - already gone
                pass
        raise
    for s in stored:
        db.session.add(RepairPhoto(request=req, stage=stage, path=s.path, content_type=s.content_type,
                                   size_bytes=s.size_bytes, sha256=s.sha256,
                                   uploaded_by_id=actor.id if actor else None))


def _location(compound: Compound, actor: User | None, scope: Scope | None, household_id: int | None,
              building_id: int | None, unit_id: int | None) -> tuple[int | None, int | None, int | None]:
    """Validate the place: the filer's own household, or a common area of the compound (building/unit)."""
    if household_id is not None:
        household = db.session.get(Household, household_id)
        if household is None or household.compound_id != compound.id:
            raise DomainError("所选房屋不属于该小区", field="household_id")
        if actor is None:
            raise DomainError("未登录时只能报修公共区域", field="household_id")
        if scope is not None and scope.is_household_bound and not scope.contains(Household, household_id):
            raise DomainError("只能为自己的房屋报修", field="household_id")
        return household.id, household.building_id, household.unit_id
    if unit_id is not None:
        unit = db.session.get(Unit, unit_id)
        if unit is None or unit.compound_id != compound.id:
            raise DomainError("所选单元不属于该小区", field="unit_id")
        return None, unit.building_id, unit.id
    if building_id is not None:
        building = db.session.get(Building, building_id)
        if building is None or building.compound_id != compound.id:
            raise DomainError("所选楼栋不属于该小区", field="building_id")
        return None, building.id, None
    return None, None, None


def file_request(compound: Compound, *, actor: User | None, scope: Scope | None, category, urgency,
                 description: str, household_id: int | None = None, building_id: int | None = None,
                 unit_id: int | None = None, location_note: str | None = None, photos: list | None = None,
                 filer_name: str | None = None, filer_phone: str | None = None, ip: str | None = None,
                 now: datetime | None = None) -> RepairRequest:
    """File a repair request: by a logged-in user with the compound in scope, or (actor None) from the public
    page with a phone number, rate-limited per phone and per IP address in the database."""
    now = now or utcnow()
    if actor is not None and scope is not None and not scope.contains(Compound, compound.id):
        raise NotFound("该小区不存在或不在您的权限范围内")
    category = _enum(RepairCategory, category, "category", "请选择报修类别")
    urgency = _enum(Urgency, urgency or Urgency.NORMAL, "urgency", "请选择紧急程度")
    if urgency == Urgency.EMERGENCY and category not in EMERGENCY_CATEGORIES:
        raise DomainError("该类别不属于紧急抢修（爆管、停电、燃气、电梯困人、消防设施），请选择“一般”或“紧急”",
                          field="urgency")
    description = _check_text(description, "description", "问题描述", 2000, min_len=5)
    location_note = _check_text(location_note, "location_note", "具体位置", 200)
    filer_name = _check_text(filer_name, "filer_name", "姓名", 64)
    if actor is None:
        filer_phone = (filer_phone or "").strip().replace(" ", "").replace("-", "")
        if not PHONE_RE.match(filer_phone):
            raise DomainError("请填写 11 位手机号码", field="filer_phone")
        check_rate_limit(filer_phone, ip, now=now)
    else:
        filer_phone = (filer_phone or actor.phone or None)
        if filer_phone and len(filer_phone) > 20:
            raise DomainError("电话号码格式不正确", field="filer_phone")
    hh, b, u = _location(compound, actor, scope, household_id, building_id, unit_id)
    req = RepairRequest(
        compound_id=compound.id, station_id=station_of(compound.id), household_id=hh, building_id=b, unit_id=u,
        location_note=location_note, category=category, urgency=urgency, description=description,
        status=RepairStatus.SUBMITTED, filer_user_id=actor.id if actor else None,
        filer_name=filer_name or (actor.display_name if actor else None), filer_phone=filer_phone,
        filer_ip=(ip or None) and ip[:45], submitted_at=now, reopen_count=0, escalation_level=0,
        needs_fund=False, is_time_agreed=False, updated_at=now,
    )
    compute_deadlines(req, compound, county_id_of(compound.id))
    db.session.add(req)
    db.session.flush()
    _save_photos(req, photos or [], PhotoStage.FILING, actor)
    _event(req, "submitted", None, RepairStatus.SUBMITTED, actor, now, description[:200])
    db.session.flush()
    audit.record("repair.file", req, actor=actor, place=compound, changes={
        "category": category, "urgency": urgency, "household_id": hh, "building_id": b, "unit_id": u,
        "public": actor is None,
    })
    for user in station_managers(req.station_id):
        notify(user, "repair.new", f"新报修：{compound.name} #{req.id}", body=description[:200],
               link=f"/repairs/{req.id}", key=f"repair.new.{req.id}.{user.id}", compound_id=compound.id)
    logger.info("repair filed %r by %r", req, actor)
    return req


def check_rate_limit(phone: str | None, ip: str | None, *, now: datetime) -> None:
    """Public filing: at most N requests per phone number and M per IP address in the last hour (counted in
    the database, so every worker process sees the same count)."""
    since = now - timedelta(hours=1)
    if phone:
        n = db.session.scalar(select(func.count()).select_from(RepairRequest).where(
            RepairRequest.filer_phone == phone, RepairRequest.submitted_at > since,
            RepairRequest.filer_user_id.is_(None)))
        if n >= setting("REPAIR_PUBLIC_PER_PHONE_HOUR"):
            raise DomainError("该手机号一小时内提交的报修过多，请稍后再试，或拨打服务站电话", field="filer_phone")
    if ip:
        n = db.session.scalar(select(func.count()).select_from(RepairRequest).where(
            RepairRequest.filer_ip == ip, RepairRequest.submitted_at > since, RepairRequest.filer_user_id.is_(None)))
        if n >= setting("REPAIR_PUBLIC_PER_IP_HOUR"):
            raise DomainError("本网络一小时内提交的报修过多，请稍后再试，或拨打服务站电话", field="filer_phone")


def station_managers(station_id: int | None) -> list[User]:
    """Who hears of a new request: the station's managers (its staff when it has no manager)."""
    if station_id is None:
        return []
    users = db.session.scalars(select(User).where(
        User.station_id == station_id, User.is_enabled.is_(True),
        User.role.in_([Role.STATION_MANAGER, Role.STATION_STAFF])).order_by(User.id)).all()
    managers = [u for u in users if u.role == Role.STATION_MANAGER]
    return managers or users


# -- portal (QR code) --------------------------------------------------------------------------------------
def find_portal(compound: Compound) -> RepairPortal | None:
    """The compound's public filing page, if one was made."""
    return db.session.scalar(select(RepairPortal).where(RepairPortal.compound_id == compound.id))


def portal_for(compound: Compound) -> RepairPortal:
    """The compound's public filing page (made on first use)."""
    portal = find_portal(compound)
    if portal is None:
        portal = RepairPortal(compound_id=compound.id, token=secrets.token_urlsafe(18), created_at=utcnow())
        db.session.add(portal)
        db.session.flush()
    return portal


def compound_for_token(token: str) -> Compound:
    """The compound of a public page token, or NotFound."""
    if not token or len(token) > 48:
        raise NotFound("报修页面不存在")
    compound = db.session.scalar(
        select(Compound).join(RepairPortal, RepairPortal.compound_id == Compound.id).where(RepairPortal.token == token)
    )
    if compound is None:
        raise NotFound("报修页面不存在")
    return compound


# -- workflow ----------------------------------------------------------------------------------------------
STATUS_LABELS = {
    RepairStatus.SUBMITTED: "已提交", RepairStatus.ACCEPTED: "已受理", RepairStatus.DISPATCHED: "已派单",
    RepairStatus.IN_PROGRESS: "处理中", RepairStatus.COMPLETED: "已完工", RepairStatus.CONFIRMED: "已确认",
    RepairStatus.CLOSED: "已关闭", RepairStatus.REJECTED: "不予受理",
}


def _event(req: RepairRequest, kind: str, from_status, to_status, actor: User | None, now: datetime,
           note: str | None = None) -> RepairEvent:
    event = RepairEvent(request=req, kind=kind, from_status=from_status and str(from_status),
                        to_status=to_status and str(to_status), actor_id=actor.id if actor else None,
                        note=note, at=now)
    db.session.add(event)
    return event


def _require_status(req: RepairRequest, allowed: tuple, action: str) -> None:
    if req.status not in allowed:
        raise Conflict(f"工单当前状态为“{STATUS_LABELS[req.status]}”，不能{action}", field="status")


def _require_handler(actor: User | None, scope: Scope, req: RepairRequest) -> None:
    if not can(actor, "repair.handle"):
        raise Forbidden("只有服务站人员可以处理工单")
    if not scope.contains(RepairRequest, req.id):
        raise NotFound("工单不存在或不在您的权限范围内")


def _require_filer(actor: User | None, req: RepairRequest) -> None:
    if actor is None or req.filer_user_id != actor.id:
        raise Forbidden("只有报修人本人可以进行此操作")


def _move(req: RepairRequest, to: RepairStatus, kind: str, actor: User | None, now: datetime,
          note: str | None = None, **changes) -> None:
    before = req.status
    req.status = to
    req.updated_at = now
    for key, value in changes.items():
        setattr(req, key, value)
    _event(req, kind, before, to, actor, now, note)
    db.session.flush()
    audit.record(f"repair.{kind}", req, actor=actor, place=db.session.get(Compound, req.compound_id),
                 changes={"status": [before, to], **{k: v for k, v in changes.items() if not k.endswith("_at")},
                          **({"note": note} if note else {})})


def accept(req: RepairRequest, *, actor: User, scope: Scope, now: datetime | None = None) -> RepairRequest:
    """受理: the station takes the request on."""
    now = now or utcnow()
    _require_handler(actor, scope, req)
    _require_status(req, (RepairStatus.SUBMITTED,), "受理")
    _move(req, RepairStatus.ACCEPTED, "accepted", actor, now, accepted_at=now)
    return req


def reject(req: RepairRequest, *, actor: User, scope: Scope, reason: str, now: datetime | None = None) -> RepairRequest:
    """不予受理, with a reason the filer sees (e.g. a utility company's line, a private dispute)."""
    now = now or utcnow()
    _require_handler(actor, scope, req)
    reason = _check_text(reason, "reason", "不予受理的理由", 200, min_len=2)
    _require_status(req, (RepairStatus.SUBMITTED, RepairStatus.ACCEPTED), "不予受理")
    _move(req, RepairStatus.REJECTED, "rejected", actor, now, reason, rejected_at=now, reject_reason=reason)
    _tell_filer(req, "repair.rejected", f"您的报修 #{req.id} 未予受理：{reason}")
    return req


def _team_and_member(req: RepairRequest, team_id: int, assignee_id: int | None) -> tuple[Team, User | None]:
    team = db.session.get(Team, team_id) if team_id else None
    if team is None or team.station_id != req.station_id:
        raise DomainError("所选队伍不属于本服务站", field="team_id")
    member = None
    if assignee_id is not None:
        member = db.session.scalar(
            select(User).join(team_members, team_members.c.user_id == User.id)
            .where(team_members.c.team_id == team.id, User.id == assignee_id, User.is_enabled.is_(True))
        )
        if member is None:
            raise DomainError("所选人员不是该队伍的成员", field="assignee_id")
    return team, member


def dispatch(req: RepairRequest, *, actor: User, scope: Scope, team_id: int, assignee_id: int,
             now: datetime | None = None) -> RepairRequest:
    """派单: to a staff member of one of the station's teams (a submitted request is accepted on the way)."""
    now = now or utcnow()
    _require_handler(actor, scope, req)
    _require_status(req, (RepairStatus.SUBMITTED, RepairStatus.ACCEPTED), "派单")
    if assignee_id is None:
        raise DomainError("请选择处理人员", field="assignee_id")
    team, member = _team_and_member(req, team_id, assignee_id)
    if req.status == RepairStatus.SUBMITTED:
        accept(req, actor=actor, scope=scope, now=now)
    _move(req, RepairStatus.DISPATCHED, "dispatched", actor, now, f"{team.name} · {member.display_name}",
          dispatched_at=now, team_id=team.id, assignee_id=member.id)
    notify(member, "repair.dispatched", f"新派单：#{req.id}", body=req.description[:200], link=f"/repairs/{req.id}",
           key=f"repair.dispatched.{req.id}.{member.id}.{_event_count(req)}", compound_id=req.compound_id)
    return req


def _event_count(req: RepairRequest) -> int:
    return db.session.scalar(select(func.count()).select_from(RepairEvent).where(RepairEvent.request_id == req.id))


def transfer(req: RepairRequest, *, actor: User, scope: Scope, team_id: int, assignee_id: int, note: str | None = None,
             now: datetime | None = None) -> RepairRequest:
    """转派: to another team (or member) of the station; the work starts again from "dispatched"."""
    now = now or utcnow()
    _require_handler(actor, scope, req)
    _require_status(req, (RepairStatus.DISPATCHED, RepairStatus.IN_PROGRESS), "转派")
    note = _check_text(note, "note", "转派说明", 500)
    if assignee_id is None:
        raise DomainError("请选择处理人员", field="assignee_id")
    team, member = _team_and_member(req, team_id, assignee_id)
    if team.id == req.team_id and member.id == req.assignee_id:
        raise DomainError("已经派给该人员", field="assignee_id")
    _move(req, RepairStatus.DISPATCHED, "transferred", actor, now,
          f"{team.name} · {member.display_name}" + (f"：{note}" if note else ""),
          team_id=team.id, assignee_id=member.id, dispatched_at=now)
    notify(member, "repair.dispatched", f"转派工单：#{req.id}", body=req.description[:200], link=f"/repairs/{req.id}",
           key=f"repair.dispatched.{req.id}.{member.id}.{_event_count(req)}", compound_id=req.compound_id)
    return req


def _require_worker(actor: User, req: RepairRequest) -> None:
    if actor.id != req.assignee_id and actor.role != Role.STATION_MANAGER:
        raise Forbidden("只有被派单人员或站长可以进行此操作")


def start(req: RepairRequest, *, actor: User, scope: Scope, now: datetime | None = None) -> RepairRequest:
    """到场处理: the staff member is on site."""
    now = now or utcnow()
    _require_handler(actor, scope, req)
    _require_status(req, (RepairStatus.DISPATCHED,), "开始处理")
    _require_worker(actor, req)
    _move(req, RepairStatus.IN_PROGRESS, "started", actor, now, started_at=req.started_at or now)
    return req


def complete(req: RepairRequest, *, actor: User, scope: Scope, note: str, photos: list | None = None,
             now: datetime | None = None) -> RepairRequest:
    """完工, with a note and photos; the filer then confirms and rates."""
    now = now or utcnow()
    _require_handler(actor, scope, req)
    _require_status(req, (RepairStatus.IN_PROGRESS,), "完工")
    _require_worker(actor, req)
    note = _check_text(note, "note", "完工说明", 2000, min_len=2)
    _save_photos(req, photos or [], PhotoStage.COMPLETION, actor)
    _move(req, RepairStatus.COMPLETED, "completed", actor, now, note, completed_at=now, completion_note=note)
    _tell_filer(req, "repair.completed", f"您的报修 #{req.id} 已完工，请确认并评价")
    return req


def confirm(req: RepairRequest, *, actor: User, rating: int, comment: str | None = None,
            now: datetime | None = None) -> RepairRequest:
    """确认并评价 (1–5) by the filer; the request is then closed."""
    now = now or utcnow()
    _require_filer(actor, req)
    _require_status(req, (RepairStatus.COMPLETED,), "确认")
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise DomainError("评分应为 1–5 分", field="rating")
    comment = _check_text(comment, "comment", "评价", 500)
    _move(req, RepairStatus.CONFIRMED, "confirmed", actor, now, comment, confirmed_at=now, rating=rating,
          rating_comment=comment)
    _move(req, RepairStatus.CLOSED, "closed", actor, now, closed_at=now)
    return req


def reopen(req: RepairRequest, *, actor: User, reason: str, now: datetime | None = None) -> RepairRequest:
    """返工: the filer reopens within N days of completion; back to the same staff member, counted."""
    now = now or utcnow()
    _require_filer(actor, req)
    _require_status(req, (RepairStatus.COMPLETED, RepairStatus.CONFIRMED, RepairStatus.CLOSED), "重新打开")
    reason = _check_text(reason, "reason", "返工原因", 500, min_len=2)
    days = setting("REPAIR_REOPEN_DAYS")
    if req.completed_at is None or now > req.completed_at + timedelta(days=days):
        raise Conflict(f"完工超过 {days} 天的工单不能重新打开，请重新报修", field="status")
    to = RepairStatus.DISPATCHED if req.assignee_id else RepairStatus.ACCEPTED
    _move(req, to, "reopened", actor, now, reason, reopen_count=req.reopen_count + 1, completed_at=None,
          confirmed_at=None, closed_at=None, rating=None, rating_comment=None, escalation_level=0,
          dispatched_at=now if req.assignee_id else req.dispatched_at)
    recipients = {u.id: u for u in station_managers(req.station_id)}
    if req.assignee_id:
        recipients[req.assignee_id] = db.session.get(User, req.assignee_id)
    for user in recipients.values():
        notify(user, "repair.reopened", f"工单返工：#{req.id}", body=reason, link=f"/repairs/{req.id}",
               key=f"repair.reopened.{req.id}.{req.reopen_count}.{user.id}", compound_id=req.compound_id)
    return req


def record_followup(req: RepairRequest, *, actor: User, scope: Scope, note: str,
                    now: datetime | None = None) -> RepairRequest:
    """回访: the station's follow-up call after completion."""
    now = now or utcnow()
    _require_handler(actor, scope, req)
    _require_status(req, (RepairStatus.COMPLETED, RepairStatus.CONFIRMED, RepairStatus.CLOSED), "登记回访")
    note = _check_text(note, "note", "回访记录", 500, min_len=2)
    req.followup_at, req.followup_note, req.updated_at = now, note, now
    _event(req, "followup", req.status, req.status, actor, now, note)
    db.session.flush()
    audit.record("repair.followup", req, actor=actor, changes={"followup_note": note},
                 place=db.session.get(Compound, req.compound_id))
    return req


def agree_time(req: RepairRequest, *, actor: User, scope: Scope, at: datetime,
               now: datetime | None = None) -> RepairRequest:
    """约定时间: completion at a time agreed with the filer (replaces the working-day deadline)."""
    now = now or utcnow()
    _require_handler(actor, scope, req)
    _require_status(req, OPEN_STATUSES, "约定时间")
    if at is None or at.tzinfo is None:
        raise DomainError("请填写约定完成时间", field="agreed_at")
    if at <= now:
        raise DomainError("约定完成时间不能早于现在", field="agreed_at")
    if at > now + timedelta(days=366):
        raise DomainError("约定完成时间不能超过一年", field="agreed_at")
    before = req.completion_due_at
    req.completion_due_at, req.is_time_agreed, req.is_deadline_unknown, req.updated_at = at, True, False, now
    _event(req, "agreed", req.status, req.status, actor, now, at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M"))
    db.session.flush()
    audit.record("repair.agree_time", req, actor=actor, changes={"completion_due_at": [before, at]},
                 place=db.session.get(Compound, req.compound_id))
    return req


def mark_needs_fund(req: RepairRequest, *, actor: User, scope: Scope, budget_fen: int | None = None,
                    shared_part: str | None = None, now: datetime | None = None):
    """需动用维修资金: only for shared parts. With a budget and the right to propose plans, a draft use plan
    (pm.services.fund.plans) is opened and linked; otherwise the flag is recorded for the station manager."""
    now = now or utcnow()
    _require_handler(actor, scope, req)
    if not req.is_common_area:
        raise DomainError("维修资金只能用于共用部位、共用设施，户内报修不能申请", field="needs_fund")
    if req.status == RepairStatus.REJECTED:
        raise Conflict("不予受理的工单不能申请维修资金", field="status")
    if req.use_plan_id is not None:
        raise Conflict("该工单已关联使用方案", field="needs_fund")
    plan = None
    if budget_fen is not None:
        from pm.services.fund import plans as fund_plans

        targets = fund_plans.Targets(
            whole=req.building_id is None,
            buildings=[req.building_id] if req.building_id and not req.unit_id else [],
            units=[req.unit_id] if req.unit_id else [],
        )
        plan = fund_plans.create_plan(
            db.session.get(Compound, req.compound_id), actor=actor, scope=scope,
            title=f"报修 #{req.id} 维修", shared_part=shared_part or CATEGORY_LABELS[req.category],
            reason=req.description, budget_fen=budget_fen, targets=targets, repair_request_id=req.id,
        )
        req.use_plan_id = plan.id
    req.needs_fund, req.updated_at = True, now
    _event(req, "fund", req.status, req.status, actor, now, f"使用方案 #{plan.id}" if plan else None)
    db.session.flush()
    audit.record("repair.needs_fund", req, actor=actor, changes={"needs_fund": True, "use_plan_id": req.use_plan_id},
                 place=db.session.get(Compound, req.compound_id))
    return plan


CATEGORY_LABELS = {
    RepairCategory.WATER_SUPPLY: "供水", RepairCategory.DRAINAGE: "排水", RepairCategory.POWER: "供电",
    RepairCategory.LIGHTING: "照明", RepairCategory.ROAD: "道路", RepairCategory.ELEVATOR: "电梯",
    RepairCategory.DOOR_ACCESS: "门禁", RepairCategory.LEAK: "墙面屋面渗漏", RepairCategory.GREENING: "绿化",
    RepairCategory.GARBAGE: "垃圾", RepairCategory.ILLEGAL_BUILDING: "违章搭建", RepairCategory.PARKING: "停车",
    RepairCategory.OTHER: "其他",
}


def _tell_filer(req: RepairRequest, kind: str, title: str) -> None:
    if req.filer_user_id:
        notify(req.filer_user_id, kind, title, link=f"/repairs/{req.id}",
               key=f"{kind}.{req.id}.{req.reopen_count}", compound_id=req.compound_id)


# -- reading -----------------------------------------------------------------------------------------------
LIST_OPTIONS = (
    joinedload(RepairRequest.compound),
    joinedload(RepairRequest.household).joinedload(Household.building),
    joinedload(RepairRequest.household).joinedload(Household.unit),
    joinedload(RepairRequest.building),
    joinedload(RepairRequest.unit),
    joinedload(RepairRequest.assignee),
    joinedload(RepairRequest.team),
)
URGENCY_RANK = case({Urgency.EMERGENCY.value: 0, Urgency.URGENT.value: 1}, value=RepairRequest.urgency, else_=2)


def overdue_clause(now: datetime):
    """SQL for "overdue at `now`" (the same rule as RepairRequest.is_overdue)."""
    return and_(
        RepairRequest.status.in_(OPEN_STATUSES),
        or_(
            and_(RepairRequest.status == RepairStatus.SUBMITTED, RepairRequest.response_due_at < now),
            and_(RepairRequest.status != RepairStatus.IN_PROGRESS, RepairRequest.onsite_due_at < now),
            RepairRequest.completion_due_at < now,
        ),
    )


def queue_stmt(scope: Scope, *, now: datetime, station_id: int | None = None, compound_id: int | None = None,
               status: str | None = None, urgency: str | None = None, category: str | None = None,
               overdue: bool = False, assignee_id: int | None = None, q: str | None = None, mine_as_filer: bool = False):
    """The scoped queue: open requests by default, most urgent and nearest deadline first (no eager loads:
    fetch a page with queue_page, which sorts and limits on repair_requests alone)."""
    stmt = scope.select(RepairRequest)
    if station_id is not None:
        stmt = stmt.where(RepairRequest.station_id == station_id)
    if compound_id is not None:
        stmt = stmt.where(RepairRequest.compound_id == compound_id)
    if mine_as_filer and scope.user is not None:
        stmt = stmt.where(RepairRequest.filer_user_id == scope.user.id)
    if status == "open" or status is None:
        stmt = stmt.where(RepairRequest.status.in_(OPEN_STATUSES))
    elif status != "all":
        stmt = stmt.where(RepairRequest.status == _enum(RepairStatus, status, "status", "状态无效"))
    if urgency:
        stmt = stmt.where(RepairRequest.urgency == _enum(Urgency, urgency, "urgency", "紧急程度无效"))
    if category:
        stmt = stmt.where(RepairRequest.category == _enum(RepairCategory, category, "category", "类别无效"))
    if overdue:
        stmt = stmt.where(overdue_clause(now))
    if assignee_id is not None:
        stmt = stmt.where(RepairRequest.assignee_id == assignee_id)
    q = (q or "").strip()
    if q:
        if q.lstrip("#").isdigit() and len(q) <= 9:
            stmt = stmt.where(RepairRequest.id == int(q.lstrip("#")))
        elif q.isdigit():
            stmt = stmt.where(RepairRequest.filer_phone == q)
        else:
            stmt = stmt.where(RepairRequest.description.contains(q[:50], autoescape=True))
    return stmt.order_by(URGENCY_RANK, RepairRequest.completion_due_at.is_(None),
                         RepairRequest.completion_due_at, RepairRequest.id)


def queue_page(stmt, *, page: int, per_page: int) -> tuple[list[RepairRequest], int]:
    """One page of a queue and the total, in three statements whatever the page size: COUNT; the page's ids
    (sort and LIMIT on repair_requests alone, by index); then those rows with their place and people joined.
    Joining first would make PostgreSQL join every matching row of a station before the LIMIT."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    ids = list(db.session.scalars(stmt.with_only_columns(RepairRequest.id).limit(per_page)
                                  .offset((page - 1) * per_page)))
    if not ids:
        return [], total
    rows = {r.id: r for r in db.session.scalars(
        select(RepairRequest).options(*LIST_OPTIONS).where(RepairRequest.id.in_(ids))).unique()}
    return [rows[i] for i in ids if i in rows], total


def load(scope: Scope, request_id: int) -> RepairRequest:
    """One request in scope with its place, people, timeline and photos (or NotFound)."""
    from sqlalchemy.orm import selectinload

    return scope.get(RepairRequest, request_id, options=LIST_OPTIONS + (
        joinedload(RepairRequest.filer), selectinload(RepairRequest.events).joinedload(RepairEvent.actor),
        selectinload(RepairRequest.photos),
    ))


def location_label(req: RepairRequest) -> str:
    """Where: 3号楼2单元501, or a common area (公共区域 · 3号楼2单元)."""
    if req.household is not None:
        return req.household.label
    parts = [p.name for p in (req.building, req.unit) if p is not None]
    return "公共区域" + (" · " + "".join(parts) if parts else "") + (f" · {req.location_note}" if req.location_note else "")


def teams_of(station_id: int | None) -> list[Team]:
    """The station's teams with their members (for the dispatch form)."""
    if station_id is None:
        return []
    from sqlalchemy.orm import selectinload

    return list(db.session.scalars(select(Team).options(selectinload(Team.members))
                                   .where(Team.station_id == station_id).order_by(Team.id)))


# -- jobs --------------------------------------------------------------------------------------------------
def _first_missed_deadline(req: RepairRequest, now: datetime) -> datetime | None:
    """The earliest deadline the request has missed at `now` (what the escalation delay counts from)."""
    missed = []
    if req.status == RepairStatus.SUBMITTED and req.response_due_at and req.response_due_at < now:
        missed.append(req.response_due_at)
    if req.status != RepairStatus.IN_PROGRESS and req.onsite_due_at and req.onsite_due_at < now:
        missed.append(req.onsite_due_at)
    if req.completion_due_at and req.completion_due_at < now:
        missed.append(req.completion_due_at)
    return min(missed) if missed else None


def escalate_overdue(now: datetime, *, batch: int = 1000) -> dict[str, int]:
    """督办: an overdue request notifies the community (level 1), and after N more hours the street office
    (level 2). Idempotent: the level is stored and each notification has a dedupe key."""
    counts = {"community": 0, "street": 0}
    street_after = timedelta(hours=setting("REPAIR_ESCALATE_STREET_HOURS"))
    last_id = 0
    while True:
        rows = db.session.execute(
            select(RepairRequest, Compound.community_id, Community.street_id, Compound.name)
            .join(Compound, Compound.id == RepairRequest.compound_id)
            .join(Community, Community.id == Compound.community_id)
            .where(overdue_clause(now), RepairRequest.escalation_level < 2, RepairRequest.id > last_id)
            .order_by(RepairRequest.id).limit(batch)
        ).all()
        if not rows:
            break
        last_id = rows[-1][0].id
        communities = {r[1] for r in rows}
        streets = {r[2] for r in rows}
        officials = db.session.scalars(select(User).where(User.is_enabled.is_(True), or_(
            and_(User.role == Role.COMMUNITY_WORKER, User.community_id.in_(communities)),
            and_(User.role == Role.STREET_OFFICER, User.street_id.in_(streets)),
        ))).all()
        by_community: dict[int, list[User]] = {}
        by_street: dict[int, list[User]] = {}
        for u in officials:
            if u.role == Role.COMMUNITY_WORKER:
                by_community.setdefault(u.community_id, []).append(u)
            else:
                by_street.setdefault(u.street_id, []).append(u)
        for req, community_id, street_id, compound_name in rows:
            due = _first_missed_deadline(req, now)
            title = f"报修超时：{compound_name} #{req.id}"
            if req.escalation_level < 1:
                for u in by_community.get(community_id, []):
                    notify(u, "repair.overdue", title, body=req.description[:200], link=f"/repairs/{req.id}",
                           key=f"repair.overdue.{req.id}.{req.reopen_count}.community.{u.id}",
                           compound_id=req.compound_id)
                req.escalation_level = 1
                _event(req, "escalated", req.status, req.status, None, now, "超时，已通知社区")
                counts["community"] += 1
            elif due is not None and now - due >= street_after:
                for u in by_street.get(street_id, []):
                    notify(u, "repair.overdue", title + "（社区督办后仍未办结）", body=req.description[:200],
                           link=f"/repairs/{req.id}", key=f"repair.overdue.{req.id}.{req.reopen_count}.street.{u.id}",
                           compound_id=req.compound_id)
                req.escalation_level = 2
                _event(req, "escalated", req.status, req.status, None, now, "超时，已通知街道办事处")
                counts["street"] += 1
        db.session.flush()
        if len(rows) < batch:
            break
    return counts


def auto_close(now: datetime) -> dict[str, int]:
    """自动关闭: completed requests the filer has not confirmed within N days."""
    limit = now - timedelta(days=setting("REPAIR_AUTO_CLOSE_DAYS"))
    rows = db.session.scalars(select(RepairRequest).where(
        RepairRequest.status == RepairStatus.COMPLETED, RepairRequest.completed_at < limit)).all()
    for req in rows:
        _move(req, RepairStatus.CLOSED, "auto_closed", None, now, "报修人未在规定时间内确认，系统自动关闭",
              closed_at=now)
    return {"closed": len(rows)}


# -- metrics -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Metrics:
    """A station's month (exact fractions; None when nothing to measure)."""

    station_id: int
    period: str
    count: int
    responded: int
    responded_on_time: int
    completed: int
    completed_on_time: int
    rated: int
    rating_sum: int
    reopened: int

    @staticmethod
    def _frac(n: int, d: int) -> Fraction | None:
        return Fraction(n, d) if d else None

    @property
    def response_on_time_rate(self) -> Fraction | None:
        return self._frac(self.responded_on_time, self.responded)

    @property
    def completion_on_time_rate(self) -> Fraction | None:
        return self._frac(self.completed_on_time, self.completed)

    @property
    def average_rating(self) -> Fraction | None:
        return self._frac(self.rating_sum, self.rated)

    @property
    def reopen_rate(self) -> Fraction | None:
        return self._frac(self.reopened, self.count)


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """The UTC instants of the start of a Beijing-time month and of the next."""
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise DomainError("月份无效", field="period")
    start = datetime(year, month, 1, tzinfo=LOCAL_TZ)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=LOCAL_TZ)
    from datetime import timezone

    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def station_metrics(station_ids: list[int], year: int, month: int, *, now: datetime) -> dict[int, Metrics]:
    """Requests filed in the month, per station: count, responses within the response deadline, completions
    within the completion deadline (a request still open past its deadline counts as late), ratings, reopens."""
    start, end = month_bounds(year, month)
    responded_at = func.coalesce(RepairRequest.accepted_at, RepairRequest.rejected_at)
    response_due = and_(RepairRequest.response_due_at.is_not(None),
                        or_(responded_at.is_not(None), RepairRequest.response_due_at < now))
    completion_due = and_(RepairRequest.completion_due_at.is_not(None), RepairRequest.status != RepairStatus.REJECTED,
                          or_(RepairRequest.completed_at.is_not(None), RepairRequest.completion_due_at < now))

    def count_if(cond):
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    rows = db.session.execute(
        select(
            RepairRequest.station_id, func.count(),
            count_if(response_due),
            count_if(and_(response_due, responded_at <= RepairRequest.response_due_at)),
            count_if(completion_due),
            count_if(and_(completion_due, RepairRequest.completed_at <= RepairRequest.completion_due_at)),
            func.count(RepairRequest.rating), func.coalesce(func.sum(RepairRequest.rating), 0),
            count_if(RepairRequest.reopen_count > 0),
        )
        .where(RepairRequest.station_id.in_(station_ids), RepairRequest.submitted_at >= start,
               RepairRequest.submitted_at < end)
        .group_by(RepairRequest.station_id)
    ).all()
    period = f"{year:04d}-{month:02d}"
    out = {sid: Metrics(sid, period, 0, 0, 0, 0, 0, 0, 0, 0) for sid in station_ids}
    for sid, *values in rows:
        out[sid] = Metrics(sid, period, *(int(v) for v in values))
    return out
