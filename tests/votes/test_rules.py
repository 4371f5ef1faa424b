"""表决规则 as values: each rule shape, strict against inclusive at the exact boundary, participants against the
whole electorate, and the named rules of Civil Code art. 278. No database, no plan."""
from __future__ import annotations

from decimal import Decimal as D
from fractions import Fraction as F

import pytest

from pm.models.fund import DecisionKind
from pm.services.votes import RULES, Counts, Rule, as_rule, decide, majority_met, quorum_met

HALF_OVER = Rule("t_half", F(2, 3), F(2, 3), F(1, 2), strict=True)
HALF_AT_LEAST = Rule("t_half_incl", F(2, 3), F(2, 3), F(1, 2), strict=False)
ALL_MEMBERS = Rule("t_all", F(0), F(0), F(1, 2), strict=True, over_electorate=True)


def counts(total, part, yes, *, heads=None):
    """Counts with area = heads × 10 m² unless heads are given as (total, part, yes)."""
    th, ph, yh = heads or (total, part, yes)
    return Counts(D(total) * 10, th, D(part) * 10, ph, D(yes) * 10, yh)


@pytest.mark.parametrize("rule, c, expected", [
    (HALF_OVER, counts(10, 10, 5), False),  # exactly half: not more than half
    (HALF_AT_LEAST, counts(10, 10, 5), True),  # exactly half: at least half
    (HALF_OVER, counts(10, 10, 6), True),
    (HALF_AT_LEAST, counts(10, 10, 4), False),
])
def test_strict_against_inclusive_at_the_boundary(rule, c, expected):
    """At exactly the threshold share a strict rule (过半数) fails and an inclusive one (以上) passes."""
    assert majority_met(c, rule) is expected


def test_over_participants_against_over_the_electorate():
    """6 of 10 members take part and 4 say yes: over the participants 4/6 > 1/2, over all members 4/10 is not."""
    c = counts(10, 6, 4)
    over_participants = Rule("t_part", F(0), F(0), F(1, 2), strict=True)
    assert majority_met(c, over_participants) and decide(c, over_participants)
    assert not majority_met(c, ALL_MEMBERS) and not decide(c, ALL_MEMBERS)
    assert decide(counts(10, 6, 6), ALL_MEMBERS)  # 6 of all 10: more than half of all members


def test_over_the_electorate_at_its_boundary():
    """"More than half of all members": 5 of 10 fails, 6 of 10 passes, whoever else took part."""
    assert not decide(counts(10, 10, 5), ALL_MEMBERS)
    assert decide(counts(10, 7, 6), ALL_MEMBERS)


@pytest.mark.parametrize("quorum, c, expected", [
    (F(2, 3), counts(3, 2, 0), True),  # exactly 2/3 of area and heads
    (F(2, 3), Counts(D(300), 3, D("199.99"), 2, D(0), 0), False),  # area a hair under
    (F(1, 2), counts(10, 5, 0), True),  # a rule's own quorum share
    (F(1, 2), counts(10, 4, 0), False),
    (F(0), counts(10, 0, 0), True),  # no quorum at all
])
def test_quorum_share_is_the_rules(quorum, c, expected):
    """The quorum is at least the rule's share of the area and of the heads (以上: the boundary passes)."""
    assert quorum_met(c, Rule("t_q", quorum, quorum, F(1, 2), strict=True)) is expected


def test_quorum_of_area_and_heads_are_separate_shares():
    """Area and heads have their own quorum shares; both must be met."""
    rule = Rule("t_split", F(1, 2), F(3, 4), F(1, 2), strict=True)
    c = Counts(D(100), 4, D(50), 3, D(50), 3)  # area 1/2, heads 3/4
    assert quorum_met(c, rule)
    assert not quorum_met(Counts(D(100), 4, D(50), 2, D(50), 2), rule)  # heads 1/2 < 3/4
    assert not quorum_met(Counts(D(100), 4, D("49.99"), 4, D(0), 0), rule)  # area under 1/2


def test_empty_electorate_never_decides():
    """Nobody to count: no quorum and no majority, whatever the rule."""
    empty = Counts(D(0), 0, D(0), 0, D(0), 0)
    for rule in (HALF_OVER, HALF_AT_LEAST, ALL_MEMBERS, *RULES.values()):
        assert not decide(empty, rule)


@pytest.mark.parametrize("name, threshold, strict", [
    ("use_fund", F(1, 2), True), ("elect_committee", F(1, 2), True), ("hire_firm", F(1, 2), True),
    ("raise_fund", F(3, 4), False), ("rebuild", F(3, 4), False), ("change_use", F(3, 4), False),
])
def test_named_rules_of_article_278(name, threshold, strict):
    """Each matter of art. 278: quorum ≥ 2/3 of area and heads; > 1/2 or ≥ 3/4 of the participants."""
    rule = as_rule(name)
    assert (rule.quorum_area, rule.quorum_heads, rule.threshold, rule.strict, rule.over_electorate) == (
        F(2, 3), F(2, 3), threshold, strict, False)


def test_every_fund_decision_kind_names_a_rule():
    """A fund plan's decision_kind maps to a named rule; decide() takes the kind itself."""
    for kind in DecisionKind:
        assert as_rule(kind) is RULES[kind.value]
    c = Counts(D(100), 4, D(100), 4, D(75), 3)  # exactly 3/4
    assert decide(c, DecisionKind.RAISE_FUND) and decide(c, "raise_fund")
    assert decide(c, DecisionKind.USE_FUND)


def test_threshold_text_as_the_pages_show_it():
    """"> 1/2" for a strict half, "≥ 3/4" for an inclusive three quarters."""
    assert as_rule("use_fund").threshold_text == "> 1/2" and as_rule("change_use").threshold_text == "≥ 3/4"


def test_rules_are_exact():
    """A share must be an exact Fraction (or integer) between 0 and 1: floats and out-of-range shares are refused."""
    with pytest.raises(TypeError):
        Rule("bad", 0.66, F(2, 3), F(1, 2), strict=True)
    with pytest.raises(ValueError):
        Rule("bad", F(2, 3), F(2, 3), F(3, 2), strict=True)
    with pytest.raises(KeyError):
        as_rule("no_such_rule")
