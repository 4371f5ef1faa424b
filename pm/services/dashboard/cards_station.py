"""服务站工作台: the station manager's and staff's cards — repairs today, my jobs, logs, orders, the month."""
from __future__ import annotations

from fractions import Fraction

from flask_babel import gettext as _
from flask_babel import ngettext

from pm.models import OrderStatus, Role
from pm.services.dashboard import charts
from pm.services.dashboard.cards import Card, Figure, Link, card
from pm.services.dashboard.home import Home

MANAGER = {Role.STATION_MANAGER}
STATION = {Role.STATION_MANAGER, Role.STATION_STAFF}


@card(roles=STATION, order=5)
def my_jobs(home: Home) -> Card | None:
    """我的工单: the open requests assigned to me, nearest deadline first, with call / start / done."""
    jobs = home.fact("my_jobs")
    if home.user.role == Role.STATION_MANAGER and not jobs.total:
        return None
    return Card(_("我的工单"), key="my_jobs", wide=True, partial="dashboard/_jobs.html", rows=jobs.rows,
                figures=[Figure(_("未办结"), jobs.total, "repairs.index", {"mine": 1}, key="my_jobs")])


@card(roles=MANAGER, order=10)
def station_repairs(home: Home) -> Card:
    """报修: today's new requests, overdue ones and those waiting for dispatch."""
    counts = home.fact("repairs")
    return Card(_("报修工单"), key="station_repairs", figures=[
        Figure(_("今日新报修"), counts.new_today, "repairs.index", {"status": "all", "created": "today"},
               key="new_today"),
        Figure(_("超时未办结"), counts.overdue, "repairs.index", {"overdue": 1}, tone="alert", key="overdue"),
        Figure(_("待派单"), counts.waiting, "repairs.index", {"status": "waiting"}, tone="warn", key="waiting"),
    ])


@card(roles=MANAGER, order=20, capability="stations.view")
def station_logs(home: Home) -> Card:
    """工作日志: the station's teams that have not written today's log."""
    gaps = home.fact("log_gaps")
    return Card(_("今日工作日志"), key="station_logs", figures=[
        Figure(_("未填日志的队伍"), gaps.teams_without, "stations.index", {"no_log": "today"}, tone="warn",
               key="teams_without_log", note=ngettext("共 %(num)d 支队伍", "共 %(num)d 支队伍", gaps.teams)),
    ], links=[Link(_("填写工作日志"), "stations.new_log"), Link(_("缺日志日历"), "stations.month_calendar")])


@card(roles=MANAGER, order=30, capability="inspection.view")
def station_orders(home: Home) -> Card:
    """整改单: open ones and those returned after a failed re-check."""
    orders = home.fact("orders")
    return Card(_("整改单"), key="station_orders", figures=[
        Figure(_("待整改"), orders.of(OrderStatus.OPEN), "inspections.orders", {"status": "open"}, tone="warn",
               key="orders_open"),
        Figure(_("退回重改"), orders.of(OrderStatus.RETURNED), "inspections.orders", {"status": "returned"},
               tone="alert", key="orders_returned"),
    ])


def _pct(value: Fraction | None) -> str:
    return "—" if value is None else f"{round(float(value) * 100)}%"


def _stars(value: Fraction | None) -> str:
    return "—" if value is None else f"{float(value):.1f}"


@card(roles=MANAGER, order=40, capability="repair.metrics")
def station_month(home: Home) -> Card | None:
    """本月指标: this month's requests, on-time completion and rating against last month's."""
    month = home.fact("metrics")
    if month is None:
        return None
    this, last = month.this, month.last
    args = {"period": month.period}
    rating = (lambda m: None if m.average_rating is None else m.average_rating / 5)
    chart = charts.pairs([
        (_("按时完成率"), this.completion_on_time_rate, last.completion_on_time_rate,
         _pct(this.completion_on_time_rate)),
        (_("按时响应率"), this.response_on_time_rate, last.response_on_time_rate, _pct(this.response_on_time_rate)),
        (_("平均评分"), rating(this), rating(last), _stars(this.average_rating)),
    ], label=_("本月与上月指标对比"), now=_("本月"), before=_("上月"))
    return Card(_("本月指标"), key="station_month", chart=chart, figures=[
        Figure(_("本月报修"), this.count, "repairs.metrics", args, key="month_count",
               note=_("上月 %(n)s", n=last.count)),
        Figure(_("按时完成率"), _pct(this.completion_on_time_rate), "repairs.metrics", args, key="month_on_time",
               note=_("上月 %(v)s", v=_pct(last.completion_on_time_rate))),
        Figure(_("平均评分"), _stars(this.average_rating), "repairs.metrics", args, key="month_rating",
               note=_("上月 %(v)s", v=_stars(last.average_rating))),
    ], links=[Link(_("上月统计"), "repairs.metrics", {"period": month.last_period})])
