"""以区养区: a compound's income from its common parts (parking, advertising, leased rooms) and its uses, per
period, disclosed to the owners; crediting it to the maintenance fund goes through the returns distribution."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from pm.extensions import db
from pm.models.types import UTCDateTime, str_enum
from pm.timeutil import utcnow


class IncomeDirection(enum.StrEnum):
    INCOME = "income"  # 收入
    USE = "use"  # 支出/使用


class IncomeCategory(enum.StrEnum):
    PARKING = "parking"  # 停车收入
    ADVERTISING = "advertising"  # 广告收入
    LEASED_ROOM = "leased_room"  # 用房出租
    OTHER_INCOME = "other_income"
    FUND_CREDIT = "fund_credit"  # 转入维修资金 (a returns distribution)
    MAINTENANCE = "maintenance"  # 公共部位维修养护
    SERVICE_FEE = "service_fee"  # 补贴物业服务费
    OTHER_USE = "other_use"


INCOME_CATEGORIES = (IncomeCategory.PARKING, IncomeCategory.ADVERTISING, IncomeCategory.LEASED_ROOM,
                     IncomeCategory.OTHER_INCOME)


class CommonIncomeEntry(db.Model):
    """One income or use of common-part income; entries are never edited (a correction is another entry)."""

    __tablename__ = "common_income_entries"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),
                      Index("ix_common_income_compound_period", "compound_id", "period"))
    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"))
    period: Mapped[str] = mapped_column(String(16))  # "2026" or "2026-H1"
    direction: Mapped[IncomeDirection] = mapped_column(str_enum(IncomeDirection))
    category: Mapped[IncomeCategory] = mapped_column(str_enum(IncomeCategory))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    occurred_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(200))
    distribution_id: Mapped[int | None] = mapped_column(ForeignKey("returns_distributions.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
