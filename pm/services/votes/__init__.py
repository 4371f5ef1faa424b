"""业主表决: owners' ballots on a use plan and the tally by Civil Code art. 278, exactly (never floats).

- Electorate: the current owners of the active households in the plan's 列支范围.
- Area: each dwelling's registered floor area.
- Headcount: one per dwelling, but dwellings that share an owner count as one person (an owner of three
  flats is one head; the co-owners of a dwelling together are one head), and all dwellings owned by
  organisations (the developer, work-units) count as one head together.
  When one head's dwellings vote differently, the head counts with its earliest ballot (area counts per dwelling).
- Quorum: participating area ≥ 2/3 of the total area AND participating heads ≥ 2/3 of the total heads.
- use_fund passes with yes area > 1/2 of the participating area AND yes heads > 1/2 of participating heads
  (exactly half fails); raise_fund and change_use need ≥ 3/4 of both. Abstentions take part.
- One ballot per dwelling (UNIQUE plan+household): a second one is refused and not counted.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pm.access import Scope, can
from pm.errors import Conflict, DomainError, Forbidden
from pm.extensions import db
from pm.models import Compound, Household, Ownership, Person, User
from pm.models.accounts import Role
from pm.models.fund import Ballot, DecisionKind, PlanStatus, UsePlan, VoteChoice
from pm.services import audit
from pm.timeutil import local_today, utcnow

logger = logging.getLogger(__name__)

ORGANISATIONS = "org"  # the one head shared by all organisation owners (developer, work-units)


@dataclass(frozen=True)
class Counts:
    """The figures a decision is made from: totals, participation and yes votes, by area and by heads."""

    total_area: Decimal
    total_heads: int
    part_area: Decimal
    part_heads: int
    yes_area: Decimal
    yes_heads: int


def quorum_met(c: Counts) -> bool:
    """≥ 2/3 of the area and ≥ 2/3 of the heads took part (以上 includes the number)."""
    if c.total_heads == 0 or c.total_area == 0:
        return False
    return c.part_area * 3 >= c.total_area * 2 and c.part_heads * 3 >= c.total_heads * 2


def majority_met(c: Counts, kind: DecisionKind) -> bool:
    """use_fund: > 1/2 of participating area and heads; raise_fund/change_use: ≥ 3/4 of both."""
    if c.part_heads == 0 or c.part_area == 0:
        return False
    if DecisionKind(kind) == DecisionKind.USE_FUND:
        return c.yes_area * 2 > c.part_area and c.yes_heads * 2 > c.part_heads
    return c.yes_area * 4 >= c.part_area * 3 and c.yes_heads * 4 >= c.part_heads * 3


def decide(c: Counts, kind: DecisionKind) -> bool:
    """Passes: quorum met and the majority for the decision kind reached."""
    return quorum_met(c) and majority_met(c, kind)


def _fraction(a, b) -> Fraction | None:
    return Fraction(a) / Fraction(b) if b else None


@dataclass
class Tally:
    """All the figures of a live tally; fractions exact, percentages only for display."""

    decision_kind: DecisionKind
    dwellings: int = 0  # dwellings in the electorate (with a current owner)
    without_owner: int = 0  # dwellings in scope without a registered owner (not in the electorate)
    ballots: int = 0
    paper_ballots: int = 0
    total_area: Decimal = Decimal(0)
    total_heads: int = 0
    area: dict = field(default_factory=lambda: {c: Decimal(0) for c in VoteChoice})
    heads: dict = field(default_factory=lambda: {c: 0 for c in VoteChoice})

    @property
    def part_area(self) -> Decimal:
        return sum(self.area.values(), Decimal(0))

    @property
    def part_heads(self) -> int:
        return sum(self.heads.values())

    @property
    def counts(self) -> Counts:
        return Counts(self.total_area, self.total_heads, self.part_area, self.part_heads,
                      self.area[VoteChoice.YES], self.heads[VoteChoice.YES])

    @property
    def quorum_met(self) -> bool:
        return quorum_met(self.counts)

    @property
    def majority_met(self) -> bool:
        return majority_met(self.counts, self.decision_kind)

    @property
    def passes(self) -> bool:
        return decide(self.counts, self.decision_kind)

    @property
    def threshold(self) -> str:
        return "> 1/2" if self.decision_kind == DecisionKind.USE_FUND else "≥ 3/4"

    def fractions(self) -> dict[str, Fraction | None]:
        """Participation over totals; yes/no/abstain over participation — exact."""
        out = {
            "part_area": _fraction(self.part_area, self.total_area),
            "part_heads": _fraction(self.part_heads, self.total_heads),
        }
        for choice in VoteChoice:
            out[f"{choice.value}_area"] = _fraction(self.area[choice], self.part_area)
            out[f"{choice.value}_heads"] = _fraction(self.heads[choice], self.part_heads)
        return out

    def as_dict(self) -> dict:
        """JSON-ready figures: areas as decimal strings, fractions as "n/d" plus a percentage to 2 places."""
        def frac(f: Fraction | None):
            if f is None:
                return None
            return {"fraction": f"{f.numerator}/{f.denominator}", "percent": f"{Decimal(f.numerator * 100) / Decimal(f.denominator):.2f}"}

        return {
            "decision_kind": self.decision_kind.value,
            "threshold": self.threshold,
            "dwellings": self.dwellings,
            "without_owner": self.without_owner,
            "ballots": self.ballots,
            "paper_ballots": self.paper_ballots,
            "total_area": f"{self.total_area:.2f}",
            "total_heads": self.total_heads,
            "part_area": f"{self.part_area:.2f}",
            "part_heads": self.part_heads,
            **{f"{c.value}_area": f"{self.area[c]:.2f}" for c in VoteChoice},
            **{f"{c.value}_heads": self.heads[c] for c in VoteChoice},
            "fractions": {k: frac(v) for k, v in self.fractions().items()},
            "quorum_met": self.quorum_met,
            "majority_met": self.majority_met,
            "passes": self.passes,
        }


def electorate(plan: UsePlan) -> dict[int, tuple[Decimal, set]]:
    """{household_id: (area, {person ids or ORGANISATIONS})} for the scope's dwellings with a current owner."""
    from pm.services.fund.plans import scope_households_stmt

    hh = scope_households_stmt(plan).subquery()
    rows = db.session.execute(
        select(hh.c.id, hh.c.area_m2, Ownership.person_id, Person.is_organisation)
        .join(Ownership, (Ownership.household_id == hh.c.id) & Ownership.ended_on.is_(None))
        .join(Person, Person.id == Ownership.person_id)
    )
    out: dict[int, tuple[Decimal, set]] = {}
    for hh_id, area, person_id, is_org in rows:
        entry = out.setdefault(hh_id, (Decimal(area), set()))
        entry[1].add(ORGANISATIONS if is_org else person_id)
    return out


