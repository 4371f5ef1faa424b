"""期初余额导入 (migration from a previous system): dry run, all-or-nothing with every row error, each row posted
once (the same file again posts nothing), accounts opened, audited; the web page does the same."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.models import AuditLog, LedgerEntry, Role, SubAccount
from pm.services.fund import rates, subaccounts
from tests.factories import make_building, make_household, make_unit
from tests.factories.fund import deposit, open_account

HEADER = "楼栋,单元,房号,账户,首期应交(元),首期已交(元),余额(元),日期,备注"


@pytest.fixture
def place(world, db):
    admin = world.users[Role.COUNTY_ADMIN]
    rates.create_rate({"name": "默认", "fen_per_m2": 5000, "effective_on": date(2020, 1, 1)}, actor=admin,
                      scope=scope_for(admin))
    compound = world.compounds["a"][0]
    unit = make_unit(make_building(compound, name="7号楼"), name="1单元")
    households = [make_household(unit, room_no=str(101 + i), area_m2=Decimal("60.00")) for i in range(3)]
    db.session.commit()
    return compound, households


def _file(*rows: str) -> bytes:
    return (HEADER + "\n" + "\n".join(rows) + "\n").encode()


def _upload(client, compound_id, data, dry_run=False):
    return client.post(f"/api/v1/compounds/{compound_id}/opening-balances",
                       data={"dry_run": "true" if dry_run else "false", "file": (io.BytesIO(data), "o.csv")},
                       content_type="multipart/form-data")


GOOD = _file("7号楼,1单元,101,业主,3000.00,3000.00,2500.00,2024-12-31,原系统结转",
             "7号楼,1单元,102,,,1000,1200.50,2024-12-31,",
             "7号楼,1单元,103,业主,,0,0,2024-12-31,")


def test_dry_run_then_import_once(api, world, place, db):
    compound, hs = place
    client = api(world.users[Role.STREET_OFFICER])
    dry = _upload(client, compound.id, GOOD, dry_run=True)
    assert dry.status_code == 200, dry.json
    assert dry.json["dry_run"] and [r["row"] for r in dry.json["rows"]] == [2, 3, 4]
    assert db.session.scalar(select(func.count(SubAccount.id))) == 0
    done = _upload(client, compound.id, GOOD)
    assert done.status_code == 201, done.json
    assert done.json["posted"] == 4  # 101: first + charge; 102: first + carried over; 103: nothing to post
    accounts = {a.household_id: a for a in db.session.scalars(select(SubAccount))}
    assert [accounts[h.id].balance_fen for h in hs] == [250_000, 120_050, 0]
    assert accounts[hs[0].id].first_deposit_due_fen == 300_000  # from the file
    assert accounts[hs[1].id].first_deposit_due_fen == 300_000  # 60 ㎡ × 50 元 (the standard)
    assert accounts[hs[1].id].first_deposit_paid_fen == 100_000
    paid = subaccounts.first_deposit_paid([a.id for a in accounts.values()])
    assert all(paid.get(a.id, 0) == a.first_deposit_paid_fen for a in accounts.values())
    again = _upload(client, compound.id, GOOD)
    assert again.status_code == 200 and again.json["posted"] == 0 and again.json["already_posted"] == 4
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 4
    assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "fund.opening_import")) == 1


def test_every_row_error_reported_nothing_posted(api, world, place, db):
    compound, hs = place
    used = open_account(hs[2], due_fen=300_000)
    deposit(used, 100, date(2024, 1, 1))
    db.session.commit()
    bad = _file("7号楼,1单元,101,业主,3000,3000,2500,2024-12-31,",
                "7号楼,1单元,101,业主,3000,3000,2500,2024-12-31,",   # the same account again
                "7号楼,1单元,999,业主,3000,3000,2500,2024-12-31,",   # unknown room
                "7号楼,1单元,102,租户,3000,3000,2500,2024-12-31,",   # unknown holder
                "7号楼,1单元,103,业主,3000,10,2500,2024-13-01,")     # bad date, account already has entries
    r = _upload(api(world.users[Role.STREET_OFFICER]), compound.id, bad)
    assert r.status_code == 422, r.json
    assert [(p["row"], p["column"]) for p in r.json["rows"]] == [
        (3, "房号"), (4, "房号"), (5, "账户"), (6, "日期")]
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 1
    assert db.session.scalar(select(func.count(SubAccount.id))) == 1


def test_web_page_dry_run_and_import(auth, client, world, place, db):
    compound, _hs = place
    auth.login("street")
    page = client.get("/imports/opening-balances")
    assert page.status_code == 200
    r = client.post("/imports/opening-balances", data={"compound_id": compound.id, "dry_run": "y",
                                                       "file": (io.BytesIO(GOOD), "o.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 200 and 'id="preview"' in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 0
    r = client.post("/imports/opening-balances", data={"compound_id": compound.id,
                                                       "file": (io.BytesIO(GOOD), "o.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 4
