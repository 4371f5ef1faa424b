"""资金公示 pages: the owner's account page, yearly statements on screen, as xlsx and as PDF with Chinese text."""
from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from pm.extensions import db
from pm.models.fund import EntryKind
from pm.services.fund import ledger
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
    deposit(account, 10_000, date(Y, 1, 10), memo="首期交存（银行回单）")
    wrong = deposit(account, 1_234, date(Y, 2, 1), EntryKind.BACK_PAYMENT)
    ledger.reverse(wrong, actor=None, memo="重复录入")
    neighbour = open_account(w.households["a"][1], 8_000)
    deposit(neighbour, 8_000, date(Y, 1, 10))
    plan = make_plan(w.compounds["a"][0], title="屋面防水维修", cost_fen=15_000)
    charge_plan(plan, [(account, 8_000, 8_000), (neighbour, 7_000, 7_000)], date(Y, 6, 1))
    deposit(open_account(w.households["b"][0], 5_000), 5_000, date(Y, 1, 1))
    db.session.commit()
    w.account, w.plan = account, plan
    return w


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_owner_page_shows_balance_warning_and_movements(world, client, auth):
    """The owner sees balance, first deposit due and paid, the 30% warning in large text and labelled movements."""
    auth.login("owner")
    response = client.get("/statements/my")
    assert response.status_code == 200
    text = _text(response)
    assert "20.00 元" in text  # 10,000 − 8,000 fen
    assert "首期应交：100.00 元" in text and "首期已交：100.00 元" in text
    assert "余额已低于首期交存额的 30%，请及时续交维修资金。" in text
    assert 'class="fs-4 fw-bold text-danger mt-2" role="alert"' in text
    for label in ("首期交存", "补交", "冲正", "维修分摊列支"):
        assert label in text
    assert "已被流水号" in text and "冲正流水号" in text
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in text
    assert "a小区二" not in text and "b小区一" not in text


def test_account_page_is_paginated_newest_first(world, client, auth):
    """The account page lists movements newest first, 20 to a page."""
    for day in range(1, 26):
        deposit(world.account, 100, date(Y, 7, day), EntryKind.REPLENISHMENT, memo=f"续交{day}")
    db.session.commit()
    auth.login("owner")
    first = _text(client.get(f"/statements/accounts/{world.account.id}"))
    assert first.index("续交25") < first.index("续交24") and "续交6" in first and "续交5" not in first
    second = _text(client.get(f"/statements/accounts/{world.account.id}?page=2"))
    assert "续交5" in second and "首期交存（银行回单）" in second


@pytest.mark.parametrize("username", ["owner", "manager"])
def test_foreign_account_is_not_found(world, client, auth, username):
    """Another dwelling's or another scope's account is a 404."""
    auth.login(username)
    foreign = open_account(world.households["b"][0])
    db.session.commit()
    assert client.get(f"/statements/accounts/{foreign.id}").status_code == 404


def test_officials_use_the_statements_not_my_account(world, client, auth):
    """'My fund' is for owners and residents; an official gets a clear 403."""
    auth.login("manager")
    assert client.get("/statements/my").status_code == 403


def test_compound_statement_on_screen(world, client, auth):
    """The compound statement shows the reconciled totals and each use with its apportionment."""
    auth.login("owner")
    text = _text(client.get(f"/statements/compounds/{world.compounds['a'][0].id}/{Y}"))
    # The reversal of the 12.34 back-payment is dated today, so it falls in a later year's statement.
    assert 'id="opening">0.00' in text and 'id="credits">192.34' in text
    assert 'id="debits">150.00' in text and 'id="closing">42.34' in text
    assert "屋面防水维修" in text and "1号楼1单元101" in text and "1号楼1单元102" in text
    assert "不平" not in text


def test_index_lists_compounds_in_scope_with_years(world, client, auth):
    """The statements index lists only the user's compounds, with their years."""
    auth.login("manager")
    text = _text(client.get("/statements/"))
    assert "a小区一" in text and f"/statements/compounds/{world.compounds['a'][0].id}/{Y}" in text
    assert "b小区一" not in text


