"""方案流程: a use plan's checked transitions, what a given user may do with a plan now, and the owners' notices.

    draft → publicised → voting → passed | rejected → works_done → settled → payment_approved → charged
    emergency (应急使用): draft → passed (approved by the configured approver, no publicity or vote) → …
    cancel from draft / publicised / voting; the approver may reject an emergency draft or a settled plan.
Each transition is checked and audited; an out-of-order one changes nothing.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from pm.access import SYSTEM, Scope, can
from pm.errors import Conflict, DomainError, Forbidden
from pm.extensions import db
from pm.models import Compound, NoticeKind, User
from pm.models.fund import PlanStatus, UsePlan
from pm.services import recipients
from pm.services.fund.plans.documents import may_add_document
from pm.services.fund.plans.policy import (
    CANCELLABLE,
    CONFIRMATIONS,
    MAX_BUDGET_FEN,
    audit_plan,
    is_approver,
)
from pm.services.fund.plans.scope import scope_household_ids, scope_household_ids_stmt
from pm.services.fund.plans.shares import charge
from pm.services.fund.plans.voting import (
    cancel_vote,
    close_vote,
    my_households,
    open_vote,
    tally_dict,
)
from pm.services.fund.policy import policy_for
from pm.services.labels import label
from pm.services.messages import Message, counted
from pm.services.money import format_fen
from pm.services.notices import post_notice
from pm.services.notifications import notify
from pm.services.text import N_, check_text
from pm.timeutil import local_today, utcnow

logger = logging.getLogger(__name__)

TRANSITION_TARGETS = ("publicised", "voting", "close_vote", "passed", "rejected", "works_done", "settled",
                      "payment_approved", "charged", "cancelled")
# What a transition's form asks for besides the button: (input, required) — the settled cost, a reason.
TRANSITION_INPUTS = {"settled": ("actual_cost", True), "rejected": ("reason", True), "cancelled": ("reason", False)}
NO_TALLY = frozenset({PlanStatus.DRAFT, PlanStatus.PUBLICISED, PlanStatus.CANCELLED})


def allowed_transitions(plan: UsePlan, actor: User | None, scope: Scope, *, now: datetime | None = None) -> list[str]:
    """The transitions this user may attempt now (the forms shown on the plan page)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not scope.contains(Compound, plan.compound_id):
        return []
    proposer = can(actor, "fund.plan.propose")
    approver = is_approver(actor, scope, plan)
    today = local_today(now)
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


@dataclass
class PlanActions:
    """What the plan page offers this user now (templates ask this, never the rules)."""

    transitions: list[str] = field(default_factory=list)
    vote: bool = False  # the user owns a dwelling that votes on the plan, and the vote is open
    paper_ballot: bool = False  # the user may enter paper ballots now
    add_document: bool = False
    tally: bool = False  # the plan has an owners' vote to show


def allowed_actions(plan: UsePlan, actor: User | None, scope: Scope, *, now: datetime | None = None) -> PlanActions:
    """Everything the plan page may offer `actor` now: transitions, voting, paper ballots, documents, the tally."""
    voting = plan.status == PlanStatus.VOTING
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return PlanActions(
        transitions=allowed_transitions(plan, actor, scope, now=now),
        vote=voting and authenticated and bool(my_households(plan, actor)),
        paper_ballot=voting and can(actor, "fund.ballot.paper"),
        add_document=may_add_document(plan, actor),
        tally=shows_tally(plan),
    )


def shows_tally(plan: UsePlan) -> bool:
    """A plan put to the owners shows its tally from the vote on (an emergency plan is never voted on)."""
    return plan.status not in NO_TALLY and not plan.is_emergency


def _check_publishable(plan: UsePlan) -> None:
    missing = [name for name in CONFIRMATIONS if not getattr(plan, name)]
    if missing:
        raise DomainError("公示（或应急审核）前须确认四项：不在保修期内、不属供水供电等单位责任、不是人为损坏、"
                          "不属物业服务合同约定的维修养护", fields={name: ["须确认此项"] for name in missing})
    if not scope_household_ids(plan):
        raise DomainError("列支范围内没有住户", field="scope")


