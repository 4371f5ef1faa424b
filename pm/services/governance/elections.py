"""业主委员会选举: first formation or re-election of a compound's owners' committee.

The street office forms the preparatory group (筹备组, with owner representatives) → nominations → candidate
publicity for the county's number of days → voting through the vote engine (electorate snapshot of the compound's
dwellings, rule "elect_committee"; one ballot per dwelling choosing up to the seat count, online or on paper) →
count (pm.services.governance.election_count) → results publicised, members recorded with their term (≤ 5 years)
and the compound's "owners' committee formed on" date kept true → filing (备案) with the street office.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from pm.access import SYSTEM, Scope, authorise_in, can
from pm.errors import Conflict, DomainError
from pm.extensions import db
from pm.models import (
    Ballot,
    Body,
    BodyType,
    Candidate,
    Compound,
    Election,
    ElectionChoice,
    ElectionKind,
    ElectionStatus,
    Household,
    HouseholdStatus,
    Membership,
    NoticeKind,
    Ownership,
    Person,
    Position,
    PrepMember,
    User,
)
from pm.models.votes import Decision
from pm.services import audit, votes
from pm.services.governance import bodies, election_count
from pm.services.governance.policy import check_size, county_of, policy_for
from pm.services.notices import post_notice
from pm.services.text import check_phone, check_text
from pm.timeutil import local_today, utcnow

logger = logging.getLogger(__name__)

OPEN_STATUSES = (ElectionStatus.PREPARING, ElectionStatus.PUBLICITY, ElectionStatus.VOTING)
SIDES = ("owner", "street", "community", "property")
SUBJECT = "election"


def _authorise(scope: Scope, actor: User | None, compound_id: int, capability: str = "governance.elections") -> None:
    authorise_in(scope, actor, capability, Compound, compound_id, "该小区不在您的管理范围内")


def _households(compound_id: int):
    return select(Household.id).where(Household.compound_id == compound_id, Household.status == HouseholdStatus.ACTIVE)


def _household_count(compound: Compound) -> int:
    return db.session.scalar(select(func.count()).select_from(_households(compound.id).subquery())) or 0


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 2, 28)


def start_election(compound: Compound, *, kind: ElectionKind | str, seats: int | None, group: list[dict],
                   actor: User | None, scope: Scope, term_years: int | None = None) -> Election:
    """The street office forms the preparatory group and opens nominations. The committee size must be odd and
    within the county's range (3 allowed below its household count); the group needs an owners' representative."""
    _authorise(scope, actor, compound.id)
    try:
        kind = ElectionKind(kind)
    except ValueError:
        raise DomainError("选举类别不正确", field="kind") from None
    policy = policy_for(county_of(compound))
    seats = check_size(seats, policy, _household_count(compound))
    term_years = term_years or policy.term_years
    if not 1 <= term_years <= 5:
        raise DomainError("业主委员会每届任期不超过 5 年", field="term_years")
    members = []
    for i, row in enumerate(group or []):
        name = check_text(row.get("name"), field="group", label="筹备组成员姓名", max_len=64)
        side = row.get("side")
        if side not in SIDES:
            raise DomainError("筹备组成员的身份不正确", field="group")
        members.append((name, side, check_phone(row.get("phone"), field="group")))
    if not any(side == "owner" for _n, side, _p in members):
        raise DomainError("筹备组应当有业主代表", field="group")
    _lock_compound(compound)
    if db.session.scalar(select(Election.id).where(Election.compound_id == compound.id,
                                                   Election.status.in_(OPEN_STATUSES))):
        raise Conflict("该小区已有进行中的业主委员会选举", field="compound_id")
    election = Election(compound_id=compound.id, kind=kind, seats=seats, term_years=term_years,
                        status=ElectionStatus.PREPARING, created_by_id=actor.id if actor else None)
    db.session.add(election)
    db.session.flush()
    db.session.add_all(PrepMember(election_id=election.id, name=n, side=s, phone=p) for n, s, p in members)
    db.session.flush()
    audit.record("election.start", election, actor=actor, place=compound, changes={
        "kind": kind.value, "seats": seats, "term_years": term_years, "group": [m[0] for m in members]})
    logger.info("election %r started by %r", election, actor)
    return election


def _lock_compound(compound: Compound) -> None:
    db.session.execute(select(Compound.id).where(Compound.id == compound.id).with_for_update())


def _lock(election: Election) -> None:
    db.session.execute(select(Election.id).where(Election.id == election.id).with_for_update())
    db.session.refresh(election)


def _require(election: Election, *statuses: ElectionStatus) -> None:
    if election.status not in statuses:
        raise Conflict("选举当前阶段不能进行此操作", field="status")


def nominate(election: Election, *, person: Person, household: Household, actor: User | None, scope: Scope,
             statement: str | None = None, nominated_by: str | None = None, is_party_member: bool = False) -> Candidate:
    """A candidate: a current owner of a dwelling of the compound, nominated while the group takes nominations."""
    _authorise(scope, actor, election.compound_id)
    _lock(election)
    _require(election, ElectionStatus.PREPARING)
    if household.compound_id != election.compound_id:
        raise DomainError("候选人的房屋不在本小区", field="household_id")
    owns = db.session.scalar(select(Ownership.id).where(
        Ownership.household_id == household.id, Ownership.person_id == person.id, Ownership.ended_on.is_(None)))
    if owns is None:
        raise DomainError("候选人须是本小区该房屋的现业主", field="person_id")
    if db.session.scalar(select(Candidate.id).where(Candidate.election_id == election.id,
                                                    Candidate.person_id == person.id)):
        raise Conflict("此人已是候选人", field="person_id")
    candidate = Candidate(election_id=election.id, person_id=person.id, household_id=household.id,
                          statement=check_text(statement, field="statement", label="简介", max_len=2000,
                                               required=False),
                          nominated_by=check_text(nominated_by, field="nominated_by", label="推荐方式", max_len=64,
                                                  required=False),
                          is_party_member=bool(is_party_member))
    db.session.add(candidate)
    db.session.flush()
    audit.record("election.nominate", candidate, actor=actor, place=household,
                 changes={"election_id": election.id, "person_id": person.id})
    return candidate


def publicise(election: Election, *, starts_on: date, actor: User | None, scope: Scope) -> Election:
    """Publicise the candidates for the county's number of days (nominations close)."""
    _authorise(scope, actor, election.compound_id)
    _lock(election)
    _require(election, ElectionStatus.PREPARING)
    if not election.candidates:
        raise DomainError("还没有候选人", field="candidates")
    if starts_on is None:
        raise DomainError("请填写公示开始日期", field="starts_on")
    days = policy_for(county_of(db.session.get(Compound, election.compound_id))).publicity_days
    election.publicity_starts_on = starts_on
    election.publicity_ends_on = starts_on + timedelta(days=days - 1)
    election.status = ElectionStatus.PUBLICITY
    db.session.flush()
    compound = db.session.get(Compound, election.compound_id)
    notice = post_notice(  # 候选人公示: the notice links to the election's page (the candidates stay there)
        actor, scope=SYSTEM, compound_id=compound.id, kind=NoticeKind.PUBLICITY,
        title=f"{compound.name}业主委员会选举候选人公示"[:200], starts_on=starts_on, ends_on=election.publicity_ends_on,
        link=f"/elections/{election.id}", source=SUBJECT, source_id=election.id,
        body=f"候选人 {len(election.candidates)} 人，应选 {election.seats} 人，公示 {days} 天。请业主查看候选人名单。")
    audit.record("election.publicise", election, actor=actor, place=compound,
                 changes={"from": starts_on, "to": election.publicity_ends_on, "notice_id": notice.id})
    return election


