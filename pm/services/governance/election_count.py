"""选举计票: each candidate's votes by area and by heads over an election's ballots, and who is elected.

Counting: area is each choosing dwelling's registered floor area; heads follow the vote engine (dwellings that
share an owner are one head, organisations one head together; a head counts with its earliest ballot). A
candidate is elected with more than half of the participating area AND of the participating heads (the
participants: every dwelling with a counted ballot, abstentions included), and only when the quorum (≥ 2/3 of
area and of heads) was met.

Seats (the rule the pages state, RULE_TEXT): the elected are ranked by heads, then by area; seats are filled in
that order. Candidates tied on both at the last seat are none of them elected (no lot is drawn): that seat and any
other seat left without an elected candidate stay vacant for a by-election (补选). The committee is formed when
more than half of its seats are filled; otherwise the election fails and is held again.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from pm.extensions import db
from pm.models import Ballot, Candidate, Election, ElectionChoice
from pm.models.votes import Decision
from pm.services.votes.tally import Tally, electorate_stmt, heads, owners_by_dwelling

RULE_TEXT = _l("候选人须同时获得参与投票的业主所持专有部分面积过半数和人数过半数（且投票达到总面积、总人数三分之二以上）方可当选；"
               "按得票人数、再按得票面积排序依次当选至满额。最后一个名额出现得票完全相同时，相同者均不当选，"
               "该名额与其他空缺名额由街道办事处组织补选；当选人数超过应选名额半数时业主委员会成立，否则重新选举。")


@dataclass
class Result:
    candidate: Candidate
    area: Decimal
    heads: int
    passes: bool
    elected: bool = False
    rank: int | None = None


def candidate_votes(election: Election, decision: Decision) -> dict[int, tuple[Decimal, int]]:
    """{candidate id: (area, heads)} over the counted ballots (four queries)."""
    voters = owners_by_dwelling(electorate_stmt(decision))
    head_of = heads({hh: owners for hh, (_area, owners) in voters.items()})
    chosen: dict[int, list[int]] = {}
    for ballot_id, candidate_id in db.session.execute(
            select(ElectionChoice.ballot_id, ElectionChoice.candidate_id)
            .where(ElectionChoice.election_id == election.id)):
        chosen.setdefault(ballot_id, []).append(candidate_id)
    out = {c.id: (Decimal(0), 0) for c in election.candidates}
    counted_heads: set = set()
    for ballot_id, hh_id in db.session.execute(
            select(Ballot.id, Ballot.household_id).where(Ballot.decision_id == decision.id)
            .order_by(Ballot.cast_at, Ballot.id)):
        if hh_id not in voters:
            continue
        head = head_of[hh_id]
        first_of_head = head not in counted_heads
        counted_heads.add(head)
        for candidate_id in chosen.get(ballot_id, []):
            area, n = out[candidate_id]
            out[candidate_id] = (area + voters[hh_id][0], n + (1 if first_of_head else 0))
    return out


def elect(election: Election, votes: dict[int, tuple[Decimal, int]], tally: Tally) -> list[Result]:
    """Who is elected under RULE_TEXT, ranked; an empty election without quorum elects nobody."""
    results = []
    for c in election.candidates:
        area, n = votes.get(c.id, (Decimal(0), 0))
        passes = (tally.quorum_met and 2 * area > tally.part_area and 2 * n > tally.part_heads)
        results.append(Result(c, area, n, passes))
    ranked = sorted(results, key=lambda r: (-r.heads, -r.area, r.candidate.id))
    for i, r in enumerate(ranked, start=1):
        r.rank = i
    passing = [r for r in ranked if r.passes]
    seats = election.seats
    if len(passing) > seats:
        boundary = passing[seats - 1]
        tied = [r for r in passing if (r.heads, r.area) == (boundary.heads, boundary.area)]
        if any(r not in passing[:seats] for r in tied):  # the tie crosses the last seat: none of them
            passing = [r for r in passing[:seats] if r not in tied]
        else:
            passing = passing[:seats]
    for r in passing:
        r.elected = True
    return ranked


def formed(election: Election, results: list[Result]) -> bool:
    """More than half of the seats filled."""
    return 2 * sum(r.elected for r in results) > election.seats
