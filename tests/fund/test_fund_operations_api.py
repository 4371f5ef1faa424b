"""The fund operations of the cashier's and county's pages through the API: opening a compound's accounts, the
returns distribution (dry run, Idempotency-Key) and demolition refunds. Each gives the same result as its page for
the same input (twin compounds, one done on the web, one through the API); bad input is a 4xx naming the field
with nothing changed; a service token needs the operation's capability."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.extensions import db as database
from pm.models import (
    AuditLog,
    FundPolicy,
    Household,
    HouseholdStatus,
    LedgerEntry,
    Ownership,
    ReturnsDistribution,
    Role,
    SubAccount,
)
from pm.services.fund import ledger, rates
from tests.asserts import assert_error
from tests.factories import (
    PASSWORD,
    make_building,
    make_community,
    make_compound,
    make_county,
    make_household,
    make_owner,
    make_street,
    make_unit,
)
from tests.factories.fund import deposit

V1 = "/api/v1"
ROOMS = {"101": Decimal("60.00"), "102": Decimal("70.50"), "201": Decimal("80.25")}


@pytest.fixture
def twins(world, db):
    """Two identical compounds of side a (9号楼 1单元, rooms 101/102/201, owners since 2010) and a 50 元/㎡ county
    standard: one is worked on the web, the other through the API."""
    admin = world.users[Role.COUNTY_ADMIN]
    rates.create_rate({"name": "默认", "fen_per_m2": 5000, "effective_on": date(2020, 1, 1)}, actor=admin,
                      scope=scope_for(admin))
    out = []
    for name in ("孪生一", "孪生二"):
        compound = make_compound(world.communities["a"], name=name)
        unit = make_unit(make_building(compound, name="9号楼"), name="1单元")
        for room, area in ROOMS.items():
            make_owner(make_household(unit, room_no=room, area_m2=area))
        out.append(compound)
    database.session.commit()
    return out


def _funded(compound, paid: dict[str, int]) -> None:
    """Open the compound's accounts and pay the given first deposits (fen by room)."""
    for h in _households(compound):
        account = ledger.get_or_open_subaccount(h, due_fen=int(h.area_m2 * 5000))
        if paid.get(h.room_no):
            deposit(account, paid[h.room_no], date(2025, 3, 1))
    database.session.commit()


def _households(compound) -> list[Household]:
    return list(database.session.scalars(select(Household).where(Household.compound_id == compound.id)
                                         .order_by(Household.room_no)))


def _snapshot(compound) -> list[tuple]:
    """What a compound's fund looks like, by room: the household's status, then per account (holder, due, balance,
    status, entries as (kind, amount, memo))."""
    database.session.expire_all()
    rows = []
    for h in _households(compound):
        rows.append((h.room_no, h.status.value))
        for a in database.session.scalars(select(SubAccount).where(SubAccount.household_id == h.id)
                                          .order_by(SubAccount.holder)):
            entries = [(e.kind.value, e.amount_fen, e.memo) for e in database.session.scalars(
                select(LedgerEntry).where(LedgerEntry.account_id == a.id).order_by(LedgerEntry.id))]
            rows.append((h.room_no, a.holder.value, a.first_deposit_due_fen, a.balance_fen, a.status.value, entries))
    return rows


def _counts() -> tuple:
    return tuple(database.session.scalar(select(func.count(m.id))) for m in
                 (LedgerEntry, SubAccount, ReturnsDistribution, AuditLog))


def _web(auth, username: str) -> None:
    assert auth.login(username, PASSWORD).status_code == 302


# -- 开户 -----------------------------------------------------------------------------------------------------
def test_open_accounts_through_the_api_equals_the_web(world, twins, api, auth, client, db):
    web_c, api_c = twins
    _web(auth, "street")
    assert client.post(f"/funds/compounds/{web_c.id}/open-accounts", data={"on": "2025-01-01"}).status_code == 302
    officer = api(world.users[Role.STREET_OFFICER])
    before = _counts()
    preview = officer.post(f"{V1}/compounds/{api_c.id}/fund-accounts", json={"on": "2025-01-01", "dry_run": True})
    assert preview.status_code == 200, preview.json
    assert preview.json["opened"] == [] and preview.json["existing"] == 0
    assert [(r["household_label"][-3:], r["first_deposit_due_fen"]) for r in preview.json["would_open"]] == [
        ("101", 300_000), ("102", 352_500), ("201", 401_250)]
    assert _counts() == before  # a dry run writes nothing
    r = officer.post(f"{V1}/compounds/{api_c.id}/fund-accounts", json={"on": "2025-01-01"})
    assert r.status_code == 201, r.json
    assert len(r.json["opened"]) == 3 and r.json["missing"] == []
    assert _snapshot(api_c) == _snapshot(web_c)
    again = officer.post(f"{V1}/compounds/{api_c.id}/fund-accounts", json={"on": "2025-01-01"})
    assert again.status_code == 200 and again.json["opened"] == [] and again.json["existing"] == 3
    assert database.session.scalar(select(func.count(SubAccount.id)).where(SubAccount.compound_id == api_c.id)) == 3
    audit = database.session.scalars(select(AuditLog).where(AuditLog.action == "fund.open_accounts",
                                                            AuditLog.object_id == api_c.id)).all()
    assert audit and all(row.token_id is not None for row in audit)  # attributed to the token