def open_voting(election: Election, *, opens_on: date, closes_on: date, actor: User | None, scope: Scope,
                now: datetime | None = None) -> Decision:
    """After the publicity: voting opens over a snapshot of the compound's dwellings (rule "elect_committee")."""
    _authorise(scope, actor, election.compound_id)
    _lock(election)
    _require(election, ElectionStatus.PUBLICITY)
    today = local_today(now or utcnow())
    if today <= election.publicity_ends_on or (opens_on and opens_on <= election.publicity_ends_on):
        raise Conflict("候选人公示期至 %(date)s，期满后方可投票", field="opens_on",
                       date=election.publicity_ends_on.isoformat())
    compound = db.session.get(Compound, election.compound_id)
    decision = votes.open_decision(
        subject_kind=SUBJECT, subject_id=election.id, title=f"{compound.name}业主委员会选举", compound_id=compound.id,
        households=_households(compound.id), rule="elect_committee", opens_on=opens_on, closes_on=closes_on,
        actor=actor, scope=scope)
    election.decision_id = decision.id
    election.status = ElectionStatus.VOTING
    db.session.flush()
    return decision


def check_choice(election: Election, candidate_ids: list[int] | None) -> list[int]:
    """The chosen candidates of a ballot (checked before the confirmation page and again when cast)."""
    ids = list(dict.fromkeys(candidate_ids or []))
    if len(ids) != len(candidate_ids or []):
        raise DomainError("同一候选人只能选一次", field="candidate_ids")
    if len(ids) > election.seats:
        raise DomainError("所选候选人不能超过应选名额 %(n)s 人", field="candidate_ids", n=election.seats)
    known = {c.id for c in election.candidates}
    if any(i not in known for i in ids):
        raise DomainError("所选的人不是本次选举的候选人", field="candidate_ids")
    if election.status != ElectionStatus.VOTING or election.decision_id is None:
        raise Conflict("该选举不在投票期", field="status")
    return ids


