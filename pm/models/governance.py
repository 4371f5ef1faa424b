"""四位一体 governance: the four bodies of a compound (community party branch 党支部, residents' committee 居委会,
owners' committee 业主委员会 or the community's stand-in 物业管理委员会, property service station 物业服务站 with the
firm behind it), their members' terms, the county's governance policy, and owners' committee elections."""
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
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pm.extensions import db
from pm.models.registry import Household, Person
from pm.models.types import UTCDateTime, str_enum
from pm.timeutil import utcnow


class PropertyFirm(db.Model):
    """物业企业 (or the street's service company): the one authoritative name behind stations."""

    __tablename__ = "property_firms"
    __table_args__ = (UniqueConstraint("county_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<PropertyFirm {self.id} {self.name}>"


class BodyType(enum.StrEnum):
    """The four bodies (四位一体)."""

    PARTY = "party"  # 社区党组织 (党支部/党总支)
    RESIDENTS = "residents"  # 社区居民委员会
    OWNERS = "owners"  # 业主委员会 (per compound)
    STAND_IN = "stand_in"  # 物业管理委员会 (the community's stand-in where no owners' committee exists)
    STATION = "station"  # 物业服务站 (and its firm)


class PartyLevel(enum.StrEnum):
    BRANCH = "branch"  # 党支部
    GENERAL = "general"  # 党总支
    COMMITTEE = "committee"  # 党委


class Position(enum.StrEnum):
    """职务 of a member."""

    SECRETARY = "secretary"  # 书记
    DEPUTY_SECRETARY = "deputy_secretary"  # 副书记
    DIRECTOR = "director"  # 主任
    DEPUTY_DIRECTOR = "deputy_director"  # 副主任
    CHAIR = "chair"  # 主任委员
    VICE_CHAIR = "vice_chair"  # 副主任委员
    MEMBER = "member"  # 委员
    GRID_WORKER = "grid_worker"  # 网格员
    STATION_HEAD = "station_head"  # 站长
    STAFF = "staff"  # 工作人员


class Body(db.Model):
    """One body at its place: a community's party organisation, residents' committee or stand-in committee, a
    compound's owners' committee, or a station. `place_key` makes one body per kind and place."""

    __tablename__ = "governance_bodies"
    __table_args__ = (
        UniqueConstraint("place_key"),
        CheckConstraint("term_ends_on IS NULL OR term_starts_on IS NULL OR term_ends_on >= term_starts_on",
                        name="term_in_order"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[BodyType] = mapped_column(str_enum(BodyType))
    place_key: Mapped[str] = mapped_column(String(40))  # "party:<community>", "owners:<compound>", ...
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compounds.id"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    party_level: Mapped[PartyLevel | None] = mapped_column(str_enum(PartyLevel))
    phone: Mapped[str | None] = mapped_column(String(32))
    # The owners' committee's current term (set by its election) and its filing (备案).
    term_starts_on: Mapped[date | None] = mapped_column(Date)
    term_ends_on: Mapped[date | None] = mapped_column(Date)
    filed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    members: Mapped[list[Membership]] = relationship(back_populates="body", order_by="Membership.seat")

    def __repr__(self) -> str:
        return f"<Body {self.id} {self.kind} {self.name}>"


class Membership(db.Model):
    """One person's term on one seat of a body (past terms stay as history). Terms on one seat never overlap:
    the service checks under a lock on the body row."""

    __tablename__ = "governance_members"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR ends_on >= started_on", name="term_in_order"),
        CheckConstraint("seat >= 1 AND seat <= 99", name="seat_range"),
        Index("ix_governance_members_body_seat", "body_id", "seat"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("governance_bodies.id"), index=True)
    seat: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    position: Mapped[Position] = mapped_column(str_enum(Position))
    is_party_member: Mapped[bool] = mapped_column(Boolean, default=False)
    phone: Mapped[str | None] = mapped_column(String(20))
    started_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)  # the term's last day (None: open-ended)
    # A committee-member login belongs to this term and stops working after ends_on.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    election_id: Mapped[int | None] = mapped_column(ForeignKey("elections.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    body: Mapped[Body] = relationship(back_populates="members")
    person: Mapped[Person] = relationship()

    def current_on(self, day: date) -> bool:
        return self.started_on <= day and (self.ends_on is None or self.ends_on >= day)

    def __repr__(self) -> str:
        return f"<Membership {self.id} body={self.body_id} seat={self.seat}>"


class GovernancePolicy(db.Model):
    """The county's governance settings (defaults apply when a county has none)."""

    __tablename__ = "governance_policies"
    __table_args__ = (
        CheckConstraint("committee_min >= 3 AND committee_max <= 11 AND committee_min <= committee_max",
                        name="committee_range"),
        CheckConstraint("fund_collected_percent >= 1 AND fund_collected_percent <= 100", name="fund_percent"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"), unique=True)
    committee_min: Mapped[int] = mapped_column(Integer, default=5)
    committee_max: Mapped[int] = mapped_column(Integer, default=11)
    small_compound_households: Mapped[int | None] = mapped_column(Integer, default=100)  # 3 allowed below it
    publicity_days: Mapped[int] = mapped_column(Integer, default=7)
    term_years: Mapped[int] = mapped_column(Integer, default=5)
    fund_collected_percent: Mapped[int] = mapped_column(Integer, default=90)


class TermReminder(db.Model):
    """A reminder sent 6 or 3 months before an owners' committee's term ends: once per term and threshold."""

    __tablename__ = "governance_term_reminders"
    __table_args__ = (UniqueConstraint("body_id", "term_ends_on", "months"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("governance_bodies.id"), index=True)
    term_ends_on: Mapped[date] = mapped_column(Date)
    months: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ElectionKind(enum.StrEnum):
    FIRST = "first"  # 首次成立
    RE = "re"  # 换届选举


class ElectionStatus(enum.StrEnum):
    PREPARING = "preparing"  # 筹备中 (preparatory group formed, nominations open)
    PUBLICITY = "publicity"  # 候选人公示
    VOTING = "voting"  # 投票中
    COUNTED = "counted"  # 已计票，结果公示
    FILED = "filed"  # 已备案
    FAILED = "failed"  # 未达法定比例或无人当选
    CANCELLED = "cancelled"


class Election(db.Model):
    """业主委员会选举: first formation or re-election of a compound's owners' committee."""

    __tablename__ = "elections"
    __table_args__ = (
        CheckConstraint("seats >= 3 AND seats <= 11 AND seats % 2 = 1", name="seats_odd"),
        CheckConstraint("term_years >= 1 AND term_years <= 5", name="term_years"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)
    kind: Mapped[ElectionKind] = mapped_column(str_enum(ElectionKind))
    status: Mapped[ElectionStatus] = mapped_column(str_enum(ElectionStatus), default=ElectionStatus.PREPARING)
    seats: Mapped[int] = mapped_column(Integer)
    term_years: Mapped[int] = mapped_column(Integer, default=5)
    publicity_starts_on: Mapped[date | None] = mapped_column(Date)
    publicity_ends_on: Mapped[date | None] = mapped_column(Date)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), unique=True)
    counted_on: Mapped[date | None] = mapped_column(Date)
    elected_count: Mapped[int | None] = mapped_column(Integer)
    term_starts_on: Mapped[date | None] = mapped_column(Date)
    term_ends_on: Mapped[date | None] = mapped_column(Date)
    filed_on: Mapped[date | None] = mapped_column(Date)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    group: Mapped[list[PrepMember]] = relationship(order_by="PrepMember.id")
    candidates: Mapped[list[Candidate]] = relationship(order_by="Candidate.id")

    def __repr__(self) -> str:
        return f"<Election {self.id} compound={self.compound_id} {self.status}>"


class PrepMember(db.Model):
    """筹备组成员: owners' representatives with the street office, community and property side."""

    __tablename__ = "election_group_members"
    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    side: Mapped[str] = mapped_column(String(16))  # owner / street / community / property
    phone: Mapped[str | None] = mapped_column(String(20))


class Candidate(db.Model):
    """候选人: an owner of the compound nominated for the committee, and their result once counted."""

    __tablename__ = "election_candidates"
    __table_args__ = (UniqueConstraint("election_id", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    is_party_member: Mapped[bool] = mapped_column(Boolean, default=False)
    statement: Mapped[str | None] = mapped_column(Text)
    nominated_by: Mapped[str | None] = mapped_column(String(64))
    votes_area: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    votes_heads: Mapped[int | None] = mapped_column(Integer)
    rank: Mapped[int | None] = mapped_column(Integer)
    is_elected: Mapped[bool | None] = mapped_column(Boolean)

    person: Mapped[Person] = relationship()
    household: Mapped[Household] = relationship()


class ElectionChoice(db.Model):
    """One candidate chosen on one ballot (a ballot chooses up to the seat count; none: an abstention)."""

    __tablename__ = "election_choices"
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id"), primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("election_candidates.id"), primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), index=True)
