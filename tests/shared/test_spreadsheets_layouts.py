"""The one xlsx writer reproduces every existing export's layout: same sheets, cells, styles, widths, drop-downs."""
# Each test builds an export with pm.services.spreadsheets (the recipe its caller switches to) and compares the
# content with the legacy writer's; the tests are skipped once the legacy writer is gone.
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from types import SimpleNamespace as NS

import pytest
from flask_babel import gettext
from openpyxl import load_workbook

from pm.models import Holder
from pm.services.money import format_fen
from pm.services.spreadsheets import PLAIN, Money, Sheet, write_xlsx

try:
    from pm.services.fund.cashier import arrears_workbook as legacy_arrears
except ImportError:  # pragma: no cover
    legacy_arrears = None
try:
    from pm.services.fund.statements import compound_statement_xlsx as legacy_compound
    from pm.services.fund.statements import holder_label as legacy_holder_label
    from pm.services.fund.statements import household_statement_xlsx as legacy_household
except ImportError:  # pragma: no cover
    legacy_compound = legacy_household = legacy_holder_label = None


def content(data: bytes) -> list[dict]:
    """Everything a user sees in a workbook: sheets, cell values and types, styles, widths, formats, drop-downs."""
    book = load_workbook(io.BytesIO(data))
    out = []
    for ws in book.worksheets:
        cells = [[(c.value, c.data_type, c.number_format, bool(c.font.b), c.font.sz,
                   c.fill.fgColor.rgb if c.fill.fill_type else None, c.alignment.horizontal) for c in row]
                 for row in ws.iter_rows()]
        out.append({
            "title": ws.title, "cells": cells, "freeze": ws.freeze_panes,
            "dims": {k: (d.width, d.number_format) for k, d in ws.column_dimensions.items()
                     if d.customWidth or d.number_format != "General"},
            "validations": [(str(v.sqref), v.type, v.formula1, v.allow_blank)
                            for v in ws.data_validations.dataValidation],
        })
    return out


# -- 追缴清单 (arrears list) -----------------------------------------------------------------------------------
ARREARS_HEADER = ["小区", "楼栋", "单元", "房号", "面积(㎡)", "账户", "首期应交(元)", "已交(元)", "欠交(元)"]


def arrears_layout(rows: list) -> bytes:
    """The arrears list as the shared writer builds it (money kept as text, as the legacy export wrote it)."""
    body = []
    for account, paid_fen, owed_fen in rows:
        h = account.household
        body.append([h.compound.name, h.building.name, h.unit.name, h.room_no, str(h.area_m2),
                     "业主" if account.holder == Holder.OWNER else "售房单位",
                     format_fen(account.first_deposit_due_fen, grouped=False), format_fen(paid_fen, grouped=False),
                     format_fen(owed_fen, grouped=False)])
    return write_xlsx(Sheet("追缴清单", header=ARREARS_HEADER, header_style=PLAIN, rows=body))


def _account(room: str, holder: Holder, due: int) -> NS:
    household = NS(compound=NS(name="幸福小区"), building=NS(name="1号楼"), unit=NS(name="1单元"), room_no=room,
                   area_m2=Decimal("65.50"))
    return NS(household=household, holder=holder, first_deposit_due_fen=due)


@pytest.mark.skipif(legacy_arrears is None, reason="the arrears export uses pm.services.spreadsheets now")
def test_arrears_list():
    """追缴清单: one plain header row and one text row per account, amounts as "1234.50" text."""
    rows = [(_account("101", Holder.OWNER, 327_500), 100_000, 227_500),
            (_account("102", Holder.WORK_UNIT, 1_234_567), 0, 1_234_567)]
    assert content(arrears_layout(rows)) == content(legacy_arrears(rows))


# -- 年度公示 and 分户对账单 (statements) ------------------------------------------------------------------------
def _line(label: str, fen: int, n: int) -> NS:
    return NS(label=label, amount_fen=fen, entries=n)


COMPOUND = NS(
    compound=NS(name="幸福小区"), year=2025, opening_fen=1_000_000, credits_fen=350_000, debits_fen=-120_000,
    closing_fen=1_230_000, accounts=42,
    deposit_lines=[_line("首期交存", 300_000, 3), _line("补交", 0, 0)], return_lines=[_line("增值收益", 50_000, 1)],
    debit_lines=[_line("维修分摊列支", -120_000, 2)],
    uses=[NS(plan=NS(id=7, title="屋面防水"), cost_fen=120_000, charged_in_year_fen=120_000,
             shares=[NS(door="1号楼1单元101", holder=Holder.OWNER, area_m2=Decimal("65.50"), share_fen=60_000,
                        charged_fen=60_000, shortfall_fen=0),
                     NS(door="1号楼1单元102", holder=Holder.WORK_UNIT, area_m2=Decimal("65.50"), share_fen=60_000,
                        charged_fen=50_000, shortfall_fen=10_000)]),
          NS(plan=NS(id=8, title="电梯维修"), cost_fen=99, charged_in_year_fen=0, shares=[])],
)


