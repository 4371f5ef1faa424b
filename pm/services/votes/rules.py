"""表决规则: a rule is a value — quorum shares, a threshold share, strict or inclusive, over whom — compared exactly.

Civil Code art. 278 (counting rules: art. 1259 and the Supreme Court's interpretation arts. 8–9):
- quorum: owners of ≥ 2/3 of the area and ≥ 2/3 of the heads take part ("以上" includes the number);
- using the fund, electing the owners' committee, hiring or firing the property firm: more than 1/2 of the
  participating area and heads ("过半数" excludes exactly half);
- raising the fund, rebuilding, changing the use of common parts (or running a business on them): ≥ 3/4 of the
  participating area and heads.
Every comparison is between integers, Decimals and Fractions (cross-multiplied), never floats.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

STATUTORY_QUORUM = Fraction(2, 3)


@dataclass(frozen=True)
class Rule:
    """How a decision passes. Shares are exact fractions in [0, 1]; the quorum is always inclusive (以上).

    strict: yes must be more than the threshold share (过半数) rather than at least it (以上).
    over_electorate: the share is of the whole electorate's area and heads (e.g. "more than half of all
    members") instead of the participants'.
    """

    name: str
    quorum_area: Fraction
    quorum_heads: Fraction
    threshold: Fraction
    strict: bool
    over_electorate: bool = False

    def __post_init__(self) -> None:
        for attr in ("quorum_area", "quorum_heads", "threshold"):
            value = getattr(self, attr)
            if isinstance(value, (bool, float)) or not isinstance(value, (int, Fraction)):
                raise TypeError(f"{attr} must be an exact Fraction, not {type(value).__name__}")
            value = Fraction(value)
            if not 0 <= value <= 1:
                raise ValueError(f"{attr} must be between 0 and 1, not {value}")
            object.__setattr__(self, attr, value)

    @property
    def threshold_text(self) -> str:
        """"> 1/2" or "≥ 3/4" (the form the plan pages and the API have always shown)."""
        return f"{'>' if self.strict else '≥'} {self.threshold}"


def _art278(name: str, threshold: Fraction, *, strict: bool) -> Rule:
    return Rule(name, STATUTORY_QUORUM, STATUTORY_QUORUM, threshold, strict)


HALF, THREE_QUARTERS = Fraction(1, 2), Fraction(3, 4)

# The matters of Civil Code art. 278 by name. A fund plan's decision_kind is the name of its rule.
RULES: dict[str, Rule] = {rule.name: rule for rule in (
    _art278("use_fund", HALF, strict=True),  # 使用维修资金
    _art278("elect_committee", HALF, strict=True),  # 选举业主委员会或者更换业主委员会成员
    _art278("hire_firm", HALF, strict=True),  # 选聘和解聘物业服务企业或者其他管理人
    _art278("raise_fund", THREE_QUARTERS, strict=False),  # 筹集维修资金
    _art278("rebuild", THREE_QUARTERS, strict=False),  # 改建、重建建筑物及其附属设施
    _art278("change_use", THREE_QUARTERS, strict=False),  # 改变共有部分的用途或者利用共有部分从事经营活动
)}


def as_rule(value: Rule | str) -> Rule:
    """A Rule as given, or the named rule ("use_fund", or a StrEnum whose value is a name). KeyError otherwise."""
    if isinstance(value, Rule):
        return value
    try:
        return RULES[str(value)]
    except KeyError:
        raise KeyError(f"no vote rule named {value!r}") from None


@dataclass(frozen=True)
class Counts:
    """The figures a decision is made from: totals, participation and yes votes, by area and by heads."""

    total_area: Decimal
    total_heads: int
    part_area: Decimal
    part_heads: int
    yes_area: Decimal
    yes_heads: int


def _at_least(part, whole, share: Fraction) -> bool:
    """part ≥ share × whole, exactly (Decimal or int against a Fraction, cross-multiplied)."""
    return part * share.denominator >= whole * share.numerator


def _more_than(part, whole, share: Fraction) -> bool:
    return part * share.denominator > whole * share.numerator


def quorum_met(c: Counts, rule: Rule | str | None = None) -> bool:
    """At least the rule's quorum share of the area and of the heads took part (default: the statutory 2/3).

    An empty electorate never meets a quorum."""
    if c.total_heads == 0 or c.total_area == 0:
        return False
    if rule is None:
        q_area = q_heads = STATUTORY_QUORUM
    else:
        r = as_rule(rule)
        q_area, q_heads = r.quorum_area, r.quorum_heads
    return _at_least(c.part_area, c.total_area, q_area) and _at_least(c.part_heads, c.total_heads, q_heads)


def majority_met(c: Counts, rule: Rule | str) -> bool:
    """Yes area and yes heads each reach the threshold share (more than it when strict) of the base: the
    participants, or the whole electorate. Nobody in the base → not met."""
    r = as_rule(rule)
    area, heads = (c.total_area, c.total_heads) if r.over_electorate else (c.part_area, c.part_heads)
    if heads == 0 or area == 0:
        return False
    reach = _more_than if r.strict else _at_least
    return reach(c.yes_area, area, r.threshold) and reach(c.yes_heads, heads, r.threshold)


def decide(c: Counts, rule: Rule | str) -> bool:
    """Passes: quorum met and the threshold reached, both by the rule."""
    return quorum_met(c, rule) and majority_met(c, rule)
