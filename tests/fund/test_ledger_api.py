"""维修资金 REST API: scoped accounts and entries, idempotent payments, reversals, deposit standards, bad input."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.models import SubAccount, LedgerEntry, Role
from pm.services.fund import demolition, deposits, ledger, rates
from pm.services.registry.people import transfer_ownership
from tests.factories import make_household, make_person, make_user

V1 = "/api/v1"


@pytest.fixture
def accounts(world, db):
    """Side-a compound-one households opened at 50 元/㎡, and one foreign (side-b) account."""
    admin = world.users[Role.COUNTY_ADMIN]
    rates.create_rate({"name": "默认", "fen_per_m2": 5000, "effective_on": date(2020, 1, 1)}, actor=admin,
                      scope=scope_for(admin))
    deposits.open_subaccounts(world.compounds["a"][0], on=date(2025, 1, 1), actor=admin, scope=scope_for(admin))
    deposits.open_subaccounts(world.compounds["b"][0], on=date(2025, 1, 1), actor=admin, scope=scope_for(admin))
    db.session.commit()
    a = ledger.get_or_open_subaccount(world.households["a"][0])
    b = ledger.get_or_open_subaccount(world.households["b"][0])
    return a, b


def _total(db):
    return db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0)))


def _pay(client, account_id, key="key-1", **body):
    body = {"kind": "first_deposit", "amount_fen": 1000, "value_on": "2025-03-01", **body}
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(f"{V1}/fund-accounts/{account_id}/entries", json=body, headers=headers)


@pytest.mark.postgres
def test_payment_created_replayed_conflict(api, world, accounts, db):
    """POST entries: 201 first, 200 with the same entry on replay, 409 for the same key with another payload."""
    a, _ = accounts
    client = api(world.users[Role.STREET_OFFICER])
    r1 = _pay(client, a.id)
    assert r1.status_code == 201, r1.json
    assert r1.json["amount_fen"] == 1000 and r1.json["balance_after_fen"] == 1000
    r2 = _pay(client, a.id)
    assert r2.status_code == 200 and r2.json["id"] == r1.json["id"]
    r3 = _pay(client, a.id, amount_fen=2000)
    assert r3.status_code == 409
    assert _total(db) == 1000


@pytest.mark.parametrize("body, field", [
    ({"amount_fen": 0}, "amount_fen"), ({"amount_fen": -5}, "amount_fen"), ({"amount_fen": 12.5}, "amount_fen"),
    ({"amount_fen": "100"}, "amount_fen"), ({"kind": "charge"}, "kind"), ({"kind": "returns"}, "kind"),
    ({"value_on": "2999-01-01"}, "value_on"), ({"extra": 1}, "extra"),
])
def test_payment_bad_input(api, world, accounts, db, body, field):
    """Zero, negative, fractional or string amounts, wrong kinds, future dates, unknown fields: 422, nothing posted."""
    a, _ = accounts
    r = _pay(api(world.users[Role.STREET_OFFICER]), a.id, **body)
    assert r.status_code == 422, r.json
    assert field in r.json["errors"]["json"]
    assert _total(db) == 0


def test_payment_needs_key(api, world, accounts, db):
    """Without an Idempotency-Key header the payment is refused."""
    a, _ = accounts
    r = _pay(api(world.users[Role.STREET_OFFICER]), a.id, key=None)
    assert r.status_code == 422 and _total(db) == 0


def test_payment_scope_and_role(api, world, accounts, db):
    """A cashier outside the account's scope gets 404; a role without fund.cashier gets 403; nothing posted."""
    a, b = accounts
    assert _pay(api(world.users[Role.STREET_OFFICER]), b.id).status_code == 404
    assert _pay(api(world.users[Role.STATION_MANAGER]), a.id).status_code == 403
    assert _pay(api(world.users[Role.OWNER]), a.id).status_code == 403
    assert _pay(api(world.users[Role.STREET_OFFICER]), 999_999).status_code == 404
    assert _total(db) == 0


def test_closed_account_refused(api, world, accounts, db):
    """Posting to a closed (demolished) account is a clear 422."""
    a, _ = accounts
    street = world.users[Role.STREET_OFFICER]
    demolition.demolish(world.households["a"][0], on=date(2025, 1, 2), memo=None, actor=street, scope=scope_for(street))
    db.session.commit()
    r = _pay(api(street), a.id)
    assert r.status_code == 422 and "销户" in r.json["message"]


def test_list_and_entries_scoped(api, world, accounts, db):
    """Officials list accounts in scope; entries are newest first in integer fen; foreign ids are 404."""
    a, b = accounts
    client = api(world.users[Role.STREET_OFFICER])
    _pay(client, a.id, key="k1", amount_fen=100)
    _pay(client, a.id, key="k2", amount_fen=200, kind="back_payment")
    listed = client.get(f"{V1}/fund-accounts?compound_id={world.compounds['a'][0].id}").json
    assert listed["total"] == 2 and a.id in [x["id"] for x in listed["items"]]
    assert b.id not in [x["id"] for x in client.get(f"{V1}/fund-accounts?per_page=200").json["items"]]
    entries = client.get(f"{V1}/fund-accounts/{a.id}/entries").json
    assert [e["amount_fen"] for e in entries["items"]] == [200, 100]
    assert client.get(f"{V1}/fund-accounts/{b.id}").status_code == 404
    assert client.get(f"{V1}/fund-accounts/{b.id}/entries").status_code == 404
    detail = client.get(f"{V1}/fund-accounts/{a.id}").json
    assert detail["balance_fen"] == 300 and detail["first_deposit_due_fen"] == 327_500


