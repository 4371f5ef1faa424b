"""单元格: one cell of the registry workbook as a typed value (text, integer, exact area, yes/no, date), or why not."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pm.services.imports.layout import NO, OWNER_SEPARATORS, YES
from pm.services.imports.messages import (
    E_BAD_DATE,
    E_FUTURE_DATE,
    E_NOT_INTEGER,
    E_NOT_NUMBER,
    E_REQUIRED,
    E_TOO_LONG,
    CellError,
)
from pm.services.imports.reading import is_blank
from pm.services.registry import areas
from pm.services.spreadsheets import cell_text

DATE_PATTERNS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)


def text(value: Any, *, limit: int | None = None) -> str | None:
    """A cell as trimmed text (None when blank); whole numbers lose the '.0' Excel gives them (room 501, phones)."""
    if isinstance(value, bool):
        value = YES if value else NO
    result = cell_text(value)
    if not result:
        return None
    if limit is not None and len(result) > limit:
        raise CellError(E_TOO_LONG, max=limit)
    return result


def required_text(value: Any, limit: int) -> str:
    result = text(value, limit=limit)
    if result is None:
        raise CellError(E_REQUIRED)
    return result


def integer(value: Any) -> int | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(E_NOT_INTEGER)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise CellError(E_NOT_INTEGER)
    raw = str(value).strip()
    if re.fullmatch(r"[+-]?\d+", raw):
        return int(raw)
    if re.fullmatch(r"[+-]?\d+\.0*", raw):
        return int(raw.split(".")[0])
    raise CellError(E_NOT_INTEGER)


def area(value: Any) -> Decimal:
    """An exact area by the registry's one rule (floats from Excel through their shortest repr). A huge number
    ("1e99", forty digits) is "too large" before any rounding, which would overflow the decimal context."""
    if is_blank(value):
        raise CellError(E_REQUIRED)
    raw = repr(value) if isinstance(value, float) else str(value).strip()
    try:
        number = Decimal(raw) if not isinstance(value, bool) else None
    except (InvalidOperation, ValueError):
        number = None
    if number is not None and number.is_finite() and number > areas.AREA_MAX:  # (comparing needs no rounding)
        raise CellError(areas.E_TOO_LARGE)
    try:
        return areas.exact_area(value)
    except areas.AreaError as err:
        raise CellError(E_NOT_NUMBER if err.msgid == areas.E_NOT_NUMBER else err.msgid) from None
    except ArithmeticError:  # an exponent or precision the decimal context cannot round (e.g. "1e-999999")
        raise CellError(E_NOT_NUMBER) from None


def choice(value: Any, yes: str, no: str, message: str) -> bool | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    raw = str(value).strip()
    if raw == yes:
        return True
    if raw == no:
        return False
    raise CellError(message)


def day(value: Any, today: date) -> date | None:
    """A date written as a date cell or as 2010-01-01, 2010/1/1, 2010.1.1, 2010年1月1日 or 20100101."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        result = value.date()
    elif isinstance(value, date):
        result = value
    else:
        raw = re.sub(r"\s+00:00(:00)?$", "", text(value) or "")
        result = None
        for pattern in DATE_PATTERNS:
            match = pattern.fullmatch(raw)
            if match:
                try:
                    result = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
                except ValueError:
                    raise CellError(E_BAD_DATE) from None
                break
        if result is None:
            raise CellError(E_BAD_DATE)
    if result.year < 1900:
        raise CellError(E_BAD_DATE)
    if result > today:
        raise CellError(E_FUTURE_DATE)
    return result


def split(value: str | None, *, keep_empty: bool) -> list[str]:
    """Several names (or phones) in one cell, separated by 、 , ， ; ；."""
    if value is None:
        return []
    parts = [p.strip() for p in OWNER_SEPARATORS.split(value)]
    return parts if keep_empty else [p for p in parts if p]
