"""住宅专项维修资金: per-household sub-accounts (分户账), an append-only ledger, deposit standards, use plans
(voted on as a pm.models.votes.Decision), apportionments, returns distributions and bank-statement imports."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pm.extensions import db
from pm.models.accounts import User
from pm.models.registry import Building, Compound, County, Household, Unit
from pm.models.types import UTCDateTime, str_enum
from pm.models.votes import Decision
from pm.timeutil import utcnow


class Holder(enum.StrEnum):
    """Whose money a sub-account holds. Sold public housing (房改房) has two: the owner's and the work-unit's."""

    OWNER = "owner"  # 业主交存部分
    WORK_UNIT = "work_unit"  # 售房单位交存部分 (Order 165 arts. 8–9)


class SubAccountStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # 灭失后退还余额并销户 (art. 29)


class EntryKind(enum.StrEnum):
    """Kinds of ledger entries. Credits are positive, debits negative."""

    FIRST_DEPOSIT = "first_deposit"  # 首期交存
    BACK_PAYMENT = "back_payment"  # 补交
    REPLENISHMENT = "replenishment"  # 续交
    RETURNS = "returns"  # 增值收益
    COMMON_INCOME = "common_income"  # 共用部位经营收益
    CHARGE = "charge"  # 使用方案分摊列支
    REFUND = "refund"  # 退还 (灭失)
    REVERSAL = "reversal"  # 冲正


CREDIT_KINDS = frozenset(
    {EntryKind.FIRST_DEPOSIT, EntryKind.BACK_PAYMENT, EntryKind.REPLENISHMENT, EntryKind.RETURNS, EntryKind.COMMON_INCOME}
)
DEBIT_KINDS = frozenset({EntryKind.CHARGE, EntryKind.REFUND})
DEPOSIT_KINDS = frozenset({EntryKind.FIRST_DEPOSIT, EntryKind.BACK_PAYMENT, EntryKind.REPLENISHMENT})
FIRST_DEPOSIT_KINDS = (EntryKind.FIRST_DEPOSIT, EntryKind.BACK_PAYMENT)  # what pays the first deposit due (首期)


FUND_COUNT_INDEXES = {
    "ix_fund_accounts_due": "first_deposit_due_fen IS NOT NULL",
    "ix_fund_accounts_arrears": "first_deposit_due_fen IS NOT NULL AND first_deposit_due_fen > first_deposit_paid_fen",
    "ix_fund_accounts_low": "first_deposit_due_fen IS NOT NULL AND balance_fen * 10 < first_deposit_due_fen * 3",
}


class SubAccount(db.Model):
    """分户账: keyed by the dwelling (and holder), never by the person; it stays with the dwelling on a sale.

    In code a fund 分户账 is a *sub-account* ("account" means a login). The table and its foreign keys keep their
    first names (fund_accounts, account_id), as does the API's JSON, which integrators already read.
    """

    __tablename__ = "fund_accounts"
    __table_args__ = (
        UniqueConstraint("household_id", "holder"),
        CheckConstraint("balance_fen >= 0", name="balance_not_negative"),
        CheckConstraint("first_deposit_due_fen IS NULL OR first_deposit_due_fen >= 0", name="due_not_negative"),
        # The home pages' fund counts over an area (pm.services.fund.arrears' conditions), each from the few rows
        # it counts: open-with-a-due, 追缴 (less paid than due) and 续交 (balance below 30% of the due).
        *(Index(name, "compound_id", "status", sqlite_where=text(where), postgresql_where=text(where))
          for name, where in FUND_COUNT_INDEXES.items()),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)  # denormalised for scoping
    holder: Mapped[Holder] = mapped_column(str_enum(Holder), default=Holder.OWNER)
    status: Mapped[SubAccountStatus] = mapped_column(str_enum(SubAccountStatus), default=SubAccountStatus.OPEN)
    # Cached sum of the entries, changed only by pm.services.fund.ledger in the same transaction as the entry.
    balance_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    # 首期应交: floor area × the deposit standard (or the sold-public-housing rule), fixed when the account opens.
    first_deposit_due_fen: Mapped[int | None] = mapped_column(BigInteger)
    # 首期已交: cached sum of the first deposits and back-payments net of their reversals, changed only by
    # pm.services.fund.ledger with the entry (as balance_fen is), so that 追缴 counts need not read the ledger.
    first_deposit_paid_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    rate_id: Mapped[int | None] = mapped_column(ForeignKey("deposit_rates.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    household: Mapped[Household] = relationship()

    @property
    def needs_replenishment(self) -> bool:
        """续交: balance below 30% of the first deposit (art. 17), compared in integers. An account with no deposit
        yet is unpaid (追缴), not in need of replenishment."""
        if not self.first_deposit_due_fen or self.status != SubAccountStatus.OPEN or not self.first_deposit_paid_fen:
            return False
        return self.balance_fen * 10 < self.first_deposit_due_fen * 3

    def __repr__(self) -> str:
        return f"<SubAccount {self.id} h{self.household_id} {self.holder} {self.balance_fen}>"


class LedgerEntry(db.Model):
    """One posting. Append-only (a database trigger refuses UPDATE/DELETE); corrected by a REVERSAL entry."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_entries_account_id_id", "account_id", "id"),
        Index("ix_ledger_entries_source", "source_type", "source_id"),
        # 对账明细 by 记账日期 with a keyset cursor (pm.services.fund.reconcile): a county's month, a compound's day.
        Index("ix_ledger_entries_value_on_id", "value_on", "id"),
        Index("ix_ledger_entries_account_value_on", "account_id", "value_on", "id"),
        CheckConstraint("amount_fen <> 0", name="amount_not_zero"),
        CheckConstraint("balance_after_fen >= 0", name="balance_after_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("fund_accounts.id"))
    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind))
    amount_fen: Mapped[int] = mapped_column(BigInteger)  # + credit, − debit
    balance_after_fen: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    value_on: Mapped[date] = mapped_column(Date)  # 记账日期 (the bank's date for a deposit)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source_type: Mapped[str] = mapped_column(String(32))  # manual, bank_import, plan, returns, demolition, ...
    source_id: Mapped[int | None] = mapped_column(Integer)
    memo: Mapped[str | None] = mapped_column(String(200))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)
    # A retried submission carries the same key and posts nothing new (UNIQUE); payload_hash tells a
    # replay from a different request reusing the key.
    idempotency_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    payload_hash: Mapped[str | None] = mapped_column(String(64))

    account: Mapped[SubAccount] = relationship()
    actor: Mapped[User | None] = relationship()


