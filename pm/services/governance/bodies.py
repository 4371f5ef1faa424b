"""四位一体组织与成员: the bodies of a community and of a compound, their members' terms (no two terms on one seat
overlap — checked under a row lock on the body, so parallel edits cannot both pass), and committee logins tied
to a term."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from pm.access import Scope, authorise, authorise_in
from pm.errors import Conflict, DomainError, Forbidden
from pm.extensions import db
from pm.models import (
    Body,
    BodyType,
    Community,
    Compound,
    Membership,
    PartyLevel,
    Person,
    Position,
    Role,
    Station,
    User,
    station_compounds,
)
from pm.services import audit
from pm.services.text import check_phone, check_text

logger = logging.getLogger(__name__)

MAX_TERM_YEARS = 5
COMMUNITY_KINDS = (BodyType.PARTY, BodyType.RESIDENTS, BodyType.STAND_IN)


def _place_key(kind: BodyType, *, community: Community | None, compound: Compound | None,
               station: Station | None) -> str:
    if kind == BodyType.OWNERS:
        return f"owners:{compound.id}"
    if kind == BodyType.STATION:
        return f"station:{station.id}"
    return f"{kind.value}:{community.id}"


def ensure_body(kind: BodyType | str, *, actor: User | None, scope: Scope, community: Community | None = None,
                compound: Compound | None = None, station: Station | None = None, name: str | None = None,
                party_level: PartyLevel | str | None = None, phone: str | None = None) -> Body:
    """The body of `kind` at its place, created when missing (a party organisation, residents' committee or
    stand-in per community; an owners' committee per compound; a station's body per station)."""
    authorise(scope, actor, "governance.manage")
    try:
        kind = BodyType(kind)
    except ValueError:
        raise DomainError("组织类别不正确", field="kind") from None
    if kind == BodyType.OWNERS:
        if compound is None:
            raise DomainError("请选择小区", field="compound_id")
        community = db.session.get(Community, compound.community_id)
    elif kind == BodyType.STATION:
        if station is None:
            raise DomainError("请选择服务站", field="station_id")
        community = db.session.get(Community, station.community_id)
    elif community is None:
        raise DomainError("请选择社区", field="community_id")
    if not scope.is_system and not scope.contains(Community, community.id):
        raise Forbidden("该社区不在您的管理范围内")
    key = _place_key(kind, community=community, compound=compound, station=station)
    body = db.session.scalar(select(Body).where(Body.place_key == key))
    if body is not None:
        return body
    level = None
    if kind == BodyType.PARTY:
        try:
            level = PartyLevel(party_level or PartyLevel.BRANCH)
        except ValueError:
            raise DomainError("党组织类别不正确", field="party_level") from None
    default = {BodyType.PARTY: f"{community.name}党支部", BodyType.RESIDENTS: f"{community.name}居民委员会",
               BodyType.STAND_IN: f"{community.name}物业管理委员会",
               BodyType.OWNERS: f"{compound.name if compound else ''}业主委员会",
               BodyType.STATION: station.name if station else ""}[kind]
    name = check_text(name, field="name", label="名称", max_len=120, required=False) or default
    body = Body(kind=kind, place_key=key, community_id=community.id, compound_id=compound.id if compound else None,
                station_id=station.id if station else None, name=name, party_level=level,
                phone=check_phone(phone))
    db.session.add(body)
    db.session.flush()
    audit.record("governance.body", body, actor=actor, place=compound or community,
                 changes={"kind": kind.value, "name": name})
    return body


def _lock(body: Body) -> None:
    """Lock the body row (PostgreSQL) so that two term edits of one body are checked one after the other."""
    db.session.execute(select(Body.id).where(Body.id == body.id).with_for_update())


def _overlapping(body: Body, seat: int, started_on: date, ends_on: date | None, *, exclude: int | None = None):
    stmt = select(Membership).where(
        Membership.body_id == body.id, Membership.seat == seat,
        or_(Membership.ends_on.is_(None), Membership.ends_on >= started_on))
    if ends_on is not None:
        stmt = stmt.where(Membership.started_on <= ends_on)
    if exclude is not None:
        stmt = stmt.where(Membership.id != exclude)
    return db.session.scalars(stmt.limit(1)).first()


def _check_term(body: Body, started_on: date | None, ends_on: date | None) -> None:
    if started_on is None:
        raise DomainError("请填写任期开始日期", field="started_on")
    if ends_on is not None and ends_on < started_on:
        raise DomainError("任期结束日期不能早于开始日期", field="ends_on")
    if body.kind == BodyType.OWNERS:
        if ends_on is None:
            raise DomainError("请填写任期结束日期（业主委员会每届任期不超过 5 年）", field="ends_on")
        try:
            limit = started_on.replace(year=started_on.year + MAX_TERM_YEARS)
        except ValueError:  # 29 February
            limit = date(started_on.year + MAX_TERM_YEARS, 2, 28)
        if ends_on >= limit:
            raise DomainError("业主委员会每届任期不超过 5 年", field="ends_on")


def _free_seat(body: Body, started_on: date, ends_on: date | None) -> int:
    for seat in range(1, 100):
        if _overlapping(body, seat, started_on, ends_on) is None:
            return seat
    raise Conflict("该组织没有空余的席位", field="seat")


def add_member(body: Body, *, person: Person | None = None, name: str | None = None, position: Position | str,
               started_on: date | None, ends_on: date | None = None, seat: int | None = None,
               is_party_member: bool = False, phone: str | None = None, election_id: int | None = None,
               actor: User | None, scope: Scope) -> Membership:
    """A person's term on a seat of the body (the lowest free seat when none is given). A term that overlaps
    another on the same seat, or the same person's other term in the body, is refused."""
    authorise_in(scope, actor, "governance.manage", Body, body.id, "该组织不在您的管理范围内")
    try:
        position = Position(position)
    except ValueError:
        raise DomainError("职务不正确", field="position") from None
    phone = check_phone(phone)
    if person is None:
        name = check_text(name, field="name", label="姓名", max_len=64)
        person = Person(name=name, phone=phone)
        db.session.add(person)
        db.session.flush()
    _check_term(body, started_on, ends_on)
    if seat is not None and not 1 <= seat <= 99:
        raise DomainError("席位号应在 1 至 99 之间", field="seat")
    _lock(body)
    if seat is None:
        seat = _free_seat(body, started_on, ends_on)
    elif _overlapping(body, seat, started_on, ends_on) is not None:
        raise Conflict("该席位在这段时间已有任期，任期不能重叠", field="started_on")
    same_person = db.session.scalar(select(Membership.id).where(
        Membership.body_id == body.id, Membership.person_id == person.id,
        or_(Membership.ends_on.is_(None), Membership.ends_on >= started_on),
        Membership.started_on <= (ends_on or date.max)))
    if same_person is not None:
        raise Conflict("此人在这段时间已在该组织任职", field="started_on")
    member = Membership(body_id=body.id, seat=seat, person_id=person.id, position=position,
                        is_party_member=bool(is_party_member), phone=phone or person.phone, started_on=started_on,
                        ends_on=ends_on, election_id=election_id)
    db.session.add(member)
    db.session.flush()
    audit.record("governance.member", member, actor=actor, place=_place(body), changes={
        "body_id": body.id, "seat": seat, "person_id": person.id, "position": position.value,
        "started_on": started_on, "ends_on": ends_on})
    logger.info("member %r added to %r by %r", member, body, actor)
    return member


