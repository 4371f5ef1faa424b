"""使用方案: maintenance-fund use plans — drafting, publicity, vote, works, settlement, approval and
apportionment of the actual cost among the households of the plan's scope (列支范围) by floor area.

Lifecycle (each transition checked and audited; an out-of-order one changes nothing):
    draft → publicised → voting → passed | rejected → works_done → settled → payment_approved → charged
    emergency (应急使用): draft → passed (approved by the configured approver, no publicity or vote) → …
    cancel from draft / publicised / voting; the approver may reject an emergency draft or a settled plan.
"""
from __future__ import annotations

import logging
import os
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import aliased

from pm.access import Scope, can
from pm.services.fund.access import APPROVER_ROLES
from pm.errors import Conflict, DomainError, Forbidden
from pm.extensions import db
from pm.models import (
    SubAccountStatus,
    Building,
    Community,
    Compound,
    SubAccount,
    Household,
    HouseholdStatus,
    LedgerEntry,
    StreetOffice,
    Unit,
    User,
)
from pm.models.fund import (
    DEPOSIT_KINDS,
    DecisionKind,
    EntryKind,
    FundPolicy,
    Holder,
    PlanDocument,
    PlanScope,
    PlanShare,
    PlanStatus,
    UsePlan,
)
from pm.services import audit
from pm.services.fund import ledger
from pm.services.fund.apportion import RULE, largest_remainder
from pm.timeutil import local_today, utcnow

logger = logging.getLogger(__name__)


def N_(message: str) -> str:
    """Marks a label for extraction (`make messages`); it is translated where it is shown."""
    return message


# 应急使用 typical cases (domain.md); a county may configure its own list in FundPolicy.emergency_reasons.
DEFAULT_EMERGENCY_REASONS: dict[str, str] = {
    "roof_wall_leak": N_("屋面、外墙渗漏严重，经多次维修仍未解决"),
    "elevator_danger": N_("电梯故障危及人身安全（冲顶、蹲底等）或被责令停止使用"),
    "water_pipe_pump": N_("高层住宅给水总管渗漏或二次供水水泵损坏"),
    "facade_risk": N_("外墙墙面有脱落危险，面积达一面墙的五分之一以上"),
    "drains": N_("排水设施坍塌、堵塞、爆裂"),
    "fire_system": N_("消防系统出现功能障碍，消防部门责令整改"),
}
DEFAULT_PUBLICITY_DAYS = 7
DEFAULT_VOTE_DAYS = 15
CANCELLABLE = {PlanStatus.DRAFT, PlanStatus.PUBLICISED, PlanStatus.VOTING}
CONFIRMATIONS = ("not_under_warranty", "not_utility_duty", "not_caused_damage", "not_contract_duty")
MAX_BUDGET_FEN = 10**12  # 100 亿元
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
DOCUMENT_TYPES = (  # checked by content, never by the file name
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)
_YUAN = re.compile(r"^(\d{1,12})(?:\.(\d{1,2}))?$")


# -- small helpers ------------------------------------------------------------------------------
def parse_yuan(text, *, field: str = "budget") -> int:
    """Yuan typed as text ("12,345.60", "¥800") → exact integer fen; more than two decimals is refused."""
    if text is None or (isinstance(text, str) and not text.strip()):
        raise DomainError("请填写金额（元）", field=field)
    if isinstance(text, (bool, float)) or not isinstance(text, (str, int, Decimal)):
        raise DomainError("金额必须写成文字形式的元，例如 12345.60", field=field)
    raw = str(text).strip().replace(",", "").replace("，", "").lstrip("¥￥").strip()
    if raw.endswith("元"):
        raw = raw[:-1].strip()
    match = _YUAN.match(raw)
    if not match:
        raise DomainError("金额格式不正确：请写元，最多两位小数，例如 12345.60", field=field)
    fen = int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))
    if fen <= 0:
        raise DomainError("金额必须大于 0", field=field)
    if fen > MAX_BUDGET_FEN:
        raise DomainError("金额过大", field=field)
    return fen


@dataclass
class Policy:
    """The county's rules for a compound (FundPolicy, or the national defaults when none is set)."""

    approver: str = "housing_department"
    publicity_days: int = DEFAULT_PUBLICITY_DAYS
    vote_days: int = DEFAULT_VOTE_DAYS
    emergency_reasons: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_EMERGENCY_REASONS))

    @property
    def approver_role(self):
        return APPROVER_ROLES.get(self.approver)


