"""Demo common-part income: a half-year of parking, advertising and leased-room income, a use, a fund credit."""
from __future__ import annotations

import logging

from pm.access import SYSTEM
from pm.demo.names import ago
from pm.models import IncomeCategory, Role
from pm.services.commonincome import income
from pm.timeutil import local_today

logger = logging.getLogger(__name__)


def populate(compound, users, now) -> dict[str, int]:
    """The station manager records the first half-year's income and a repair paid from it; the county credits
    part of it to the owners' maintenance fund accounts (the returns distribution)."""
    manager, county = users[Role.STATION_MANAGER], users[Role.COUNTY_ADMIN]
    at = ago(now, 1)
    period = f"{local_today(at).year}-H1"
    rows = ((IncomeCategory.PARKING, 1_200_000, "地面停车位临时停车费"),
            (IncomeCategory.ADVERTISING, 360_000, "电梯间及道闸广告位"),
            (IncomeCategory.LEASED_ROOM, 600_000, "物业用房出租给便民超市"),
            (IncomeCategory.MAINTENANCE, 200_000, "更换单元门禁闭门器"))
    for category, fen, note in rows:
        income.record_entry(manager, scope=SYSTEM, compound_id=compound.id, period=period, category=category,
                            amount_fen=fen, note=note, now=at)
    income.credit_to_fund(county, scope=SYSTEM, compound_id=compound.id, period=period, amount_fen=1_000_000, now=at)
    return {"common_income_entries": len(rows) + 1}
