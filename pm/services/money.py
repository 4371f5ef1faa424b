"""金额: money as integer fen (分) — one exact parser of typed yuan (元), one formatter, half-up rounding."""
from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from pm.errors import DomainError
from pm.services.text import N_

MAX_FEN = 10**13  # 1000 亿元: anything larger is a typing mistake (the ledger's own ceiling)
MAX_INTEGER_DIGITS = 15  # longer digit strings are refused before any arithmetic

# After NFKC (full-width ５，０００．５０ becomes 5,000.50) and removing ¥ and 元: plain digits, optional
# thousands separators in their proper places, at most two decimals. ASCII digits only.
_PLAIN = re.compile(r"^(?P<int>[0-9]+)(?:\.(?P<frac>[0-9]+))?$")
_GROUPED = re.compile(r"^(?P<int>[0-9]{1,3}(?:,[0-9]{3})+)(?:\.(?P<frac>[0-9]+))?$")

E_MISSING = N_("请填写金额（元）")
E_NOT_TEXT = N_("金额必须写成文字形式的元，例如 12345.60")
E_DECIMALS = N_("金额最多两位小数（精确到分）")
E_FORMAT = N_("金额格式不正确，应为正数（元），最多两位小数")
E_NOT_POSITIVE = N_("金额必须大于 0")
E_TOO_LARGE = N_("金额过大")


def _clean(text: str) -> str:
    """Full-width forms folded to ASCII, spaces removed, one leading ¥ and one trailing 元 dropped."""
    text = unicodedata.normalize("NFKC", text).strip()
    if text[:1] == "¥":
        text = text[1:].strip()
    if text[-1:] == "元":
        text = text[:-1].strip()
    return text


def parse_yuan(value: str | int | Decimal, *, field: str = "amount", max_fen: int = MAX_FEN) -> int:
    """Yuan as typed ("12,345.6", "¥0.01", "800元", 12, Decimal("3.5")) → exact positive fen; never a float.

    Refused: empty, bool, float, negative, zero, more than two decimals, exponents, misplaced thousands
    separators and anything else; every refusal is a DomainError on `field`.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        raise DomainError(E_MISSING, field=field)
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise DomainError(E_NOT_TEXT, field=field)
    if isinstance(value, Decimal):
        return _checked(_decimal_fen(value, field), field, max_fen)
    text = _clean(str(value))
    if text.startswith("-") and (_PLAIN.match(text[1:]) or _GROUPED.match(text[1:])):
        raise DomainError(E_NOT_POSITIVE, field=field)
    match = _PLAIN.match(text) or _GROUPED.match(text)
    if match is None:
        raise DomainError(E_FORMAT, field=field)
    digits, frac = match.group("int").replace(",", "").lstrip("0"), match.group("frac") or ""
    if len(frac) > 2:
        raise DomainError(E_DECIMALS, field=field)
    if len(digits) > MAX_INTEGER_DIGITS:
        raise DomainError(E_TOO_LARGE, field=field)
    return _checked(int(digits or "0") * 100 + int(frac.ljust(2, "0")), field, max_fen)


def _decimal_fen(value: Decimal, field: str) -> int:
    """An exact Decimal of yuan (Decimal("12.300") is fine, Decimal("12.345") is not) as fen."""
    if not value.is_finite():
        raise DomainError(E_FORMAT, field=field)
    if value.adjusted() >= MAX_INTEGER_DIGITS:
        raise DomainError(E_TOO_LARGE, field=field)
    scaled = value.scaleb(2)
    if scaled != scaled.to_integral_value():
        raise DomainError(E_DECIMALS, field=field)
    return int(scaled)


def _checked(fen: int, field: str, max_fen: int) -> int:
    if fen <= 0:
        raise DomainError(E_NOT_POSITIVE, field=field)
    if fen > max_fen:
        raise DomainError(E_TOO_LARGE, field=field)
    return fen


def format_fen(fen: int | None, *, grouped: bool = True) -> str:
    """Fen as yuan with exactly two decimals: 123450 → "1,234.50" (grouped) or "1234.50"; -5 → "-0.05"; None → ""."""
    if fen is None:
        return ""
    fen = _whole_fen(fen)
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}" if grouped else f"{sign}{whole}.{cents:02d}"


def half_up_fen(value: Decimal | Fraction | int) -> int:
    """An exact amount of fen rounded to an integer, half away from zero (0.5 → 1, -0.5 → -1)."""
    if isinstance(value, (bool, float)):
        raise TypeError("half_up_fen takes Decimal, Fraction or int, never a float")
    if isinstance(value, Fraction):
        magnitude = (abs(value.numerator) * 2 + value.denominator) // (2 * value.denominator)
        return magnitude if value >= 0 else -magnitude
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fen_to_decimal(fen: int | None) -> Decimal | None:
    """Fen as an exact Decimal of yuan (123450 → Decimal("1234.50")), for spreadsheet cells; None stays None."""
    if fen is None:
        return None
    return Decimal(_whole_fen(fen)).scaleb(-2)


def _whole_fen(fen: int | Decimal) -> int:
    """An int, or a whole Decimal (PostgreSQL returns SUM of a BIGINT column as one); never a float."""
    if isinstance(fen, Decimal) and fen.is_finite() and fen == fen.to_integral_value():
        return int(fen)
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"fen must be a whole number of fen, not {fen!r}")
    return fen