def county_id_of(compound_id: int) -> int | None:
    """The county a compound belongs to (compound → community → street → county), in one query."""
    return db.session.scalar(
        select(StreetOffice.county_id)
        .join(Community, Community.street_id == StreetOffice.id)
        .join(Compound, Compound.community_id == Community.id)
        .where(Compound.id == compound_id)
    )


def policy_for(compound_id: int) -> Policy:
    """The FundPolicy of the compound's county, with defaults for anything not configured."""
    row = db.session.scalar(select(FundPolicy).where(FundPolicy.county_id == county_id_of(compound_id)))
    if row is None:
        return Policy()
    reasons: dict[str, str] = {}
    for item in row.emergency_reasons or list(DEFAULT_EMERGENCY_REASONS):
        if isinstance(item, dict) and item.get("code"):
            reasons[str(item["code"])] = str(item.get("label") or item["code"])
        elif isinstance(item, str):
            reasons[item] = DEFAULT_EMERGENCY_REASONS.get(item, item)
    return Policy(
        approver=row.approver or "housing_department",
        publicity_days=row.publicity_days if row.publicity_days is not None else DEFAULT_PUBLICITY_DAYS,
        vote_days=row.vote_days if row.vote_days is not None else DEFAULT_VOTE_DAYS,
        emergency_reasons=reasons or dict(DEFAULT_EMERGENCY_REASONS),
    )


def _today(now: datetime | None) -> date:
    return local_today(now)


def _audit(action: str, plan: UsePlan, actor: User | None, changes: dict) -> None:
    audit.record(action, plan, actor=actor, changes=changes, place=db.session.get(Compound, plan.compound_id))


def _require_in_scope(scope: Scope, actor: User | None, compound_id: int, capability: str) -> None:
    if not can(actor, capability):
        raise Forbidden("您的角色无权进行此操作")
    if not scope.contains(Compound, compound_id):
        raise Forbidden("该小区不在您的权限范围内")


def is_approver(actor: User | None, scope: Scope, plan: UsePlan) -> bool:
    """The county's configured approver (APPROVER_ROLES[FundPolicy.approver]) with the plan's compound in scope."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    role = policy_for(plan.compound_id).approver_role
    return role is not None and actor.role == role and scope.contains(Compound, plan.compound_id)


# -- scope (列支范围) ------------------------------------------------------------------------------
@dataclass
class Targets:
    """What a plan covers: the whole compound, or listed buildings, units and households."""

    whole: bool = True
    buildings: list[int] = field(default_factory=list)
    units: list[int] = field(default_factory=list)
    households: list[int] = field(default_factory=list)


def _scope_rows(compound_id: int, targets: Targets) -> list[PlanScope]:
    """Validate the targets against the compound (every id must belong to it) and build PlanScope rows."""
    if targets.whole:
        return [PlanScope()]
    rows: list[PlanScope] = []
    for ids, model, attr, what in (
        (targets.buildings, Building, "building_id", "楼栋"),
        (targets.units, Unit, "unit_id", "单元"),
        (targets.households, Household, "household_id", "住户"),
    ):
        wanted = sorted({int(i) for i in ids})
        if not wanted:
            continue
        found = set(db.session.scalars(select(model.id).where(model.id.in_(wanted), model.compound_id == compound_id)))
        missing = [i for i in wanted if i not in found]
        if missing:
            raise DomainError(f"{what} {', '.join(map(str, missing))} 不属于本小区", field="scope")
        rows.extend(PlanScope(**{attr: i}) for i in wanted)
    if not rows:
        raise DomainError("请选择列支范围：整个小区，或楼栋、单元、住户", field="scope")
    return rows


def scope_households_stmt(plan: UsePlan):
    """SELECT of the active households in the plan's 列支范围 (id, area, sold public housing)."""
    stmt = select(Household.id, Household.area_m2, Household.is_sold_public_housing).where(
        Household.compound_id == plan.compound_id, Household.status == HouseholdStatus.ACTIVE,
    )
    scopes = list(plan.scopes)
    if any(s.building_id is None and s.unit_id is None and s.household_id is None for s in scopes):
        return stmt
    conds = []
    b = [s.building_id for s in scopes if s.building_id]
    u = [s.unit_id for s in scopes if s.unit_id]
    h = [s.household_id for s in scopes if s.household_id]
    if b:
        conds.append(Household.building_id.in_(b))
    if u:
        conds.append(Household.unit_id.in_(u))
    if h:
        conds.append(Household.id.in_(h))
    return stmt.where(or_(*conds)) if conds else stmt.where(Household.id.is_(None))