def compound_layout(st) -> bytes:
    summary = [[gettext("期初余额"), Money(st.opening_fen)]]
    summary += [[line.label, Money(line.amount_fen), line.entries] for line in st.deposit_lines + st.return_lines]
    summary += [[gettext("收入合计"), Money(st.credits_fen)]]
    summary += [[line.label, Money(-line.amount_fen), line.entries] for line in st.debit_lines]
    summary += [[gettext("支出合计"), Money(st.debits_fen)], [gettext("期末余额"), Money(st.closing_fen)],
                [gettext("分户账户数"), st.accounts]]
    uses = []
    for use in st.uses:
        head = [use.plan.id, use.plan.title, Money(use.cost_fen), Money(use.charged_in_year_fen)]
        uses += [head + [s.door, legacy_holder_label(s.holder), s.area_m2, Money(s.share_fen), Money(s.charged_fen),
                         Money(s.shortfall_fen)] for s in use.shares] or [head]
    return write_xlsx(
        Sheet(gettext("汇总"), title_line=gettext("%(name)s %(year)s 年度维修资金公示", name=st.compound.name, year=st.year),
              header=[gettext("项目"), gettext("金额（元）"), gettext("笔数")], header_style=PLAIN, rows=summary),
        Sheet(gettext("使用及分摊"), header=[gettext(h) for h in ("方案编号", "方案名称", "费用（元）", "本年列支（元）", "门牌", "账户",
                                                              "面积（㎡）", "应分摊（元）", "已列支（元）", "差额（元）")],
              header_style=PLAIN, rows=uses))


@pytest.mark.skipif(legacy_compound is None, reason="the statements use pm.services.spreadsheets now")
def test_compound_statement():
    """年度公示: a bold title line, a plain header, exact yuan cells; and the apportionment sheet."""
    assert content(compound_layout(COMPOUND)) == content(legacy_compound(COMPOUND))


def _entry_row(n: int, fen: int, balance: int, memo: str | None) -> NS:
    return NS(entry=NS(value_on=date(2025, 3, n), id=100 + n, amount_fen=fen, memo=memo), label="首期交存",
              balance_fen=balance)


HOUSEHOLD = NS(household=NS(compound=NS(name="幸福小区"), label="1号楼1单元101"), year=2025, accounts=[
    NS(holder_label="业主交存部分", opening_fen=0, closing_fen=327_500,
       rows=[_entry_row(1, 300_000, 300_000, "现金"), _entry_row(2, 27_500, 327_500, None)]),
    NS(holder_label="售房单位交存部分", opening_fen=5, closing_fen=5, rows=[]),
])


def household_layout(st) -> bytes:
    rows: list[list] = []
    for ay in st.accounts:
        rows += [[], [ay.holder_label, gettext("期初余额"), Money(ay.opening_fen)],
                 [gettext(h) for h in ("记账日期", "流水号", "类型", "金额（元）", "余额（元）", "摘要")]]
        rows += [[r.entry.value_on, r.entry.id, r.label, Money(r.entry.amount_fen), Money(r.balance_fen),
                  r.entry.memo or ""] for r in ay.rows]
        rows += [[ay.holder_label, gettext("期末余额"), Money(ay.closing_fen)]]
    title = gettext("%(door)s %(year)s 年度维修资金对账单", door=f"{st.household.compound.name} {st.household.label}",
                    year=st.year)
    return write_xlsx(Sheet(gettext("分户对账单"), title_line=title, rows=rows))


@pytest.mark.skipif(legacy_household is None, reason="the statements use pm.services.spreadsheets now")
def test_household_statement():
    """分户对账单: a bold title line, then per account a blank row, opening, header, entries and closing."""
    assert content(household_layout(HOUSEHOLD)) == content(legacy_household(HOUSEHOLD))


def test_content_comparison_sees_differences():
    """The comparison is not blind: a changed cell, style or width makes the contents differ."""
    base = Sheet("s", header=["a"], rows=[[Money(100)]], widths={0: 10})
    same = Sheet("s", header=["a"], rows=[[Money(100)]], widths={0: 10})
    assert content(write_xlsx(base)) == content(write_xlsx(same))
    for other in (Sheet("s", header=["a"], rows=[["1.00"]], widths={0: 10}),
                  Sheet("s", header=["a"], header_style=PLAIN, rows=[[Money(100)]], widths={0: 10}),
                  Sheet("s", header=["a"], rows=[[Money(100)]], widths={0: 11})):
        assert content(write_xlsx(other)) != content(write_xlsx(base))
