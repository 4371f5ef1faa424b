"""分摊: split an amount of fen among parts by weight, exactly, by the largest-remainder method."""
# Rule (recorded with each plan as "largest_remainder;area_desc;account_id_asc"):
# 1. each part gets floor(total × weight / Σweight) fen, computed with exact fractions;
# 2. the fen left over go one by one to the parts with the largest remainders;
# 3. ties in remainder go to the larger weight, then the lower key.
# So the parts sum to the total, each is within 1 fen of its exact share, the result does not depend on the
# order of the input, and a larger weight never gets a smaller part.
from __future__ import annotations

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
    exact: list[tuple[Hashable, Fraction]] = []
    for key, weight in weights:
        if isinstance(weight, float):
            raise DomainError("权重不能是浮点数", field="weights")
        w = Fraction(weight)
        if w < 0:
            raise DomainError("权重不能为负", field="weights")
        exact.append((key, w))
    if len({k for k, _ in exact}) != len(exact):
        raise DomainError("分摊对象重复", field="weights")
    whole = sum((w for _, w in exact), Fraction(0))
    if whole == 0:
        if total_fen:
            raise DomainError("分摊范围的总面积（权重）为零", field="weights")
        return {k: 0 for k, _ in exact}
    parts: dict = {}
    remainders = []
    for key, w in exact:
        share = total_fen * w / whole
        floor = share.numerator // share.denominator
        parts[key] = floor
        remainders.append((share - floor, w, key))
    left = total_fen - sum(parts.values())
    # Largest remainder first; then larger weight; then lower key (keys must be comparable, e.g. ids).
    remainders.sort(key=lambda r: (-r[0], -r[1], r[2]))
    for _, _, key in remainders[:left]:
        parts[key] += 1
    return parts
