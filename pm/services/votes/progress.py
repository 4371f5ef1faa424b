"""表决进度: a tally as four bars against the rule — participation by area and by heads against the quorum, yes by
area and by heads against the threshold — each with what is still needed, computed exactly (the pages show
percentages; the exact fractions stay in the API and the spreadsheet)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from fractions import Fraction

from pm.models.votes import VoteChoice
from pm.services.votes.tally import Tally

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Bar:
    """One measure against its target: value and target are exact shares; need is how much more it takes
    (square metres as Decimal, heads as int), None once reached or when more ballots cannot reach it."""

    key: str  # part_area, part_heads, yes_area, yes_heads
    unit: str  # "area" or "heads"
    value: Fraction  # 0 when nobody is in the base
    target: Fraction
    strict: bool  # more than the target (过半数) rather than at least it
    reached: bool
    need: Decimal | int | None
    reachable: bool = True  # False: even if every owner who has not voted yet took part (voted yes), it is not

    @property
    def percent(self) -> Decimal:
        """The value in percent to 2 places (display only)."""
        return _percent(self.value)

    @property
    def target_percent(self) -> Decimal:
        return _percent(self.target)


def _percent(share: Fraction) -> Decimal:
    return (Decimal(share.numerator * 100) / Decimal(share.denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


def _share(part, whole) -> Fraction:
    return Fraction(part) / Fraction(whole) if whole else Fraction(0)


def _reaches(part, whole, target: Fraction, strict: bool) -> bool:
    if not whole:
        return False
    left, right = Fraction(part) * target.denominator, Fraction(whole) * target.numerator
    return left > right if strict else left >= right


def _least(amount: Fraction, unit: str, strict: bool) -> Decimal | int:
    """The least quantity above (strict) or at (inclusive) `amount`: whole heads, or area to the 0.01 m²."""
    if unit == "heads":
        floor = amount.numerator // amount.denominator
        if strict:
            return floor + 1
        return floor if floor == amount else floor + 1
    exact = Decimal(amount.numerator) / Decimal(amount.denominator)
    up = exact.quantize(CENT, rounding=ROUND_CEILING)
    if strict and Fraction(up) == amount:
        up += CENT
    return up


def _quorum_bar(key: str, unit: str, part, total, target: Fraction) -> Bar:
    reached = _reaches(part, total, target, False)
    need = None
    if not reached and total:
        need = _least(Fraction(total) * target - Fraction(part), unit, False)
    return Bar(key, unit, _share(part, total), target, False, reached, need, _within(need, total - part, reached))


def _within(need, remaining, reached: bool) -> bool:
    """What is still needed is no more than what the owners who have not voted hold."""
    return reached or (need is not None and need <= remaining)


def _yes_bar(key: str, unit: str, yes, part, total, t: Tally) -> Bar:
    rule = t.rule
    base = total if rule.over_electorate else part
    reached = _reaches(yes, base, rule.threshold, rule.strict)
    need = None
    if not reached and total:
        if rule.over_electorate:  # the base is fixed: yes must pass threshold × total
            need = _least(Fraction(total) * rule.threshold - Fraction(yes), unit, rule.strict)
        elif rule.threshold < 1:  # each new yes ballot adds to yes and to the participants alike
            num, den = rule.threshold.numerator, rule.threshold.denominator
            amount = (Fraction(part) * num - Fraction(yes) * den) / (den - num)
            need = _least(max(amount, Fraction(0)), unit, rule.strict)
    return Bar(key, unit, _share(yes, base), rule.threshold, rule.strict, reached, need,
               _within(need, total - part, reached))


def bars(t: Tally) -> list[Bar]:
    """Participation (area, heads) against the quorum, then yes (area, heads) against the threshold."""
    return [
        _quorum_bar("part_area", "area", t.part_area, t.total_area, t.rule.quorum_area),
        _quorum_bar("part_heads", "heads", t.part_heads, t.total_heads, t.rule.quorum_heads),
        _yes_bar("yes_area", "area", t.area[VoteChoice.YES], t.part_area, t.total_area, t),
        _yes_bar("yes_heads", "heads", t.heads[VoteChoice.YES], t.part_heads, t.total_heads, t),
    ]
