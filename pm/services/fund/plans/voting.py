"""方案表决: a plan's owners' vote through the vote engine — opened over the plan's scope with the rule named by
its decision kind, ballots, the tally the plan pages and API show, and closing."""
from __future__ import annotations

from datetime import date, datetime

from pm.access import Scope, can
from pm.errors import Conflict, Forbidden
from pm.extensions import db
from pm.models import Household, Person, User
from pm.models.fund import PlanStatus, UsePlan
from pm.models.votes import Ballot, Decision, DecisionStatus, VoteChoice
from pm.services import votes
from pm.services.fund.plans.scope import scope_household_ids_stmt
from pm.services.votes import Rule, Tally
from pm.timeutil import local_today, utcnow

SUBJECT = "use_plan"  # Decision.subject_kind of a use plan


def rule_for(plan: UsePlan) -> Rule:
    """The art. 278 rule a plan is decided by: its decision kind names it (use_fund: > 1/2; others ≥ 3/4)."""
    return votes.as_rule(plan.decision_kind.value)


def decision_of(plan: UsePlan) -> Decision | None:
    return db.session.get(Decision, plan.decision_id) if plan.decision_id is not None else None


def open_vote(plan: UsePlan, *, actor: User | None, scope: Scope, opens_on: date, closes_on: date) -> Decision:
    """Open the plan's decision: the electorate is the scope's households today, the rule its decision kind's."""
    decision = votes.open_decision(
        subject_kind=SUBJECT, subject_id=plan.id, title=plan.title, compound_id=plan.compound_id,
        households=scope_household_ids_stmt(plan), rule=rule_for(plan), opens_on=opens_on, closes_on=closes_on,
        actor=actor, scope=scope,
    )
    plan.decision_id = decision.id
    plan.vote_closes_on = closes_on
    return decision


def close_vote(plan: UsePlan, *, actor: User, scope: Scope, now: datetime, expect_pass: bool | None) -> Tally:
    """Count and close the plan's decision (refused before its closing date unless every dwelling voted)."""
    decision = decision_of(plan)
    if decision is None:
        raise Conflict("该方案不在表决期", field="to")
    return votes.close_decision(decision, actor=actor, scope=scope, now=now, expect_pass=expect_pass, field="to")


def cancel_vote(plan: UsePlan, *, actor: User, scope: Scope, now: datetime | None = None) -> None:
    decision = decision_of(plan)
    if decision is not None and decision.status == DecisionStatus.OPEN:
        votes.cancel_decision(decision, actor=actor, scope=scope, now=now)


def tally(plan: UsePlan) -> Tally:
    """The plan's tally: stored once its vote closed, live while open, and before any vote the totals of its
    scope's owners (nobody has voted)."""
    decision = decision_of(plan)
    if decision is None:
        return votes.preview(scope_household_ids_stmt(plan), rule_for(plan))
    return votes.tally(decision)


def tally_dict(plan: UsePlan, result: Tally | None = None) -> dict:
    """The tally as the plan API and the plan's audit entry give it (with the plan's decision kind)."""
    result = result or tally(plan)
    return {"decision_kind": plan.decision_kind.value, **result.as_dict()}


def cast_ballot(
    plan: UsePlan,
    household: Household,
    choice: VoteChoice | str,
    *,
    actor: User,
    scope: Scope,
    person: Person | None = None,
    paper: bool = False,
    now: datetime | None = None,
) -> Ballot:
    """One dwelling's ballot on the plan: online by a current owner, or on paper entered by the owners'
    committee or the community (capability fund.ballot.paper)."""
    now = now or utcnow()
    if plan.status != PlanStatus.VOTING or plan.decision_id is None:
        raise Conflict("该方案不在表决期", field="plan")
    if plan.vote_closes_on is not None and local_today(now) > plan.vote_closes_on:
        raise Conflict("表决期已结束", field="plan")
    if paper and not can(actor, "fund.ballot.paper"):
        raise Forbidden("只有业主委员会（或社区）可以录入纸质表决票")
    return votes.cast_ballot(decision_of(plan), household, choice, actor=actor, scope=scope, person=person,
                             paper=paper, paper_authorised=paper, now=now)


def my_households(plan: UsePlan, user: User) -> list[Household]:
    """The user's own dwellings (as a current owner) that vote on the plan."""
    decision = decision_of(plan)
    return votes.my_households(decision, user) if decision is not None else []


def my_ballots(plan: UsePlan, households: list[Household], scope: Scope) -> dict[int, Ballot]:
    decision = decision_of(plan)
    if decision is None:
        return {}
    return votes.ballots_by_household(decision, [h.id for h in households], scope)


def paper_ballot_voters(plan: UsePlan, scope: Scope) -> list[tuple[Household, Person]]:
    """(dwelling, current owner) pairs that may still vote on paper."""
    decision = decision_of(plan)
    return votes.owners_without_ballot(decision, scope) if decision is not None else []
