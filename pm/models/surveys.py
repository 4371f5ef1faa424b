"""群众满意度测评: a compound's monthly resident satisfaction survey, one response per household, answers 1–5."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pm.extensions import db
from pm.models.accounts import User
from pm.models.registry import Compound, Household
from pm.models.types import UTCDateTime, str_enum
from pm.timeutil import utcnow


class SurveyStatus(enum.StrEnum):
    OPEN = "open"  # 测评中
    CLOSED = "closed"  # 已结束


class Survey(db.Model):
    """One compound's survey for one month; its questions are copied when it is opened."""

    __tablename__ = "surveys"
    __table_args__ = (UniqueConstraint("compound_id", "month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))  # "2026-11", pm.services.periods.Month
    status: Mapped[SurveyStatus] = mapped_column(str_enum(SurveyStatus), default=SurveyStatus.OPEN)
    questions: Mapped[list] = mapped_column(JSON)  # the question texts, in order
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    compound: Mapped[Compound] = relationship()
    opened_by: Mapped[User | None] = relationship()


class SurveyResponse(db.Model):
    """One household's answers: given on the phone by an owner or resident, or entered from paper by the community."""

    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("survey_id", "household_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)  # denormalised for scoping
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))  # who answered (online)
    is_paper: Mapped[bool] = mapped_column(Boolean, default=False)  # 纸质问卷，由社区录入
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # the login that answered or typed it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    household: Mapped[Household] = relationship()
    entered_by: Mapped[User] = relationship()
    answers: Mapped[list[SurveyAnswer]] = relationship(order_by="SurveyAnswer.position")


class SurveyAnswer(db.Model):
    """The answer to one question, 1 (very dissatisfied) to 5 (very satisfied)."""

    __tablename__ = "survey_answers"
    __table_args__ = (UniqueConstraint("response_id", "position"),
                      CheckConstraint("value BETWEEN 1 AND 5", name="value_1_to_5"))
    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id"))
    position: Mapped[int] = mapped_column(Integer)
    value: Mapped[int] = mapped_column(SmallInteger)
