"""处理时限: a county's deadline rules (by category, urgency and service grade) and a request's deadlines."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import extract, or_, select

from pm.access import Scope, require
from pm.errors import DomainError
from pm.extensions import db
from pm.models import (
    Compound,
    County,
    DeadlineRule,
    RepairCategory,
    RepairRequest,
    RepairStatus,
    Urgency,
    User,
    WorkCalendarDay,
)
from pm.services import audit
from pm.services.repairs.workdays import Calendar, add_workdays, year_is_known

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RuleValues:
    response_minutes: int
    onsite_minutes: int | None
    completion_workdays: int | None
    completion_hours: int | None


def default_rule(category: RepairCategory, urgency: Urgency, grade: int) -> RuleValues:
    """domain.md: emergencies on site in 30 min at grade 1, 1 h otherwise; ordinary answered in 24 h, done in
    2 working days. Urgent (not an emergency) sits between: answered in 2 h, on site in 4 h, done in 1 working day."""
    if urgency == Urgency.EMERGENCY:
        return RuleValues(15, 30 if grade == 1 else 60, None, 24)
    if urgency == Urgency.URGENT:
        return RuleValues(120, 240, 1, None)
    return RuleValues(24 * 60, None, 2, None)


def rule_for(county_id: int | None, category: RepairCategory, urgency: Urgency, grade: int) -> RuleValues:
    """The most specific DeadlineRule of the county (category and grade beat "any"), else the defaults."""
    if county_id is not None:
        rows = db.session.scalars(
            select(DeadlineRule).where(
                DeadlineRule.county_id == county_id,
                DeadlineRule.urgency == urgency,
                or_(DeadlineRule.category.is_(None), DeadlineRule.category == category),
                or_(DeadlineRule.service_grade.is_(None), DeadlineRule.service_grade == grade),
            )
        ).all()
        if rows:
            best = max(rows, key=lambda r: (r.category is not None, r.service_grade is not None))
            return RuleValues(best.response_minutes, best.onsite_minutes, best.completion_workdays,
                              best.completion_hours)
    return default_rule(category, urgency, grade)


def compute_deadlines(req: RepairRequest, compound: Compound, county_id: int | None) -> None:
    """Set the response, on-site and completion deadlines of a request from its filing time."""
    rule = rule_for(county_id, req.category, req.urgency, compound.service_grade or 2)
    start = req.submitted_at
    req.response_due_at = start + timedelta(minutes=rule.response_minutes)
    req.onsite_due_at = start + timedelta(minutes=rule.onsite_minutes) if rule.onsite_minutes else None
    req.is_deadline_unknown = False
    if rule.completion_hours:
        req.completion_due_at = start + timedelta(hours=rule.completion_hours)
    elif rule.completion_workdays:
        due = add_workdays(start, rule.completion_workdays, Calendar(county_id))
        req.completion_due_at = due.at
        req.is_deadline_unknown = due.unknown
    else:
        req.completion_due_at = None


def first_missed_deadline(req: RepairRequest, now: datetime) -> datetime | None:
    """The earliest deadline the request has missed at `now` (what the escalation delay counts from)."""
    missed = []
    if req.status == RepairStatus.SUBMITTED and req.response_due_at and req.response_due_at < now:
        missed.append(req.response_due_at)
    if req.status != RepairStatus.IN_PROGRESS and req.onsite_due_at and req.onsite_due_at < now:
        missed.append(req.onsite_due_at)
    if req.completion_due_at and req.completion_due_at < now:
        missed.append(req.completion_due_at)
    return min(missed) if missed else None


# At most a year each: a longer deadline is a typing mistake (and millions of workdays would walk the calendar).
MAX_LIMITS = {"response_minutes": 366 * 24 * 60, "onsite_minutes": 366 * 24 * 60, "completion_workdays": 366,
              "completion_hours": 366 * 24}


def upsert_rule(county_id: int, *, actor: User, scope: Scope, category: RepairCategory | None, urgency: Urgency,
                service_grade: int | None, response_minutes: int, onsite_minutes: int | None,
                completion_workdays: int | None, completion_hours: int | None) -> DeadlineRule:
    """Set a county's deadline rule (county administrators; capability repair.rules)."""
    require(actor, "repair.rules")
    county = scope.get(County, county_id)
    if service_grade is not None and not 1 <= service_grade <= 5:
        raise DomainError("服务等级应为 1–5", field="service_grade")
    for name, value in (("response_minutes", response_minutes), ("onsite_minutes", onsite_minutes),
                        ("completion_workdays", completion_workdays), ("completion_hours", completion_hours)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value <= 0):
            raise DomainError("时限必须是正整数", field=name)
        if value is not None and value > MAX_LIMITS[name]:
            raise DomainError("时限过长（最多一年）", field=name)
    if response_minutes is None:
        raise DomainError("请填写响应时限", field="response_minutes")
    if completion_workdays and completion_hours:
        raise DomainError("完成时限只能填写工作日或小时之一", field="completion_hours")
    row = db.session.scalar(select(DeadlineRule).where(
        DeadlineRule.county_id == county_id, DeadlineRule.urgency == urgency,
        DeadlineRule.category.is_(None) if category is None else DeadlineRule.category == category,
        DeadlineRule.service_grade.is_(None) if service_grade is None else DeadlineRule.service_grade == service_grade,
    ))
    values = {"response_minutes": response_minutes, "onsite_minutes": onsite_minutes,
              "completion_workdays": completion_workdays, "completion_hours": completion_hours}
    if row is None:
        row = DeadlineRule(county_id=county_id, category=category, urgency=urgency, service_grade=service_grade,
                           **values)
        db.session.add(row)
        changes = {"category": category, "urgency": urgency, "service_grade": service_grade, **values}
    else:
        changes = audit.diff(row, values)
        for key, value in values.items():
            setattr(row, key, value)
    db.session.flush()
    audit.record("repair.rule", row, actor=actor, changes=changes, place=county)
    logger.info("deadline rule %r set by %r", row, actor)
    return row


@dataclass(frozen=True)
class RulesOverview:
    """What the county's 处理时限与工作日 page shows for a year."""

    rows: list[DeadlineRule]
    days: list[WorkCalendarDay]
    year: int
    known: bool
    defaults: list[tuple[Urgency, RuleValues, RuleValues]]  # per urgency: grade 1 and other grades


def rules_overview(scope: Scope, county_id: int, year: int) -> RulesOverview:
    """The county's rules, its entered days of `year`, whether `year`'s working days are known, and the defaults."""
    rows = db.session.scalars(scope.select(DeadlineRule).order_by(DeadlineRule.urgency, DeadlineRule.id)).all()
    days = db.session.scalars(scope.select(WorkCalendarDay).where(extract("year", WorkCalendarDay.day) == year)
                              .order_by(WorkCalendarDay.day)).all()
    defaults = [(u, default_rule(RepairCategory.OTHER, u, 1), default_rule(RepairCategory.OTHER, u, 2))
                for u in Urgency]
    return RulesOverview(rows=list(rows), days=list(days), year=year, known=year_is_known(county_id, year),
                         defaults=defaults)
