"""长效机制覆盖率 as an xlsx workbook (streets, communities, compounds) and as one SVG bar chart per street."""
from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup

from pm.services.dashboard import charts
from pm.services.governance.coverage import CRITERIA, Report
from pm.services.spreadsheets import Sheet, write_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def criterion_labels() -> dict[str, str]:
    return {"service": _("有物业服务"), "committee": _("有业委会（或物管会）"), "fund": _("维修资金已归集"),
            "bodies": _("四位一体且上季度开过联席会议")}


def street_charts(report: Report) -> list[tuple[str, Markup]]:
    """Per street, a bar per criterion: the share of its compounds (percent)."""
    labels = criterion_labels()
    return [(row.name, charts.columns([(labels[c], row.percent(c)) for c in CRITERIA],
                                      label=_("%(street)s 长效机制覆盖率（%%）", street=row.name), highlight_last=False))
            for row in report.streets]


def workbook(report: Report) -> bytes:
    labels = criterion_labels()
    header = [_("名称"), _("小区数")] + [f"{labels[c]}" for c in CRITERIA] + [f"{labels[c]} %" for c in CRITERIA]

    def rows(items):
        return [[r.name or _("合计"), r.compounds] + [getattr(r, c) for c in CRITERIA] + [r.percent(c) for c in CRITERIA]
                for r in items]

    yes, no = _("是"), _("否")
    compounds = [[c.street, c.community, c.name] + [yes if c.has(k) else no for k in CRITERIA]
                 for c in report.compounds]
    return write_xlsx(
        Sheet(_("街道"), rows=rows(report.streets + [report.total]), header=header, freeze_header=True,
              title_line=_("维修资金归集标准：首期交存已交清的户数不低于 %(p)s%%", p=report.fund_percent)),
        Sheet(_("社区"), rows=rows(report.communities), header=header, freeze_header=True),
        Sheet(_("小区"), rows=compounds, header=[_("街道"), _("社区"), _("小区")] + [labels[c] for c in CRITERIA],
              freeze_header=True),
    )