def test_open_accounts_names_what_is_missing(world, twins, api, db):
    """Without a standard in force on the day, every household is listed with the reason; nothing is opened."""
    _web_c, api_c = twins
    r = api(world.users[Role.COUNTY_ADMIN]).post(f"{V1}/compounds/{api_c.id}/fund-accounts", json={"on": "2019-01-01"})
    assert r.status_code == 200 and r.json["opened"] == []
    assert len(r.json["missing"]) == 3 and all(m["reason"] for m in r.json["missing"])


@pytest.mark.parametrize("who, path, body, status, field", [
    ("street", "outside", {"on": "2025-01-01"}, 404, None),
    ("street", "missing", {"on": "2025-01-01"}, 404, None),
    ("street", "own", {}, 422, "on"),
    ("street", "own", {"on": "2025-13-01"}, 422, "on"),
    ("community", "own", {"on": "2025-01-01"}, 403, None),
])
def test_open_accounts_bad_input(world, twins, api, db, who, path, body, status, field):
    target = {"outside": world.compounds["b"][0].id, "missing": 999_999, "own": twins[1].id}[path]
    user = {"street": world.users[Role.STREET_OFFICER], "community": world.users[Role.COMMUNITY_WORKER]}[who]
    before = _counts()
    r = api(user).post(f"{V1}/compounds/{target}/fund-accounts", json=body)
    assert_error(r, status, *([field] if field else []))
    assert _counts()[:3] == before[:3]


# -- 收益分配 ---------------------------------------------------------------------------------------------------
@pytest.fixture
def funded(twins, world, db):
    """Both twins opened with the same deposits; the county splits returns by floor area."""
    database.session.add(FundPolicy(county_id=world.county.id, returns_key="area"))
    for c in twins:
        _funded(c, {"101": 300_000, "102": 100_000, "201": 7})
    return twins


def _returns(client, key="r-1", **body):
    body = {"compound_id": body.pop("compound_id"), "period": "2025", "amount_fen": 1_001, **body}
    return client.post(f"{V1}/returns-distributions", json=body, headers={"Idempotency-Key": key} if key else {})


def test_returns_through_the_api_equals_the_web(world, funded, api, auth, client, db):
    web_c, api_c = funded
    _web(auth, "county")
    assert client.post("/funds/returns", data={"compound_id": str(web_c.id), "kind": "returns", "period": "2025",
                                               "amount": "10.01"}).status_code == 302
    county = api(world.users[Role.COUNTY_ADMIN])
    before = _counts()
    preview = _returns(county, key=None, compound_id=api_c.id, dry_run=True)
    assert preview.status_code == 200, preview.json
    assert _counts() == before
    shares = preview.json["shares"]
    assert preview.json["key"] == "area" and sum(s["share_fen"] for s in shares) == 1_001
    assert [s["weight"] for s in shares] == ["60", "70.5", "80.25"]
    r = _returns(county, compound_id=api_c.id)
    assert r.status_code == 201, r.json
    assert r.json["replayed"] is False and r.json["amount_fen"] == 1_001
    assert sorted((s["account_id"], s["share_fen"]) for s in r.json["shares"]) == sorted(
        (s["account_id"], s["share_fen"]) for s in shares)  # the preview is what was posted
    assert _snapshot(api_c) == _snapshot(web_c)
    dist = database.session.get(ReturnsDistribution, r.json["id"])
    row = database.session.scalar(select(AuditLog).where(AuditLog.action == "fund.distribute.returns",
                                                         AuditLog.object_id == dist.id))
    assert row.token_id is not None
    listed = county.get(f"{V1}/returns-distributions?compound_id={api_c.id}")
    assert listed.status_code == 200 and [d["id"] for d in listed.json["items"]] == [dist.id]


