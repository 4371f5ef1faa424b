"""整改期限: every deadline change is kept, and a month's overdue orders are rebuilt from the deadlines at a cut-off."""
from datetime import UTC, date, datetime, timedelta

import pytest

from pm.access import scope_for
from pm.errors import DomainError, Forbidden
from pm.models import ResponsibleKind, Role
from pm.services.inspections import deadlines, inspections, rectification
from tests.factories import make_user, make_world

MARCH = (date(2026, 3, 1), date(2026, 3, 31))
CUTOFF = datetime(2026, 4, 1, 18, 0, tzinfo=UTC)  # 2 April 02:00 Beijing


def at(day: int, month: int = 3) -> datetime:
    """Noon Beijing time on a day of 2026."""
    return datetime(2026, month, day, 4, 0, tzinfo=UTC)


def by(user):
    return {"actor": user, "scope": scope_for(user)}


def open_order(w, compound, *, opened, due_on, officer=None):
    officer = officer or w.users[Role.STREET_OFFICER]
    inspection = inspections.create_inspection(**by(officer), level="street_weekly", target_kind="compound",
                                               target_id=compound.id, inspected_on=opened.date(), now=opened)
    return inspections.add_finding(inspection, **by(officer), item_code="order", deduction="0.5", note="门岗脱岗",
                                   measure="加强值守", due_on=due_on, now=opened).order


def month(w, cutoff=CUTOFF):
    return deadlines.overdue_during(w.county.id, *MARCH, cutoff)


def test_opening_records_the_original_deadline_and_changes_keep_who_when_why(db):
    """The first deadline record is the original; an extension adds one with its author, time and reason."""
    w = make_world()
    officer = w.users[Role.STREET_OFFICER]
    order = open_order(w, w.compounds["a"][0], opened=at(1), due_on=date(2026, 3, 5))
    rectification.extend_deadline(order, **by(officer), due_on=date(2026, 3, 20), reason="材料未到货", now=at(3))
    rows = deadlines.history(order.id)
    assert [(r.due_on, r.changed_at, r.changed_by_id, r.reason) for r in rows] == [
        (date(2026, 3, 5), at(1), officer.id, None),
        (date(2026, 3, 20), at(3), officer.id, "材料未到货"),
    ]
    assert order.due_on == date(2026, 3, 20)


def test_an_extension_needs_an_inspector_a_reason_and_a_date_not_in_the_past(db):
    """The station cannot move its own deadline; an empty reason or a past date is refused; nothing is kept."""
    w = make_world()
    order = open_order(w, w.compounds["a"][0], opened=at(1), due_on=date(2026, 3, 5))
    officer, staff = w.users[Role.STREET_OFFICER], w.users[Role.STATION_STAFF]
    with pytest.raises(Forbidden):
        rectification.extend_deadline(order, **by(staff), due_on=date(2026, 3, 20), reason="忙", now=at(3))
    with pytest.raises(DomainError):
        rectification.extend_deadline(order, **by(officer), due_on=date(2026, 3, 20), reason=" ", now=at(3))
    with pytest.raises(DomainError):
        rectification.extend_deadline(order, **by(officer), due_on=date(2026, 3, 2), reason="延期", now=at(3))
    assert len(deadlines.history(order.id)) == 1 and order.due_on == date(2026, 3, 5)


def test_a_deadline_extended_mid_month_after_it_passed_still_counts_the_days_overdue(db):
    """Due 5 March, extended on the 10th to the 20th and done on the 12th: overdue 6–10 March, so counted."""
    w = make_world()
    officer, staff = w.users[Role.STREET_OFFICER], w.users[Role.STATION_STAFF]
    order = open_order(w, w.compounds["a"][0], opened=at(1), due_on=date(2026, 3, 5))
    rectification.extend_deadline(order, **by(officer), due_on=date(2026, 3, 20), reason="材料未到货", now=at(10))
    rectification.report_done(order, **by(staff), note="已整改", now=at(12))
    rectification.recheck(order, **by(officer), passed=True, now=at(13))
    assert month(w) == {(ResponsibleKind.STATION, w.stations["a"].id): 1}