class DepositRate(db.Model):
    """交存标准: a flat rate in fen per m², for a county (default) or one compound, by building type.

    The most specific matching rate in force on a date applies: a compound's own beats the county's; a
    rate with an elevator/height condition beats one without. Never a computed 5–8% (art. 7).
    """

    __tablename__ = "deposit_rates"
    __table_args__ = (
        CheckConstraint("fen_per_m2 > 0", name="rate_positive"),
        CheckConstraint("min_floors IS NULL OR max_floors IS NULL OR min_floors <= max_floors", name="floors_range"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"), index=True)
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compounds.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))  # 例如 "多层无电梯"
    has_elevator: Mapped[bool | None] = mapped_column(Boolean)  # None: any
    min_floors: Mapped[int | None] = mapped_column(Integer)
    max_floors: Mapped[int | None] = mapped_column(Integer)
    fen_per_m2: Mapped[int] = mapped_column(BigInteger)
    effective_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PublicHousingTerms(db.Model):
    """售后公房 terms for one household: the owner pays 2% of the reform cost price per m² × area; the selling
    work-unit sets aside ≥20% (multi-storey) or ≥30% (high-rise) of the sale price (arts. 8–9)."""

    __tablename__ = "public_housing_terms"
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), unique=True)
    cost_price_fen_per_m2: Mapped[int] = mapped_column(BigInteger)  # 房改成本价
    owner_permille: Mapped[int] = mapped_column(Integer, default=20)  # 2% = 20‰
    sale_price_fen: Mapped[int] = mapped_column(BigInteger)  # 售房款
    work_unit_permille: Mapped[int] = mapped_column(Integer, default=200)  # 20% or 30%
    work_unit_name: Mapped[str | None] = mapped_column(String(120))