def test_returns_replay_posts_once(world, funded, api, db):
    _web_c, api_c = funded
    county = api(world.users[Role.COUNTY_ADMIN])
    first = _returns(county, compound_id=api_c.id)
    assert first.status_code == 201
    entries = _counts()
    again = _returns(county, compound_id=api_c.id)
    assert again.status_code == 200 and again.json["replayed"] is True and again.json["id"] == first.json["id"]
    assert again.json["shares"] == first.json["shares"]
    assert _counts()[:3] == entries[:3]
    assert_error(_returns(county, compound_id=api_c.id, amount_fen=1_002), 409, "Idempotency-Key")
    assert_error(_returns(county, key="r-2", compound_id=api_c.id), 409, "period")
    # the same key for another period is another request: refused, nothing posted
    assert_error(_returns(county, compound_id=api_c.id, period="2026"), 409, "Idempotency-Key")
    assert _counts()[:3] == entries[:3]
    balances = {a.id: a.balance_fen for a in database.session.scalars(select(SubAccount))}
    sums = dict(database.session.execute(select(LedgerEntry.account_id, func.sum(LedgerEntry.amount_fen))
                                         .group_by(LedgerEntry.account_id)).all())
    assert balances == {k: int(v) for k, v in sums.items()}


@pytest.mark.parametrize("change, status, field", [
    ({"compound_id": 999_999}, 404, "compound_id"),
    ({"compound_id": "outside"}, 404, "compound_id"),
    ({"compound_id": "empty"}, 422, "compound_id"),
    ({"amount_fen": 0}, 422, "amount_fen"),
    ({"amount_fen": -5}, 422, "amount_fen"),
    ({"amount_fen": 10.5}, 422, "amount_fen"),
    ({"kind": "refund"}, 422, "kind"),
    ({"period": "2025 上半年!"}, 422, "period"),
    ({"period": ""}, 422, "period"),
    ({"key": None}, 422, "Idempotency-Key"),
    ({"key": "x" * 91}, 422, "Idempotency-Key"),
])
def test_returns_bad_input_names_the_field(world, funded, api, db, change, status, field):
    _web_c, api_c = funded
    empty = make_compound(world.communities["a"], name="空小区")
    database.session.commit()
    foreign = make_compound(make_community(make_street(make_county(name="外县"))))  # outside the county admin's
    database.session.commit()
    ids = {"outside": foreign.id, "empty": empty.id}
    body = {"compound_id": api_c.id} | change
    body["compound_id"] = ids.get(body["compound_id"], body["compound_id"])
    key = body.pop("key", "r-bad")
    before = _counts()
    assert_error(_returns(api(world.users[Role.COUNTY_ADMIN]), key=key, **body), status, field)
    assert _counts()[:3] == before[:3]


def test_returns_needs_fund_returns(world, funded, api, db):
    """A street officer (a cashier, not the county) is refused naming the capability; nothing posted."""
    _web_c, api_c = funded
    r = _returns(api(world.users[Role.STREET_OFFICER]), compound_id=api_c.id)
    assert_error(r, 403)
    assert database.session.scalar(select(func.count(ReturnsDistribution.id))) == 0


# -- service tokens -------------------------------------------------------------------------------------------
def _service_token(world, api, capabilities: list[str]) -> str:
    made = api(world.users[Role.COUNTY_ADMIN]).post(f"{V1}/service-accounts", json={
        "name": "住房公积金中心", "node": "county_id", "node_id": world.county.id, "capabilities": capabilities,
        "token_name": "fund-office"})
    assert made.status_code == 201, made.json
    return made.json["token"]["token"]


def test_service_tokens_need_the_operations_capability(world, funded, api, app, db):
    _web_c, api_c = funded
    office = {"Authorization": f"Bearer {_service_token(world, api, ['fund.returns', 'fund.view'])}"}
    bank = {"Authorization": f"Bearer {_service_token(world, api, ['fund.cashier', 'fund.view'])}"}
    client = app.test_client()
    body = {"compound_id": api_c.id, "period": "2025", "amount_fen": 500}
    refused = client.post(f"{V1}/returns-distributions", json=body, headers=bank | {"Idempotency-Key": "s1"})
    assert_error(refused, 403)
    assert "fund.returns" in refused.json["message"]
    ok = client.post(f"{V1}/returns-distributions", json=body, headers=office | {"Idempotency-Key": "s1"})
    assert ok.status_code == 201, ok.json
    opened = client.post(f"{V1}/compounds/{api_c.id}/fund-accounts", json={"on": "2025-01-01"}, headers=office)
    assert_error(opened, 403)
    assert "fund.cashier" in opened.json["message"]
    assert client.post(f"{V1}/compounds/{api_c.id}/fund-accounts", json={"on": "2025-01-01"},
                       headers=bank).status_code == 200
    h = _households(api_c)[0]
    assert client.post(f"{V1}/households/{h.id}/demolition", json={"on": "2025-08-01", "dry_run": True},
                       headers=bank).status_code == 200
    denied = client.post(f"{V1}/households/{h.id}/demolition", json={"on": "2025-08-01"}, headers=office)
    assert_error(denied, 403)
    assert "fund.cashier" in denied.json["message"]
    # the bank's deposit by address (POST /fund-deposits) is open to its cashier token too
    dep = client.post(f"{V1}/fund-deposits", headers=bank | {"Idempotency-Key": "d1"}, json={
        "household_id": h.id, "kind": "back_payment", "amount_fen": 100, "value_on": "2025-03-02"})
    assert dep.status_code == 201, dep.json