def cast(election: Election, household: Household, candidate_ids: list[int], *, actor: User, scope: Scope,
         paper: bool = False, person: Person | None = None, now: datetime | None = None) -> Ballot:
    """One dwelling's ballot choosing up to the seat count among the candidates (none: an abstention). Online by
    a current owner; on paper entered for the group by the street office or community (marked as paper)."""
    ids = check_choice(election, candidate_ids)
    decision = db.session.get(Decision, election.decision_id)
    ballot = votes.cast_ballot(decision, household, "yes" if ids else "abstain", actor=actor, scope=scope,
                               person=person, paper=paper, paper_authorised=can(actor, "governance.paper"), now=now)
    db.session.add_all(ElectionChoice(ballot_id=ballot.id, candidate_id=i, election_id=election.id) for i in ids)
    db.session.flush()
    return ballot


def close(election: Election, *, actor: User | None, scope: Scope, now: datetime | None = None) -> Election:
    """Count once (the election row is locked; a second close is refused): candidates' votes and ranks stored,
    the elected recorded as members with their term, the compound's committee date kept true, results public."""
    _authorise(scope, actor, election.compound_id)
    _lock(election)
    _require(election, ElectionStatus.VOTING)
    now = now or utcnow()
    decision = db.session.get(Decision, election.decision_id)
    tally = votes.close_decision(decision, actor=actor, scope=scope, now=now, field="status")
    results = election_count.elect(election, election_count.candidate_votes(election, decision), tally)
    for r in results:
        r.candidate.votes_area, r.candidate.votes_heads = r.area, r.heads
        r.candidate.rank, r.candidate.is_elected = r.rank, r.elected
    today = local_today(now)
    election.counted_on = today
    election.elected_count = sum(r.elected for r in results)
    compound = db.session.get(Compound, election.compound_id)
    if not election_count.formed(election, results):
        election.status = ElectionStatus.FAILED
    else:
        election.status = ElectionStatus.COUNTED
        _seat_committee(election, compound, [r for r in results if r.elected], today, actor=actor)
    db.session.flush()
    outcome = "选举结果公告" if election.status == ElectionStatus.COUNTED else "选举未能产生业主委员会"
    notice = post_notice(  # 选举结果: a notice linking to the election's page, where the results are
        actor, scope=SYSTEM, compound_id=compound.id, kind=NoticeKind.NOTICE,
        title=f"{compound.name}业主委员会{outcome}"[:200], starts_on=today, link=f"/elections/{election.id}",
        source=SUBJECT, source_id=election.id, now=now,
        body=f"当选 {election.elected_count} 人（应选 {election.seats} 人），详见选举页面。")
    audit.record("election.close", election, actor=actor, place=compound, changes={
        "status": election.status.value, "elected": [r.candidate.person_id for r in results if r.elected],
        "tally": tally.as_dict(), "notice_id": notice.id})
    return election


