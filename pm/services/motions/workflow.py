"""表决事项的流程: draft → publicity (公示; an elevator motion's cost table is fixed then) → voting (the vote
engine's decision over the compound's or the unit's households) → closed (counted; the result is published).
A motion can be withdrawn (cancelled) until it is closed. Ballots: online by a current owner of the dwelling, or on
paper entered by the owners' committee or the community."""
from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy import Select, select

from pm.access import SYSTEM, Scope, can
from pm.errors import Conflict, DomainError, Forbidden
from pm.extensions import db
from pm.models import Household, HouseholdStatus, NoticeKind, Person, User
from pm.models.motions import Motion, MotionKind, MotionStatus
from pm.models.votes import Ballot, Decision, DecisionOutcome, DecisionStatus, VoteChoice
from pm.services import audit, votes
from pm.services.motions.access import PAPER
from pm.services.motions.costs import fix_shares
from pm.services.motions.policy import county_of, policy_for
from pm.services.motions.rules import check_filer, rule_for
from pm.services.notices import post_notice
from pm.services.votes import Consent, Tally
from pm.timeutil import local_today, utcnow

logger = logging.getLogger(__name__)
SUBJECT = "motion"  # Decision.subject_kind of a motion
TARGETS = ("publicity", "voting", "closed", "cancelled")
MAX_VOTING_DAYS = 90


def electorate_stmt(motion: Motion) -> Select:
    """The households that vote: the unit's (elevator) or the compound's, active."""
    stmt = select(Household.id).where(Household.compound_id == motion.compound_id,
                                      Household.status == HouseholdStatus.ACTIVE)
    return stmt.where(Household.unit_id == motion.unit_id) if motion.unit_id is not None else stmt


def decision_of(motion: Motion) -> Decision | None:
    return db.session.get(Decision, motion.decision_id) if motion.decision_id is not None else None


def _lock(motion: Motion) -> None:
    """Lock the motion row (PostgreSQL) so two requests cannot move it on at once; read it afresh."""
    db.session.execute(select(Motion.id).where(Motion.id == motion.id).with_for_update())
    db.session.refresh(motion)


def _expect(motion: Motion, status: MotionStatus) -> None:
    if motion.status != status:
        raise Conflict("表决事项当前状态不允许此操作", field="to")


def publish(motion: Motion, *, publicity_until: date | None, actor: User | None, scope: Scope,
            now: datetime | None = None) -> Motion:
    """公示: from today to publicity_until. An elevator motion needs its cost table (fixed now, with the county's
    current settings) and, where the county requires the affected households' consent, their list."""
    check_filer(motion.compound, actor=actor, scope=scope, field="motion_id")
    _lock(motion)
    _expect(motion, MotionStatus.DRAFT)
    today = local_today(now)
    if publicity_until is None or publicity_until < today:
        raise DomainError("公示截止日期不能早于今天", field="publicity_until")
    changes: dict = {"publicity_until": publicity_until}
    if motion.kind == MotionKind.ELEVATOR:
        if not motion.total_cost_fen or not motion.coefficients:
            raise DomainError("请先填写费用共担表（总费用和各楼层系数）", field="coefficients")
        policy = policy_for(county_of(motion.compound))
        motion.cost_by_area, motion.consent_required = bool(policy.cost_by_area), bool(policy.affected_consent)
        if motion.consent_required and not motion.affected:
            raise DomainError("本县要求受直接影响的住户全部同意：请先列出受影响的住户", field="household_ids")
        rows = fix_shares(motion)
        changes.update(cost_by_area=motion.cost_by_area, consent_required=motion.consent_required,
                       shares={r.household.id: r.share_fen for r in rows})
    motion.status, motion.publicity_from, motion.publicity_until = MotionStatus.PUBLICITY, today, publicity_until
    db.session.flush()
    changes["notice_id"] = post_notice(  # 公示: to the compound (an elevator motion: its unit), linking to the motion
        actor, scope=SYSTEM, compound_id=motion.compound_id, unit_id=motion.unit_id, kind=NoticeKind.PUBLICITY,
        title=f"表决事项公示：{motion.title}"[:200], starts_on=today, ends_on=publicity_until,
        link=f"/motions/{motion.id}", source=SUBJECT, source_id=motion.id, now=now,
        body="请业主查看表决事项的内容并提出意见，公示期满后开始表决。").id
    audit.record("motion.publish", motion, actor=actor, place=motion.compound, changes=changes)
    return motion


def open_voting(motion: Motion, *, closes_on: date | None, actor: User | None, scope: Scope,
                now: datetime | None = None) -> Decision:
    """表决: after the publicity, until closes_on; the electorate is the voting households today."""
    check_filer(motion.compound, actor=actor, scope=scope, field="motion_id")
    _lock(motion)
    _expect(motion, MotionStatus.PUBLICITY)
    today = local_today(now)
    if motion.publicity_until is not None and today <= motion.publicity_until:
        raise Conflict("公示期至 %(date)s，期满后方可开始表决", field="to", date=motion.publicity_until.isoformat())
    if closes_on is None or closes_on < today:
        raise DomainError("表决截止日期不能早于今天", field="closes_on")
    if (closes_on - today).days > MAX_VOTING_DAYS:
        raise DomainError("表决期不能超过 %(n)s 天", field="closes_on", n=MAX_VOTING_DAYS)
    decision = votes.open_decision(
        subject_kind=SUBJECT, subject_id=motion.id, title=motion.title, compound_id=motion.compound_id,
        households=electorate_stmt(motion), rule=rule_for(motion.kind), opens_on=today, closes_on=closes_on,
        actor=actor, scope=scope)
    motion.decision_id, motion.status = decision.id, MotionStatus.VOTING
    db.session.flush()
    audit.record("motion.voting", motion, actor=actor, place=motion.compound,
                 changes={"decision_id": decision.id, "closes_on": closes_on})
    return decision


