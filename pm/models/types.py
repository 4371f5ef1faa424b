"""Column types shared by the models."""
from __future__ import annotations

import enum
from datetime import datetime, timezone
from decimal import Decimal
from typing import Annotated

from sqlalchemy import BigInteger, DateTime, Numeric, String, TypeDecorator
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import Mapped, mapped_column

from pm.timeutil import utcnow


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on every backend (SQLite returns naive values otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use pm.timeutil.utcnow()")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def str_enum(enum_cls: type[enum.StrEnum], length: int = 32) -> SAEnum:
    """An enum.StrEnum stored as its value in a VARCHAR (no native enum: migrations stay simple)."""
    return SAEnum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


Fen = Annotated[int, mapped_column(BigInteger)]
AreaM2 = Annotated[Decimal, mapped_column(Numeric(10, 2))]
UTCTimestamp = Annotated[datetime, mapped_column(UTCDateTime())]


class PhotoMixin:
    """A stored photo (see pm.services.storage): its relative path and sniffed content type."""

    path: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
