"""维修资金 pages: overview, lists and export, payment form (double submit posts once), reversal, bank import,
standards, 房改房 terms, opening accounts, returns, demolition, and scope per role."""
from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from pm.access import scope_for
from pm.extensions import db as database
from pm.models import (
    SubAccountStatus,
    DepositRate,
    EntryKind,
    SubAccount,
    HouseholdStatus,
    LedgerEntry,
    Role,
)
from pm.services.fund import bank, deposits, ledger, payments, rates
from tests.factories import PASSWORD, make_world


@pytest.fixture
def world(app, db):
    return make_world()


@pytest.fixture
def opened(world):
    """Side-a compound one opened at 50 元/㎡ (households of 65.50 ㎡ → 3275.00 元 due)."""
    admin = world.users[Role.COUNTY_ADMIN]
    rates.create_rate({"name": "默认", "fen_per_m2": 5000, "effective_on": date(2020, 1, 1)}, actor=admin,
                      scope=scope_for(admin))
    for side in ("a", "b"):
        deposits.open_subaccounts(world.compounds[side][0], on=date(2025, 1, 1), actor=admin, scope=scope_for(admin))
    database.session.commit()
    return [ledger.get_or_open_subaccount(h) for h in world.households["a"][:2]]


def login(auth, username):
    assert auth.login(username, PASSWORD).status_code == 302


def _total():
    return database.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0)))


def _key(html: str) -> str:
    return re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', html).group(1)


@pytest.mark.postgres
def test_overview_scoped(client, auth, world, opened):
    """The overview shows per-compound totals of the user's scope only."""
    login(auth, "street")
    html = client.get("/funds/").get_data(as_text=True)
    assert "a小区一" in html and "b小区一" not in html
    assert "6,550.00" in html  # two accounts × 3275.00 元 due


def test_overview_needs_fund_view(client, auth, world):
    """Owners have no fund overview (their own page is elsewhere)."""
    login(auth, "owner")
    assert client.get("/funds/").status_code == 403


@pytest.mark.postgres
def test_payment_form_double_submit_posts_once(client, auth, world, opened):
    """The form carries a key made at render time; submitting it twice posts once."""
    a, _ = opened
    login(auth, "street")
    page = client.get(f"/funds/accounts/{a.id}/pay")
    assert page.status_code == 200
    data = {"kind": "first_deposit", "amount": "1234.5", "value_on": "2025-03-01", "memo": "现金",
            "idempotency_key": _key(page.get_data(as_text=True))}
    assert client.post(f"/funds/accounts/{a.id}/pay", data=data).status_code == 302
    assert client.post(f"/funds/accounts/{a.id}/pay", data=data).status_code == 302
    assert _total() == 123_450
    html = client.get(f"/funds/accounts/{a.id}").get_data(as_text=True)
    assert "1,234.50" in html and "现金" in html


@pytest.mark.parametrize("amount", ["12.345", "0", "-1", "abc", ""])
def test_payment_form_bad_amount(client, auth, world, opened, amount):
    """A bad amount re-shows the form with a message; nothing posted."""
    a, _ = opened
    login(auth, "street")
    key = _key(client.get(f"/funds/accounts/{a.id}/pay").get_data(as_text=True))
    r = client.post(f"/funds/accounts/{a.id}/pay", data={"kind": "first_deposit", "amount": amount,
                                                          "value_on": "2025-03-01", "idempotency_key": key})
    assert r.status_code == 400 and "invalid-feedback" in r.get_data(as_text=True)
    assert _total() == 0


def test_payment_form_scope(client, auth, world, opened):
    """A cashier cannot open another street's account; a station manager cannot pay at all."""
    foreign = database.session.scalar(select(SubAccount).where(SubAccount.compound_id == world.compounds["b"][0].id))
    login(auth, "street")
    assert client.get(f"/funds/accounts/{foreign.id}/pay").status_code == 404
    client.post("/auth/logout")
    login(auth, "manager")
    assert client.get(f"/funds/accounts/{opened[0].id}/pay").status_code == 403


def test_payment_search_by_room(client, auth, world, opened):
    """Step 1 finds the household's accounts by building and room."""
    login(auth, "street")
    html = client.get("/funds/payments/new", query_string={"building": "1号楼", "room": "102"}).get_data(as_text=True)
    assert f'data-account="{opened[1].id}"' in html and f'data-account="{opened[0].id}"' not in html


def test_reversal_page(client, auth, world, opened):
    """A payment is reversed once, with a reason; the account page marks it."""
    a, _ = opened
    street = world.users[Role.STREET_OFFICER]
    e = payments.record_payment(a, kind=EntryKind.FIRST_DEPOSIT, amount_fen=500, value_on=date(2025, 1, 5), memo=None,
                             key=None, actor=street, scope=scope_for(street))
    database.session.commit()
    login(auth, "street")
    assert client.post(f"/funds/entries/{e.id}/reverse", data={"memo": ""}).status_code == 400
    assert client.post(f"/funds/entries/{e.id}/reverse", data={"memo": "票据作废"}).status_code == 302
    assert client.post(f"/funds/entries/{e.id}/reverse", data={"memo": "再次"}).status_code == 400
    assert _total() == 0
    assert "已冲正" in client.get(f"/funds/accounts/{a.id}").get_data(as_text=True)