def affected_ids(motion: Motion) -> list[int]:
    return sorted(a.household_id for a in motion.affected)


def close(motion: Motion, *, actor: User | None, scope: Scope, now: datetime | None = None) -> Tally:
    """Count, close and publish the result; with the county's consent rule, a dwelling of the affected list that
    did not vote yes rejects the motion (the result page says which)."""
    check_filer(motion.compound, actor=actor, scope=scope, field="motion_id")
    _lock(motion)
    _expect(motion, MotionStatus.VOTING)
    now = now or utcnow()
    result = votes.close_decision(decision_of(motion), actor=actor, scope=scope, now=now, field="to",
                                  consent=affected_ids(motion) if motion.consent_required else None)
    motion.status, motion.published_at = MotionStatus.CLOSED, now
    db.session.flush()
    passed = decision_of(motion).outcome == DecisionOutcome.PASSED
    notice = post_notice(  # 表决结果: a notice linking to the motion's page, where the tally is
        actor, scope=SYSTEM, compound_id=motion.compound_id, unit_id=motion.unit_id, kind=NoticeKind.NOTICE,
        title=f"表决结果公告：{motion.title}（{'通过' if passed else '未通过'}）"[:200], starts_on=local_today(now),
        link=f"/motions/{motion.id}", source=SUBJECT, source_id=motion.id, now=now, body="表决结果详见表决事项页面。")
    audit.record("motion.close", motion, actor=actor, place=motion.compound,
                 changes={"outcome": decision_of(motion).outcome.value, "notice_id": notice.id})
    return result


def cancel(motion: Motion, *, actor: User | None, scope: Scope, now: datetime | None = None) -> Motion:
    check_filer(motion.compound, actor=actor, scope=scope, field="motion_id")
    _lock(motion)
    if motion.status in (MotionStatus.CLOSED, MotionStatus.CANCELLED):
        raise Conflict("表决事项当前状态不允许此操作", field="to")
    decision = decision_of(motion)
    if decision is not None and decision.status == DecisionStatus.OPEN:
        votes.cancel_decision(decision, actor=actor, scope=scope, now=now)
    motion.status = MotionStatus.CANCELLED
    db.session.flush()
    audit.record("motion.cancel", motion, actor=actor, place=motion.compound, changes={})
    return motion


def transition(motion: Motion, to: str, *, actor: User | None, scope: Scope, publicity_until: date | None = None,
               closes_on: date | None = None, now: datetime | None = None) -> Motion:
    """One step, by name (the pages' and the API's single operation)."""
    if to == "publicity":
        publish(motion, publicity_until=publicity_until, actor=actor, scope=scope, now=now)
    elif to == "voting":
        open_voting(motion, closes_on=closes_on, actor=actor, scope=scope, now=now)
    elif to == "closed":
        close(motion, actor=actor, scope=scope, now=now)
    elif to == "cancelled":
        cancel(motion, actor=actor, scope=scope, now=now)
    else:
        raise DomainError("无效的操作", field="to")
    return motion


def cast_ballot(motion: Motion, household: Household, choice: VoteChoice | str, *, actor: User, scope: Scope,
                person: Person | None = None, paper: bool = False, now: datetime | None = None) -> Ballot:
    """One dwelling's ballot: online by a current owner (their own), or on paper entered by the committee or the
    community (marked, with who entered it). A second ballot for the dwelling is refused."""
    if motion.status != MotionStatus.VOTING or motion.decision_id is None:
        raise Conflict("该事项不在表决期", field="motion_id")
    if paper and not can(actor, PAPER):
        raise Forbidden("只有业主委员会（或社区）可以录入纸质表决票")
    return votes.cast_ballot(decision_of(motion), household, choice, actor=actor, scope=scope, person=person,
                             paper=paper, paper_authorised=paper, now=now)


def tally(motion: Motion) -> Tally:
    """Stored once closed, live while voting, and before voting the totals of the would-be electorate."""
    decision = decision_of(motion)
    if decision is None:
        return votes.preview(electorate_stmt(motion), rule_for(motion.kind))
    return votes.tally(decision)


def consent(motion: Motion) -> Consent | None:
    """The affected households' consent (None when the motion does not require it or no vote has opened)."""
    decision = decision_of(motion)
    if not motion.consent_required or decision is None:
        return None
    return votes.consent(decision, affected_ids(motion))


def passes(motion: Motion, result: Tally | None = None) -> bool:
    """Passes by the current (or final) figures and, where required, every affected household's yes."""
    result = result or tally(motion)
    agreed = consent(motion)
    return result.passes and (agreed is None or agreed.met)


def tally_dict(motion: Motion, result: Tally | None = None) -> dict:
    result = result or tally(motion)
    agreed = consent(motion)
    decision = decision_of(motion)
    outcome = decision.outcome.value if decision is not None and decision.outcome is not None else None
    return {"motion_id": motion.id, "kind": motion.kind.value, **result.as_dict(),
            "passes": result.passes and (agreed is None or agreed.met), "tally_passes": result.passes,
            "consent_required": motion.consent_required, "consent": agreed.as_dict() if agreed else None,
            "outcome": outcome}