def _cost(actual_cost_fen) -> int:
    if isinstance(actual_cost_fen, bool) or not isinstance(actual_cost_fen, int) or actual_cost_fen <= 0:
        raise DomainError("实际费用必须大于 0（单位：分）", field="actual_cost_fen")
    if actual_cost_fen > MAX_BUDGET_FEN:
        raise DomainError("实际费用过大", field="actual_cost_fen")
    return actual_cost_fen


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
    today = local_today(now)
    before = plan.status
    s = plan.status
    changes: dict = {}

    def need(cond: bool, message: str, **params) -> None:
        if not cond:
            raise Conflict(message, field="to", **params)

    def need_proposer() -> None:
        if not can(actor, "fund.plan.propose"):
            raise Forbidden("您的角色无权进行此操作")

    def need_approver() -> None:
        if not is_approver(actor, scope, plan):
            raise Forbidden("只有本县配置的审核方（%(approver)s）可以审核",
                            approver=policy_for(plan.compound_id).approver_label)

    if to == "cancelled":
        need_proposer()
        need(s in CANCELLABLE, "只有草拟、公示中或表决中的方案可以撤销")
        plan.rejected_reason = check_text(reason, field="reason", label=_l("撤销理由"), max_len=200, required=False)
        if s == PlanStatus.VOTING:
            cancel_vote(plan, actor=actor, scope=scope, now=now)
        plan.status = PlanStatus.CANCELLED
    elif to == "publicised":
        need_proposer()
        need(s == PlanStatus.DRAFT, "只有草拟状态的方案可以公示")
        need(not plan.is_emergency, "应急使用方案不经公示和表决，由审核方直接审核")
        _check_publishable(plan)
        plan.publicity_days = policy_for(plan.compound_id).publicity_days
        plan.publicised_on = today
        plan.status = PlanStatus.PUBLICISED
        changes["publicised_on"] = today
        changes["publicity_days"] = plan.publicity_days
        # 公示: a notice to the compound links to the plan's page (the plan stays where it is); posted for the
        # proposer, whose right to publicise was checked above, whatever their notices capability.
        changes["notice_id"] = post_notice(
            actor, scope=SYSTEM, compound_id=plan.compound_id, kind=NoticeKind.PUBLICITY,
            title=Message(N_("维修资金使用方案公示：%(title)s"), {"title": plan.title[:180]}), starts_on=today,
            ends_on=today + timedelta(days=plan.publicity_days), link=f"/plans/{plan.id}", source="plan",
            source_id=plan.id, now=now,
            body=counted("公示期 %(num)d 天，请业主查看方案内容并提出意见。", "公示期 %(num)d 天，请业主查看方案内容并提出意见。",
                         plan.publicity_days)).id
    elif to == "voting":
        need_proposer()
        need(s == PlanStatus.PUBLICISED, "只有公示中的方案可以开始表决")
        ends = plan.publicised_on + timedelta(days=plan.publicity_days)
        need(today >= ends, "公示期未满：%(date)s 起方可开始表决", date=ends.isoformat())
        closes = today + timedelta(days=policy_for(plan.compound_id).vote_days)
        decision = open_vote(plan, actor=actor, scope=scope, opens_on=today, closes_on=closes)
        plan.status = PlanStatus.VOTING
        changes["vote_closes_on"] = plan.vote_closes_on
        changes["decision_id"] = decision.id
    elif to in ("close_vote", "passed", "rejected") and s == PlanStatus.VOTING:
        if not (can(actor, "fund.plan.propose") or can(actor, "fund.ballot.paper")):
            raise Forbidden("您的角色无权进行此操作")
        result = close_vote(plan, actor=actor, scope=scope, now=now,
                            expect_pass=None if to == "close_vote" else to == "passed")
        plan.status = PlanStatus.PASSED if result.passes else PlanStatus.REJECTED
        if plan.status == PlanStatus.REJECTED:
            plan.rejected_reason = "业主表决未通过" if result.quorum_met else "参与表决的业主未达法定人数和面积"
        changes["tally"] = tally_dict(plan, result)
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
        plan.rejected_reason = check_text(reason, field="reason", label=_l("驳回理由"), max_len=200)
        plan.status = PlanStatus.REJECTED
        changes["reason"] = plan.rejected_reason
    elif to == "works_done":
        need_proposer()
        need(s == PlanStatus.PASSED, "只有表决通过（或应急审核通过）的方案可以登记施工完成")
        plan.status = PlanStatus.WORKS_DONE
    elif to == "settled":
        need_proposer()
        need(s == PlanStatus.WORKS_DONE, "施工完成后方可按实结算")
        plan.actual_cost_fen = _cost(actual_cost_fen)
        plan.status = PlanStatus.SETTLED
        changes["actual_cost_fen"] = plan.actual_cost_fen
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
        changes.update(charge(plan, actor=actor, now=now))
        plan.status = PlanStatus.CHARGED
    else:
        raise Conflict("方案当前状态（%(status)s）不能变更为该状态", field="to", status=label(s))
    db.session.flush()
    if plan.status == PlanStatus.VOTING or (plan.status == PlanStatus.PASSED and plan.is_emergency) \
            or plan.status == PlanStatus.CHARGED:
        changes["owners_notified"] = notify_owners(plan, plan.status.value)
    changes = {"from": before.value, "to": plan.status.value, **changes}
    audit_plan(f"plan.{plan.status.value}", plan, actor, changes)
    logger.info("plan %r %s → %s by %r", plan, before, plan.status, actor)
    return plan


OWNER_NOTICES = {
    "voting": ("plan.voting", N_("请为维修资金使用方案投票：%(title)s"), N_("表决截止 %(closes)s。每户一票，可在手机上投票。")),
    "passed": ("plan.emergency", N_("应急使用维修资金：%(title)s"),
               N_("因危及房屋安全，已由审核方批准应急维修，事后向业主公示。")),
    "charged": ("plan.charged", N_("维修资金已分摊列支：%(title)s"),
                N_("实际费用 %(cost)s 元已按建筑面积分摊，请查看您家的分摊金额。")),
}


def notify_owners(plan: UsePlan, event: str) -> int:
    """Tell the owners (with an enabled login) of the plan's scope about a vote, an emergency use or a charge."""
    kind, title, body = OWNER_NOTICES[event]
    by_household = recipients.owners_of(list(db.session.scalars(scope_household_ids_stmt(plan))))
    users = sorted({user_id for ids in by_household.values() for user_id in ids})
    cost = format_fen(plan.actual_cost_fen or 0, grouped=False)
    body_params = {"closes": plan.vote_closes_on, "cost": cost}
    sent = 0
    for user_id in users:
        note = notify(user_id, kind, Message(title, {"title": plan.title}),
                      body=Message(body, {k: v for k, v in body_params.items() if f"%({k})s" in body}),
                      link=f"/plans/{plan.id}", key=f"{kind}:{plan.id}:{user_id}", compound_id=plan.compound_id)
        sent += note is not None
    return sent
