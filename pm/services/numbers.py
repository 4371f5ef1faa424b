"""数值输入: the one bounded reading of typed numbers — exact decimals with a scale and a ceiling, 32-bit integers.

Every numeric input (API schemas, web forms, import cells) ends here, so "1e99", a 40-digit area or an integer
too large for the column is a field error before any arithmetic or database bind (never a 500): Decimal's
quantize raises InvalidOperation past 28 digits, PostgreSQL refuses what overflows NUMERIC(p, s) or INTEGER,
and SQLite cannot bind an integer beyond 64 bits.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

# PostgreSQL INTEGER; every integer column of the schema (ids, counts, minutes, years) fits in it.
INT32_MAX = 2_147_483_647
INT32_MIN = -2_147_483_648
MAX_TEXT = 100  # a typed number longer than this is refused before Decimal reads it


class NumberError(ValueError):
    """A typed number that breaks its rule; `kind` says which: not_number, positive, decimals, too_large."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


def bounded_decimal(value: Any, *, places: int, maximum: Decimal, positive: bool = True) -> Decimal:
    """An exact Decimal with at most `places` decimals, (> 0 when `positive`) and ≤ `maximum`, quantized.

    A float goes through its shortest repr (the number Excel or JSON showed), never through binary arithmetic.
    The magnitude is checked before quantizing, so no input reaches Decimal's precision limit.
    """
    if isinstance(value, bool) or value is None:
        raise NumberError("not_number")
    if isinstance(value, Decimal):
        number = value
    else:
        raw = repr(value) if isinstance(value, float) else str(value).strip()
        if len(raw) > MAX_TEXT:
            raise NumberError("too_large" if raw.lstrip("+-").replace(".", "", 1).isdigit() else "not_number")
        try:
            number = Decimal(raw)
        except (InvalidOperation, ValueError):
            raise NumberError("not_number") from None
    if not number.is_finite():
        raise NumberError("not_number")
    if positive and number <= 0:
        raise NumberError("positive")
    if number.adjusted() > maximum.adjusted() or abs(number) > maximum:
        raise NumberError("too_large")
    if number.as_tuple().exponent < -places and number != round(number, places):
        raise NumberError("decimals")
    return round(number, places)


def bounded_int(value: int, *, minimum: int = INT32_MIN, maximum: int = INT32_MAX) -> bool:
    """Whether an integer fits the column (32-bit by default)."""
    return minimum <= value <= maximum