def scope_household_ids(plan: UsePlan) -> set[int]:
    """Ids of the active households in the plan's scope."""
    return {row.id for row in db.session.execute(scope_households_stmt(plan))}


def describe_scope(plan: UsePlan) -> list[str]:
    """The scope in words: 整个小区, 3号楼, 3号楼2单元, 3号楼2单元501."""
    out = []
    for s in plan.scopes:
        if s.household is not None:
            out.append(s.household.label)
        elif s.unit is not None:
            out.append(f"{s.unit.building.name}{s.unit.name}")
        elif s.building is not None:
            out.append(s.building.name)
        else:
            out.append("整个小区")
    return out


# -- create and edit ------------------------------------------------------------------------------
def _check_text(value, field_name: str, label: str, max_len: int, *, required: bool = True) -> str | None:
    value = (value or "").strip() if isinstance(value, str) or value is None else None
    if value is None:
        raise DomainError(f"{label}必须是文字", field=field_name)
    if required and not value:
        raise DomainError(f"请填写{label}", field=field_name)
    if len(value) > max_len:
        raise DomainError(f"{label}不能超过 {max_len} 个字", field=field_name)
    return value or None


def _check_emergency(policy: Policy, is_emergency: bool, reason: str | None) -> str | None:
    if not is_emergency:
        return None
    if not reason:
        raise DomainError("应急使用须选择应急情形", field="emergency_reason")
    if reason not in policy.emergency_reasons:
        raise DomainError("应急情形不在本县规定的清单内", field="emergency_reason")
    return reason


def create_plan(
    compound: Compound,
    *,
    actor: User,
    scope: Scope,
    title: str,
    shared_part: str,
    reason: str,
    budget_fen: int,
    contractor: str | None = None,
    decision_kind: DecisionKind | str = DecisionKind.USE_FUND,
    targets: Targets | None = None,
    confirmations: dict | None = None,
    is_emergency: bool = False,
    emergency_reason: str | None = None,
    repair_request_id: int | None = None,
) -> UsePlan:
    """Draft a use plan for a compound in the proposer's scope (capability fund.plan.propose)."""
    _require_in_scope(scope, actor, compound.id, "fund.plan.propose")
    try:
        kind = DecisionKind(decision_kind)
    except ValueError:
        raise DomainError("表决事项类型无效", field="decision_kind") from None
    if isinstance(budget_fen, bool) or not isinstance(budget_fen, int) or budget_fen <= 0:
        raise DomainError("预算必须大于 0（单位：分）", field="budget_fen")
    if budget_fen > MAX_BUDGET_FEN:
        raise DomainError("预算过大", field="budget_fen")
    policy = policy_for(compound.id)
    plan = UsePlan(
        compound_id=compound.id,
        title=_check_text(title, "title", "标题", 120),
        shared_part=_check_text(shared_part, "shared_part", "共用部位", 200),
        reason=_check_text(reason, "reason", "维修理由", 5000),
        budget_fen=budget_fen,
        contractor=_check_text(contractor, "contractor", "施工单位", 120, required=False),
        decision_kind=kind,
        status=PlanStatus.DRAFT,
        is_emergency=bool(is_emergency),
        emergency_reason=_check_emergency(policy, bool(is_emergency), emergency_reason),
        publicity_days=policy.publicity_days,
        rounding_method=RULE,
        repair_request_id=repair_request_id,
        created_by_id=actor.id,
    )
    for name in CONFIRMATIONS:
        setattr(plan, name, bool((confirmations or {}).get(name)))
    plan.scopes = _scope_rows(compound.id, targets or Targets())
    db.session.add(plan)
    db.session.flush()
    _audit("plan.create", plan, actor, {
        "title": plan.title, "budget_fen": plan.budget_fen, "decision_kind": kind.value,
        "is_emergency": plan.is_emergency, "scope": describe_scope(plan),
    })
    logger.info("plan drafted %r by %r", plan, actor)
    return plan


EDITABLE = ("title", "shared_part", "reason", "budget_fen", "contractor", "decision_kind", "is_emergency",
            "emergency_reason", "repair_request_id") + CONFIRMATIONS