class FundPolicy(db.Model):
    """A county's local rules: who approves payments, publicity days, emergency reasons, returns key. Versioned: a
    change is a new row effective from a date; the row in force on a day is the latest one not after it."""

    __tablename__ = "fund_policies"
    __table_args__ = (UniqueConstraint("county_id", "effective_from", name="uq_fund_policies_county_effective"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"), index=True)
    effective_from: Mapped[date] = mapped_column(Date, default=date(2000, 1, 1))
    approver: Mapped[str] = mapped_column(String(32), default="housing_department")
    publicity_days: Mapped[int] = mapped_column(Integer, default=7)
    vote_days: Mapped[int] = mapped_column(Integer, default=15)
    emergency_reasons: Mapped[list | None] = mapped_column(JSON)
    returns_key: Mapped[str] = mapped_column(String(32), default="balance")
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    county: Mapped[County] = relationship()


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"  # 草拟
    PUBLICISED = "publicised"  # 公示中
    VOTING = "voting"  # 业主表决中
    PASSED = "passed"  # 表决通过 (or emergency approved to proceed)
    WORKS_DONE = "works_done"  # 施工完成
    SETTLED = "settled"  # 按实结算
    PAYMENT_APPROVED = "payment_approved"  # 拨付审核通过
    CHARGED = "charged"  # 已分摊列支
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class DecisionKind(enum.StrEnum):
    """Which threshold of Civil Code art. 278 applies."""

    USE_FUND = "use_fund"  # 使用维修资金: > 1/2 of participating area and headcount
    RAISE_FUND = "raise_fund"  # 筹集维修资金: ≥ 3/4
    CHANGE_USE = "change_use"  # 改变共有部分用途或利用其从事经营活动: ≥ 3/4


class UsePlan(db.Model):
    """使用方案 for a shared part, with its scope (列支范围), budget, votes, approval and apportionment."""

    __tablename__ = "use_plans"
    __table_args__ = (
        CheckConstraint("budget_fen > 0", name="budget_positive"),
        CheckConstraint("actual_cost_fen IS NULL OR actual_cost_fen > 0", name="actual_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    shared_part: Mapped[str] = mapped_column(String(200))  # 共用部位/设施
    reason: Mapped[str] = mapped_column(Text)
    budget_fen: Mapped[int] = mapped_column(BigInteger)
    actual_cost_fen: Mapped[int | None] = mapped_column(BigInteger)
    contractor: Mapped[str | None] = mapped_column(String(120))
    decision_kind: Mapped[DecisionKind] = mapped_column(str_enum(DecisionKind), default=DecisionKind.USE_FUND)
    status: Mapped[PlanStatus] = mapped_column(str_enum(PlanStatus), default=PlanStatus.DRAFT)
    is_emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    emergency_reason: Mapped[str | None] = mapped_column(String(64))
    # The plan records that the work is payable from the fund (art. 25 exclusions checked).
    not_under_warranty: Mapped[bool] = mapped_column(Boolean, default=False)
    not_utility_duty: Mapped[bool] = mapped_column(Boolean, default=False)
    not_caused_damage: Mapped[bool] = mapped_column(Boolean, default=False)
    not_contract_duty: Mapped[bool] = mapped_column(Boolean, default=False)
    publicity_days: Mapped[int] = mapped_column(Integer, default=7)
    publicised_on: Mapped[date | None] = mapped_column(Date)
    vote_closes_on: Mapped[date | None] = mapped_column(Date)
    approver: Mapped[str | None] = mapped_column(String(32))  # the configured approver at approval time
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rejected_reason: Mapped[str | None] = mapped_column(String(200))
    rounding_method: Mapped[str] = mapped_column(String(80), default="largest_remainder;area_desc;account_id_asc")
    repair_request_id: Mapped[int | None] = mapped_column(Integer)  # link to 报事报修 (issue 4)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), unique=True)  # the owners' vote
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    compound: Mapped[Compound] = relationship()
    decision: Mapped[Decision | None] = relationship()
    scopes: Mapped[list[PlanScope]] = relationship(back_populates="plan", cascade="all, delete-orphan")


class PlanScope(db.Model):
    """One element of a plan's 列支范围: the whole compound, a building, a unit or one household."""

    __tablename__ = "plan_scopes"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN building_id IS NULL THEN 0 ELSE 1 END + CASE WHEN unit_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN household_id IS NULL THEN 0 ELSE 1 END) <= 1",
            name="one_target",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("use_plans.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    # All three null: the whole compound.

    plan: Mapped[UsePlan] = relationship(back_populates="scopes")
    building: Mapped[Building | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    household: Mapped[Household | None] = relationship()


class PlanDocument(db.Model):
    """A document of a plan (quotation, contract, acceptance report), stored outside the database."""

    __tablename__ = "plan_documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("use_plans.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    stored_path: Mapped[str] = mapped_column(String(400))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PlanShare(db.Model):
    """分摊: one account's part of a plan's cost, what was charged to it and the shortfall due from its owner."""

    __tablename__ = "plan_shares"
    __table_args__ = (
        UniqueConstraint("plan_id", "account_id"),
        CheckConstraint("share_fen >= 0 AND charged_fen >= 0 AND shortfall_fen >= 0", name="non_negative"),
        CheckConstraint("charged_fen + shortfall_fen = share_fen OR charged_fen = 0", name="share_parts"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("use_plans.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("fund_accounts.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    area_m2: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    share_fen: Mapped[int] = mapped_column(BigInteger)
    charged_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    shortfall_fen: Mapped[int] = mapped_column(BigInteger, default=0)

    account: Mapped[SubAccount] = relationship()
    household: Mapped[Household] = relationship()


class ReturnsDistribution(db.Model):
    """增值收益分配: an amount for a period credited to a compound's accounts pro rata (default: by balance).

    One distribution per compound, period and kind (returns 增值收益, or common-part income 共用部位收益)."""

    __tablename__ = "returns_distributions"
    __table_args__ = (
        UniqueConstraint("compound_id", "period", "kind"),  # returns and common-part income may share a period
        CheckConstraint("amount_fen > 0", name="amount_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)
    period: Mapped[str] = mapped_column(String(16))  # e.g. "2025"
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    key: Mapped[str] = mapped_column(String(32), default="balance")
    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind), default=EntryKind.RETURNS)
    memo: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BankImport(db.Model):
    """A bank statement posted all-or-nothing; the same file (by SHA-256) posts nothing new."""

    __tablename__ = "bank_imports"
    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compounds.id"), index=True)
    file_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    rows: Mapped[int] = mapped_column(Integer)
    total_fen: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
