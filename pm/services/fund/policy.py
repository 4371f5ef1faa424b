"""本县使用规则: the one reader of a county's FundPolicy, with the national defaults for what it leaves unset."""
# Approver of payments, publicity and vote days, emergency reasons (应急使用) and the returns key (收益分配).
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from pm.extensions import db
from pm.models import Community, Compound, FundPolicy, Role, StreetOffice
from pm.services.fund.access import APPROVER_ROLES
from pm.services.text import N_

# 应急使用 typical cases (domain.md); a county may configure its own list in FundPolicy.emergency_reasons.
# The texts are msgids, translated where they are shown.
DEFAULT_EMERGENCY_REASONS: dict[str, str] = {
    "roof_wall_leak": N_("屋面、外墙渗漏严重，经多次维修仍未解决"),
    "elevator_danger": N_("电梯故障危及人身安全（冲顶、蹲底等）或被责令停止使用"),
    "water_pipe_pump": N_("高层住宅给水总管渗漏或二次供水水泵损坏"),
    "facade_risk": N_("外墙墙面有脱落危险，面积达一面墙的五分之一以上"),
    "drains": N_("排水设施坍塌、堵塞、爆裂"),
    "fire_system": N_("消防系统出现功能障碍，消防部门责令整改"),
}
DEFAULT_APPROVER = "housing_department"
DEFAULT_PUBLICITY_DAYS = 7
DEFAULT_VOTE_DAYS = 15
RETURNS_KEYS = ("balance", "area")  # 增值收益 shared by balance (the default) or by floor area
DEFAULT_RETURNS_KEY = "balance"


@dataclass
class Policy:
    """The county's rules for a compound (FundPolicy, or the national defaults when none is set)."""

    approver: str = DEFAULT_APPROVER
    publicity_days: int = DEFAULT_PUBLICITY_DAYS
    vote_days: int = DEFAULT_VOTE_DAYS
    emergency_reasons: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_EMERGENCY_REASONS))
    returns_key: str = DEFAULT_RETURNS_KEY

    @property
    def approver_role(self) -> Role | None:
        return APPROVER_ROLES.get(self.approver)


def county_id_of(compound_id: int) -> int | None:
    """The county a compound belongs to (compound → community → street → county), in one query."""
    return db.session.scalar(
        select(StreetOffice.county_id)
        .join(Community, Community.street_id == StreetOffice.id)
        .join(Compound, Compound.community_id == Community.id)
        .where(Compound.id == compound_id)
    )


def _emergency_reasons(configured: list | None) -> dict[str, str]:
    """code → text: a county's own reasons ({code, label} or a default's code), else the defaults."""
    reasons: dict[str, str] = {}
    for item in configured or list(DEFAULT_EMERGENCY_REASONS):
        if isinstance(item, dict) and item.get("code"):
            reasons[str(item["code"])] = str(item.get("label") or item["code"])
        elif isinstance(item, str):
            reasons[item] = DEFAULT_EMERGENCY_REASONS.get(item, item)
    return reasons or dict(DEFAULT_EMERGENCY_REASONS)


def policy_for(compound_id: int) -> Policy:
    """The FundPolicy of the compound's county, with defaults for anything not configured."""
    row = db.session.scalar(select(FundPolicy).where(FundPolicy.county_id == county_id_of(compound_id)))
    if row is None:
        return Policy()
    return Policy(
        approver=row.approver or DEFAULT_APPROVER,
        publicity_days=row.publicity_days if row.publicity_days is not None else DEFAULT_PUBLICITY_DAYS,
        vote_days=row.vote_days if row.vote_days is not None else DEFAULT_VOTE_DAYS,
        emergency_reasons=_emergency_reasons(row.emergency_reasons),
        returns_key=row.returns_key if row.returns_key in RETURNS_KEYS else DEFAULT_RETURNS_KEY,
    )
