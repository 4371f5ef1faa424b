"""表决进度: the bars against the rule and what is still needed, computed exactly (no database)."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from pm.models.votes import VoteChoice
from pm.services.votes import RULES, Tally, bars
from pm.services.votes.rules import Counts


def _tally(rule: str, *, total_area, total_heads, yes=(0, 0), no=(0, 0), abstain=(0, 0)) -> Tally:
    t = Tally(rule=RULES[rule], total_area=Decimal(total_area), total_heads=total_heads)
    for choice, (area, heads) in zip(VoteChoice, (yes, no, abstain)):
        t.area[choice] = Decimal(area)
        t.heads[choice] = heads
    return t


def _by_key(t: Tally) -> dict:
    return {b.key: b for b in bars(t)}


def test_quorum_bars_say_how_much_more_takes_part():
    """Participation 50 of 90 m² and 5 of 9 heads against ≥ 2/3: 10.00 m² and 1 head more are needed."""
    b = _by_key(_tally("use_fund", total_area="90.00", total_heads=9, yes=("50.00", 5)))
    assert b["part_area"].value == Fraction(5, 9) and not b["part_area"].reached
    assert b["part_area"].need == Decimal("10.00") and b["part_heads"].need == 1
    assert b["part_area"].target == Fraction(2, 3) and b["part_area"].target_percent == Decimal("66.67")
    assert b["part_area"].percent == Decimal("55.56")


def test_exactly_half_yes_is_not_more_than_half():
    """Using the fund needs more than half: 2 yes of 4 participants is not reached and needs 1 more yes."""
    b = _by_key(_tally("use_fund", total_area="400", total_heads=4, yes=("200", 2), no=("200", 2)))
    assert b["part_heads"].reached and b["part_area"].reached
    assert not b["yes_heads"].reached and b["yes_heads"].strict and b["yes_heads"].need == 1
    assert not b["yes_area"].reached and b["yes_area"].need == Decimal("0.01")


def test_three_quarters_is_inclusive():
    """Raising the fund needs ≥ 3/4: 3 yes of 4 participants is reached; 2 of 4 needs 4 more yes ballots."""
    reached = _by_key(_tally("raise_fund", total_area="4", total_heads=4, yes=("3", 3), no=("1", 1)))
    assert reached["yes_heads"].reached and reached["yes_heads"].need is None
    short = _by_key(_tally("raise_fund", total_area="8", total_heads=8, yes=("2", 2), no=("2", 2)))
    assert short["yes_heads"].need == 4  # (2 + 4) / (4 + 4) = 3/4


def test_empty_tally_has_zero_bars():
    """Nobody voted yet: every bar is at 0 % and not reached."""
    for b in bars(_tally("use_fund", total_area="100", total_heads=3)):
        assert b.value == 0 and not b.reached and b.percent == Decimal("0.00")


@settings(max_examples=200, deadline=None)
@given(total=st.integers(1, 60), part=st.integers(0, 60), yes=st.integers(0, 60),
       rule=st.sampled_from(["use_fund", "raise_fund"]))
def test_heads_need_is_the_least_that_reaches(total, part, yes, rule):
    """Adding `need` yes voters reaches the threshold (or the quorum); one fewer does not."""
    part = min(part, total)
    yes = min(yes, part)
    t = _tally(rule, total_area=str(total), total_heads=total, yes=(str(yes), yes), no=(str(part - yes), part - yes))
    b = _by_key(t)
    r = RULES[rule]

    def _majority(c, r):
        left, right = c.yes_heads * r.threshold.denominator, c.part_heads * r.threshold.numerator
        return left > right if r.strict else left >= right

    bar = b["yes_heads"]
    if bar.reached:
        assert bar.need is None and _majority(Counts(0, total, 0, part, 0, yes), r)
    else:
        assert _majority(Counts(0, total, 0, part + bar.need, 0, yes + bar.need), r)
        assert not _majority(Counts(0, total, 0, part + bar.need - 1, 0, yes + bar.need - 1), r)
    quorum = b["part_heads"]
    if not quorum.reached:
        assert (part + quorum.need) * 3 >= total * 2 and (part + quorum.need - 1) * 3 < total * 2


def test_a_bar_that_the_remaining_owners_cannot_reach_says_so():
    """3 of 4 heads voted no: the one owner left cannot make yes more than half; the quorum is met already."""
    b = _by_key(_tally("use_fund", total_area="400", total_heads=4, no=("300", 3)))
    assert b["part_heads"].reached and b["part_heads"].reachable
    assert b["yes_heads"].need == 4 and not b["yes_heads"].reachable
    open_ = _by_key(_tally("use_fund", total_area="400", total_heads=4, yes=("100", 1)))
    assert open_["yes_heads"].reached and open_["part_heads"].need == 2 and open_["part_heads"].reachable