def _heads(owners_by_dwelling: dict[int, set]) -> dict[int, object]:
    """Union-find: dwellings sharing any owner (or both owned by organisations) are one head."""
    parent: dict = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for dwelling, owners in owners_by_dwelling.items():
        for owner in owners:
            ra, rb = find(("d", dwelling)), find(("p", owner))
            if ra != rb:
                parent[ra] = rb
    return {dwelling: find(("d", dwelling)) for dwelling in owners_by_dwelling}


def tally(plan: UsePlan) -> Tally:
    """Count the plan's ballots (three queries: scope households, owners, ballots)."""
    from pm.services.fund.plans import scope_household_ids

    voters = electorate(plan)
    in_scope = scope_household_ids(plan)
    head_of = _heads({hh: owners for hh, (_area, owners) in voters.items()})
    t = Tally(decision_kind=DecisionKind(plan.decision_kind))
    t.dwellings = len(voters)
    t.without_owner = len(in_scope - set(voters))
    t.total_area = sum((area for area, _ in voters.values()), Decimal(0))
    t.total_heads = len(set(head_of.values()))
    counted_heads: set = set()
    ballots = db.session.execute(
        select(Ballot.household_id, Ballot.choice, Ballot.is_paper).where(Ballot.plan_id == plan.id)
        .order_by(Ballot.cast_at, Ballot.id)
    )
    for hh_id, choice, is_paper in ballots:
        if hh_id not in voters:  # the dwelling left the electorate (demolished) after voting
            continue
        choice = VoteChoice(choice)
        t.ballots += 1
        t.paper_ballots += 1 if is_paper else 0
        t.area[choice] += voters[hh_id][0]
        head = head_of[hh_id]
        if head not in counted_heads:
            counted_heads.add(head)
            t.heads[choice] += 1
    return t


