"""联席会议: joint meetings (date, convener, attendees by body, topics, minutes, attachments) and the action items
their decisions become — a responsible body, a person and a deadline; reported done with evidence, confirmed by
the convener; overdue ones escalate to the level above."""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, select
from sqlalchemy.orm import joinedload, selectinload

from pm.access import Scope, authorise
from pm.errors import Conflict, DomainError, Forbidden, NotFound
from pm.extensions import db
from pm.models import (
    ActionEvidence,
    ActionItem,
    ActionItemReturn,
    BodyKind,
    Community,
    Compound,
    ItemStatus,
    JointMeeting,
    MeetingAttachment,
    MeetingAttendee,
    Role,
    Station,
    User,
)
from pm.services import audit, recipients, storage
from pm.services.messages import Message
from pm.services.notifications import notify
from pm.services.text import N_, check_text
from pm.timeutil import local_today, utcnow

logger = logging.getLogger(__name__)

MAX_TEXT = 4000
BODY_WORDS = {BodyKind.PARTY_BRANCH: "党组织", BodyKind.RESIDENTS_COMMITTEE: "居委会",
              BodyKind.OWNERS_COMMITTEE: "业委会", BodyKind.STATION: ""}
COMMUNITY_BODIES = (BodyKind.PARTY_BRANCH, BodyKind.RESIDENTS_COMMITTEE)
MEETING_OPTIONS = (joinedload(JointMeeting.convener), selectinload(JointMeeting.attendees),
                   selectinload(JointMeeting.attachments),
                   selectinload(JointMeeting.items).selectinload(ActionItem.evidence),
                   selectinload(JointMeeting.items).selectinload(ActionItem.returns).joinedload(
                       ActionItemReturn.returned_by))


@dataclass(frozen=True)
class Body:
    """One of the four bodies: its kind, the id of its node and its display name."""

    kind: BodyKind
    id: int
    name: str  # what is stored on an action item (the platform's words: 月季新村业委会)
    place: str = ""  # the node's own name (shown after the kind's label in the reader's language)


def bodies_of(community: Community) -> list[Body]:
    """The bodies of a community that a meeting can invite or charge (two queries)."""
    out = [Body(BodyKind.PARTY_BRANCH, community.id, community.name + BODY_WORDS[BodyKind.PARTY_BRANCH],
                community.name),
           Body(BodyKind.RESIDENTS_COMMITTEE, community.id, community.name + BODY_WORDS[BodyKind.RESIDENTS_COMMITTEE],
                community.name)]
    for c in db.session.scalars(select(Compound).where(Compound.community_id == community.id).order_by(Compound.name)):
        out.append(Body(BodyKind.OWNERS_COMMITTEE, c.id, c.name + BODY_WORDS[BodyKind.OWNERS_COMMITTEE], c.name))
    for st in db.session.scalars(select(Station).where(Station.community_id == community.id).order_by(Station.name)):
        out.append(Body(BodyKind.STATION, st.id, st.name, st.name))
    return out


def resolve_body(community_id: int, kind, body_id, field: str) -> Body:
    """The body (kind, id) if it belongs to the community, else a field error."""
    try:
        kind = BodyKind(kind)
    except ValueError:
        raise DomainError("未知的组织类型", field=field) from None
    community = db.session.get(Community, community_id)
    for body in bodies_of(community):
        if body.kind == kind and body.id == body_id:
            return body
    raise DomainError("该组织不属于本社区", field=field)


def _text(value, field: str, label: str, *, required: bool = True, max_len: int = MAX_TEXT):
    return check_text(value, field=field, label=label, max_len=max_len, required=required)


# -- meetings ---------------------------------------------------------------------------------------------
def create_meeting(actor: User, *, scope: Scope, community_id: int, held_on: date | None, topics: str,
                   minutes: str | None = None, compound_id: int | None = None, attendees: Iterable[dict] = (),
                   files: list | None = None, now: datetime | None = None) -> JointMeeting:
    """Record a joint meeting convened by `actor` in a community of their area (held today or before)."""
    authorise(scope, actor, "meetings.convene")
    if not scope.contains(Community, community_id):
        raise Forbidden("该社区不在您的权限范围内", field="community_id")
    if compound_id is not None:
        compound = scope.get(Compound, compound_id)
        if compound.community_id != community_id:
            raise DomainError("该小区不属于所选社区", field="compound_id")
    now = now or utcnow()
    if held_on is None:
        raise DomainError("请填写会议日期", field="held_on")
    if held_on > local_today(now):
        raise DomainError("会议日期不能晚于今天", field="held_on")
    topics = _text(topics, "topics", N_("议题"))
    minutes = _text(minutes, "minutes", N_("会议纪要"), required=False)
    rows = []
    for n, a in enumerate(attendees or []):
        body = resolve_body(community_id, a.get("body_kind"), a.get("body_id"), "attendees")
        names = _text(a.get("names"), "attendees", N_("参会人员"), max_len=400)
        rows.append(MeetingAttendee(body_kind=body.kind, body_id=body.id, names=names))
    meeting = JointMeeting(community_id=community_id, compound_id=compound_id, held_on=held_on,
                           convener_id=actor.id, topics=topics, minutes=minutes, created_at=now, attendees=rows)
    db.session.add(meeting)
    db.session.flush()
    add_files(meeting, files, now=now)
    audit.record("meeting.create", meeting, actor=actor, place=db.session.get(Community, community_id),
                 changes={"held_on": held_on, "compound_id": compound_id})
    logger.info("joint meeting %r recorded by %r", meeting, actor)
    return meeting


