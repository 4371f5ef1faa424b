"""资金公示 API: the owner's accounts and movements, compound and household statements in integer fen, scoped."""
from __future__ import annotations

from datetime import date

import pytest

from pm.extensions import db
from pm.models import Role
from pm.models.fund import EntryKind
from tests.factories import make_world
from tests.factories.fund import (
    charge_plan,
    deposit,
    make_plan,
    open_account,
)

Y = 2025


@pytest.fixture
def world(db):
    w = make_world()
    account = open_account(w.households["a"][0], 10_000)
    deposit(account, 10_000, date(Y - 1, 5, 1))
    deposit(account, 250, date(Y, 3, 1), EntryKind.REPLENISHMENT)
    neighbour = open_account(w.households["a"][1], 8_000)
    deposit(neighbour, 5_000, date(Y, 1, 10))
    plan = make_plan(w.compounds["a"][0], title="单元门禁更换", cost_fen=9_000)
    charge_plan(plan, [(account, 4_500, 4_500), (neighbour, 4_500, 4_500)], date(Y, 6, 1))
    deposit(open_account(w.households["b"][0], 5_000), 5_000, date(Y, 1, 1))
    db.session.commit()
    w.account, w.plan = account, plan
    return w


def test_my_fund_accounts(world, api):
    """An owner lists the accounts of their own dwellings with balance, due, paid and the 30% flag."""
    response = api(world.users[Role.OWNER]).get("/api/v1/my/fund-accounts")
    assert response.status_code == 200
    [item] = response.json["items"]
    assert item == {
        "id": world.account.id, "household_id": world.households["a"][0].id,
        "compound_id": world.compounds["a"][0].id, "compound_name": "a小区一", "door": "1号楼1单元101",
        "area_m2": "65.50", "holder": "owner", "holder_label": "业主交存部分", "status": "open",
        "balance_fen": 5_750, "first_deposit_due_fen": 10_000, "first_deposit_paid_fen": 10_000,
        "first_deposit_unpaid_fen": 0, "needs_replenishment": False,
    }


def test_my_fund_accounts_is_for_owners(world, api):
    """An official asking for 'my' accounts gets a 403 with a reason."""
    response = api(world.users[Role.STATION_MANAGER]).get("/api/v1/my/fund-accounts")
    assert response.status_code == 403 and response.json["message"]


def test_my_account_entries_paginated_newest_first(world, api):
    """An account's entries come newest first with kind labels and integer fen."""
    response = api(world.users[Role.OWNER]).get(f"/api/v1/my/fund-accounts/{world.account.id}/entries?per_page=2")
    assert response.status_code == 200
    body = response.json
    assert body["total"] == 3 and body["per_page"] == 2
    assert [(e["kind"], e["amount_fen"], e["balance_after_fen"]) for e in body["items"]] == [
        ("charge", -4_500, 5_750), ("replenishment", 250, 10_250)]
    assert body["items"][0]["kind_label"] == "维修分摊列支"


def test_neighbours_entries_are_not_found(world, api):
    """A neighbour's account is a 404 for an owner."""
    other = open_account(world.households["a"][1])
    db.session.commit()
    response = api(world.users[Role.OWNER]).get(f"/api/v1/my/fund-accounts/{other.id}/entries")
    assert response.status_code == 404


def test_compound_statement_json(world, api):
    """The compound statement in fen reconciles and lists the use with each household's share."""
    response = api(world.users[Role.OWNER]).get(f"/api/v1/statements/compounds/{world.compounds['a'][0].id}/{Y}")
    assert response.status_code == 200
    st = response.json
    assert (st["opening_fen"], st["credits_fen"], st["debits_fen"], st["closing_fen"]) == (10_000, 5_250, 9_000, 6_250)
    assert st["reconciles"] is True
    assert {line["kind"]: line["amount_fen"] for line in st["deposits"]} == {
        "first_deposit": 5_000, "back_payment": 0, "replenishment": 250}
    [use] = st["uses"]
    assert use["plan_id"] == world.plan.id and use["charged_in_year_fen"] == 9_000
    assert [(s["door"], s["area_m2"], s["share_fen"], s["shortfall_fen"]) for s in use["shares"]] == [
        ("1号楼1单元101", "65.50", 4_500, 0), ("1号楼1单元102", "65.50", 4_500, 0)]


def test_household_statement_json(world, api):
    """The household statement gives opening, rows with running balance and closing, in fen."""
    hid = world.households["a"][0].id
    response = api(world.users[Role.OWNER]).get(f"/api/v1/statements/households/{hid}/{Y}")
    assert response.status_code == 200
    [account] = response.json["accounts"]
    assert (account["opening_fen"], account["closing_fen"]) == (10_000, 5_750)
    assert [r["balance_fen"] for r in account["rows"]] == [10_250, 5_750]


@pytest.mark.parametrize("role", [Role.OWNER, Role.STREET_OFFICER, Role.COMMITTEE_MEMBER])
def test_foreign_statements_are_not_found(world, api, role):
    """Statements of another scope's compound or household are 404."""
    client = api(world.users[role])
    assert client.get(f"/api/v1/statements/compounds/{world.compounds['b'][0].id}/{Y}").status_code == 404
    assert client.get(f"/api/v1/statements/households/{world.households['b'][0].id}/{Y}").status_code == 404


@pytest.mark.parametrize("year", [1800, 9999])
def test_bad_year_is_422(world, api, year):
    """A year out of range is a 422 naming the field."""
    response = api(world.users[Role.OWNER]).get(f"/api/v1/statements/compounds/{world.compounds['a'][0].id}/{year}")
    assert response.status_code == 422 and "year" in str(response.json)


def test_statements_need_a_token(world, client):
    """Without a bearer token the API answers 401."""
    assert client.get("/api/v1/my/fund-accounts").status_code == 401