# -- 灭失 -------------------------------------------------------------------------------------------------------
def test_demolition_through_the_api_equals_the_web(world, funded, api, auth, client, db):
    web_c, api_c = funded
    web_h, api_h = _households(web_c)[0], _households(api_c)[0]
    _web(auth, "street")
    assert client.post(f"/funds/households/{web_h.id}/demolish",
                       data={"on": "2025-08-01", "memo": "征收", "confirm": "y"}).status_code == 302
    officer = api(world.users[Role.STREET_OFFICER])
    before = _counts()
    preview = officer.post(f"{V1}/households/{api_h.id}/demolition", json={"on": "2025-08-01", "dry_run": True})
    assert preview.status_code == 200, preview.json
    assert preview.json["refund_fen"] == 300_000 and len(preview.json["ended_ownerships"]) == 1
    assert _counts() == before
    body = {"on": "2025-08-01", "memo": "征收"}
    r = officer.post(f"{V1}/households/{api_h.id}/demolition", json=body, headers={"Idempotency-Key": "d-1"})
    assert r.status_code == 200, r.json
    assert r.json["refund_fen"] == 300_000 and [e["amount_fen"] for e in r.json["refunds"]] == [-300_000]
    assert [a["status"] for a in r.json["accounts"]] == ["closed"] and len(r.json["ended_ownerships"]) == 1
    assert _snapshot(api_c) == _snapshot(web_c)
    ownership = database.session.scalar(select(Ownership).where(Ownership.household_id == api_h.id))
    assert ownership.ended_on == date(2025, 8, 1)
    after = _counts()
    again = officer.post(f"{V1}/households/{api_h.id}/demolition", json=body, headers={"Idempotency-Key": "d-1"})
    assert again.status_code == 200 and again.json["replayed"] is True
    assert again.json["refunds"] == r.json["refunds"]
    assert_error(officer.post(f"{V1}/households/{api_h.id}/demolition", json=body), 422, "household_id")
    assert_error(officer.post(f"{V1}/households/{api_h.id}/demolition", json=body | {"memo": "x"},
                              headers={"Idempotency-Key": "d-1"}), 422, "household_id")
    assert _counts()[:3] == after[:3]
    row = database.session.scalar(select(AuditLog).where(AuditLog.action == "household.demolish",
                                                         AuditLog.object_id == api_h.id))
    assert row.token_id is not None


@pytest.mark.parametrize("target, body, status, field", [
    ("own", {"on": (date.today() + timedelta(days=2)).isoformat()}, 422, "on"),
    ("own", {"on": "2009-12-31"}, 422, "on"),  # before the current owner's ownership began
    ("own", {}, 422, "on"),
    ("outside", {"on": "2025-08-01"}, 404, None),
    ("missing", {"on": "2025-08-01"}, 404, None),
])
def test_demolition_bad_input(world, funded, api, db, target, body, status, field):
    _web_c, api_c = funded
    h = _households(api_c)[0]
    hid = {"own": h.id, "outside": world.households["b"][0].id, "missing": 999_999}[target]
    before = _counts()
    r = api(world.users[Role.STREET_OFFICER]).post(f"{V1}/households/{hid}/demolition", json=body)
    assert_error(r, status, *([field] if field else []))
    assert _counts()[:3] == before[:3]
    database.session.refresh(h)
    assert h.status == HouseholdStatus.ACTIVE


def test_demolition_of_a_dwelling_without_an_account_is_recorded_as_on_the_web(world, twins, api, auth, client, db):
    """No account: nothing to refund; the page records the demolition (a registry fact), so does the API —
    no account is opened and no entry posted."""
    web_c, api_c = twins
    web_h, api_h = _households(web_c)[1], _households(api_c)[1]
    _web(auth, "street")
    assert client.post(f"/funds/households/{web_h.id}/demolish",
                       data={"on": "2025-08-01", "confirm": "y"}).status_code == 302
    r = api(world.users[Role.STREET_OFFICER]).post(f"{V1}/households/{api_h.id}/demolition", json={"on": "2025-08-01"})
    assert r.status_code == 200, r.json
    assert r.json["refund_fen"] == 0 and r.json["accounts"] == [] and r.json["refunds"] == []
    assert _snapshot(api_c) == _snapshot(web_c)
    assert database.session.scalar(select(func.count(LedgerEntry.id))) == 0