def add_files(meeting: JointMeeting, files: list | None, *, now: datetime | None = None) -> None:
    """Attach files (PDF or images, at most six in all) to a meeting."""
    stored = storage.save_many(files, f"meetings/{meeting.id}", allowed=storage.ALL_TYPES,
                               max_bytes=storage.MAX_DOCUMENT_BYTES, already=len(meeting.attachments),
                               field="files")
    for s in stored:
        meeting.attachments.append(MeetingAttachment(path=s.path, content_type=s.content_type,
                                                     name=s.original_name, created_at=now or utcnow()))
    db.session.flush()


def attach_files(meeting: JointMeeting, actor: User, *, scope: Scope, files: list | None,
                 now: datetime | None = None) -> JointMeeting:
    """The convener attaches more files to a recorded meeting (same content checks and limit as when recording
    it); a bad file stores none of them."""
    authorise(scope, actor, "meetings.convene")
    if not scope.contains(JointMeeting, meeting.id):
        raise NotFound("会议不存在或不在您的权限范围内")
    if actor.id != meeting.convener_id and not scope.is_system:
        raise Forbidden("只有会议召集人可以上传会议附件")
    if not [f for f in files or [] if f is not None and f.filename]:
        raise DomainError("请选择要上传的文件", field="files")
    before = len(meeting.attachments)
    add_files(meeting, files, now=now)
    audit.record("meeting.files", meeting, actor=actor, place=db.session.get(Community, meeting.community_id),
                 changes={"files": [a.name for a in meeting.attachments[before:]]})
    return meeting


def meetings_stmt(scope: Scope):
    """Meetings in scope, newest first."""
    return scope.select(JointMeeting).options(joinedload(JointMeeting.convener)).order_by(
        JointMeeting.held_on.desc(), JointMeeting.id.desc())


def load_meeting(scope: Scope, meeting_id: int) -> JointMeeting:
    return scope.get(JointMeeting, meeting_id, options=MEETING_OPTIONS)


# -- action items -----------------------------------------------------------------------------------------
def add_item(meeting: JointMeeting, actor: User, *, scope: Scope, decision: str, responsible_kind,
             responsible_id: int | None, person_name: str, due_on: date | None,
             now: datetime | None = None) -> ActionItem:
    """A decision becomes an action item: a body of the community, a person and a deadline not in the past."""
    authorise(scope, actor, "meetings.convene")
    if not scope.contains(JointMeeting, meeting.id):
        raise NotFound("会议不存在或不在您的权限范围内")
    if actor.id != meeting.convener_id and not scope.is_system:
        raise Forbidden("只有会议召集人可以登记决定事项")
    now = now or utcnow()
    decision = _text(decision, "decision", N_("决定事项"))
    body = resolve_body(meeting.community_id, responsible_kind, responsible_id, "responsible")
    person_name = _text(person_name, "person_name", N_("责任人"), max_len=64)
    if due_on is None:
        raise DomainError("请填写办结期限", field="due_on")
    if due_on < local_today(now):
        raise DomainError("办结期限不能早于今天", field="due_on")
    compound_id = body.id if body.kind == BodyKind.OWNERS_COMMITTEE else meeting.compound_id
    item = ActionItem(meeting_id=meeting.id, community_id=meeting.community_id, compound_id=compound_id,
                      decision=decision, responsible_kind=body.kind, responsible_id=body.id,
                      responsible_name=body.name, person_name=person_name, due_on=due_on,
                      status=ItemStatus.OPEN, created_at=now)
    db.session.add(item)
    db.session.flush()
    audit.record("meeting.item.add", item, actor=actor, place=db.session.get(Community, meeting.community_id),
                 changes={"responsible": f"{body.kind}:{body.id}", "person": person_name, "due_on": due_on})
    for user_id in responsible_users([item])[item.id]:
        notify(user_id, "meeting.item", Message(N_("联席会议督办事项：%(decision)s"), {"decision": decision[:60]}),
               body=Message(N_("责任人：%(person)s\n期限：%(due)s"), {"person": person_name, "due": due_on}),
               link=item_link(item), key=f"meeting.item:{item.id}:{user_id}", compound_id=compound_id)
    return item


