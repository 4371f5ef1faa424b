"""公告/公示: notices to a compound, a building or a unit within the author's scope, with a publicity period and
attachments; residents see them on the phone and in the bell; reads are counted per household so that the
households that have not read one can be visited door to door.

Other features (use plans in publicity, fund statements, election results, assessment bulletins) call
post_notice() with a `link` to their own page and a `source`; their content stays where it is."""
from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from pm.access import Scope, authorise, noun
from pm.errors import DomainError, Forbidden, NotFound
from pm.extensions import db
from pm.models import (
    Building,
    Compound,
    Household,
    HouseholdStatus,
    Notice,
    NoticeAttachment,
    NoticeKind,
    NoticeRead,
    Notification,
    Ownership,
    Person,
    Residency,
    Role,
    StreetOffice,
    Unit,
    User,
)
from pm.services import audit, storage
from pm.services.messages import Message, platform_text
from pm.services.messages import stored as message_json
from pm.services.notifications import notify
from pm.services.text import N_, check_text
from pm.timeutil import local_today, utcnow

logger = logging.getLogger(__name__)

E_OUTSIDE = N_("公告对象不在您的权限范围内")


def _target(compound_id: int | None, building_id: int | None, unit_id: int | None, scope: Scope):
    """(compound id, building id, unit id) of a target in the scope: the narrowest given wins, the others must
    agree with it. Anything outside the scope, or not existing, is Forbidden naming the field."""
    if unit_id is not None:
        unit = db.session.get(Unit, unit_id)
        if unit is None or not scope.contains(Unit, unit_id):
            raise Forbidden(E_OUTSIDE, field="unit_id")
        if building_id not in (None, unit.building_id) or compound_id not in (None, unit.compound_id):
            raise DomainError("单元不属于所选楼栋或小区", field="unit_id")
        return unit.compound_id, unit.building_id, unit.id
    if building_id is not None:
        building = db.session.get(Building, building_id)
        if building is None or not scope.contains(Building, building_id):
            raise Forbidden(E_OUTSIDE, field="building_id")
        if compound_id not in (None, building.compound_id):
            raise DomainError("楼栋不属于所选小区", field="building_id")
        return building.compound_id, building.id, None
    if compound_id is None or not scope.contains(Compound, compound_id):
        raise Forbidden(E_OUTSIDE, field="compound_id")
    return compound_id, None, None


def target_condition(notice_cols=Notice):
    """SQL condition: the household is one the notice is aimed at (correlates with Notice)."""
    return and_(Household.compound_id == notice_cols.compound_id, Household.status == HouseholdStatus.ACTIVE,
                or_(notice_cols.building_id.is_(None), Household.building_id == notice_cols.building_id),
                or_(notice_cols.unit_id.is_(None), Household.unit_id == notice_cols.unit_id))


def _audience(notice: Notice) -> list[int]:
    """Enabled owner and resident logins of the notice's households (one query)."""
    homes = select(Household.id).where(
        Household.compound_id == notice.compound_id, Household.status == HouseholdStatus.ACTIVE,
        *([Household.building_id == notice.building_id] if notice.building_id else []),
        *([Household.unit_id == notice.unit_id] if notice.unit_id else []))
    people = select(Ownership.person_id).where(Ownership.household_id.in_(homes), Ownership.ended_on.is_(None)).union(
        select(Residency.person_id).where(Residency.household_id.in_(homes), Residency.ended_on.is_(None)))
    return list(db.session.scalars(select(User.id).where(
        User.person_id.in_(people), User.role.in_((Role.OWNER, Role.RESIDENT)), User.is_enabled.is_(True))
        .order_by(User.id)))


