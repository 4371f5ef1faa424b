"""建筑面积: the one rule for an exact floor area in m² (> 0, at most two decimals, never a float)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from pm.errors import DomainError
from pm.services.numbers import NumberError, bounded_decimal
from pm.services.text import N_

AREA_MAX = Decimal("99999999.99")
E_NOT_NUMBER = N_("面积必须是数字，例如 65.32")
E_POSITIVE = N_("面积必须大于 0")
E_DECIMALS = N_("面积最多保留两位小数")
E_TOO_LARGE = N_("面积过大")
_MESSAGES = {"not_number": E_NOT_NUMBER, "positive": E_POSITIVE, "decimals": E_DECIMALS, "too_large": E_TOO_LARGE}


class AreaError(ValueError):
    """An area that breaks the rule; `msgid` says which part."""

    def __init__(self, msgid: str):
        super().__init__(msgid)
        self.msgid = msgid


def exact_area(value: Any) -> Decimal:
    """The area as a Decimal with two places; AreaError otherwise. A float goes through its shortest repr (the
    number Excel or JSON showed), never through binary arithmetic; "1e99" or 40 digits are too large."""
    try:
        return bounded_decimal(value, places=2, maximum=AREA_MAX)
    except NumberError as err:
        raise AreaError(_MESSAGES[err.kind]) from None


def parse_area(value: Any, *, field: str = "area_m2") -> Decimal:
    """exact_area() for typed input: a DomainError on `field` when the rule is broken."""
    try:
        return exact_area(value)
    except AreaError as err:
        raise DomainError(err.msgid, field=field) from None