def item_link(item: ActionItem) -> str:
    return f"/meetings/{item.meeting_id}#item-{item.id}"


def is_responsible(item: ActionItem, user: User) -> bool:
    """The responsible body's own accounts report the item done."""
    if item.responsible_kind in COMMUNITY_BODIES:
        return user.role == Role.COMMUNITY_WORKER and user.community_id == item.responsible_id
    if item.responsible_kind == BodyKind.OWNERS_COMMITTEE:
        return user.role == Role.COMMITTEE_MEMBER and user.compound_id == item.responsible_id
    return user.role in (Role.STATION_MANAGER, Role.STATION_STAFF) and user.station_id == item.responsible_id


def report_item(item: ActionItem, actor: User, *, scope: Scope, note: str, files: list | None = None,
                now: datetime | None = None) -> ActionItem:
    """The responsible body reports the item done, with a note and evidence (photos or PDFs)."""
    authorise(scope, actor, "meetings.view")
    if not scope.contains(ActionItem, item.id):
        raise NotFound("督办事项不存在或不在您的权限范围内")
    if not is_responsible(item, actor):
        raise Forbidden("只有责任单位可以报告办结")
    if item.status != ItemStatus.OPEN:
        raise Conflict("该事项已报告办结", field="status")
    note = _text(note, "note", N_("办理情况"))
    now = now or utcnow()
    stored = storage.save_many(files, f"meetings/items/{item.id}", allowed=storage.ALL_TYPES,
                               max_bytes=storage.MAX_DOCUMENT_BYTES, field="files")
    item.evidence.extend(ActionEvidence(path=s.path, content_type=s.content_type, name=s.original_name,
                                        created_at=now) for s in stored)
    item.status, item.report_note, item.reported_at, item.reported_by_id = ItemStatus.REPORTED, note, now, actor.id
    db.session.flush()
    audit.record("meeting.item.report", item, actor=actor, changes={"status": [ItemStatus.OPEN, item.status]},
                 place=db.session.get(Community, item.community_id))
    convener = db.session.scalar(select(JointMeeting.convener_id).where(JointMeeting.id == item.meeting_id))
    for user_id in recipients.enabled([convener]):
        notify(user_id, "meeting.item.reported",
               Message(N_("督办事项待确认：%(decision)s"), {"decision": item.decision[:60]}), body=note,
               link=item_link(item), key=f"meeting.item.reported:{item.id}:{user_id}", compound_id=item.compound_id)
    return item


def confirm_item(item: ActionItem, actor: User, *, scope: Scope, passed: bool = True, reason: str | None = None,
                 now: datetime | None = None) -> ActionItem:
    """The convener confirms a reported item (办结), or sends it back to open with a reason."""
    authorise(scope, actor, "meetings.convene")
    if not scope.contains(ActionItem, item.id):
        raise NotFound("督办事项不存在或不在您的权限范围内")
    convener = db.session.scalar(select(JointMeeting.convener_id).where(JointMeeting.id == item.meeting_id))
    if actor.id != convener and not scope.is_system:
        raise Forbidden("只有会议召集人可以确认办结")
    if item.status != ItemStatus.REPORTED:
        raise Conflict("只有已报告办结的事项可以确认", field="status")
    now = now or utcnow()
    old = item.status
    changes: dict = {}
    if passed:
        item.status, item.confirmed_at = ItemStatus.CONFIRMED, now
    else:  # the rejection is its own record; the responsible person's note stays as typed
        reason = _text(reason, "reason", N_("退回原因"), max_len=400)
        item.returns.append(ActionItemReturn(reason=reason, report_note=item.report_note, returned_at=now,
                                             returned_by_id=actor.id if actor else None))
        item.status, item.reported_at = ItemStatus.OPEN, None
        changes["reason"] = reason
    db.session.flush()
    audit.record("meeting.item.confirm" if passed else "meeting.item.return", item, actor=actor,
                 changes={"status": [old, item.status], **changes},
                 place=db.session.get(Community, item.community_id))
    if not passed:
        for user_id in responsible_users([item])[item.id]:
            notify(user_id, "meeting.item.returned",
                   Message(N_("督办事项被退回：%(decision)s"), {"decision": item.decision[:60]}), body=reason,
                   link=item_link(item), key=f"meeting.item.returned:{item.id}:{len(item.returns)}:{user_id}",
                   compound_id=item.compound_id)
    return item