def post_notice(author: User | None, *, scope: Scope, title: str | Message, starts_on: date | None = None,
                ends_on: date | None = None, compound_id: int | None = None, building_id: int | None = None,
                unit_id: int | None = None, body: str | Message | None = None, kind: NoticeKind | str = NoticeKind.NOTICE,
                link: str | None = None, source: str | None = None, source_id: int | None = None,
                files: list | None = None, now: datetime | None = None, street_id: int | None = None,
                staff: list[int] | None = None) -> Notice:
    """Post a notice to a compound, building or unit in the author's scope (outside → Forbidden), shown from
    `starts_on` (default today); a 公示 needs its end, and no end is before the start. The households' owners and
    residents are told in the bell when it starts today or earlier. Features pass `link` to their own page.
    A street notice (`street_id`, no compound: an assessment bulletin) is seen by the street's officials and
    station staff only; the bell tells `staff` (the user ids the feature names) instead of households."""
    authorise(scope, author, "notices.post")
    now = now or utcnow()
    if street_id is not None:
        if compound_id is not None or building_id is not None or unit_id is not None:
            raise DomainError("街道公告不能同时指定小区、楼栋或单元", field="street_id")
        if not scope.contains(StreetOffice, street_id):
            raise Forbidden(E_OUTSIDE, field="street_id")
    else:
        compound_id, building_id, unit_id = _target(compound_id, building_id, unit_id, scope)
    worded = title  # what the bell says: a feature's Message (each reader's language) or the typed title
    message = {part: data for part, data in (("title", message_json(title)), ("body", message_json(body))) if data} or None
    title = check_text(platform_text(title), field="title", label=N_("标题"), max_len=200)
    body = check_text(platform_text(body), field="body", label=N_("正文"), max_len=20000, required=False) or ""
    try:
        kind = NoticeKind(kind)
    except ValueError:
        raise DomainError("未知的公告类别", field="kind") from None
    starts_on = starts_on or local_today(now)
    if kind == NoticeKind.PUBLICITY and ends_on is None:
        raise DomainError("公示须填写结束日期", field="ends_on")
    if ends_on is not None and ends_on < starts_on:
        raise DomainError("结束日期不能早于开始日期", field="ends_on")
    if link is not None and (not link.startswith("/") or link.startswith("//") or len(link) > 300):
        raise DomainError("链接必须是本系统内的页面", field="link")
    notice = Notice(compound_id=compound_id, street_id=street_id, building_id=building_id, unit_id=unit_id, kind=kind,
                    title=title,
                    body=body, starts_on=starts_on, ends_on=ends_on, link=link, source=source, source_id=source_id,
                    message=message, author_id=author.id if author else None, created_at=now)
    db.session.add(notice)
    db.session.flush()
    stored = storage.save_many(files, f"notices/{notice.id}", allowed=storage.ALL_TYPES,
                               max_bytes=storage.MAX_DOCUMENT_BYTES, field="files")
    notice.attachments.extend(NoticeAttachment(path=s.path, content_type=s.content_type, name=s.original_name,
                                               created_at=now) for s in stored)
    db.session.flush()
    audit.record("notice.post", notice, actor=author, place=db.session.get(Compound, compound_id) if compound_id
                 else db.session.get(StreetOffice, street_id),
                 changes={"title": title, "target": [compound_id, building_id, unit_id], "starts_on": starts_on,
                          "ends_on": ends_on, "source": source, **({"street_id": street_id} if street_id else {})})
    if starts_on <= local_today(now):
        for user_id in (list(dict.fromkeys(staff or [])) if street_id is not None else _audience(notice)):
            notify(user_id, "notice.new", worded, link=f"/notices/{notice.id}", key=f"notice:{notice.id}:{user_id}",
                   compound_id=compound_id, subject=f"notice:{notice.id}")
    logger.info("notice %r posted by %r", notice, author)
    return notice


def attach_files(notice: Notice, actor: User, *, scope: Scope, files: list | None,
                 now: datetime | None = None) -> Notice:
    """The author attaches more files to their notice (same checks and limit of six as when posting it); a bad
    file stores none of them."""
    authorise(scope, actor, "notices.post")
    if not scope.contains(Notice, notice.id):
        raise NotFound("%(what)s（编号 %(id)s）不存在或不在您的权限范围内", what=noun(Notice), id=notice.id)
    if not scope.is_system and notice.author_id != actor.id:
        raise Forbidden("只有发布人可以上传公告附件")
    if not [f for f in files or [] if f is not None and f.filename]:
        raise DomainError("请选择要上传的文件", field="files")
    stored = storage.save_many(files, f"notices/{notice.id}", allowed=storage.ALL_TYPES,
                               max_bytes=storage.MAX_DOCUMENT_BYTES, already=len(notice.attachments), field="files")
    notice.attachments.extend(NoticeAttachment(path=s.path, content_type=s.content_type, name=s.original_name,
                                               created_at=now or utcnow()) for s in stored)
    db.session.flush()
    audit.record("notice.files", notice, actor=actor, place=db.session.get(Compound, notice.compound_id),
                 changes={"files": [s.original_name for s in stored]})
    return notice