@pytest.mark.postgres
def test_reversal_once(api, world, accounts, db):
    """POST reversal posts the opposite amount once; a second reversal is 409; a missing reason is 422."""
    a, _ = accounts
    client = api(world.users[Role.STREET_OFFICER])
    entry = _pay(client, a.id).json
    assert client.post(f"{V1}/fund-entries/{entry['id']}/reversal", json={"memo": ""}).status_code == 422
    r = client.post(f"{V1}/fund-entries/{entry['id']}/reversal", json={"memo": "录错"})
    assert r.status_code == 201 and r.json["amount_fen"] == -1000
    assert client.post(f"{V1}/fund-entries/{entry['id']}/reversal", json={"memo": "再次"}).status_code == 409
    items = client.get(f"{V1}/fund-accounts/{a.id}/entries").json["items"]
    assert [i["is_reversed"] for i in items] == [False, True]
    assert _total(db) == 0


def test_owner_sees_after_sale_only_buyer(api, world, accounts, db):
    """After a sale the buyer sees the account and its history through the API; the seller no longer does."""
    a, _ = accounts
    _pay(api(world.users[Role.STREET_OFFICER]), a.id)
    seller = api(world.users[Role.OWNER])
    assert seller.get(f"{V1}/fund-accounts/{a.id}").status_code == 200
    buyer = make_person(name="新业主")
    admin = world.users[Role.COUNTY_ADMIN]
    transfer_ownership(world.households["a"][0], [buyer], on=date(2025, 6, 1), actor=admin,
                       scope=scope_for(admin))
    buyer_user = make_user(Role.OWNER, buyer)
    db.session.commit()
    assert seller.get(f"{V1}/fund-accounts/{a.id}").status_code == 404
    got = api(buyer_user).get(f"{V1}/fund-accounts/{a.id}/entries").json
    assert [e["amount_fen"] for e in got["items"]] == [1000]


def test_deposit_rates(api, world, db):
    """County admins create standards (201); others 403; bad input 422; lists are scoped."""
    admin = api(world.users[Role.COUNTY_ADMIN])
    body = {"name": "多层", "fen_per_m2": 4500, "effective_on": "2025-01-01", "has_elevator": False, "max_floors": 7}
    r = admin.post(f"{V1}/deposit-rates", json=body)
    assert r.status_code == 201, r.json
    assert api(world.users[Role.STREET_OFFICER]).post(f"{V1}/deposit-rates", json=body).status_code == 403
    bad = admin.post(f"{V1}/deposit-rates", json={**body, "fen_per_m2": 45.5})
    assert bad.status_code == 422
    bad = admin.post(f"{V1}/deposit-rates", json={**body, "min_floors": 9})
    assert bad.status_code == 422 and "max_floors" in bad.json["errors"]["json"]
    assert api(world.users[Role.STREET_OFFICER]).get(f"{V1}/deposit-rates").json["total"] == 1
    rid = r.json["id"]
    assert admin.put(f"{V1}/deposit-rates/{rid}", json={**body, "fen_per_m2": 4600}).json["fen_per_m2"] == 4600
    assert admin.delete(f"{V1}/deposit-rates/{rid}").status_code == 204


def test_public_housing_terms_api(api, world, db):
    """PUT terms for a sold-public-housing household; for an ordinary one it is a 422."""
    h = world.households["a"][1]
    admin = api(world.users[Role.COUNTY_ADMIN])
    body = {"cost_price_fen_per_m2": 150_000, "sale_price_fen": 3_000_000}
    assert admin.put(f"{V1}/households/{h.id}/public-housing-terms", json=body).status_code == 422
    h.is_sold_public_housing = True
    db.session.commit()
    r = admin.put(f"{V1}/households/{h.id}/public-housing-terms", json=body)
    assert r.status_code == 200 and r.json["owner_permille"] == 20
    assert db.session.scalar(select(func.count(SubAccount.id))) == 0


def test_account_list_query_count_constant(api, world, accounts, db, count_queries):
    """Listing 2 or 6 accounts takes the same number of queries (no N+1)."""
    client = api(world.users[Role.COUNTY_ADMIN])
    client.get(f"{V1}/fund-accounts")  # warm-up: the token's first use writes last_used_at
    with count_queries() as few:
        assert client.get(f"{V1}/fund-accounts?compound_id={world.compounds['a'][0].id}").json["total"] == 2
    admin = world.users[Role.COUNTY_ADMIN]
    for _ in range(4):
        make_household(world.households["a"][0].unit)
    deposits.open_subaccounts(world.compounds["a"][0], on=date(2025, 1, 1), actor=admin, scope=scope_for(admin))
    db.session.commit()
    with count_queries() as many:
        assert client.get(f"{V1}/fund-accounts?compound_id={world.compounds['a'][0].id}").json["total"] == 6
    assert few.count == many.count