def overdue_filter(today: date):
    return (ActionItem.status == ItemStatus.OPEN) & (ActionItem.due_on < today)


def mine_filter(user: User):
    """SQL condition: the item's responsible body is the user's own."""
    if user.role == Role.COMMUNITY_WORKER:
        return ActionItem.responsible_kind.in_(COMMUNITY_BODIES) & (ActionItem.responsible_id == user.community_id)
    if user.role == Role.COMMITTEE_MEMBER:
        return (ActionItem.responsible_kind == BodyKind.OWNERS_COMMITTEE) & (ActionItem.responsible_id == user.compound_id)
    if user.role in (Role.STATION_MANAGER, Role.STATION_STAFF):
        return (ActionItem.responsible_kind == BodyKind.STATION) & (ActionItem.responsible_id == user.station_id)
    return ActionItem.id.is_(None)


def items_stmt(scope: Scope, *, overdue_on: date | None = None, mine: User | None = None, status: str | None = None):
    """Action items in scope: open first by deadline (overdue leading), then reported, then confirmed."""
    rank = case((ActionItem.status == ItemStatus.OPEN, 0), (ActionItem.status == ItemStatus.REPORTED, 1), else_=2)
    stmt = scope.select(ActionItem).order_by(rank, ActionItem.due_on, ActionItem.id)
    if overdue_on is not None:
        stmt = stmt.where(overdue_filter(overdue_on))
    if mine is not None:
        stmt = stmt.where(mine_filter(mine))
    if status:
        stmt = stmt.where(ActionItem.status == status)
    return stmt


def load_item(scope: Scope, item_id: int) -> ActionItem:
    return scope.get(ActionItem, item_id, options=(selectinload(ActionItem.evidence),
                                                   selectinload(ActionItem.returns).joinedload(
                                                       ActionItemReturn.returned_by)))


# -- who answers, who supervises --------------------------------------------------------------------------
def responsible_users(items: Iterable[ActionItem]) -> dict[int, list[int]]:
    """item id → the accounts of its responsible body (three queries for any number of items)."""
    items = list(items)
    ids = {kind: {i.responsible_id for i in items if i.responsible_kind == kind} for kind in BodyKind}
    community = recipients.community_officials(ids[BodyKind.PARTY_BRANCH] | ids[BodyKind.RESIDENTS_COMMITTEE])
    committee = recipients.committee_members(ids[BodyKind.OWNERS_COMMITTEE])
    station = recipients.station_staff(ids[BodyKind.STATION])
    found = {BodyKind.PARTY_BRANCH: community, BodyKind.RESIDENTS_COMMITTEE: community,
             BodyKind.OWNERS_COMMITTEE: committee, BodyKind.STATION: station}
    return {i.id: found[i.responsible_kind].get(i.responsible_id, []) for i in items}


def supervisors(items: Iterable[ActionItem]) -> dict[int, list[int]]:
    """item id → the level above its body: a committee's or station's community workers, a community body's
    street officers (two queries for any number of items)."""
    items = list(items)
    street_of = {row.id: row.street_id for row in db.session.execute(
        select(Community.id, Community.street_id).where(Community.id.in_({i.community_id for i in items})))}
    communities = recipients.community_officials({i.community_id for i in items
                                                  if i.responsible_kind not in COMMUNITY_BODIES})
    streets = recipients.street_officials({street_of[i.community_id] for i in items
                                           if i.responsible_kind in COMMUNITY_BODIES})
    return {i.id: (streets.get(street_of[i.community_id], []) if i.responsible_kind in COMMUNITY_BODIES
                   else communities.get(i.community_id, [])) for i in items}


def escalate_overdue(now: datetime, *, scope: Scope) -> dict[str, int]:
    """Tell the responsible body and the level above about every overdue item, once per item, day and person."""
    today = local_today(now)
    items = list(db.session.scalars(scope.select(ActionItem).where(overdue_filter(today)).order_by(ActionItem.id)))
    above, owing = supervisors(items), responsible_users(items)
    notified = 0
    for item in items:
        for kind, users in (("meeting.item.overdue", above[item.id]), ("meeting.item.overdue.own", owing[item.id])):
            for user_id in users:
                note = notify(user_id, kind, Message(N_("督办事项逾期：%(body)s %(decision)s"),
                                                     {"body": item.responsible_name, "decision": item.decision[:50]}),
                              body=Message(N_("责任人：%(person)s\n期限：%(due)s"),
                                           {"person": item.person_name, "due": item.due_on}), link=item_link(item),
                              key=f"{kind}:{item.id}:{today}:{user_id}", compound_id=item.compound_id)
                notified += note is not None
    db.session.flush()
    return {"overdue_items": len(items), "notified": notified}