# -- reading ----------------------------------------------------------------------------------------------
def notices_stmt(scope: Scope, *, today: date, current_only: bool = False):
    """Notices in scope, newest first. Owners and residents see only those already started (current_only: also
    not yet ended)."""
    stmt = scope.select(Notice)
    if scope.is_household_bound or current_only:
        stmt = stmt.where(Notice.starts_on <= today)
    if current_only:
        stmt = stmt.where(or_(Notice.ends_on.is_(None), Notice.ends_on >= today))
    return stmt.order_by(Notice.starts_on.desc(), Notice.id.desc())


def load_notice(scope: Scope, notice_id: int, *, today: date) -> Notice:
    notice = scope.get(Notice, notice_id, options=(selectinload(Notice.attachments), joinedload(Notice.author)))
    if scope.is_household_bound and notice.starts_on > today:
        raise NotFound("%(what)s（编号 %(id)s）不存在或不在您的权限范围内", what=noun(Notice), id=notice_id)
    return notice


def mark_read(notice: Notice, user: User, *, scope: Scope, now: datetime | None = None) -> int:
    """Record that the reader's households aimed at by the notice have read it (once each); returns how many
    households were new. Officials' reads are not counted."""
    if not scope.is_household_bound:
        return 0
    homes = list(db.session.scalars(
        select(Household.id).join(Notice, Notice.id == notice.id)
        .where(Household.id.in_(scope.household_ids), target_condition(),
               ~exists().where(NoticeRead.notice_id == notice.id, NoticeRead.household_id == Household.id))))
    added = 0
    for household_id in homes:
        try:
            with db.session.begin_nested():
                db.session.add(NoticeRead(notice_id=notice.id, household_id=household_id, user_id=user.id,
                                          read_at=now or utcnow()))
            added += 1
        except IntegrityError:  # read at the same moment by another member of the household
            pass
    db.session.execute(update(Notification).where(  # the reader's own bell entry about it is read too
        Notification.user_id == user.id, Notification.subject == f"notice:{notice.id}",
        Notification.read_at.is_(None)).values(read_at=now or utcnow()).execution_options(synchronize_session=False))
    return added


def read_counts(notice_ids: list[int]) -> dict[int, tuple[int, int]]:
    """notice id → (households that read it, households it is aimed at), one query for a page of notices (a street
    notice, aimed at no household, has none)."""
    if not notice_ids:
        return {}
    aimed = select(func.count(Household.id)).where(target_condition()).correlate(Notice).scalar_subquery()
    read = select(func.count(NoticeRead.id)).where(NoticeRead.notice_id == Notice.id).correlate(Notice) \
        .scalar_subquery()
    rows = db.session.execute(select(Notice.id, read, aimed).where(Notice.id.in_(notice_ids),
                                                                   Notice.compound_id.is_not(None)))  # not street ones
    return {nid: (int(r), int(a)) for nid, r, a in rows}


def unread_households_stmt(notice: Notice):
    """The households aimed at by the notice that have not read it, by building, unit and room (door to door)."""
    return (select(Household).join(Notice, Notice.id == notice.id).where(target_condition())
            .where(~exists().where(NoticeRead.notice_id == notice.id, NoticeRead.household_id == Household.id))
            .options(joinedload(Household.building), joinedload(Household.unit))
            .order_by(Household.building_id, Household.unit_id, Household.room_no))


def owner_names(household_ids: list[int]) -> dict[int, list[str]]:
    """household id → its current owners' names (one query), for the door-to-door list (joined where shown)."""
    if not household_ids:
        return {}
    out: dict[int, list[str]] = {}
    for household_id, name in db.session.execute(
            select(Ownership.household_id, Person.name).join(Person, Person.id == Ownership.person_id)
            .where(Ownership.household_id.in_(household_ids), Ownership.ended_on.is_(None))
            .order_by(Ownership.household_id, Ownership.id)):
        out.setdefault(household_id, []).append(name)
    return out
