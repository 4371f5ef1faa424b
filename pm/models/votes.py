"""业主表决: a decision put to the owners of a set of households (its electorate), its rule and its ballots."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pm.extensions import db
from pm.models.registry import Household, Person
from pm.models.types import UTCDateTime, str_enum
from pm.timeutil import utcnow


class DecisionStatus(enum.StrEnum):
    OPEN = "open"  # 表决中
    CLOSED = "closed"  # 已计票 (outcome and figures stored)
    CANCELLED = "cancelled"  # 表决撤销 (its subject was withdrawn while voting)


class DecisionOutcome(enum.StrEnum):
    PASSED = "passed"  # 通过
    REJECTED = "rejected"  # 未通过 (quorum met, threshold not reached)
    NO_QUORUM = "no_quorum"  # 参与表决未达法定比例


class VoteChoice(enum.StrEnum):
    YES = "yes"  # 同意
    NO = "no"  # 反对
    ABSTAIN = "abstain"  # 弃权 (takes part, counts towards quorum, not towards yes)


def _share_checks(*names: str) -> tuple[CheckConstraint, ...]:
    return tuple(
        CheckConstraint(f"{n}_den > 0 AND {n}_num >= 0 AND {n}_num <= {n}_den", name=f"{n}_share") for n in names
    )


class Decision(db.Model):
    """表决事项: what is decided (a subject: kind, id and title), by whom (the electorate snapshot), by which
    rule (stored as values: quorum and threshold shares, strict or inclusive, over participants or the whole
    electorate), when (opens_on..closes_on), and — once closed — the outcome with the final figures."""

    __tablename__ = "decisions"
    __table_args__ = (
        Index("ix_decisions_subject", "subject_kind", "subject_id"),
        CheckConstraint("closes_on >= opens_on", name="dates_in_order"),
        CheckConstraint("(status = 'closed') = (outcome IS NOT NULL)", name="outcome_when_closed"),
        *_share_checks("quorum_area", "quorum_heads", "threshold"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(32))  # "use_plan"; later elections and motions
    subject_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)  # for scoping
    # The rule, as values (pm.services.votes.rules.Rule): its name and exact shares as integer fractions.
    rule_name: Mapped[str] = mapped_column(String(32))
    quorum_area_num: Mapped[int] = mapped_column(Integer)
    quorum_area_den: Mapped[int] = mapped_column(Integer)
    quorum_heads_num: Mapped[int] = mapped_column(Integer)
    quorum_heads_den: Mapped[int] = mapped_column(Integer)
    threshold_num: Mapped[int] = mapped_column(Integer)
    threshold_den: Mapped[int] = mapped_column(Integer)
    strict: Mapped[bool] = mapped_column(Boolean)  # True: more than the threshold (过半数); False: at least (以上)
    over_electorate: Mapped[bool] = mapped_column(Boolean, default=False)  # False: over the participants
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    status: Mapped[DecisionStatus] = mapped_column(str_enum(DecisionStatus), default=DecisionStatus.OPEN)
    outcome: Mapped[DecisionOutcome | None] = mapped_column(str_enum(DecisionOutcome))
    # The final tally, stored when the decision closes (NULL while open).
    dwellings: Mapped[int | None] = mapped_column(Integer)  # electorate dwellings with a current owner
    without_owner: Mapped[int | None] = mapped_column(Integer)  # electorate dwellings without one
    ballots: Mapped[int | None] = mapped_column(Integer)
    paper_ballots: Mapped[int | None] = mapped_column(Integer)
    total_area: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    total_heads: Mapped[int | None] = mapped_column(Integer)
    yes_area: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    yes_heads: Mapped[int | None] = mapped_column(Integer)
    no_area: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    no_heads: Mapped[int | None] = mapped_column(Integer)
    abstain_area: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    abstain_heads: Mapped[int | None] = mapped_column(Integer)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<Decision {self.id} {self.subject_kind}:{self.subject_id} {self.status}>"


class ElectorateEntry(db.Model):
    """One household of a decision's electorate, written when voting opens (its owners are read at tally time)."""

    __tablename__ = "decision_electorate"
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), primary_key=True)


class Ballot(db.Model):
    """One ballot per dwelling per decision; a second one is refused by the unique key, not counted."""

    __tablename__ = "ballots"
    __table_args__ = (UniqueConstraint("decision_id", "household_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))  # the owner who voted
    choice: Mapped[VoteChoice] = mapped_column(str_enum(VoteChoice))
    is_paper: Mapped[bool] = mapped_column(Boolean, default=False)  # 纸质票，由受托人录入
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    person: Mapped[Person] = relationship()
    household: Mapped[Household] = relationship()
