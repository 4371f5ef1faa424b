"""分摊: split an amount of fen among parts by weight, exactly, by the largest-remainder method."""
# Rule (recorded with each plan as "largest_remainder;area_desc;account_id_asc"):
# 1. each part gets floor(total × weight / Σweight) fen, computed with exact fractions;
# 2. the fen left over go one by one to the parts with the largest remainders;
# 3. ties in remainder go to the larger weight, then the lower key.
# So the parts sum to the total, each is within 1 fen of its exact share, the result does not depend on the
# order of the input, and a larger weight never gets a smaller part.
from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from decimal import Decimal
from fractions import Fraction

from pm.errors import DomainError

RULE = "largest_remainder;area_desc;account_id_asc"


def largest_remainder(total_fen: int, weights: Sequence[tuple[Hashable, Decimal | int | Fraction]]) -> dict:
    """{key: fen} for (key, weight) pairs; weights are exact (Decimal, int or Fraction), never float."""
    if isinstance(total_fen, bool) or not isinstance(total_fen, int) or total_fen < 0:
        raise DomainError("分摊金额必须是非负整数（分）", field="total_fen")
    if not weights:
        if total_fen:
            raise DomainError("分摊范围内没有户", field="scope")
        return {}
    exact: list[tuple[Hashable, int, int]] = []  # (key, numerator, denominator), in lowest terms
    for key, weight in weights:
        if isinstance(weight, float):
            raise DomainError("权重不能是浮点数", field="weights")
        if isinstance(weight, Decimal):
            num, den = weight.as_integer_ratio()
        else:
            f = Fraction(weight)
            num, den = f.numerator, f.denominator
        if num < 0:
            raise DomainError("权重不能为负", field="weights")
        exact.append((key, num, den))
    if len({k for k, _, _ in exact}) != len(exact):
        raise DomainError("分摊对象重复", field="weights")
    # Exact integer arithmetic: every weight over one common denominator (the same comparisons as with
    # Fractions, without building thousands of them).
    common = math.lcm(*(den for _, _, den in exact))
    scaled = [(key, num * (common // den)) for key, num, den in exact]
    whole = sum(w for _, w in scaled)
    if whole == 0:
        if total_fen:
            raise DomainError("分摊范围的总面积（权重）为零", field="weights")
        return {k: 0 for k, _ in scaled}
    parts: dict = {}
    remainders = []
    for key, w in scaled:
        floor, remainder = divmod(total_fen * w, whole)  # share = floor + remainder / whole
        parts[key] = floor
        remainders.append((remainder, w, key))
    left = total_fen - sum(parts.values())
    # Largest remainder first; then larger weight; then lower key (keys must be comparable, e.g. ids).
    remainders.sort(key=lambda r: (-r[0], -r[1], r[2]))
    for _, _, key in remainders[:left]:
        parts[key] += 1
    return parts