def end_term(member: Membership, *, ends_on: date | None, actor: User | None, scope: Scope) -> Membership:
    """End (or move the end of) a term; the new end may not reach into the next term on the seat."""
    body = db.session.get(Body, member.body_id)
    authorise_in(scope, actor, "governance.manage", Body, body.id, "该组织不在您的管理范围内")
    _check_term(body, member.started_on, ends_on)
    _lock(body)
    if _overlapping(body, member.seat, member.started_on, ends_on, exclude=member.id) is not None:
        raise Conflict("该席位在这段时间已有任期，任期不能重叠", field="ends_on")
    old = member.ends_on
    member.ends_on = ends_on
    db.session.flush()
    audit.record("governance.term", member, actor=actor, place=_place(body),
                 changes={"ends_on": [old, ends_on], "user_id": member.user_id})
    return member


def link_login(member: Membership, user: User, *, actor: User | None, scope: Scope) -> Membership:
    """Tie a committee-member login to this term: it works while the term runs and stops after it ends."""
    body = db.session.get(Body, member.body_id)
    authorise_in(scope, actor, "governance.manage", Body, body.id, "该组织不在您的管理范围内")
    if body.kind != BodyType.OWNERS:
        raise DomainError("只有业主委员会委员的任期可以绑定委员账号", field="user_id")
    if user.role != Role.COMMITTEE_MEMBER or user.compound_id != body.compound_id:
        raise DomainError("该账号不是本小区的业主委员会委员账号", field="user_id")
    old = member.user_id
    member.user_id = user.id
    db.session.flush()
    audit.record("governance.login", member, actor=actor, place=_place(body),
                 changes={"user_id": [old, user.id], "ends_on": member.ends_on})
    return member


