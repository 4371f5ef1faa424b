"""工作台 · 长效机制: the county's and street office's card of the long-term mechanism's coverage — compounds with
property service, an owners' committee (or stand-in), the fund collected, and all four bodies with a joint meeting
last quarter (pm.services.governance.coverage, one fixed set of queries per page)."""
from __future__ import annotations

from flask_babel import gettext as _

from pm.models import Role
from pm.services.dashboard.cards import Card, Figure, Link, card
from pm.services.dashboard.home import Home, fact
from pm.services.governance import coverage


@fact("coverage")
def coverage_fact(home: Home) -> coverage.Report:
    """The coverage report of the user's area (computed once per page)."""
    return coverage.coverage(home.scope, today=home.today)


@card(roles={Role.COUNTY_ADMIN, Role.STREET_OFFICER}, order=75, capability="governance.coverage")
def area_coverage(home: Home) -> Card:
    """长效机制覆盖率: how many compounds meet each criterion, and their share of the area's compounds."""
    total = home.fact("coverage").total
    labels = (("service", _("有物业服务")), ("committee", _("有业委会或物管会")), ("fund", _("维修资金已归集")),
              ("bodies", _("四位一体且开过联席会议")))
    return Card(_("长效机制覆盖率"), key="area_coverage", figures=[
        Figure(text, getattr(total, criterion), "governance.coverage_compounds", {"criterion": criterion},
               key=f"coverage_{criterion}", note=_("占 %(p)s%%", p=total.percent(criterion)))
        for criterion, text in labels
    ], links=[Link(_("按街道和社区查看"), "governance.coverage_page")])