def _seat_committee(election: Election, compound: Compound, elected: list, today: date, *, actor) -> None:
    """Members with their term; the previous committee's terms end the day before; the compound's date set."""
    starts, ends = today, _add_years(today, election.term_years) - timedelta(days=1)
    body = bodies.ensure_body(BodyType.OWNERS, compound=compound, actor=None, scope=SYSTEM)
    for member in db.session.scalars(select(Membership).where(
            Membership.body_id == body.id, (Membership.ends_on.is_(None)) | (Membership.ends_on >= starts))):
        if member.started_on >= starts:
            raise Conflict("业主委员会已有从 %(date)s 起的任期", field="status", date=member.started_on.isoformat())
        bodies.end_term(member, ends_on=starts - timedelta(days=1), actor=None, scope=SYSTEM)
    for seat, r in enumerate(elected, start=1):
        bodies.add_member(body, person=r.candidate.person, position=Position.MEMBER, seat=seat, started_on=starts,
                          ends_on=ends, is_party_member=r.candidate.is_party_member, election_id=election.id,
                          actor=None, scope=SYSTEM)
    body.term_starts_on, body.term_ends_on, body.filed_on = starts, ends, None
    election.term_starts_on, election.term_ends_on = starts, ends
    if compound.owners_committee_formed_on is None or election.kind == ElectionKind.FIRST:
        old = compound.owners_committee_formed_on
        compound.owners_committee_formed_on = starts
        audit.record("compound.committee_formed", compound, actor=actor,
                     changes={"owners_committee_formed_on": [old, starts], "election_id": election.id})


def file(election: Election, *, filed_on: date | None, actor: User | None, scope: Scope) -> Election:
    """备案: the street office records the filing of the counted result."""
    _authorise(scope, actor, election.compound_id)
    _lock(election)
    _require(election, ElectionStatus.COUNTED)
    if filed_on is None or filed_on < election.counted_on:
        raise DomainError("备案日期不能早于计票日期", field="filed_on")
    election.filed_on, election.filed_by_id = filed_on, actor.id if actor else None
    election.status = ElectionStatus.FILED
    body = db.session.scalar(select(Body).where(Body.place_key == f"owners:{election.compound_id}"))
    if body is not None:
        body.filed_on = filed_on
    db.session.flush()
    audit.record("election.file", election, actor=actor, place=db.session.get(Compound, election.compound_id),
                 changes={"filed_on": filed_on})
    return election


def cancel(election: Election, *, actor: User | None, scope: Scope) -> Election:
    """Withdraw an election before it is counted (its vote, if open, is cancelled; ballots stay on record)."""
    _authorise(scope, actor, election.compound_id)
    _lock(election)
    _require(election, *OPEN_STATUSES)
    if election.decision_id is not None:
        votes.cancel_decision(db.session.get(Decision, election.decision_id), actor=actor, scope=scope)
    election.status = ElectionStatus.CANCELLED
    db.session.flush()
    audit.record("election.cancel", election, actor=actor, place=db.session.get(Compound, election.compound_id),
                 changes={})
    return election


def load(scope: Scope, election_id: int) -> Election:
    return scope.get(Election, election_id, options=(
        selectinload(Election.candidates).joinedload(Candidate.person),
        selectinload(Election.candidates).joinedload(Candidate.household), selectinload(Election.group)))


def elections_stmt(scope: Scope, compound_id: int | None = None):
    stmt = scope.filter(select(Election), Election).order_by(Election.id.desc())
    if compound_id:
        stmt = stmt.where(Election.compound_id == compound_id)
    return stmt


def my_choices(election: Election, ballot_id: int) -> list[int]:
    return list(db.session.scalars(select(ElectionChoice.candidate_id).where(ElectionChoice.ballot_id == ballot_id)))
