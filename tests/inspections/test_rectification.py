"""整改单: the actions an order offers each user, and the daily escalation told by set (no query per order)."""
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from pm.access import SYSTEM, scope_for
from pm.models import Notification, Role
from pm.services.inspections import inspections, rectification
from tests.factories import make_user, make_world

NOW = datetime(2026, 3, 15, 4, 0, tzinfo=UTC)
TODAY = date(2026, 3, 15)


def by(user):
    """The actor and their scope, as the services take them."""
    return {"actor": user, "scope": scope_for(user)}


def open_order(w, compound):
    officer = w.users[Role.STREET_OFFICER]
    inspection = inspections.create_inspection(**by(officer), level="street_weekly", target_kind="compound",
                                               target_id=compound.id, inspected_on=TODAY, now=NOW)
    return inspections.add_finding(inspection, **by(officer), item_code="order", deduction="0.5", note="门岗脱岗",
                                   measure="加强值守", due_on=TODAY + timedelta(days=1), now=NOW).order


def test_actions_follow_the_order_and_the_user(db):
    """The station may report while it owes the fix; the inspector may re-check once reported; others nothing."""
    w = make_world()
    order = open_order(w, w.compounds["a"][0])
    staff, officer = w.users[Role.STATION_STAFF], w.users[Role.STREET_OFFICER]
    stranger = make_user(Role.STATION_MANAGER, w.stations["b"])

    def allowed(user):
        return rectification.allowed_actions(order, user, scope_for(user))

    assert (allowed(staff), allowed(officer), allowed(stranger)) == ({"report"}, set(), set())
    rectification.report_done(order, **by(staff), note="已整改", now=NOW)
    assert (allowed(staff), allowed(officer)) == (set(), {"recheck"})
    rectification.recheck(order, **by(officer), passed=True, now=NOW)
    assert (allowed(staff), allowed(officer)) == (set(), set())


def test_escalation_looks_up_recipients_by_set(db, count_queries):
    """Who is told is looked up once per kind of responsible body, however many orders are overdue."""
    w = make_world()
    compounds = [w.compounds["a"][0], w.compounds["a"][1]]  # one kept by a station, one by the community

    def lookups(n):
        for _ in range(n):
            for compound in compounds:
                open_order(w, compound)
        db.session.commit()
        with count_queries() as counter:
            counts = rectification.escalate_overdue(NOW + timedelta(days=5), scope=SYSTEM)
        db.session.rollback()
        reads = [q for q in counter.statements if q.lstrip().upper().startswith("SELECT")
                 and ("FROM users" in q or "FROM stations" in q or "FROM street_offices" in q)]
        return counts["overdue_orders"], len(reads)

    few_orders, few_reads = lookups(1)
    many_orders, many_reads = lookups(10)
    assert (few_orders, many_orders) == (2, 22) and many_reads == few_reads <= 6


def test_disabled_accounts_are_not_told_about_overdue_orders(db):
    """A community worker whose account is disabled is not told; an enabled colleague is."""
    w = make_world()
    open_order(w, w.compounds["a"][0])
    colleague = make_user(Role.COMMUNITY_WORKER, w.communities["a"])
    w.users[Role.COMMUNITY_WORKER].is_enabled = False
    db.session.commit()
    rectification.escalate_overdue(NOW + timedelta(days=5), scope=SYSTEM)
    told = db.session.scalars(select(Notification.user_id).where(Notification.kind == "rectification.overdue")).all()
    assert told == [colleague.id]
