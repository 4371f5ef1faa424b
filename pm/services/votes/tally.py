"""计票: the tally of a decision by area and by heads (Civil Code art. 278), exact, from its electorate and ballots.

- Electorate: the decision's households (snapshot written when voting opened) that are still active and have a
  current owner; the owners are read at tally time, so a buyer who took over during the vote votes for the flat.
- Area: each dwelling's registered floor area.
- Heads: one per dwelling, but dwellings that share an owner count as one person (an owner of three flats is one
  head; the co-owners of a dwelling together are one head), and all dwellings owned by organisations (the
  developer, work-units) count as one head together. When one head's dwellings vote differently, the head counts
  with its earliest ballot (area counts per dwelling).
- Abstentions take part (quorum) but are not yes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import Select, select

from pm.extensions import db
from pm.models import Household, HouseholdStatus, Ownership, Person
from pm.models.votes import (
    Ballot,
    Decision,
    DecisionStatus,
    ElectorateEntry,
    VoteChoice,
)
from pm.services.votes.rules import (
    Counts,
    Rule,
    as_rule,
    decide,
    majority_met,
    quorum_met,
)

ORGANISATIONS = "org"  # the one head shared by all organisation owners (developer, work-units)


def _fraction(a, b) -> Fraction | None:
    return Fraction(a) / Fraction(b) if b else None


@dataclass
class Tally:
    """All the figures of a tally; fractions exact, percentages only for display."""

    rule: Rule
    dwellings: int = 0  # dwellings in the electorate with a current owner
    without_owner: int = 0  # dwellings in the electorate without a registered owner (not counted)
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
        return quorum_met(self.counts, self.rule)

    @property
    def majority_met(self) -> bool:
        return majority_met(self.counts, self.rule)

    @property
    def passes(self) -> bool:
        return decide(self.counts, self.rule)

    @property
    def everyone_voted(self) -> bool:
        """Every dwelling of the electorate with an owner has a counted ballot."""
        return self.ballots >= self.dwellings

    @property
    def threshold(self) -> str:
        return self.rule.threshold_text

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
            percent = Decimal(f.numerator * 100) / Decimal(f.denominator)
            return {"fraction": f"{f.numerator}/{f.denominator}", "percent": f"{percent:.2f}"}

        return {
            "rule": self.rule.name,
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


def rule_of(decision: Decision) -> Rule:
    """The rule stored with a decision."""
    return Rule(decision.rule_name, Fraction(decision.quorum_area_num, decision.quorum_area_den),
                Fraction(decision.quorum_heads_num, decision.quorum_heads_den),
                Fraction(decision.threshold_num, decision.threshold_den), decision.strict, decision.over_electorate)


def electorate_stmt(decision: Decision) -> Select:
    """SELECT of the ids of the decision's households that are still active (a lost dwelling no longer votes)."""
    return (select(ElectorateEntry.household_id)
            .join(Household, Household.id == ElectorateEntry.household_id)
            .where(ElectorateEntry.decision_id == decision.id, Household.status == HouseholdStatus.ACTIVE))


def owners_by_dwelling(households: Select) -> dict[int, tuple[Decimal, set]]:
    """{household_id: (area, {person ids or ORGANISATIONS})} for the given household ids with a current owner."""
    hh = select(Household.id, Household.area_m2).where(Household.id.in_(households)).subquery()
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


def heads(owners: dict[int, set]) -> dict[int, object]:
    """Union-find: dwellings sharing any owner (or both owned by organisations) are one head."""
    parent: dict = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for dwelling, persons in owners.items():
        for owner in persons:
            ra, rb = find(("d", dwelling)), find(("p", owner))
            if ra != rb:
                parent[ra] = rb
    return {dwelling: find(("d", dwelling)) for dwelling in owners}


def count(households: Select, rule: Rule, decision_id: int | None) -> Tally:
    """Count the ballots of `decision_id` over the electorate `households` (three queries: households, owners,
    ballots; with no decision, the totals of a would-be electorate and no ballots)."""
    voters = owners_by_dwelling(households)
    in_electorate = set(db.session.scalars(households))
    head_of = heads({hh: owners for hh, (_area, owners) in voters.items()})
    t = Tally(rule=rule)
    t.dwellings = len(voters)
    t.without_owner = len(in_electorate - set(voters))
    t.total_area = sum((area for area, _ in voters.values()), Decimal(0))
    t.total_heads = len(set(head_of.values()))
    if decision_id is None:
        return t
    counted_heads: set = set()
    ballots = db.session.execute(
        select(Ballot.household_id, Ballot.choice, Ballot.is_paper).where(Ballot.decision_id == decision_id)
        .order_by(Ballot.cast_at, Ballot.id)
    )
    for hh_id, choice, is_paper in ballots:
        if hh_id not in voters:  # the dwelling left the electorate (lost, or no owner any more) after voting
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


def live_tally(decision: Decision) -> Tally:
    """Count the decision's ballots now (whatever its status)."""
    return count(electorate_stmt(decision), rule_of(decision), decision.id)


def stored_tally(decision: Decision) -> Tally:
    """The final figures stored when the decision closed."""
    t = Tally(rule=rule_of(decision), dwellings=decision.dwellings, without_owner=decision.without_owner,
              ballots=decision.ballots, paper_ballots=decision.paper_ballots,
              total_area=Decimal(decision.total_area), total_heads=decision.total_heads)
    for choice in VoteChoice:
        t.area[choice] = Decimal(getattr(decision, f"{choice.value}_area"))
        t.heads[choice] = getattr(decision, f"{choice.value}_heads")
    return t


def tally(decision: Decision) -> Tally:
    """The figures to show: the stored ones once the decision is closed, else a live count."""
    if decision.status == DecisionStatus.CLOSED:
        return stored_tally(decision)
    return live_tally(decision)


def preview(households: Select, rule: Rule | str) -> Tally:
    """The totals of a would-be electorate before any decision is opened (no ballots)."""
    return count(households, as_rule(rule), None)
