"""Idempotency keys of cashier payments belong to their caller; a parallel replay answers 200; the OpenAPI
document declares the Idempotency-Key header."""
from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.models import LedgerEntry, Role
from pm.services.accounts.tokens import create_api_token
from pm.services.fund import deposits, ledger, rates
from tests.factories import make_user

V1 = "/api/v1"


@pytest.fixture
def accounts(world, db):
    """Opened sub-accounts on both sides, and a cashier of side b (another street, another scope)."""
    admin = world.users[Role.COUNTY_ADMIN]
    rates.create_rate({"name": "默认", "fen_per_m2": 5000, "effective_on": date(2020, 1, 1)}, actor=admin,
                      scope=scope_for(admin))
    for side in ("a", "b"):
        deposits.open_subaccounts(world.compounds[side][0], on=date(2025, 1, 1), actor=admin, scope=scope_for(admin))
    world.users["street_b"] = make_user(Role.STREET_OFFICER, world.streets["b"], username="street_b")
    db.session.commit()
    return tuple(ledger.get_or_open_subaccount(world.households[side][0]) for side in ("a", "b"))


def _pay(client, account_id, key, amount_fen=1000):
    return client.post(f"{V1}/fund-accounts/{account_id}/entries", headers={"Idempotency-Key": key},
                       json={"kind": "first_deposit", "amount_fen": amount_fen, "value_on": "2025-03-01"})


def _entries(db) -> int:
    return db.session.scalar(select(func.count()).select_from(LedgerEntry))


@pytest.mark.postgres
def test_another_callers_identical_key_neither_blocks_nor_reveals(api, world, accounts, db):
    """Side b's cashier uses the key side a used: a new entry (201) on b's own account, not a 409 that would
    reveal a's payment, nor a replay of it."""
    a, b = accounts
    first = _pay(api(world.users[Role.STREET_OFFICER]), a.id, "shared-key")
    assert first.status_code == 201
    other = _pay(api(world.users["street_b"]), b.id, "shared-key", amount_fen=2500)
    assert other.status_code == 201, other.get_data(as_text=True)
    assert other.json["id"] != first.json["id"] and other.json["amount_fen"] == 2500
    assert other.json["account_id"] == b.id
    same_body = _pay(api(world.users["street_b"]), b.id, "shared-key", amount_fen=2500)
    assert same_body.status_code == 200 and same_body.json["id"] == other.json["id"]
    assert _entries(db) == 2


@pytest.mark.postgres
def test_a_users_key_replays_across_their_tokens(api, world, accounts, db):
    """The key is the user's: a retry through another token of the same user replays (200), posts once."""
    a, _ = accounts
    officer = world.users[Role.STREET_OFFICER]
    assert _pay(api(officer), a.id, "k-1").status_code == 201
    assert _pay(api(officer), a.id, "k-1").status_code == 200
    assert _entries(db) == 1


@pytest.mark.pg_only
def test_parallel_replays_answer_200(app, world, accounts, db, backend):
    """Eight simultaneous sends of the same request: one 201, seven 200 with the same entry, no 409 or 500."""
    a, _ = accounts
    officer = world.users[Role.STREET_OFFICER]
    _token, raw = create_api_token(officer, "parallel", scope=scope_for(officer), actor=officer)
    db.session.commit()
    url = f"{V1}/fund-accounts/{a.id}/entries"  # read here: the threads must not touch this session's objects
    n = 8
    barrier = threading.Barrier(n)
    results: list[tuple[int, int | None]] = []
    lock = threading.Lock()

    def send() -> None:
        with app.app_context():  # each request pushes its own context and session on top (IsolatedClient)
            client = app.test_client()
            barrier.wait(timeout=30)
            resp = client.post(url,
                               headers={"Idempotency-Key": "same-request", "Authorization": f"Bearer {raw}"},
                               json={"kind": "first_deposit", "amount_fen": 1000, "value_on": "2025-03-01"})
            with lock:
                results.append((resp.status_code, (resp.get_json() or {}).get("id")))

    threads = [threading.Thread(target=send) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(code for code, _ in results) == [200] * (n - 1) + [201], results
    assert len({entry for _, entry in results}) == 1
    db.session.expire_all()
    assert _entries(db) == 1


def test_openapi_declares_the_idempotency_key_header(client):
    """The payment operation documents its required Idempotency-Key header (1–90 characters)."""
    spec = client.get(f"{V1}/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/fund-accounts/{account_id}/entries"]["post"]
    headers = [p for p in operation["parameters"] if p["in"] == "header"]
    assert [h["name"] for h in headers] == ["Idempotency-Key"]
    assert headers[0]["required"] is True and headers[0]["schema"]["maxLength"] == 90
    assert not any(p["in"] == "header" for p in spec["paths"]["/api/v1/fund-accounts/{account_id}/entries"]["get"]
                   .get("parameters", []))
