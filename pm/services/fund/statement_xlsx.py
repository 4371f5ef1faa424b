"""资金公示 Excel: the compound and household yearly statements as xlsx files (money as exact yuan numbers)."""
from __future__ import annotations

from flask_babel import gettext

from pm.services.fund.statements import CompoundStatement, HouseholdStatement
from pm.services.labels import label
from pm.services.spreadsheets import PLAIN, Money, Sheet, write_xlsx
from pm.services.text import N_

USES_HEADER = (N_("方案编号"), N_("方案名称"), N_("费用（元）"), N_("本年列支（元）"), N_("门牌"), N_("账户"),
               N_("面积（㎡）"), N_("应分摊（元）"), N_("已列支（元）"), N_("差额（元）"))
ENTRIES_HEADER = (N_("记账日期"), N_("流水号"), N_("类型"), N_("金额（元）"), N_("余额（元）"), N_("摘要"))


def compound_statement_xlsx(st: CompoundStatement) -> bytes:
    """The compound statement as an xlsx: a summary sheet (期初, each line, totals, 期末) and the apportionment."""
    summary = [[gettext("期初余额"), Money(st.opening_fen)]]
    summary += [[line.label, Money(line.amount_fen), line.entries] for line in st.deposit_lines + st.return_lines]
    summary += [[gettext("收入合计"), Money(st.credits_fen)]]
    summary += [[line.label, Money(-line.amount_fen), line.entries] for line in st.debit_lines]
    summary += [[gettext("支出合计"), Money(st.debits_fen)], [gettext("期末余额"), Money(st.closing_fen)],
                [gettext("分户账户数"), st.subaccounts]]
    uses = []
    for use in st.uses:
        head = [use.plan.id, use.plan.title, Money(use.cost_fen), Money(use.charged_in_year_fen)]
        uses += [head + [s.door, label(s.holder), s.area_m2, Money(s.share_fen), Money(s.charged_fen),
                         Money(s.shortfall_fen)] for s in use.shares] or [head]
    return write_xlsx(
        Sheet(gettext("汇总"), title_line=gettext("%(name)s %(year)s 年度维修资金公示", name=st.compound.name, year=st.year),
              header=[gettext("项目"), gettext("金额（元）"), gettext("笔数")], header_style=PLAIN, rows=summary),
        Sheet(gettext("使用及分摊"), header=[gettext(h) for h in USES_HEADER], header_style=PLAIN, rows=uses),
    )


def household_statement_xlsx(st: HouseholdStatement) -> bytes:
    """The household statement as an xlsx: a title line, then per sub-account its opening, entries and closing."""
    rows: list[list] = []
    for ay in st.subaccounts:
        rows += [[], [ay.holder_label, gettext("期初余额"), Money(ay.opening_fen)],
                 [gettext(h) for h in ENTRIES_HEADER]]
        rows += [[r.entry.value_on, r.entry.id, r.label, Money(r.entry.amount_fen), Money(r.balance_fen),
                  r.entry.memo or ""] for r in ay.rows]
        rows += [[ay.holder_label, gettext("期末余额"), Money(ay.closing_fen)]]
    title = gettext("%(door)s %(year)s 年度维修资金对账单", door=f"{st.household.compound.name} {st.household.label}",
                    year=st.year)
    return write_xlsx(Sheet(gettext("分户对账单"), title_line=title, rows=rows))