def _place(body: Body):
    if body.compound_id is not None:
        return db.session.get(Compound, body.compound_id)
    return db.session.get(Community, body.community_id)


# -- reads ---------------------------------------------------------------------------------------------
@dataclass
class Panel:
    """The four bodies of a compound (or a community's three) with their current members, as of a day."""

    day: date
    party: Body | None = None
    residents: Body | None = None
    owners: Body | None = None
    stand_in: Body | None = None
    stations: list[Station] = field(default_factory=list)
    station_bodies: dict[int, Body] = field(default_factory=dict)

    def current(self, body: Body | None) -> list[Membership]:
        return [m for m in body.members if m.current_on(self.day)] if body is not None else []

    def past(self, body: Body | None) -> list[Membership]:
        return [m for m in body.members if not m.current_on(self.day)] if body is not None else []

    @property
    def committee(self) -> Body | None:
        """The owners' committee, or the community's stand-in where there is none."""
        return self.owners if self.owners is not None and self.current(self.owners) else self.stand_in

    @property
    def complete(self) -> bool:
        return bool(self.party and self.residents and self.committee and self.stations)


def _bodies(stmt) -> list[Body]:
    return list(db.session.scalars(stmt.options(
        selectinload(Body.members).joinedload(Membership.person)).order_by(Body.id)))


def compound_panel(compound: Compound, scope: Scope, *, day: date) -> Panel:
    """The compound's four bodies (community party organisation and residents' committee, owners' committee or
    stand-in, stations with their firm) with members — three queries."""
    bodies = _bodies(scope.filter(select(Body), Body).where(or_(
        Body.compound_id == compound.id,
        (Body.community_id == compound.community_id) & Body.kind.in_(COMMUNITY_KINDS),
        Body.station_id.in_(select(station_compounds.c.station_id)
                            .where(station_compounds.c.compound_id == compound.id)))))
    panel = Panel(day=day)
    for body in bodies:
        if body.kind == BodyType.STATION:
            panel.station_bodies[body.station_id] = body
        else:
            setattr(panel, {"party": "party", "residents": "residents", "owners": "owners",
                            "stand_in": "stand_in"}[body.kind.value], body)
    panel.stations = list(db.session.scalars(
        scope.filter(select(Station), Station).options(joinedload(Station.firm))
        .join(station_compounds, station_compounds.c.station_id == Station.id)
        .where(station_compounds.c.compound_id == compound.id).order_by(Station.id)))
    return panel


def community_panel(community: Community, scope: Scope, *, day: date) -> Panel:
    """A community's party organisation, residents' committee and stand-in committee with members."""
    panel = Panel(day=day)
    for body in _bodies(scope.filter(select(Body), Body).where(Body.community_id == community.id,
                                                               Body.kind.in_(COMMUNITY_KINDS))):
        setattr(panel, body.kind.value, body)
    return panel


def owners_bodies(community: Community, scope: Scope) -> list[Body]:
    """The owners' committees of a community's compounds (with members), for the community page."""
    return _bodies(scope.filter(select(Body), Body).where(Body.community_id == community.id,
                                                          Body.kind == BodyType.OWNERS))
