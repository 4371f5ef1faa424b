"""考核办法第 1 版: the default scheme every county starts with (the former built-in 100-point sheet, as data).

Migration 0015 holds a frozen copy of this table (migrations never import the application)."""
from __future__ import annotations

from pm.models import ItemSource, UnitKind

WEIGHTS = {"community_daily": "0.5", "street_weekly": "1", "county_monthly": "1.5"}
FINDING = {"min": "0.1", "max": "5", "weights": WEIGHTS}

# (code, name, points) of the nine categories, each with a findings item of the same code.
CATEGORIES = (
    ("environment", "环境卫生/保洁", 20),
    ("order", "秩序维护/安保", 15),
    ("facilities", "设施设备维护", 15),
    ("greening", "绿化", 10),
    ("parking", "停车管理", 10),
    ("repairs", "报修服务", 10),
    ("satisfaction", "群众满意度", 10),
    ("records", "台账资料", 5),
    ("party", "党建引领", 5),
)
EXTRA = ("extra", "加分与一票否决", 0)

# (category, code, name, points, source, params) besides the findings items, per kind.
STATION_ITEMS = (
    ("repairs", "repair_response", "报修按时响应率", 3, ItemSource.INDICATOR,
     {"kind": "response_on_time", "target": "90", "per_point": "0.2"}),
    ("repairs", "repair_completion", "报修按时完成率", 4, ItemSource.INDICATOR,
     {"kind": "completion_on_time", "target": "90", "per_point": "0.2"}),
    ("repairs", "repair_rating", "报修平均评价", 2, ItemSource.INDICATOR,
     {"kind": "average_rating", "target": "4.5", "per_unit": "2"}),
    ("repairs", "repair_reopen", "报修返修率", 1, ItemSource.INDICATOR,
     {"kind": "reopen_rate", "target": "5", "per_point": "0.2"}),
    ("records", "log_days", "工作日志缺失", 5, ItemSource.INDICATOR, {"kind": "log_missing_days", "per_day": "0.1"}),
)
COMMON_ITEMS = (
    ("records", "orders_overdue", "整改单逾期", 5, ItemSource.INDICATOR, {"kind": "orders_overdue", "per_order": "0.5"}),
    ("satisfaction", "satisfaction_survey", "群众满意度测评", 10, ItemSource.INDICATOR,
     {"kind": "satisfaction", "target": "90", "per_point": "0.5", "min_responses": 10}),
    ("extra", "bonus", "加分（表扬、锦旗等）", 5, ItemSource.BONUS, {"per_event": "1"}),
    ("extra", "veto", "一票否决（重大安全事故、群体上访、虚报瞒报）", 0, ItemSource.VETO, {"score": "0"}),
)
NAMES = {UnitKind.STATION: "物业服务站月度考核办法", UnitKind.COMMUNITY: "社区（无服务站小区）月度考核办法",
         UnitKind.STREET: "街道办事处月度考核办法"}


def default_structure(kind: UnitKind) -> list[dict]:
    """Categories with their items, as plain dicts (what schemes.build() takes)."""
    extra = STATION_ITEMS + COMMON_ITEMS if kind == UnitKind.STATION else COMMON_ITEMS
    out = []
    for code, name, points in CATEGORIES + (EXTRA,):
        items = [] if code == "extra" else [
            {"code": code, "name": name, "max_points": points, "source": ItemSource.FINDING, "params": dict(FINDING)}]
        items += [{"code": c, "name": n, "max_points": p, "source": s, "params": dict(params)}
                  for cat, c, n, p, s, params in extra if cat == code]
        out.append({"code": code, "name": name, "max_points": points, "items": items})
    return out
