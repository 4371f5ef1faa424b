"""Properties (hypothesis) of the largest-remainder split and of the vote tally."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from pm.models.fund import DecisionKind
from pm.services.fund.apportion import largest_remainder
from pm.services.votes import Counts, decide

areas = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999.99"), places=2, allow_nan=False,
                    allow_infinity=False)
weights = st.lists(areas, min_size=1, max_size=40)
totals = st.integers(min_value=0, max_value=10**10)


@settings(max_examples=300, deadline=None)
@given(totals, weights)
def test_parts_sum_exactly_to_total(total, ws):
    """The parts sum exactly to the total, to the fen."""
    parts = largest_remainder(total, list(enumerate(ws)))
    assert sum(parts.values()) == total


@settings(max_examples=300, deadline=None)
@given(totals, weights)
def test_each_part_within_one_fen(total, ws):
    """Each part is within 1 fen of its exact share (floor or floor + 1)."""
    parts = largest_remainder(total, list(enumerate(ws)))
    whole = sum(Fraction(w) for w in ws)
    for i, w in enumerate(ws):
        exact = total * Fraction(w) / whole
        assert abs(parts[i] - exact) < 1


@settings(max_examples=300, deadline=None)
@given(totals, weights)
def test_more_area_never_smaller_part(total, ws):
    """A larger area never gets a smaller part."""
    parts = largest_remainder(total, list(enumerate(ws)))
    for i, wi in enumerate(ws):
        for j, wj in enumerate(ws):
            if wi > wj:
                assert parts[i] >= parts[j]


@settings(max_examples=200, deadline=None)
@given(totals, weights, st.randoms(use_true_random=False))
def test_order_independent(total, ws, rnd):
    """Shuffling the input does not change anyone's part."""
    pairs = list(enumerate(ws))
    shuffled = pairs[:]
    rnd.shuffle(shuffled)
    assert largest_remainder(total, pairs) == largest_remainder(total, shuffled)


@st.composite
def tallies(draw):
    """Counts where yes ≤ participating ≤ total, by area and by heads."""
    total_heads = draw(st.integers(min_value=1, max_value=60))
    part_heads = draw(st.integers(min_value=0, max_value=total_heads))
    yes_heads = draw(st.integers(min_value=0, max_value=part_heads))
    total_area = draw(st.integers(min_value=1, max_value=10**6))
    part_area = draw(st.integers(min_value=0, max_value=total_area))
    yes_area = draw(st.integers(min_value=0, max_value=part_area))
    return Counts(Decimal(total_area) / 100, total_heads, Decimal(part_area) / 100, part_heads,
                  Decimal(yes_area) / 100, yes_heads)


@settings(max_examples=500, deadline=None)
@given(tallies(), st.integers(min_value=1, max_value=10**5), st.booleans(), st.sampled_from(list(DecisionKind)))
def test_adding_a_yes_never_turns_pass_into_fail(c, extra_cents, new_head, kind):
    """A further yes ballot (a new dwelling, a new head or another flat of one) never turns a pass into a fail."""
    area = Decimal(extra_cents) / 100
    heads = 1 if new_head else 0
    after = Counts(c.total_area + area, c.total_heads + heads, c.part_area + area, c.part_heads + heads,
                   c.yes_area + area, c.yes_heads + heads)
    if decide(c, kind):
        assert decide(after, kind)


def _fraction_split(total, pairs):
    """The rule as first written, with Fractions: the reference the integer arithmetic must equal."""
    whole = sum(Fraction(w) for _, w in pairs)
    parts, remainders = {}, []
    for key, w in pairs:
        share = total * Fraction(w) / whole
        floor = share.numerator // share.denominator
        parts[key] = floor
        remainders.append((share - floor, Fraction(w), key))
    remainders.sort(key=lambda r: (-r[0], -r[1], r[2]))
    for _, _, key in remainders[:total - sum(parts.values())]:
        parts[key] += 1
    return parts


@settings(max_examples=300, deadline=None)
@given(totals, st.lists(st.one_of(areas, st.integers(0, 10**6), st.fractions(0, 1000)), min_size=1, max_size=40))
def test_integer_arithmetic_equals_the_fraction_rule(total, ws):
    """The split is the same, fen for fen, as the largest-remainder rule computed with Fractions."""
    pairs = list(enumerate(ws))
    if sum(Fraction(w) for w in ws) == 0:
        return
    assert largest_remainder(total, pairs) == _fraction_split(total, pairs)