def update_plan(plan: UsePlan, *, actor: User, scope: Scope, targets: Targets | None = None, **values) -> UsePlan:
    """Change a draft (only a draft: once publicised, owners have seen it)."""
    _require_in_scope(scope, actor, plan.compound_id, "fund.plan.propose")
    if plan.status != PlanStatus.DRAFT:
        raise Conflict("只有草拟状态的方案可以修改", field="status")
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise DomainError(f"不能修改的字段：{', '.join(sorted(unknown))}", field="plan")
    new = {}
    for key, value in values.items():
        if key == "title":
            value = _check_text(value, key, "标题", 120)
        elif key == "shared_part":
            value = _check_text(value, key, "共用部位", 200)
        elif key == "reason":
            value = _check_text(value, key, "维修理由", 5000)
        elif key == "contractor":
            value = _check_text(value, key, "施工单位", 120, required=False)
        elif key == "budget_fen":
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0 or value > MAX_BUDGET_FEN:
                raise DomainError("预算必须大于 0（单位：分）", field="budget_fen")
        elif key == "decision_kind":
            try:
                value = DecisionKind(value)
            except ValueError:
                raise DomainError("表决事项类型无效", field="decision_kind") from None
        elif key in CONFIRMATIONS or key == "is_emergency":
            value = bool(value)
        new[key] = value
    is_emergency = new.get("is_emergency", plan.is_emergency)
    reason = new.get("emergency_reason", plan.emergency_reason if is_emergency else None)
    new["emergency_reason"] = _check_emergency(policy_for(plan.compound_id), is_emergency, reason)
    changes = audit.diff(plan, new)
    for key, value in new.items():
        setattr(plan, key, value)
    if targets is not None:
        old = describe_scope(plan)
        plan.scopes = _scope_rows(plan.compound_id, targets)
        db.session.flush()
        db.session.refresh(plan, ["scopes"])
        changes["scope"] = [old, describe_scope(plan)]
    db.session.flush()
    if changes:
        _audit("plan.update", plan, actor, changes)
    return plan


