"""以区养区: common-part income and uses per compound and period, disclosed to owners, credited to the fund."""
from datetime import date

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.errors import DomainError, Forbidden
from pm.models import AuditLog, CommonIncomeEntry, LedgerEntry, Role
from pm.models.fund import EntryKind
from pm.services.commonincome import income
from tests.asserts import assert_error, ids
from tests.factories.fund import deposit, open_account


def by(user):
    return {"scope": scope_for(user)}


def record(world, category="parking", fen=100_000, period="2026-H1", role=Role.STATION_MANAGER, compound=None):
    user = world.users[role]
    return income.record_entry(user, **by(user), compound_id=(compound or world.compounds["a"][0]).id,
                               period=period, category=category, amount_fen=fen)


def test_income_and_uses_summarised_per_period(world, db):
    """Income and uses add up per compound and period; each entry is audit-logged."""
    record(world, "parking", 100_000)
    record(world, "advertising", 50_000)
    record(world, "maintenance", 30_000)
    record(world, "parking", 7_000, period="2025")
    (h1, y25) = income.summary(scope_for(world.users[Role.STATION_MANAGER]))
    assert (h1.period, h1.income_fen, h1.uses_fen, h1.balance_fen) == ("2026-H1", 150_000, 30_000, 120_000)
    assert y25.balance_fen == 7_000
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action.like("income.%"))) == 4


@pytest.mark.parametrize("kw, field", [
    ({"period": "26"}, "period"), ({"fen": 0}, "amount_fen"), ({"fen": -5}, "amount_fen"),
    ({"category": "maintenance", "fen": 1}, "amount_fen"), ({"category": "fund_credit"}, "category"),
    ({"category": "salary"}, "category")])
def test_bad_entries_are_refused(world, db, kw, field):
    """A bad period, a non-positive amount, a use beyond the balance, a fund credit by hand: field errors."""
    with pytest.raises(DomainError) as err:
        record(world, **kw)
    assert field in err.value.fields
    assert db.session.scalar(select(func.count()).select_from(CommonIncomeEntry)) == 0


def test_outside_scope_and_roles(world, db):
    """Another street's compound is forbidden; a committee member cannot record."""
    with pytest.raises(Forbidden):
        record(world, compound=world.compounds["b"][0])
    with pytest.raises(Forbidden):
        record(world, role=Role.COMMITTEE_MEMBER)


def test_credit_to_fund_goes_through_the_returns_distribution(world, db):
    """Crediting income splits it over the compound's sub-accounts (ledger, to the fen) and records a use."""
    a, b = (open_account(h) for h in world.households["a"][:2])
    deposit(a, 30_000, date(2025, 3, 1))
    deposit(b, 10_000, date(2025, 3, 1))
    record(world, "parking", 100_000)
    admin = world.users[Role.COUNTY_ADMIN]
    use = income.credit_to_fund(admin, **by(admin), compound_id=world.compounds["a"][0].id, period="2026-H1",
                                amount_fen=40_001)
    assert use.category == "fund_credit" and use.distribution_id
    credits = db.session.scalars(select(LedgerEntry.amount_fen).where(LedgerEntry.kind == EntryKind.COMMON_INCOME)
                                 .order_by(LedgerEntry.account_id)).all()
    assert sum(credits) == 40_001 and credits == [30_001, 10_000]
    assert income.balance(world.compounds["a"][0].id, "2026-H1") == 59_999
    with pytest.raises(DomainError):  # more than is left
        income.credit_to_fund(admin, **by(admin), compound_id=world.compounds["a"][0].id, period="2026-H1",
                              amount_fen=60_000)
    manager = world.users[Role.STATION_MANAGER]
    with pytest.raises(Forbidden):  # the returns distribution is the county's
        income.credit_to_fund(manager, **by(manager), compound_id=world.compounds["a"][0].id, period="2026-H1",
                              amount_fen=1)


def test_disclosed_to_owners_not_tenants(api, world, db):
    """Owners see their compound's income; tenants and another compound's people do not."""
    mine = record(world)
    record(world, compound=world.compounds["a"][1], role=Role.COMMUNITY_WORKER)
    db.session.commit()
    assert ids(api(world.users[Role.OWNER]).get("/api/v1/common-income")) == {mine.id}
    assert api(world.users[Role.RESIDENT]).get("/api/v1/common-income").status_code == 403
    summary = api(world.users[Role.OWNER]).get("/api/v1/common-income/summary").get_json()
    assert [(r["compound_id"], r["balance_fen"]) for r in summary["items"]] == [(world.compounds["a"][0].id, 100_000)]


def test_api_and_web_record(api, client, auth, world, db):
    """POST /common-income records (422 for a use beyond the balance); the page records in yuan and shows it."""
    manager = api(world.users[Role.STATION_MANAGER])
    body = {"compound_id": world.compounds["a"][0].id, "period": "2026", "category": "parking", "amount_fen": 5000}
    assert manager.post("/api/v1/common-income", json=body).status_code == 201
    assert_error(manager.post("/api/v1/common-income", json={**body, "category": "maintenance", "amount_fen": 5001}),
                 422, "amount_fen")
    auth.login("manager")
    resp = client.post("/common-income/new", data={"compound_id": world.compounds["a"][0].id, "period": "2026",
                                                   "category": "advertising", "amount": "12.50"})
    assert resp.status_code == 302
    page = client.get("/common-income/").get_data(as_text=True)
    assert "62.50" in page and "广告收入" in page


def test_income_page_runs_a_fixed_number_of_queries(client, auth, world, db, count_queries):
    """The disclosure page does not grow with the number of entries and periods."""
    record(world)
    db.session.commit()
    auth.login("owner")
    counts = []
    for n in range(2):
        client.get("/common-income/")
        with count_queries() as q:
            assert client.get("/common-income/").status_code == 200
        counts.append(q.count)
        if n == 0:
            for period in ("2024", "2025", "2026-Q1"):
                record(world, "advertising", 1_000, period=period)
            db.session.commit()
    assert counts[0] == counts[1]
