"""考核期: review with appeals in the window, decisions, publishing, locked months and adjustments."""
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from pm.access import scope_for
from pm.errors import Conflict, DomainError, Forbidden
from pm.extensions import db as _db
from pm.models import AssessmentScore, Notification, PeriodStatus, Role, UnitKind
from pm.services.assessments import events, periods
from pm.services.assessments.locks import month_locked
from pm.services.stations import teams
from pm.services.stations.worklogs import create_log
from tests.factories import make_world
from tests.factories.assessments import IN_MONTH, computed, station_finding

REVIEW_DAY = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)  # Thursday 2 April, Beijing
LATER = datetime(2026, 4, 20, 2, 0, tzinfo=UTC)


def _score(period, station):
    return _db.session.scalar(select(AssessmentScore).where(
        AssessmentScore.period_id == period.id, AssessmentScore.unit_kind == UnitKind.STATION,
        AssessmentScore.unit_id == station.id))


def _line(score, code):
    return next(ln for ln in score.lines if ln.item.code == code)


@pytest.fixture
def reviewed(db):
    w = make_world()
    station_finding(w, deduction="2")
    period = computed(w)
    periods.start_review(period, w.users[Role.COUNTY_ADMIN], now=REVIEW_DAY)
    return w, period


def appeal(w, period, *, user=None, now=REVIEW_DAY, code="environment"):
    user = user or w.users[Role.STATION_MANAGER]
    line = _line(_score(period, w.stations["a"]), code)
    return periods.file_appeal(line, user, scope=scope_for(user), reason="已当场整改，有照片", now=now)


def test_review_window_is_three_working_days_and_units_are_told(reviewed):
    """Review started on Thursday 2 April 2026 ends after the Qingming holiday (Wed 8 April); the manager is told."""
    w, period = reviewed
    assert period.status == PeriodStatus.REVIEW and period.review_ends_on == date(2026, 4, 8)
    assert _db.session.scalar(select(Notification.id).where(
        Notification.user_id == w.users[Role.STATION_MANAGER].id, Notification.kind == "assessment.review"))


def test_upheld_appeal_changes_the_line_and_the_total(reviewed):
    """The county upholds an appeal: the line takes the new points with the reason, the total follows."""
    w, period = reviewed
    filed = appeal(w, period)
    periods.decide_appeal(filed, w.users[Role.COUNTY_ADMIN], upheld=True, decision="证据属实", new_points="-0.5")
    score = _score(period, w.stations["a"])
    line = _line(score, "environment")
    assert line.points == Decimal("-0.5") and line.computed_points == Decimal("-2.00")
    assert line.change_reason == "证据属实"
    assert score.total == Decimal("94.50")  # 100 − 0.5 − 5 (no work logs)


@pytest.mark.parametrize("case", ["other_unit", "after_window", "twice", "no_reason"])
def test_bad_appeals_are_refused(reviewed, case):
    """Another unit's score, after the window, a second appeal on a line, no reason: refused."""
    w, period = reviewed
    if case == "other_unit":
        with pytest.raises(Forbidden):
            appeal(w, period, user=w.users[Role.STREET_OFFICER])
    elif case == "after_window":
        with pytest.raises(Conflict):
            appeal(w, period, now=LATER)
    elif case == "twice":
        appeal(w, period)
        with pytest.raises(Conflict):
            appeal(w, period)
    else:
        user = w.users[Role.STATION_MANAGER]
        with pytest.raises(DomainError):
            periods.file_appeal(_line(_score(period, w.stations["a"]), "environment"), user, scope=scope_for(user),
                                reason=" ", now=REVIEW_DAY)


def test_publishing_with_an_open_appeal_is_refused(reviewed):
    """Open appeal: the review cannot end and the month cannot be published."""
    w, period = reviewed
    appeal(w, period)
    admin = w.users[Role.COUNTY_ADMIN]
    with pytest.raises(Conflict):
        periods.close_review(period, admin, now=LATER)
    with pytest.raises(Conflict):
        periods.publish(period, admin, now=LATER)
    assert period.status == PeriodStatus.REVIEW


def test_a_published_month_refuses_records_and_takes_adjustments_with_a_reason(reviewed):
    """After publishing: findings, logs and events dated in the month are refused; an adjustment needs a reason
    and leaves the published total as it was."""
    w, period = reviewed
    admin = w.users[Role.COUNTY_ADMIN]
    periods.close_review(period, admin, now=LATER)
    periods.publish(period, admin, now=LATER)
    assert month_locked(w.county.id, IN_MONTH) and not month_locked(w.county.id, date(2026, 4, 1))
    with pytest.raises(Conflict):
        station_finding(w, day=IN_MONTH, now=LATER)
    manager = w.users[Role.STATION_MANAGER]
    team = teams.ensure_teams(w.stations["a"], actor=manager, scope=scope_for(manager))[0]
    with pytest.raises(Conflict):
        create_log(team, log_on=IN_MONTH, shift="full_day", content="补录", actor=manager, scope=scope_for(manager),
                   now=LATER)
    officer = w.users[Role.STREET_OFFICER]
    with pytest.raises(Conflict):
        events.record_event(officer, scope=scope_for(officer), unit_kind="station", unit_id=w.stations["a"].id,
                            item_code="bonus", happened_on=IN_MONTH, note="锦旗", now=LATER)
    score = _score(period, w.stations["a"])
    with pytest.raises(DomainError):
        periods.adjust(score, admin, points="1", reason="")
    periods.adjust(score, admin, points="1.5", reason="复核发现扣分重复")
    assert score.total == Decimal("93.00") and score.adjustments[0].points == Decimal("1.5")


def test_bonus_events_lift_the_score_within_the_cap(db):
    """Two bonus events of 3 points: +5 at most (the item's cap), never above full marks."""
    w = make_world()
    officer = w.users[Role.STREET_OFFICER]
    station_finding(w, deduction="4")
    for _ in range(2):
        events.record_event(officer, scope=scope_for(officer), unit_kind="station", unit_id=w.stations["a"].id,
                            item_code="bonus", happened_on=IN_MONTH, note="锦旗", points="3",
                            now=datetime(2026, 3, 12, tzinfo=UTC))
    with pytest.raises(DomainError):
        events.record_event(officer, scope=scope_for(officer), unit_kind="station", unit_id=w.stations["a"].id,
                            item_code="bonus", happened_on=IN_MONTH, note="x", points="6",
                            now=datetime(2026, 3, 12, tzinfo=UTC))
    score = _score(computed(w), w.stations["a"])
    assert _line(score, "bonus").points == Decimal("5.00")
    assert score.total == Decimal("96.00")  # 100 − 4 − 5 + 5