def test_compound_statement_xlsx(world, client, auth):
    """The xlsx has the same figures (in yuan) and the apportionment rows."""
    auth.login("committee")
    response = client.get(f"/statements/compounds/{world.compounds['a'][0].id}/{Y}.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    wb = load_workbook(io.BytesIO(response.data))
    summary = {row[0]: row[1] for row in wb.worksheets[0].iter_rows(min_row=3, values_only=True)}
    assert summary["期初余额"] == 0 and summary["期末余额"] == 42.34 and summary["支出合计"] == 150
    shares = list(wb.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert [(r[4], r[7]) for r in shares] == [("1号楼1单元101", 80), ("1号楼1单元102", 70)]


def _pdf_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


def test_compound_statement_pdf_has_chinese_text(world, client, auth):
    """The printable PDF carries the Chinese text (embedded CJK font), not boxes."""
    auth.login("owner")
    text = _pdf_text(client.get(f"/statements/compounds/{world.compounds['a'][0].id}/{Y}.pdf"))
    for words in ("维修资金公示", "期初余额", "期末余额", "屋面防水维修", "1号楼1单元101", "首期交存"):
        assert words in text.replace(" ", "")


def test_household_statement_screen_xlsx_and_pdf(world, client, auth):
    """A household's yearly statement is available on screen, as xlsx and as PDF, to its owner."""
    auth.login("owner")
    hid = world.households["a"][0].id
    screen = _text(client.get(f"/statements/households/{hid}/{Y}"))
    assert "期末余额" in screen and "32.34" in screen
    wb = load_workbook(io.BytesIO(client.get(f"/statements/households/{hid}/{Y}.xlsx").data))
    assert any(row[0] == "业主交存部分" and row[2] == 32.34 for row in wb.active.iter_rows(values_only=True))
    text = _pdf_text(client.get(f"/statements/households/{hid}/{Y}.pdf")).replace(" ", "")
    assert "对账单" in text and "冲正" in text


@pytest.mark.parametrize("path", ["/statements/households/{b}/2025", "/statements/households/{b}/2025.pdf",
                                  "/statements/compounds/{bc}/2025.xlsx", "/statements/households/{n}/2025"])
def test_foreign_statements_are_not_found(world, client, auth, path):
    """Statements of another scope's household or compound are 404, in every format."""
    auth.login("owner")
    url = path.format(b=world.households["b"][0].id, bc=world.compounds["b"][0].id, n=world.households["a"][1].id)
    assert client.get(url).status_code == 404


def test_bad_year_is_a_clear_error(world, client, auth):
    """A year out of range is refused with a message, not a 500."""
    auth.login("owner")
    response = client.get(f"/statements/compounds/{world.compounds['a'][0].id}/1800")
    assert response.status_code == 422 and "年度超出范围" in response.get_data(as_text=True)


def test_pdf_fetches_nothing_from_the_network(world, app):
    """The PDF renderer refuses any URL that is not inline data."""
    from pm.services.pdf import local_only_fetcher, render_pdf

    with pytest.raises(ValueError):
        local_only_fetcher().fetch("https://fonts.example.com/noto.woff2")
    with app.test_request_context():
        pdf = render_pdf('<html><body><img src="http://example.invalid/x.png"><p>公示</p></body></html>')
    assert "公示" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_resident_does_not_see_the_owners_fund_account(world, client, auth):
    """A resident (tenant) does not see the fund account of the dwelling they live in: it is the owner's money
    (issue 8 item 5; tests/accounts/test_residents_see_theirs.py)."""
    auth.login("resident")
    text = _text(client.get("/statements/my"))
    assert "首期应交：80.00 元" not in text and "10.00 元" not in text
    assert "1号楼1单元101" not in text


def test_statement_xlsx_layouts(world, client, auth):
    """Both statement workbooks keep their layout: a bold title line, plain headers, yuan as exact numbers."""
    auth.login("owner")
    compound = load_workbook(io.BytesIO(client.get(f"/statements/compounds/{world.compounds['a'][0].id}/{Y}.xlsx").data))
    summary, uses = compound.worksheets
    assert (summary.title, uses.title) == ("汇总", "使用及分摊")
    assert summary["A1"].value == f"a小区一 {Y} 年度维修资金公示" and summary["A1"].font.b
    assert [c.value for c in summary[2]] == ["项目", "金额（元）", "笔数"] and not summary["A2"].font.b
    assert [c.value for c in uses[1]] == ["方案编号", "方案名称", "费用（元）", "本年列支（元）", "门牌", "账户",
                                         "面积（㎡）", "应分摊（元）", "已列支（元）", "差额（元）"]
    assert uses["F2"].value == "业主交存部分" and uses["H2"].data_type == "n"
    household = load_workbook(io.BytesIO(
        client.get(f"/statements/households/{world.households['a'][0].id}/{Y}.xlsx").data)).active
    assert household.title == "分户对账单" and household["A1"].font.b
    rows = list(household.iter_rows(values_only=True))
    assert all(v is None for v in rows[1])  # a blank row before each sub-account
    assert rows[2][:3] == ("业主交存部分", "期初余额", 0)
    assert rows[3] == ("记账日期", "流水号", "类型", "金额（元）", "余额（元）", "摘要")
    assert rows[4][2:4] == ("首期交存", 100)


def test_statement_errors_in_english(world, client, auth):
    """A domain error reaches an English session in English, its value filled in."""
    auth.login("owner")
    client.post("/auth/lang/en", data={"next": "/"})
    response = client.get(f"/statements/compounds/{world.compounds['a'][0].id}/1800")
    assert response.status_code == 422 and "Year out of range: 1800" in response.get_data(as_text=True)
