"""本县使用规则: the one reader of a county's FundPolicy, with the national defaults for what it leaves unset."""
# Approver of payments, publicity and vote days, emergency reasons (应急使用) and the returns key (收益分配).
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from pm.extensions import db
from pm.models import FundPolicy, Role
from pm.services.fund.access import APPROVER_ROLES
from pm.services.labels import label_of, vocabulary_choices
from pm.services.registry.tree import county_id_of
from pm.timeutil import local_today

DEFAULT_APPROVER = "housing_department"
DEFAULT_PUBLICITY_DAYS = 7
DEFAULT_VOTE_DAYS = 15
RETURNS_KEYS = ("balance", "area")  # 增值收益 shared by balance (the default) or by floor area
DEFAULT_RETURNS_KEY = "balance"


def default_emergency_reasons() -> dict[str, str]:
    """应急使用: the typical cases of domain.md (the "emergency_reason" labels), code → text in the current language."""
    return dict(vocabulary_choices("emergency_reason"))


@dataclass
class Policy:
    """The county's rules for a compound (FundPolicy, or the national defaults when none is set)."""

    approver: str = DEFAULT_APPROVER
    publicity_days: int = DEFAULT_PUBLICITY_DAYS
    vote_days: int = DEFAULT_VOTE_DAYS
    emergency_reasons: dict[str, str] = field(default_factory=default_emergency_reasons)
    returns_key: str = DEFAULT_RETURNS_KEY

    @property
    def approver_role(self) -> Role | None:
        return APPROVER_ROLES.get(self.approver)

    @property
    def approver_label(self) -> str:
        return label_of("fund_approver", self.approver)


def _emergency_reasons(configured: list | None) -> dict[str, str]:
    """code → text: a county's own reasons ({code, label} or a default's code), else the defaults."""
    defaults = default_emergency_reasons()
    reasons: dict[str, str] = {}
    for item in configured or list(defaults):
        if isinstance(item, dict) and item.get("code"):
            reasons[str(item["code"])] = str(item.get("label") or item["code"])
        elif isinstance(item, str):
            reasons[item] = defaults.get(item, item)
    return reasons or defaults


def version_in_force(county_id: int, on: date | None = None) -> FundPolicy | None:
    """The county's policy version in force on a day (local today by default): the latest not after it."""
    return db.session.scalar(
        select(FundPolicy).where(FundPolicy.county_id == county_id, FundPolicy.effective_from <= (on or local_today()))
        .order_by(FundPolicy.effective_from.desc()).limit(1))


def policy_of(row: FundPolicy | None) -> Policy:
    """A policy version with the national defaults for anything not configured."""
    if row is None:
        return Policy()
    return Policy(
        approver=row.approver or DEFAULT_APPROVER,
        publicity_days=row.publicity_days if row.publicity_days is not None else DEFAULT_PUBLICITY_DAYS,
        vote_days=row.vote_days if row.vote_days is not None else DEFAULT_VOTE_DAYS,
        emergency_reasons=_emergency_reasons(row.emergency_reasons),
        returns_key=row.returns_key if row.returns_key in RETURNS_KEYS else DEFAULT_RETURNS_KEY,
    )


def policy_for(compound_id: int, on: date | None = None) -> Policy:
    """The FundPolicy of the compound's county in force on a day (today), with defaults for anything not set."""
    return policy_of(version_in_force(county_id_of(compound_id), on))
