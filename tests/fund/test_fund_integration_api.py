"""维修资金对接 API: deposits by address (opening on first use), bank-statement upload with dry run, the
reconciliation listing by cursor, the 追缴/续交 lists, and "no deposit yet" is unpaid, not replenishment."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.models import AuditLog, BankImport, LedgerEntry, Role, SubAccount
from pm.models.fund import EntryKind
from pm.services.fund import arrears, rates
from tests.factories import make_building, make_household, make_unit
from tests.factories.fund import deposit, open_account

V1 = "/api/v1"


@pytest.fixture
def place(world, db):
    """A building 9号楼 with units 1/2, rooms 101 in both and 102 in unit 1, in side-a compound one; a 50 元/㎡
    standard for the county."""
    admin = world.users[Role.COUNTY_ADMIN]
    rates.create_rate({"name": "默认", "fen_per_m2": 5000, "effective_on": date(2020, 1, 1)}, actor=admin,
                      scope=scope_for(admin))
    compound = world.compounds["a"][0]
    building = make_building(compound, name="9号楼")
    u1, u2 = make_unit(building, name="1单元"), make_unit(building, name="2单元")
    h = {"1-101": make_household(u1, room_no="101", area_m2=Decimal("60.00")),
         "1-102": make_household(u1, room_no="102", area_m2=Decimal("70.00")),
         "2-101": make_household(u2, room_no="101", area_m2=Decimal("80.00"))}
    db.session.commit()
    return compound, h


def _deposit(client, key="k1", **body):
    body = {"kind": "first_deposit", "amount_fen": 300_000, "value_on": "2025-03-01", **body}
    return client.post(f"{V1}/fund-deposits", json=body, headers={"Idempotency-Key": key} if key else {})


def test_deposit_by_address_opens_account_once(api, world, place, db):
    compound, h = place
    client = api(world.users[Role.STREET_OFFICER])
    r = _deposit(client, compound_id=compound.id, building="9号楼", unit="1单元", room="102")
    assert r.status_code == 201, r.json
    assert r.json["opened"] is True
    assert r.json["account"]["first_deposit_due_fen"] == 350_000  # 70 ㎡ × 50 元
    assert r.json["account"]["first_deposit_paid_fen"] == 300_000 and r.json["account"]["balance_fen"] == 300_000
    again = _deposit(client, compound_id=compound.id, building="9号楼", unit="1单元", room="102")
    assert again.status_code == 200 and again.json["entry"]["id"] == r.json["entry"]["id"]
    assert again.json["opened"] is False
    by_id = _deposit(client, key="k2", household_id=h["1-102"].id, amount_fen=50_000, kind="back_payment")
    assert by_id.status_code == 201 and by_id.json["account"]["id"] == r.json["account"]["id"]
    assert by_id.json["account"]["first_deposit_paid_fen"] == 350_000
    assert db.session.scalar(select(func.count(SubAccount.id)).where(SubAccount.household_id == h["1-102"].id)) == 1
    assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "fund.open_account")) == 1


@pytest.mark.parametrize("where, status, field", [
    ({"building": "99号楼", "unit": "1单元", "room": "101"}, 404, "building"),
    ({"building": "9号楼", "unit": "7单元", "room": "101"}, 404, "unit"),
    ({"building": "9号楼", "unit": "1单元", "room": "909"}, 404, "room"),
    ({"building": "9号楼", "room": "101"}, 422, "unit"),  # 101 is in both units: ambiguous
    ({"building": "9号楼"}, 422, "room"),
    ({}, 422, "compound_id"),
])
def test_deposit_bad_address_names_field(api, world, place, db, where, status, field):
    compound, _ = place
    body = {"compound_id": compound.id, **where} if where else {}
    r = _deposit(api(world.users[Role.STREET_OFFICER]), **body)
    assert r.status_code == status, r.json
    assert field in r.json["errors"]["json"]
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 0
    assert db.session.scalar(select(func.count(SubAccount.id)).where(SubAccount.compound_id == compound.id)) == 0


def test_deposit_unique_room_without_unit_and_no_standard(api, world, place, db):
    compound, h = place
    client = api(world.users[Role.STREET_OFFICER])
    assert _deposit(client, compound_id=compound.id, building="9号楼", room="102").status_code == 201
    other = world.compounds["b"][0]  # another county: foreign, 404 naming compound_id
    r = _deposit(client, key="k9", compound_id=other.id, building="9号楼", room="102")
    assert r.status_code == 404 and "compound_id" in r.json["errors"]["json"]


def test_deposit_refused_when_no_standard(api, world, db):
    compound = world.compounds["a"][0]
    household = make_household(make_unit(make_building(compound, name="8号楼"), name="1单元"), room_no="301")
    db.session.commit()
    r = _deposit(api(world.users[Role.STREET_OFFICER]), household_id=household.id)
    assert r.status_code == 422 and "household" in r.json["errors"]["json"]
    assert "交存标准" in r.json["errors"]["json"]["household"][0]
    assert db.session.scalar(select(func.count(SubAccount.id))) == 0


def test_deposit_needs_cashier(api, world, place):
    compound, h = place
    r = _deposit(api(world.users[Role.STATION_MANAGER]), household_id=h["1-101"].id)
    assert r.status_code == 403


def _csv(rows: list[str]) -> bytes:
    return ("流水号,日期,楼栋,单元,房号,类型,金额(元),备注\n" + "\n".join(rows) + "\n").encode()


def _upload(client, compound_id, data: bytes, dry_run=False, name="s.csv"):
    return client.post(f"{V1}/compounds/{compound_id}/bank-statements",
                       data={"dry_run": "true" if dry_run else "false", "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_statement_dry_run_then_import(api, world, place, db):
    compound, h = place
    for key in ("1-101", "2-101"):
        open_account(h[key], due_fen=300_000)
    db.session.commit()
    client = api(world.users[Role.STREET_OFFICER])
    data = _csv(["S1,2025-03-01,9号楼,1单元,101,首期,1000.00,", "S2,2025-03-02,9号楼,2单元,101,首期,500.50,"])
    dry = _upload(client, compound.id, data, dry_run=True)
    assert dry.status_code == 200, dry.json
    assert dry.json["dry_run"] and dry.json["posted"] == 2 and dry.json["total_fen"] == 150_050
    assert [r["serial"] for r in dry.json["rows"]] == ["S1", "S2"]
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 0
    assert db.session.scalar(select(func.count(BankImport.id))) == 0
    done = _upload(client, compound.id, data)
    assert done.status_code == 201 and done.json["posted"] == 2
    twice = _upload(client, compound.id, data)
    assert twice.status_code == 200 and twice.json["duplicate"] and twice.json["posted"] == 0
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 2


def test_statement_bad_rows_all_reported_nothing_posted(api, world, place, db):
    compound, h = place
    open_account(h["1-101"], due_fen=300_000)
    db.session.commit()
    client = api(world.users[Role.STREET_OFFICER])
    data = _csv(["S1,2025-03-01,9号楼,1单元,101,首期,1000.00,", "S2,2025-13-02,9号楼,1单元,101,首期,5,",
                 "S3,2025-03-01,9号楼,1单元,999,首期,5,"])
    for dry in (True, False):
        r = _upload(client, compound.id, data, dry_run=dry)
        assert r.status_code == 422, r.json
        assert [(p["row"], p["column"]) for p in r.json["rows"]] == [(3, "日期"), (4, "房号")]
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 0
    wrong = _upload(client, compound.id, b"%PDF-1.4", name="s.pdf")
    assert wrong.status_code == 422 and "file" in wrong.json["errors"]["json"]


def test_entries_cursor_filters_and_scope(api, world, place, db):
    compound, h = place
    a = open_account(h["1-101"], due_fen=300_000)
    b = open_account(h["2-101"], due_fen=300_000)
    for day in range(1, 6):
        deposit(a, 100 + day, date(2025, 3, day))
        deposit(b, 200 + day, date(2025, 3, day))
    foreign = open_account(world.households["b"][0])
    deposit(foreign, 999, date(2025, 3, 3))
    db.session.commit()
    client = api(world.users[Role.STREET_OFFICER])  # street a: street b's account is not in scope
    seen, cursor = [], None
    while True:
        q = {"compound_id": compound.id, "date_from": "2025-03-02", "date_to": "2025-03-04", "limit": 2}
        if cursor:
            q["cursor"] = cursor
        r = client.get(f"{V1}/fund-entries", query_string=q)
        assert r.status_code == 200, r.json
        seen += [e["id"] for e in r.json["items"]]
        if cursor is None:  # an entry posted meanwhile on an earlier day neither shifts nor repeats a page
            deposit(a, 7, date(2025, 3, 2))
            db.session.commit()
        cursor = r.json["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) >= 6
    assert all(v in {102, 103, 104, 202, 203, 204, 7} for v in [db.session.get(LedgerEntry, i).amount_fen for i in seen])
    everything = client.get(f"{V1}/fund-entries", query_string={"limit": 500}).json["items"]
    assert 999 not in [e["amount_fen"] for e in everything]
    kinds = client.get(f"{V1}/fund-entries", query_string={"kind": "charge"}).json["items"]
    assert kinds == []
    bad = client.get(f"{V1}/fund-entries", query_string={"cursor": "!!"})
    assert bad.status_code == 422 and "cursor" in bad.json["errors"]["json"]


def test_no_deposit_is_unpaid_not_replenishment(api, world, place, db):
    compound, h = place
    unpaid = open_account(h["1-101"], due_fen=300_000)
    low = open_account(h["2-101"], due_fen=300_000)
    deposit(low, 10_000, date(2025, 3, 1))
    db.session.commit()
    scope = scope_for(world.users[Role.COUNTY_ADMIN])
    assert not unpaid.needs_replenishment and low.needs_replenishment
    ids = [a.id for a in db.session.scalars(arrears.replenishment_select(scope, compound_id=compound.id)).unique()]
    assert ids == [low.id]
    client = api(world.users[Role.COUNTY_ADMIN])
    rep = client.get(f"{V1}/fund-replenishments", query_string={"compound_id": compound.id})
    assert [a["id"] for a in rep.json["items"]] == [low.id]
    arr = client.get(f"{V1}/fund-arrears", query_string={"compound_id": compound.id})
    assert {i["account"]["id"] for i in arr.json["items"]} == {unpaid.id, low.id} and arr.json["total"] == 2
    for path in ("fund-arrears/xlsx", "fund-replenishments/xlsx"):
        x = client.get(f"{V1}/{path}", query_string={"compound_id": compound.id})
        assert x.status_code == 200 and x.data[:2] == b"PK"


def test_official_account_page_shows_paid(auth, client, world, place, db):
    _compound, h = place
    account = open_account(h["1-101"], due_fen=300_000)
    deposit(account, 120_000, date(2025, 3, 1))
    db.session.commit()
    auth.login("street")
    html = client.get(f"/funds/accounts/{account.id}").get_data(as_text=True)
    assert 'data-field="paid">1,200.00' in html and "未交齐" in html


def test_entries_listing_is_what_the_schema_dumps_in_one_statement(api, world, place, db, count_queries):
    """The listing writes its JSON without marshmallow (entry_json) and reads `is_reversed` in the page's statement:
    every entry is exactly LedgerEntryOut's dump after mark_reversed (a reversed entry, its reversal, memo and no
    memo, an actor and none), and the call costs two statements (token with user, the page) whatever the page size."""
    from pm.blueprints.fund.integration.entry_json import entry_dict
    from pm.blueprints.fund.ledger.schemas import LedgerEntryOut
    from pm.services.fund import ledger, subaccounts

    _compound, h = place
    a, b = open_account(h["1-101"], due_fen=300_000), open_account(h["2-101"], due_fen=300_000)
    wrong = deposit(a, 1_000, date(2025, 3, 1), memo="录错")
    for day in range(2, 6):
        deposit(a, 100 + day, date(2025, 3, day))
        deposit(b, 200 + day, date(2025, 3, day), kind=EntryKind.BACK_PAYMENT)
    ledger.reverse(wrong, actor=world.users[Role.STREET_OFFICER], memo="金额录错")
    db.session.commit()
    wrong_id = wrong.id
    client = api(world.users[Role.STREET_OFFICER])
    client.get(f"{V1}/me")  # the token's first use records last_used_at (after the request): not counted below
    db.session.expunge_all()
    with count_queries() as few:
        small = client.get(f"{V1}/fund-entries", query_string={"limit": 2})
    with count_queries() as many:
        got = client.get(f"{V1}/fund-entries", query_string={"limit": 500})
    assert small.status_code == 200 and got.status_code == 200, got.json
    assert few.count == many.count == 2, many.statements
    items = got.json["items"]
    entries = subaccounts.mark_reversed(list(db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.id.in_([e["id"] for e in items])).order_by(LedgerEntry.value_on,
                                                                                       LedgerEntry.id))))
    expected = LedgerEntryOut(many=True).dump(entries)
    assert items == expected
    assert {e["kind"] for e in items} == {"first_deposit", "back_payment", "reversal"}
    assert [e["is_reversed"] for e in items if e["id"] == wrong_id] == [True]
    assert all(not e["is_reversed"] for e in items if e["id"] != wrong_id)
    assert set(entry_dict(entries[0])) == set(LedgerEntryOut().fields)  # a field added to the schema fails here
