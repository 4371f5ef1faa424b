"""主任委员与副主任委员: after an owners' committee election the elected members choose their chair and vice-chairs.
Recording it changes the members' positions the history way: a member whose position changes has the current term
end the day before and a new term on the same seat from that day (same end, login and election), so past
positions stay visible. Only the filing body (the street office, or the county for it) or the committee itself."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import or_, select

from pm.access import SYSTEM, Scope, authorise_in
from pm.errors import Conflict, DomainError
from pm.extensions import db
from pm.models import Compound, Election, ElectionStatus, Membership, Position, User
from pm.services import audit
from pm.services.governance import bodies
from pm.timeutil import local_today, utcnow

CAPABILITY = "governance.officers"
MAX_VICE_CHAIRS = 2
DONE = (ElectionStatus.COUNTED, ElectionStatus.FILED)


def elected_members(election: Election, day: date) -> list[Membership]:
    """The election's members whose term runs on `day`, by seat."""
    return list(db.session.scalars(
        select(Membership).where(Membership.election_id == election.id, Membership.started_on <= day,
                                 or_(Membership.ends_on.is_(None), Membership.ends_on >= day))
        .order_by(Membership.seat)))


def choose_officers(election: Election, *, chair_person_id: int | None, vice_chair_person_ids: list[int] | None,
                    actor: User | None, scope: Scope, effective_on: date | None = None,
                    now: datetime | None = None) -> list[Membership]:
    """Record the chair (one) and the vice-chairs (up to two) chosen among the elected members; the others are
    委员. Returns the members' terms current from `effective_on` (default today)."""
    authorise_in(scope, actor, CAPABILITY, Compound, election.compound_id, "该小区不在您的管理范围内")
    db.session.execute(select(Election.id).where(Election.id == election.id).with_for_update())
    db.session.refresh(election)
    if election.status not in DONE:
        raise Conflict("选举计票后方可推选主任委员和副主任委员", field="status")
    day = effective_on or local_today(now or utcnow())
    if day < election.term_starts_on or (election.term_ends_on and day > election.term_ends_on):
        raise DomainError("生效日期应在本届任期内（%(start)s 至 %(end)s）", field="effective_on",
                          start=election.term_starts_on.isoformat(), end=election.term_ends_on.isoformat())
    vices = list(vice_chair_person_ids or [])
    if chair_person_id is None:
        raise DomainError("请选择主任委员", field="chair_person_id")
    if len(set(vices)) != len(vices) or chair_person_id in vices:
        raise DomainError("主任委员和副主任委员不能重复", field="vice_chair_person_ids")
    if len(vices) > MAX_VICE_CHAIRS:
        raise DomainError("副主任委员不超过 %(n)s 人", field="vice_chair_person_ids", n=MAX_VICE_CHAIRS)
    members = elected_members(election, day)
    by_person = {m.person_id: m for m in members}
    if chair_person_id not in by_person:
        raise DomainError("主任委员须是本届当选的业主委员会委员", field="chair_person_id")
    if any(p not in by_person for p in vices):
        raise DomainError("副主任委员须是本届当选的业主委员会委员", field="vice_chair_person_ids")
    wanted = {p: Position.MEMBER for p in by_person} | {p: Position.VICE_CHAIR for p in vices} \
        | {chair_person_id: Position.CHAIR}
    result = []
    for member in members:
        position = wanted[member.person_id]
        if member.position == position:
            result.append(member)
        elif member.started_on == day:  # the term starts today: no day was served in the old position
            member.position = position
            result.append(member)
        else:
            result.append(_new_term(member, position, day))
    db.session.flush()
    compound = db.session.get(Compound, election.compound_id)
    audit.record("election.officers", election, actor=actor, place=compound, changes={
        "effective_on": day, "chair": chair_person_id, "vice_chairs": vices})
    return result


def _new_term(member: Membership, position: Position, day: date) -> Membership:
    """End the term the day before and start one on the same seat with the new position (history kept)."""
    ends_on, user_id = member.ends_on, member.user_id
    body = member.body
    bodies.end_term(member, ends_on=day - timedelta(days=1), actor=None, scope=SYSTEM)
    new = bodies.add_member(body, person=member.person, position=position, seat=member.seat, started_on=day,
                            ends_on=ends_on, is_party_member=member.is_party_member, phone=member.phone,
                            election_id=member.election_id, actor=None, scope=SYSTEM)
    new.user_id = user_id
    return new
