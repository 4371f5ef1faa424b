"""考核结果导出: a month's rankings and bulletin, and a year-end result, as xlsx (all rows; the PDF pages are the
bulletin's print templates)."""
from __future__ import annotations

from flask_babel import gettext

from pm.extensions import db
from pm.models import UnitKind
from pm.services.assessments import bulletins
from pm.services.labels import label
from pm.services.spreadsheets import Sheet, write_xlsx


def bulletin_xlsx(scope, period, *, street_id: int | None = None) -> bytes:
    """One sheet per kind with the full ranking, one with the problems by category, one with the ladder steps."""
    found = bulletins.bulletin(scope, period, street_id=street_id)
    head = [gettext("名次"), gettext("单位"), gettext("得分"), gettext("一票否决")]
    sheets = []
    for kind in UnitKind:
        if not found.counts.get(kind):
            continue
        rows = ([s.rank, s.unit_name, s.total, gettext("是") if s.is_vetoed else ""]
                for s in db.session.scalars(bulletins.ranking_stmt(scope, period, kind, street_id=street_id)))
        sheets.append(Sheet(str(label(kind)), header=head, rows=rows, widths={1: 30},
                            title_line=gettext("%(month)s 月度考核排名", month=period.month)))
    sheets.append(Sheet(gettext("主要问题"), header=[gettext("类别"), gettext("扣分项"), gettext("涉及单位"),
                                                   gettext("合计扣分")],
                        rows=[list(p) for p in found.problems], widths={0: 24}))
    sheets.append(Sheet(gettext("结果运用"), header=[gettext("单位"), gettext("名次"), gettext("得分"), gettext("处理"),
                                                   gettext("连续月数")],
                        rows=[[s.unit_name, s.rank, s.total, str(label(s.step)), s.level] for s in found.steps],
                        widths={0: 30}))
    return write_xlsx(*sheets)


def year_xlsx(result) -> bytes:
    head = ([gettext("名次"), gettext("单位")] + list(result.months)
            + [gettext("月度加权"), gettext("年终加减分"), gettext("年终得分")])
    rows = ([r.rank, r.unit_name] + [r.months.get(m, "") for m in result.months] + [r.weighted, r.items, r.final]
            for r in result.rows)
    return write_xlsx(Sheet(gettext("年终考核"), header=head, rows=rows, widths={1: 30},
                            title_line=gettext("%(year)s 年终考核（%(kind)s）", year=result.year, kind=label(result.kind))
                            + (" · " + result.street.name + gettext("（名次为本街道内的名次）") if result.street else "")))