def cast_ballot(
    plan: UsePlan,
    household: Household,
    choice: VoteChoice | str,
    *,
    actor: User,
    scope: Scope,
    person: Person | None = None,
    paper: bool = False,
    now: datetime | None = None,
) -> Ballot:
    """Record one dwelling's ballot: online by a current owner, or on paper entered by the committee."""
    from pm.services.fund.plans import scope_household_ids

    try:
        choice = VoteChoice(choice)
    except ValueError:
        raise DomainError("表决意见必须是同意、反对或弃权", field="choice") from None
    now = now or utcnow()
    if not scope.contains(Compound, plan.compound_id):
        raise Forbidden("该小区不在您的权限范围内")
    if plan.status != PlanStatus.VOTING:
        raise Conflict("该方案不在表决期", field="plan")
    if plan.vote_closes_on is not None and local_today(now) > plan.vote_closes_on:
        raise Conflict("表决期已结束", field="plan")
    if household.id not in scope_household_ids(plan):
        raise DomainError("该户不在本方案的列支范围内", field="household_id")
    owners = set(db.session.scalars(select(Ownership.person_id).where(
        Ownership.household_id == household.id, Ownership.ended_on.is_(None))))
    if paper:
        if not can(actor, "fund.ballot.paper"):
            raise Forbidden("只有业主委员会（或社区）可以录入纸质表决票")
        if person is None:
            raise DomainError("请选择投票的业主", field="person_id")
        if person.id not in owners:
            raise DomainError("该人不是这户的现业主", field="person_id")
    else:
        if actor.role != Role.OWNER or actor.person_id is None or actor.person_id not in owners:
            raise Forbidden("只有该户的现业主可以投票")
        person = db.session.get(Person, actor.person_id)
    if db.session.scalar(select(Ballot.id).where(Ballot.plan_id == plan.id, Ballot.household_id == household.id)):
        raise Conflict("该户已经投过票，每户只能投一票", field="household_id")
    ballot = Ballot(plan_id=plan.id, household_id=household.id, person_id=person.id, choice=choice,
                    is_paper=bool(paper), entered_by_id=actor.id if paper else None, cast_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(ballot)
    except IntegrityError:  # a parallel ballot for the same dwelling won the race
        raise Conflict("该户已经投过票，每户只能投一票", field="household_id") from None
    audit.record("plan.ballot", ballot, actor=actor, place=household, changes={
        "plan_id": plan.id, "household_id": household.id, "person_id": person.id, "choice": choice.value,
        "is_paper": bool(paper),
    })
    logger.info("ballot %r on plan %r by %r", ballot, plan, actor)
    return ballot


def my_households(plan: UsePlan, user: User) -> list[Household]:
    """The user's own dwellings (as a current owner) within the plan's scope, for the voting page."""
    from sqlalchemy.orm import joinedload

    from pm.services.fund.plans import scope_households_stmt

    if user.person_id is None:
        return []
    hh_ids = scope_households_stmt(plan).with_only_columns(Household.id)
    return list(db.session.scalars(
        select(Household).options(joinedload(Household.building), joinedload(Household.unit))
        .join(Ownership, (Ownership.household_id == Household.id) & Ownership.ended_on.is_(None))
        .where(Ownership.person_id == user.person_id, Household.id.in_(hh_ids))
        .order_by(Household.id)
    ).unique())