def test_arrears_and_export(client, auth, world, opened):
    """The arrears list shows what is owed and downloads as xlsx."""
    a, _ = opened
    street = world.users[Role.STREET_OFFICER]
    payments.record_payment(a, kind=EntryKind.FIRST_DEPOSIT, amount_fen=75_000, value_on=date(2025, 1, 5), memo=None,
                         key=None, actor=street, scope=scope_for(street))
    database.session.commit()
    login(auth, "street")
    html = client.get("/funds/arrears", query_string={"compound_id": world.compounds["a"][0].id}).get_data(as_text=True)
    assert "2,525.00" in html and "3,275.00" in html
    r = client.get("/funds/arrears", query_string={"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(r.data)).active
    assert sheet.max_row == 3 and {row[8] for row in sheet.iter_rows(min_row=2, values_only=True)} == {"2525.00", "3275.00"}


def test_replenishment_list(client, auth, world, opened):
    """Accounts that received a deposit and are below 30% of their due are listed; an account with no deposit yet is
    unpaid (追缴), not in need of replenishment."""
    login(auth, "community")
    html = client.get("/funds/replenishment").get_data(as_text=True)
    assert html.count("data-account=") == 0
    ledger.post(opened[0], EntryKind.FIRST_DEPOSIT, 100, actor=None, source_type="manual")
    database.session.commit()
    html = client.get("/funds/replenishment").get_data(as_text=True)
    assert html.count("data-account=") == 1 and f'data-account="{opened[0].id}"' in html


def _csv(rows):
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(bank.BANK_COLUMNS)
    w.writerows(rows)
    return out.getvalue().encode()


def test_bank_import_page(client, auth, world, opened):
    """A bad file lists its errors and posts nothing; a good file posts; the same file again says so."""
    login(auth, "street")
    cid = world.compounds["a"][0].id
    bad = _csv([["S1", "2025-01-02", "1号楼", "1单元", "909", "首期", "1", ""]])
    r = client.post("/funds/bank-imports", data={"compound_id": str(cid), "file": (io.BytesIO(bad), "s.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 400 and "909" in r.get_data(as_text=True)
    assert _total() == 0
    good = _csv([["S1", "2025-01-02", "1号楼", "1单元", "101", "首期", "1", ""]])
    for _ in range(2):
        r = client.post("/funds/bank-imports", data={"compound_id": str(cid), "file": (io.BytesIO(good), "s.csv")},
                        content_type="multipart/form-data", follow_redirects=True)
        assert r.status_code == 200
    assert "导入过" in r.get_data(as_text=True)
    assert _total() == 100


def test_rates_pages(client, auth, world):
    """County admins add a standard in 元/㎡ (stored in fen); a bad amount re-shows the form; others 403."""
    login(auth, "county")
    r = client.post("/funds/rates/new", data={"name": "高层", "compound_id": "0", "has_elevator": "1",
                                              "min_floors": "10", "yuan_per_m2": "80.5", "effective_on": "2025-01-01"})
    assert r.status_code == 302
    rate = database.session.scalar(select(DepositRate))
    assert rate.fen_per_m2 == 8050 and rate.has_elevator is True and rate.compound_id is None
    r = client.post("/funds/rates/new", data={"name": "x", "compound_id": "0", "yuan_per_m2": "1.001",
                                              "effective_on": "2025-01-01"})
    assert r.status_code == 400
    assert "高层" in client.get("/funds/rates").get_data(as_text=True)
    client.post("/auth/logout")
    login(auth, "street")
    assert client.get("/funds/rates/new").status_code == 403


def test_open_accounts_page(client, auth, world):
    """The overview's 开户 button opens accounts and reports households without a standard."""
    login(auth, "county")
    r = client.post(f"/funds/compounds/{world.compounds['a'][0].id}/open-accounts", data={"on": "2025-01-01"},
                    follow_redirects=True)
    assert "未开户" in r.get_data(as_text=True)
    assert database.session.scalar(select(func.count(SubAccount.id))) == 0


def test_public_housing_page(client, auth, world):
    """Terms are entered in yuan; an ordinary household is refused with a message."""
    h = world.households["a"][0]
    login(auth, "county")
    data = {"cost_price": "1500", "owner_permille": "20", "sale_price": "30000", "work_unit_permille": "200"}
    assert client.post(f"/funds/households/{h.id}/public-housing", data=data).status_code == 400
    h.is_sold_public_housing = True
    database.session.commit()
    assert client.post(f"/funds/households/{h.id}/public-housing", data=data).status_code == 302


def test_returns_page(client, auth, world, opened):
    """Returns are distributed once per period; the second run is refused with a message."""
    street = world.users[Role.STREET_OFFICER]
    for acc, fen in zip(opened, (100, 300)):
        payments.record_payment(acc, kind=EntryKind.FIRST_DEPOSIT, amount_fen=fen, value_on=date(2025, 1, 5), memo=None,
                             key=None, actor=street, scope=scope_for(street))
    database.session.commit()
    login(auth, "county")
    data = {"compound_id": str(world.compounds["a"][0].id), "kind": "returns", "period": "2025", "amount": "1.00"}
    assert client.post("/funds/returns", data=data).status_code == 302
    assert client.post("/funds/returns", data=data).status_code == 400
    assert _total() == 500


def test_demolish_page(client, auth, world, opened):
    """Demolition refunds and closes; the household is marked demolished."""
    a, _ = opened
    login(auth, "street")
    h = world.households["a"][0]
    assert client.post(f"/funds/households/{h.id}/demolish", data={"on": "2025-02-01"}).status_code == 400
    assert client.post(f"/funds/households/{h.id}/demolish", data={"on": "2025-02-01", "confirm": "y"}).status_code == 302
    database.session.refresh(a)
    database.session.refresh(h)
    assert a.status == SubAccountStatus.CLOSED and h.status == HouseholdStatus.DEMOLISHED


def test_account_page_scope(client, auth, world, opened):
    """Officials of another street get 404 for this account page."""
    foreign = database.session.scalar(select(SubAccount).where(SubAccount.compound_id == world.compounds["b"][0].id))
    login(auth, "street")
    assert client.get(f"/funds/accounts/{foreign.id}").status_code == 404
    assert client.get(f"/funds/accounts/{opened[0].id}").status_code == 200


def test_unopened_page_links_terms(client, auth, world):
    """Households without an account are listed with what they need; sold public housing links to its terms."""
    h = world.households["a"][1]
    h.is_sold_public_housing = True
    database.session.commit()
    login(auth, "county")
    html = client.get(f"/funds/compounds/{world.compounds['a'][0].id}/unopened").get_data(as_text=True)
    assert "没有适用的交存标准" in html and f"/funds/households/{h.id}/public-housing" in html
    assert client.get(f"/funds/compounds/{world.compounds['b'][0].id}/unopened").status_code == 200
    client.post("/auth/logout")
    login(auth, "street")
    assert client.get(f"/funds/compounds/{world.compounds['b'][0].id}/unopened").status_code == 404


def test_payment_form_without_key_refused(client, auth, world, opened):
    """A submitted payment without the form's key is refused with a message; nothing posted."""
    login(auth, "street")
    r = client.post(f"/funds/accounts/{opened[0].id}/pay", data={"kind": "first_deposit", "amount": "10",
                                                                 "value_on": "2025-03-01"})
    assert r.status_code == 400 and "表单已失效" in r.get_data(as_text=True)
    assert _total() == 0


def test_arrears_export_layout(client, auth, world, opened):
    """The 追缴 export keeps its layout: one plain header row, then compound, door, area, holder and yuan as text."""
    login(auth, "street")
    r = client.get("/funds/arrears", query_string={"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(r.data)).active
    assert sheet.title == "追缴清单"
    header = [c.value for c in sheet[1]]
    assert header == ["小区", "楼栋", "单元", "房号", "面积(㎡)", "账户", "首期应交(元)", "已交(元)", "欠交(元)"]
    assert not any(c.font.b for c in sheet[1])
    first = [c.value for c in sheet[2]]
    assert first == ["a小区一", "1号楼", "1单元", "101", "65.50", "业主", "3275.00", "0.00", "3275.00"]
    assert sheet["G2"].data_type == "s"


def test_subaccount_page_offers_what_the_user_may_do(client, auth, world, opened):
    """A cashier sees 录入交存, 登记灭失 and 冲正 on a payment not yet reversed; a station manager sees none."""
    a, _ = opened
    street = world.users[Role.STREET_OFFICER]
    kept = payments.record_payment(a, kind=EntryKind.FIRST_DEPOSIT, amount_fen=500, value_on=date(2025, 1, 5),
                                   memo=None, key=None, actor=street, scope=scope_for(street))
    undone = payments.record_payment(a, kind=EntryKind.BACK_PAYMENT, amount_fen=200, value_on=date(2025, 1, 6),
                                     memo=None, key=None, actor=street, scope=scope_for(street))
    payments.reverse_entry(undone, memo="录错", actor=street, scope=scope_for(street))
    database.session.commit()
    login(auth, "street")
    html = client.get(f"/funds/accounts/{a.id}").get_data(as_text=True)
    assert f"/funds/accounts/{a.id}/pay" in html and "/demolish" in html
    assert f"/funds/entries/{kept.id}/reverse" in html and f"/funds/entries/{undone.id}/reverse" not in html
    assert "业主交存部分" in html  # the same label as the statements
    client.post("/auth/logout")
    login(auth, "manager")
    html = client.get(f"/funds/accounts/{a.id}").get_data(as_text=True)
    assert "/pay" not in html and "/reverse" not in html and "/demolish" not in html
