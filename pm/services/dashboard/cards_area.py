"""辖区工作台: the community's, street office's and county's cards (and the owners' committee's) — overdue repairs
and orders, stations without logs, inspections due, fund arrears and low accounts, plans in publicity or voting."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from pm.access import OFFICIALS_ABOVE_STATION
from pm.models import OrderStatus, PlanStatus, Role
from pm.services.dashboard import charts
from pm.services.dashboard.cards import Card, Figure, Link, card
from pm.services.dashboard.home import Home

AREA = set(OFFICIALS_ABOVE_STATION)
AREA_AND_COMMITTEE = AREA | {Role.COMMITTEE_MEMBER}


@card(roles=AREA_AND_COMMITTEE, order=10)
def area_repairs(home: Home) -> Card:
    """报修: overdue and open requests in the area, and the last two weeks' new requests as a trend."""
    counts = home.fact("repairs")
    trend = [(f"{d.month}/{d.day}", n) for d, n in counts.trend]
    return Card(_("报事报修"), key="area_repairs", figures=[
        Figure(_("超时未办结"), counts.overdue, "repairs.index", {"overdue": 1}, tone="alert", key="overdue"),
        Figure(_("未办结"), counts.open, "repairs.index", {"status": "open"}, key="open"),
        Figure(_("今日新报修"), counts.new_today, "repairs.index", {"status": "all", "created": "today"},
               key="new_today"),
    ], chart=charts.columns(trend, label=_("近 %(n)s 天每天新报修数", n=len(trend))),
        chart_caption=_("近 %(n)s 天每天新报修", n=len(trend)))


@card(roles=AREA, order=20, capability="inspection.view")
def area_orders(home: Home) -> Card:
    """整改单: overdue orders, and all orders by status as a share."""
    orders = home.fact("orders")
    parts = [(_("待整改"), orders.of(OrderStatus.OPEN), "t-warn"),
             (_("退回重改"), orders.of(OrderStatus.RETURNED), "t-alert"),
             (_("待复查"), orders.of(OrderStatus.REPORTED), "t-info"),
             (_("已闭合"), orders.of(OrderStatus.CLOSED), "t-ok")]
    return Card(_("整改单"), key="area_orders", figures=[
        Figure(_("逾期未整改"), orders.overdue, "inspections.orders", {"overdue": 1}, tone="alert",
               key="orders_overdue"),
        Figure(_("退回重改"), orders.of(OrderStatus.RETURNED), "inspections.orders", {"status": "returned"},
               tone="warn", key="orders_returned"),
        Figure(_("待复查"), orders.of(OrderStatus.REPORTED), "inspections.orders", {"status": "reported"},
               key="orders_reported"),
    ], chart=charts.shares(parts, label=_("整改单状态构成")) if sum(p[1] for p in parts) else None,
        chart_caption=_("整改单状态构成"))


@card(roles=AREA, order=30, capability="stations.view")
def area_logs(home: Home) -> Card:
    """工作日志: the area's stations without any work log today."""
    gaps = home.fact("log_gaps")
    return Card(_("今日工作日志"), key="area_logs", figures=[
        Figure(_("未填日志的服务站"), gaps.stations_without, "stations.index", {"no_log": "today"}, tone="warn",
               key="stations_without_log", note=ngettext("共 %(num)d 个服务站", "共 %(num)d 个服务站", gaps.stations)),
    ])


@card(roles=AREA, order=40, capability="inspection.view")
def area_inspections(home: Home) -> Card:
    """督查: compounds not yet inspected this week."""
    due = home.fact("inspections_due")
    links = [Link(_("记录检查"), "inspections.new")] if home.user.role in AREA else []
    return Card(_("本周督查"), key="area_inspections", figures=[
        Figure(_("本周未检查的小区"), due.due, "dashboard.inspections_due", tone="warn", key="inspections_due",
               note=ngettext("共 %(num)d 个小区", "共 %(num)d 个小区", due.compounds)),
    ], links=links)


@card(roles=AREA_AND_COMMITTEE, order=50, capability="fund.view")
def area_fund(home: Home) -> Card:
    """维修资金: first deposits owed (追缴) and accounts below 30% (续交), with their share of the accounts."""
    fund = home.fact("fund")
    ok = max(0, fund.accounts - fund.low)
    chart = charts.shares([(_("余额不足30%"), fund.low, "t-alert"), (_("余额充足"), ok, "t-ok")],
                          label=_("分户账余额构成")) if fund.accounts else None
    return Card(_("维修资金"), key="area_fund", chart=chart, chart_caption=_("分户账余额构成"), figures=[
        Figure(_("首期欠缴"), fund.arrears, "funds.arrears", tone="warn", key="arrears"),
        Figure(_("余额不足30%"), fund.low, "funds.replenishment", tone="alert", key="low_balance",
               note=ngettext("共 %(num)d 户", "共 %(num)d 户", fund.accounts)),
    ])


@card(roles=AREA_AND_COMMITTEE, order=60)
def area_plans(home: Home) -> Card:
    """使用方案: plans in publicity and in the owners' vote."""
    plans = home.fact("plans")
    return Card(_("使用方案"), key="area_plans", figures=[
        Figure(_("公示中"), plans[PlanStatus.PUBLICISED], "plans.index", {"status": "publicised"},
               key="plans_publicised"),
        Figure(_("表决中"), plans[PlanStatus.VOTING], "plans.index", {"status": "voting"}, key="plans_voting"),
    ])