def test_a_deadline_extended_before_it_passed_is_not_overdue(db):
    """Extended on the 3rd (before the 5th passed) to the 20th and reported on the 18th: never overdue."""
    w = make_world()
    officer, staff = w.users[Role.STREET_OFFICER], w.users[Role.STATION_STAFF]
    order = open_order(w, w.compounds["a"][0], opened=at(1), due_on=date(2026, 3, 5))
    rectification.extend_deadline(order, **by(officer), due_on=date(2026, 3, 20), reason="雨天", now=at(3))
    rectification.report_done(order, **by(staff), note="已整改", now=at(18))
    assert month(w) == {}


def test_an_order_reported_in_time_is_not_overdue_while_it_waits_for_the_recheck(db):
    """Reported on the 4th, returned on the 8th with a new deadline (25th), reported again on the 24th: not
    overdue, though the first deadline passed while it waited; returned without a new date it would be."""
    w = make_world()
    officer, staff = w.users[Role.STREET_OFFICER], w.users[Role.STATION_STAFF]
    order = open_order(w, w.compounds["a"][0], opened=at(1), due_on=date(2026, 3, 5))
    rectification.report_done(order, **by(staff), note="已整改", now=at(4))
    rectification.recheck(order, **by(officer), passed=False, reason="未完成", due_on=date(2026, 3, 25), now=at(8))
    rectification.report_done(order, **by(staff), note="已整改", now=at(24))
    late = open_order(w, w.compounds["a"][1], opened=at(1), due_on=date(2026, 3, 5))  # kept by the community
    rectification.report_done(late, **by(w.users[Role.COMMUNITY_WORKER]), note="已整改", now=at(4))
    rectification.recheck(late, **by(officer), passed=False, reason="未完成", now=at(8))
    assert month(w) == {(ResponsibleKind.COMMUNITY, w.communities["a"].id): 1}
    assert [r.due_on for r in deadlines.history(order.id)] == [date(2026, 3, 5), date(2026, 3, 25)]


def test_the_cutoff_hides_what_happened_after_it(db):
    """Computed with a cut-off on the 12th, an order due on the 14th and never done is not (yet) overdue, and an
    order still owed at the cut-off but reported after it counts as owed up to the cut-off only."""
    w = make_world()
    staff = w.users[Role.STATION_STAFF]
    open_order(w, w.compounds["a"][0], opened=at(1), due_on=date(2026, 3, 14))
    early = open_order(w, w.compounds["a"][0], opened=at(1), due_on=date(2026, 3, 5))
    rectification.report_done(early, **by(staff), note="已整改", now=at(20))
    station = (ResponsibleKind.STATION, w.stations["a"].id)
    assert month(w, cutoff=at(12)) == {station: 1}
    assert month(w) == {station: 2}


def test_orders_of_other_months_and_counties_are_not_counted(db):
    """Closed in February: not March's; a county without orders has none; one query for the whole county."""
    w = make_world()
    officer, staff = w.users[Role.STREET_OFFICER], w.users[Role.STATION_STAFF]
    old = open_order(w, w.compounds["a"][0], opened=at(1, 2), due_on=date(2026, 2, 5))
    rectification.report_done(old, **by(staff), note="已整改", now=at(20, 2))
    rectification.recheck(old, **by(officer), passed=True, now=at(21, 2))
    assert month(w) == {}
    assert deadlines.overdue_during(w.county.id + 1000, *MARCH, CUTOFF) == {}
    assert deadlines.overdue_during(w.county.id, date(2026, 2, 1), date(2026, 2, 28), CUTOFF) == {
        (ResponsibleKind.STATION, w.stations["a"].id): 1}


@pytest.mark.postgres
def test_one_statement_for_many_orders_and_units(db, count_queries):
    """The month's count is one SQL statement whatever the number of orders and units."""
    w = make_world()
    officers = {"a": w.users[Role.STREET_OFFICER], "b": make_user(Role.STREET_OFFICER, w.streets["b"])}
    for side in ("a", "b"):
        for compound in w.compounds[side]:
            for _ in range(3):
                open_order(w, compound, opened=at(1), due_on=date(2026, 3, 5), officer=officers[side])
    db.session.commit()
    county_id = w.county.id
    with count_queries() as counter:
        counts = deadlines.overdue_during(county_id, *MARCH, CUTOFF)
    assert len(counter.statements) == 1
    assert counts == {(ResponsibleKind.STATION, w.stations["a"].id): 3,
                      (ResponsibleKind.COMMUNITY, w.communities["a"].id): 3,
                      (ResponsibleKind.STATION, w.stations["b"].id): 3,
                      (ResponsibleKind.COMMUNITY, w.communities["b"].id): 3}