# -- documents ---------------------------------------------------------------------------------------
def sniff_document(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a PDF/JPEG/PNG by its first bytes, else None."""
    for magic, content_type, ext in DOCUMENT_TYPES:
        if head.startswith(magic):
            return content_type, ext
    return None


def add_document(plan: UsePlan, *, filename: str, data: bytes, actor: User, scope: Scope, upload_dir: str) -> PlanDocument:
    """Store a plan document (PDF, JPEG or PNG by content; at most 10 MB) under UPLOAD_DIR/plans/."""
    _require_in_scope(scope, actor, plan.compound_id, "fund.plan.propose")
    if plan.status in (PlanStatus.CHARGED, PlanStatus.CANCELLED, PlanStatus.REJECTED):
        raise Conflict("该方案已结束，不能再上传材料", field="status")
    if not data:
        raise DomainError("文件是空的", field="file")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DomainError("文件不能超过 10 MB", field="file")
    kind = sniff_document(data[:16])
    if kind is None:
        raise DomainError("只接受 PDF、JPEG 或 PNG 文件", field="file")
    content_type, ext = kind
    name = os.path.basename((filename or "").replace("\\", "/")).strip()[:200] or f"document.{ext}"
    folder = os.path.join(upload_dir, "plans", str(plan.id))
    os.makedirs(folder, exist_ok=True)
    stored = os.path.join("plans", str(plan.id), f"{uuid.uuid4().hex}.{ext}")
    with open(os.path.join(upload_dir, stored), "wb") as fh:
        fh.write(data)
    doc = PlanDocument(plan_id=plan.id, filename=name, stored_path=stored, content_type=content_type,
                       size_bytes=len(data), uploaded_by_id=actor.id)
    db.session.add(doc)
    db.session.flush()
    _audit("plan.document", plan, actor, {"document_id": doc.id, "filename": name, "size_bytes": len(data)})
    return doc


def document_path(doc: PlanDocument, upload_dir: str) -> str:
    """The absolute path of a stored document (inside UPLOAD_DIR/plans, never elsewhere)."""
    root = os.path.realpath(os.path.join(upload_dir, "plans"))
    path = os.path.realpath(os.path.join(upload_dir, doc.stored_path))
    if not path.startswith(root + os.sep):
        raise DomainError("文件路径无效", field="document")
    return path


# -- transitions --------------------------------------------------------------------------------------
TRANSITION_TARGETS = ("publicised", "voting", "close_vote", "passed", "rejected", "works_done", "settled",
                      "payment_approved", "charged", "cancelled")


def allowed_transitions(plan: UsePlan, actor: User | None, scope: Scope, *, now: datetime | None = None) -> list[str]:
    """The transitions this user may attempt now (the forms shown on the plan page)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not scope.contains(Compound, plan.compound_id):
        return []
    proposer = can(actor, "fund.plan.propose")
    approver = is_approver(actor, scope, plan)
    today = _today(now)
    s = plan.status
    out: list[str] = []
    if s == PlanStatus.DRAFT:
        if plan.is_emergency:
            if approver:
                out += ["passed", "rejected"]
        elif proposer:
            out.append("publicised")
    elif s == PlanStatus.PUBLICISED and proposer and plan.publicised_on is not None \
            and today >= plan.publicised_on + timedelta(days=plan.publicity_days):
        out.append("voting")
    elif s == PlanStatus.VOTING and (proposer or can(actor, "fund.ballot.paper")):
        out.append("close_vote")
    elif s == PlanStatus.PASSED and proposer:
        out.append("works_done")
    elif s == PlanStatus.WORKS_DONE and proposer:
        out.append("settled")
    elif s == PlanStatus.SETTLED and approver:
        out += ["payment_approved", "rejected"]
    elif s == PlanStatus.PAYMENT_APPROVED and (approver or can(actor, "fund.cashier")):
        out.append("charged")
    if s in CANCELLABLE and proposer:
        out.append("cancelled")
    return out


def transition(
    plan: UsePlan,
    to: str,
    *,
    actor: User,
    scope: Scope,
    now: datetime | None = None,
    reason: str | None = None,
    actual_cost_fen: int | None = None,
) -> UsePlan:
    """Move a plan to `to` if the rules allow it now; audited. Out of order → Conflict, nothing changes."""
    if to not in TRANSITION_TARGETS:
        raise DomainError("未知的状态变更", field="to")
    if not scope.contains(Compound, plan.compound_id):
        raise Forbidden("该小区不在您的权限范围内")
    # Lock the plan row (PostgreSQL) so two requests cannot move the same plan at once (e.g. charge it twice).
    db.session.execute(select(UsePlan.id).where(UsePlan.id == plan.id).with_for_update())
    db.session.refresh(plan)
    now = now or utcnow()
    today = _today(now)
    before = plan.status
    s = plan.status
    changes: dict = {}

    def need(cond: bool, message: str) -> None:
        if not cond:
            raise Conflict(message, field="to")

    def need_proposer() -> None:
        if not can(actor, "fund.plan.propose"):
            raise Forbidden("您的角色无权进行此操作")

    def need_approver() -> None:
        policy = policy_for(plan.compound_id)
        if not is_approver(actor, scope, plan):
            raise Forbidden(f"只有本县配置的审核方（{APPROVER_LABELS.get(policy.approver, policy.approver)}）可以审核")

    if to == "cancelled":
        need_proposer()
        need(s in CANCELLABLE, "只有草拟、公示中或表决中的方案可以撤销")
        plan.status = PlanStatus.CANCELLED
        plan.rejected_reason = _check_text(reason, "reason", "撤销理由", 200, required=False)
    elif to == "publicised":
        need_proposer()
        need(s == PlanStatus.DRAFT, "只有草拟状态的方案可以公示")
        need(not plan.is_emergency, "应急使用方案不经公示和表决，由审核方直接审核")
        _check_publishable(plan)
        policy = policy_for(plan.compound_id)
        plan.publicity_days = policy.publicity_days
        plan.publicised_on = today
        plan.status = PlanStatus.PUBLICISED
        changes["publicised_on"] = today
        changes["publicity_days"] = plan.publicity_days
    elif to == "voting":
        need_proposer()
        need(s == PlanStatus.PUBLICISED, "只有公示中的方案可以开始表决")
        ends = plan.publicised_on + timedelta(days=plan.publicity_days)
        need(today >= ends, f"公示期未满：{ends.isoformat()} 起方可开始表决")
        plan.vote_closes_on = today + timedelta(days=policy_for(plan.compound_id).vote_days)
        plan.status = PlanStatus.VOTING
        changes["vote_closes_on"] = plan.vote_closes_on
    elif to in ("close_vote", "passed", "rejected") and s == PlanStatus.VOTING:
        if not (can(actor, "fund.plan.propose") or can(actor, "fund.ballot.paper")):
            raise Forbidden("您的角色无权进行此操作")
        from pm.services import votes

        result = votes.tally(plan)
        everyone = result.ballots >= result.dwellings  # every dwelling has voted
        need(today > plan.vote_closes_on or everyone,
             f"表决期至 {plan.vote_closes_on.isoformat()}，期满后（或全部业主投票后）方可结束表决")
        outcome = PlanStatus.PASSED if result.passes else PlanStatus.REJECTED
        if to != "close_vote" and outcome.value != to:
            raise Conflict("计票结果为“未通过”" if to == "passed" else "计票结果为“通过”", field="to")
        plan.status = outcome
        if outcome == PlanStatus.REJECTED:
            plan.rejected_reason = "业主表决未通过" if result.quorum_met else "参与表决的业主未达法定人数和面积"
        changes["tally"] = result.as_dict()
    elif to == "passed":
        need(s == PlanStatus.DRAFT and plan.is_emergency, "只有应急使用方案可以不经表决直接审核通过")
        need_approver()
        _check_publishable(plan)
        plan.status = PlanStatus.PASSED
        plan.approver = policy_for(plan.compound_id).approver
        changes["approver"] = plan.approver
    elif to == "rejected":
        need(s == PlanStatus.SETTLED or (s == PlanStatus.DRAFT and plan.is_emergency),
             "只有待审核的应急方案或已结算的方案可以由审核方驳回")
        need_approver()
        plan.rejected_reason = _check_text(reason, "reason", "驳回理由", 200)
        plan.status = PlanStatus.REJECTED
        changes["reason"] = plan.rejected_reason
    elif to == "works_done":
        need_proposer()
        need(s == PlanStatus.PASSED, "只有表决通过（或应急审核通过）的方案可以登记施工完成")
        plan.status = PlanStatus.WORKS_DONE
    elif to == "settled":
        need_proposer()
        need(s == PlanStatus.WORKS_DONE, "施工完成后方可按实结算")
        if isinstance(actual_cost_fen, bool) or not isinstance(actual_cost_fen, int) or actual_cost_fen <= 0:
            raise DomainError("实际费用必须大于 0（单位：分）", field="actual_cost_fen")
        if actual_cost_fen > MAX_BUDGET_FEN:
            raise DomainError("实际费用过大", field="actual_cost_fen")
        plan.actual_cost_fen = actual_cost_fen
        plan.status = PlanStatus.SETTLED
        changes["actual_cost_fen"] = actual_cost_fen
    elif to == "payment_approved":
        need(s == PlanStatus.SETTLED, "只有已结算的方案可以审核拨付")
        need_approver()
        plan.status = PlanStatus.PAYMENT_APPROVED
        plan.approver = policy_for(plan.compound_id).approver
        plan.approved_by_id = actor.id
        plan.approved_at = now
        changes["approver"] = plan.approver
    elif to == "charged":
        need(s == PlanStatus.PAYMENT_APPROVED, "拨付审核通过后方可分摊列支")
        if not (is_approver(actor, scope, plan) or can(actor, "fund.cashier")):
            raise Forbidden("只有审核方或资金出纳可以分摊列支")
        result = charge(plan, actor=actor, now=now)
        plan.status = PlanStatus.CHARGED
        changes.update(result)
    else:
        raise Conflict(f"方案当前状态（{STATUS_LABELS.get(s.value, s.value)}）不能变更为该状态", field="to")
    db.session.flush()
    if plan.status == PlanStatus.VOTING or (plan.status == PlanStatus.PASSED and plan.is_emergency) \
            or plan.status == PlanStatus.CHARGED:
        changes["owners_notified"] = notify_owners(plan, plan.status.value)
    changes = {"from": before.value, "to": plan.status.value, **changes}
    _audit(f"plan.{plan.status.value}", plan, actor, changes)
    logger.info("plan %r %s → %s by %r", plan, before, plan.status, actor)
    return plan


OWNER_NOTICES = {
    "voting": ("plan.voting", "请为维修资金使用方案投票：{title}", "表决截止 {closes}。每户一票，可在手机上投票。"),
    "passed": ("plan.emergency", "应急使用维修资金：{title}", "因危及房屋安全，已由审核方批准应急维修，事后向业主公示。"),
    "charged": ("plan.charged", "维修资金已分摊列支：{title}", "实际费用 {cost} 元已按建筑面积分摊，请查看您家的分摊金额。"),
}


def notify_owners(plan: UsePlan, event: str) -> int:
    """Tell the owners (with a login) of the plan's scope about a vote, an emergency use or a charge."""
    from pm.models import Ownership, Role
    from pm.services.notifications import notify

    kind, title, body = OWNER_NOTICES[event]
    hh_ids = scope_households_stmt(plan).with_only_columns(Household.id)
    owner_persons = select(Ownership.person_id).where(Ownership.household_id.in_(hh_ids), Ownership.ended_on.is_(None))
    users = db.session.scalars(select(User.id).where(User.role == Role.OWNER, User.person_id.in_(owner_persons)))
    cost = f"{(plan.actual_cost_fen or 0) // 100}.{(plan.actual_cost_fen or 0) % 100:02d}"
    sent = 0
    for user_id in users:
        note = notify(user_id, kind, title.format(title=plan.title)[:200],
                      body=body.format(closes=plan.vote_closes_on, cost=cost), link=f"/plans/{plan.id}",
                      key=f"{kind}:{plan.id}:{user_id}", compound_id=plan.compound_id)
        sent += note is not None
    return sent


def _check_publishable(plan: UsePlan) -> None:
    missing = [name for name in CONFIRMATIONS if not getattr(plan, name)]
    if missing:
        raise DomainError("公示（或应急审核）前须确认四项：不在保修期内、不属供水供电等单位责任、不是人为损坏、"
                          "不属物业服务合同约定的维修养护", fields={name: ["须确认此项"] for name in missing})
    if not scope_household_ids(plan):
        raise DomainError("列支范围内没有住户", field="scope")


STATUS_LABELS = {
    "draft": N_("草拟"), "publicised": N_("公示中"), "voting": N_("业主表决中"), "passed": N_("通过"), "works_done": N_("施工完成"),
    "settled": N_("已结算"), "payment_approved": N_("拨付已审核"), "charged": N_("已分摊列支"), "rejected": N_("未通过/驳回"),
    "cancelled": N_("已撤销"),
}
APPROVER_LABELS = {"housing_department": N_("县住房城乡建设主管部门"), "street_office": N_("街道办事处"),
                   "owners_committee": N_("业主委员会")}


# -- apportionment (分摊) ------------------------------------------------------------------------------
@dataclass
class ShareLine:
    """One account's part of the cost: exact share, what its balance covers, and the shortfall."""

    account_id: int
    household_id: int
    holder: Holder
    area_m2: Decimal
    share_fen: int
    balance_fen: int

    @property
    def charged_fen(self) -> int:
        return min(self.share_fen, self.balance_fen)

    @property
    def shortfall_fen(self) -> int:
        return self.share_fen - self.charged_fen


@dataclass
class Apportionment:
    total_fen: int
    lines: list[ShareLine]
    without_account: list[int]  # households in scope with no open account (not part of the split)

    @property
    def charged_fen(self) -> int:
        return sum(line.charged_fen for line in self.lines)

    @property
    def shortfall_fen(self) -> int:
        return sum(line.shortfall_fen for line in self.lines)


def _net_deposits(account_ids: list[int]) -> dict[int, int]:
    """What each account's holder deposited: deposit credits minus their reversals (one query)."""
    if not account_ids:
        return {}
    reversed_entry = aliased(LedgerEntry)
    deposit = LedgerEntry.kind.in_(list(DEPOSIT_KINDS))
    reversal_of_deposit = (LedgerEntry.kind == EntryKind.REVERSAL) & reversed_entry.kind.in_(list(DEPOSIT_KINDS))
    rows = db.session.execute(
        select(LedgerEntry.account_id, func.sum(LedgerEntry.amount_fen))
        .outerjoin(reversed_entry, reversed_entry.id == LedgerEntry.reverses_id)
        .where(LedgerEntry.account_id.in_(account_ids), or_(deposit, reversal_of_deposit))
        .group_by(LedgerEntry.account_id)
    )
    return {account_id: int(total or 0) for account_id, total in rows}


def apportion(plan: UsePlan, total_fen: int | None = None) -> Apportionment:
    """Split the cost among the open accounts of the scope's households by floor area (largest remainder).

    Ties go to the larger area, then the lower account id. A sold-public-housing household's part is then
    split between its owner and work-unit accounts by what each deposited. Nothing is written.
    """
    total = plan.actual_cost_fen if total_fen is None else total_fen
    if total is None:
        raise DomainError("方案尚未结算，没有实际费用", field="actual_cost_fen")
    households = {row.id: row for row in db.session.execute(scope_households_stmt(plan))}
    accounts_by_household: dict[int, list[tuple[int, Holder, int]]] = defaultdict(list)
    if households:
        hh_ids = scope_households_stmt(plan).with_only_columns(Household.id)
        for acc_id, hh_id, holder, balance in db.session.execute(
            select(SubAccount.id, SubAccount.household_id, SubAccount.holder, SubAccount.balance_fen).where(
                SubAccount.household_id.in_(hh_ids), SubAccount.status == SubAccountStatus.OPEN,
            )
        ):
            accounts_by_household[hh_id].append((acc_id, Holder(holder), balance))
    without = sorted(h for h in households if h not in accounts_by_household)
    # The household's key is its lowest open account id, so ties fall to the lower account id.
    keyed = {min(a[0] for a in accs): hh_id for hh_id, accs in accounts_by_household.items()}
    if not keyed:
        raise DomainError("列支范围内没有开立维修资金账户的住户，无法分摊", field="scope")
    parts = largest_remainder(total, [(key, households[hh].area_m2) for key, hh in keyed.items()])
    split_ids = [a[0] for hh in keyed.values() if len(accounts_by_household[hh]) > 1 for a in accounts_by_household[hh]]
    deposits = _net_deposits(split_ids)
    lines: list[ShareLine] = []
    for key, hh_id in keyed.items():
        area = households[hh_id].area_m2
        accs = sorted(accounts_by_household[hh_id])
        if len(accs) == 1:
            acc_id, holder, balance = accs[0]
            lines.append(ShareLine(acc_id, hh_id, holder, area, parts[key], balance))
            continue
        weights = [(a[0], max(deposits.get(a[0], 0), 0)) for a in accs]
        if sum(w for _, w in weights) == 0:  # nothing deposited by either: the owner's account carries it
            weights = [(a[0], 1 if a[1] == Holder.OWNER else 0) for a in accs]
            if sum(w for _, w in weights) == 0:
                weights = [(accs[0][0], 1)] + [(a[0], 0) for a in accs[1:]]
        sub = largest_remainder(parts[key], weights)
        for acc_id, holder, balance in accs:
            lines.append(ShareLine(acc_id, hh_id, holder, area, sub[acc_id], balance))
    lines.sort(key=lambda line: line.account_id)
    return Apportionment(total_fen=total, lines=lines, without_account=without)


def charge(plan: UsePlan, *, actor: User, now: datetime | None = None) -> dict:
    """Charge each account min(share, balance) through the ledger and record PlanShare rows (bulk).

    The postings are ledger.post_batch (the ledger's set-based form of post(): same guarded balance update
    and idempotency keys "plan:<plan>:<account>"), so 5,000 households take a few statements, not 25,000.
    """
    if db.session.scalar(select(func.count()).select_from(PlanShare).where(PlanShare.plan_id == plan.id)):
        raise Conflict("该方案已分摊列支", field="to")
    result = apportion(plan)
    memo = f"使用方案 #{plan.id} {plan.title}"[:200]
    ledger.post_batch(
        [(line.account_id, line.charged_fen, f"plan:{plan.id}:{line.account_id}")
         for line in result.lines if line.charged_fen > 0],
        EntryKind.CHARGE, actor=actor, source_type="plan", source_id=plan.id, value_on=_today(now), memo=memo,
    )
    rows = [{
        "plan_id": plan.id, "account_id": line.account_id, "household_id": line.household_id,
        "area_m2": line.area_m2, "share_fen": line.share_fen, "charged_fen": line.charged_fen,
        "shortfall_fen": line.shortfall_fen,
    } for line in result.lines]
    if rows:
        db.session.execute(insert(PlanShare), rows)
    db.session.flush()
    return {
        "actual_cost_fen": result.total_fen, "charged_fen": result.charged_fen,
        "shortfall_fen": result.shortfall_fen, "accounts": len(rows), "rounding_method": plan.rounding_method,
        "households_without_account": len(result.without_account),
    }
