"""历史工单导入, the rows: every row of a file of historical repair requests read and checked against the workflow.

A row is one request of the previous system: its number there (编号, unique per station: the idempotency key),
where (楼栋/单元/房号: a household; 楼栋 and 单元: a unit's common area; 楼栋 alone: a building's; none: the
compound's), what (类别, 紧急程度, 问题描述), who filed it, and the times of its steps as the workflow knows
them (pm.services.repairs.workflow): 报修 → 受理 → 派单 (to a team of the station) → 到场 → 完工 → 评价 (1–5)
→ 关闭, or 不予受理 with a reason; 返工 sends a dispatched request back to work. The times must be in that order,
not in the future, and each step must be reachable from the one before it. Every problem of every row is listed
(row, column, reason); the caller imports nothing when there is any.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from pm.errors import DomainError
from pm.extensions import db
from pm.models import (
    Building,
    Compound,
    Household,
    RepairCategory,
    RepairRequest,
    RepairStatus,
    Team,
    TeamKind,
    Unit,
    Urgency,
)
from pm.services.repairs.filing import EMERGENCY_CATEGORIES
from pm.services.spreadsheets import cell_text
from pm.services.text import N_, check_phone, check_text
from pm.timeutil import LOCAL_TZ

EXAMPLE_COLUMN = "示例"
EXAMPLE_MARK = "示例（不会导入）"
# (header, required): the template's columns in order.
COLUMNS: tuple[tuple[str, bool], ...] = (
    ("编号", True), ("楼栋", False), ("单元", False), ("房号", False), ("类别", True), ("紧急程度", False),
    ("问题描述", True), ("报修人", False), ("报修电话", False), ("报修时间", True), ("受理时间", False),
    ("派单时间", False), ("维修队", False), ("处理人", False), ("到场时间", False), ("完工时间", False),
    ("完工说明", False), ("评价时间", False), ("评分", False), ("评价", False), ("关闭时间", False),
    ("不予受理时间", False), ("不予受理理由", False), ("返工时间", False), ("返工原因", False),
)
HEADERS = tuple(name for name, _required in COLUMNS)
# The template's example row (marked 示例 in its last column; the same row without the mark is skipped too).
EXAMPLE = ("WX-2024-0001", "1号楼", "1单元", "101", "供水", "一般", "厨房水管漏水", "张三", "13800001111",
           "2024-03-01 08:30", "2024-03-01 09:00", "2024-03-01 09:10", "运维队", "", "2024-03-01 10:00",
           "2024-03-01 11:30", "已更换水管接头", "2024-03-02 09:00", "5", "很满意", "", "", "", "", "")
# The workflow's order of the times of one round (返工 restarts the work after the dispatch).
ORDER = ("报修时间", "受理时间", "派单时间", "返工时间", "到场时间", "完工时间", "评价时间", "关闭时间")

CATEGORY_WORDS = {
    "供水": RepairCategory.WATER_SUPPLY, "排水": RepairCategory.DRAINAGE, "供电": RepairCategory.POWER,
    "照明": RepairCategory.LIGHTING, "道路": RepairCategory.ROAD, "电梯": RepairCategory.ELEVATOR,
    "门禁": RepairCategory.DOOR_ACCESS, "墙面屋面渗漏": RepairCategory.LEAK, "渗漏": RepairCategory.LEAK,
    "绿化": RepairCategory.GREENING, "垃圾": RepairCategory.GARBAGE, "违章搭建": RepairCategory.ILLEGAL_BUILDING,
    "停车": RepairCategory.PARKING, "其他": RepairCategory.OTHER,
}
URGENCY_WORDS = {"": Urgency.NORMAL, "一般": Urgency.NORMAL, "紧急": Urgency.URGENT, "特急": Urgency.EMERGENCY}
TEAM_WORDS = {"保洁": TeamKind.CLEANING, "保安": TeamKind.SECURITY, "运维": TeamKind.MAINTENANCE,
              "治安": TeamKind.ORDER}

E_COLUMN_MISSING = N_("缺少列")
E_REQUIRED = N_("必填")
E_ONLY_EXAMPLES = N_("文件中只有模板的示例行（示例行不会导入），没有工单")
E_REPEATED = N_("编号与第 %(row)d 行重复")
E_IMPORTED_DIFFERENT = N_("编号 %(id)s 已导入过，且内容与本行不同")
E_TOO_LONG = N_("不能超过 %(n)d 个字")
E_CATEGORY = N_("类别应为：%(words)s")
E_URGENCY = N_("紧急程度应为 一般、紧急 或 特急")
E_NOT_EMERGENCY = N_("该类别不属于特急抢修")
E_TIME = N_("时间格式应为 2024-03-01 08:30")
E_FUTURE = N_("时间晚于现在")
E_BEFORE = N_("早于%(other)s")
E_NEEDS = N_("有%(this)s时必须有%(other)s")
E_REJECTED_WITH = N_("不予受理的工单不能有%(this)s")
E_NO_PLACE = N_("本小区没有：%(place)s")
E_UNIT_WITHOUT_BUILDING = N_("填写单元或房号时必须填写楼栋")
E_ROOM_WITHOUT_UNIT = N_("填写房号时必须填写单元")
E_TEAM = N_("本服务站没有这支队伍：%(team)s")
E_MEMBER = N_("%(name)s 不是该队伍的成员")
E_RATING = N_("评分应为 1–5 的整数")


@dataclass
class Row:
    """One checked row: what the request will hold."""

    row: int
    external_id: str
    external_hash: str
    place: tuple[int | None, int | None, int | None]  # household, building, unit
    place_text: str
    category: RepairCategory
    urgency: Urgency
    description: str
    filer_name: str | None
    filer_phone: str | None
    times: dict[str, datetime]  # header → aware UTC time
    team: Team | None
    assignee_id: int | None
    completion_note: str | None
    rating: int | None
    rating_comment: str | None
    reject_reason: str | None
    reopen_reason: str | None
    already_imported: bool = False

    @property
    def status(self) -> RepairStatus:
        t = self.times
        if "不予受理时间" in t:
            return RepairStatus.REJECTED
        for header, status in (("关闭时间", RepairStatus.CLOSED), ("评价时间", RepairStatus.CLOSED),
                               ("完工时间", RepairStatus.COMPLETED), ("到场时间", RepairStatus.IN_PROGRESS),
                               ("返工时间", RepairStatus.DISPATCHED), ("派单时间", RepairStatus.DISPATCHED),
                               ("受理时间", RepairStatus.ACCEPTED)):
            if header in t:
                return status
        return RepairStatus.SUBMITTED


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)

    def bad(self, line: int, column: str, message: str, **params: Any) -> None:
        """Report a problem of a row's cell (message: a msgid, or a text already translated)."""
        self.problems.append({"row": line, "column": column, "message": gettext(message, **params)})


def parse_time(text: str) -> datetime:
    """"2024-03-01 08:30" (or with seconds, "/" for "-", a date alone: midnight), Beijing time → aware UTC."""
    try:
        value = datetime.fromisoformat(text.replace("/", "-").replace("T", " ").strip())
    except ValueError:
        raise DomainError(E_TIME) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL_TZ)
    return value.astimezone(UTC)


def row_hash(values: list[str]) -> str:
    return hashlib.sha256("\x1f".join(values).encode()).hexdigest()


class _Places:
    """The compound's households, units and buildings by name (three queries)."""

    def __init__(self, compound: Compound):
        self.households = {(h.building.name, h.unit.name, h.room_no): h for h in db.session.scalars(
            select(Household).options(joinedload(Household.building), joinedload(Household.unit))
            .where(Household.compound_id == compound.id))}
        self.units = {(u.building.name, u.name): u for u in db.session.scalars(
            select(Unit).options(joinedload(Unit.building)).where(Unit.compound_id == compound.id))}
        self.buildings = {b.name: b for b in db.session.scalars(
            select(Building).where(Building.compound_id == compound.id))}

    def find(self, building: str, unit: str, room: str) -> tuple[int | None, int | None, int | None] | None:
        if room:
            h = self.households.get((building, unit, room))
            return (h.id, h.building_id, h.unit_id) if h else None
        if unit:
            u = self.units.get((building, unit))
            return (None, u.building_id, u.id) if u else None
        if building:
            b = self.buildings.get(building)
            return (None, b.id, None) if b else None
        return None, None, None


def _teams(station_id: int) -> list[Team]:
    return list(db.session.scalars(select(Team).options(selectinload(Team.members))
                                   .where(Team.station_id == station_id).order_by(Team.id)))


def _team(teams: list[Team], text: str) -> Team | None:
    for team in teams:
        if team.name and team.name == text:
            return team
    kind = TEAM_WORDS.get(text.removesuffix("队"))
    if kind is None:
        try:
            kind = TeamKind(text)
        except ValueError:
            return None
    return next((t for t in teams if t.kind == kind), None)


def _imported(station_id: int, ids: list[str]) -> dict[str, str | None]:
    """external id → row hash of the requests already imported into the station."""
    out: dict[str, str | None] = {}
    for i in range(0, len(ids), 500):
        out.update(db.session.execute(select(RepairRequest.external_id, RepairRequest.external_hash).where(
            RepairRequest.station_id == station_id, RepairRequest.external_id.in_(ids[i:i + 500]))).tuples().all())
    return out


def parse_rows(compound: Compound, station_id: int, rows: list[tuple], now: datetime) -> Parsed:
    """Check every row of a table (rows[0] the header) for the compound's station; see the module's docstring."""
    out = Parsed()
    header = [cell_text(h).replace(" ", "").replace("*", "") for h in rows[0]] if rows else []
    missing = [name for name, required in COLUMNS if required and name not in header]
    if missing:
        out.problems = [{"row": 1, "column": c, "message": gettext(E_COLUMN_MISSING)} for c in missing]
        return out
    columns = {name: header.index(name) for name in (*HEADERS, EXAMPLE_COLUMN) if name in header}
    places, teams = _Places(compound), _teams(station_id)
    seen: dict[str, int] = {}
    examples = 0
    bad = out.bad

    for i, r in enumerate(rows[1:], start=2):
        def get(name: str, r: tuple = r) -> str:
            j = columns.get(name)
            return cell_text(r[j]) if j is not None and j < len(r) else ""

        values = [get(name) for name in HEADERS]
        if not any(values):
            continue
        if get(EXAMPLE_COLUMN) or tuple(values) == EXAMPLE:
            examples += 1
            continue
        row = _check_row(i, get, places, teams, now, out)
        if row is None:
            continue
        if row.external_id in seen:
            bad(i, "编号", E_REPEATED, row=seen[row.external_id])
            continue
        seen[row.external_id] = i
        row.external_hash = row_hash(values)
        out.rows.append(row)
    done = _imported(station_id, [r.external_id for r in out.rows])
    for row in out.rows:
        if row.external_id in done:
            if done[row.external_id] == row.external_hash:
                row.already_imported = True
            else:
                bad(row.row, "编号", E_IMPORTED_DIFFERENT, id=row.external_id)
    if not out.rows and not out.problems and examples:
        bad(2, EXAMPLE_COLUMN, E_ONLY_EXAMPLES)
    out.problems.sort(key=lambda p: p["row"])
    return out


def _text(get, name: str, max_len: int, bad, line: int) -> str | None:
    value = get(name)
    if len(value) > max_len:
        bad(line, name, E_TOO_LONG, n=max_len)
    return value or None


def _check_row(i: int, get, places: _Places, teams: list[Team], now: datetime, out: Parsed) -> Row | None:
    """One row checked (None when it has a problem: each is added to `out`)."""
    start, bad = len(out.problems), out.bad
    for name, required in COLUMNS:
        if required and not get(name):
            bad(i, name, E_REQUIRED)
    external_id = _text(get, "编号", 64, bad, i)
    building, unit, room = get("楼栋"), get("单元"), get("房号")
    place = None
    if (unit or room) and not building:
        bad(i, "楼栋", E_UNIT_WITHOUT_BUILDING)
    elif room and not unit:
        bad(i, "单元", E_ROOM_WITHOUT_UNIT)
    else:
        place = places.find(building, unit, room)
        if place is None:
            bad(i, "房号" if room else "单元" if unit else "楼栋", E_NO_PLACE, place=building + unit + room)
    category = None
    if get("类别"):
        category = CATEGORY_WORDS.get(get("类别"))
        if category is None:
            try:
                category = RepairCategory(get("类别"))
            except ValueError:
                bad(i, "类别", E_CATEGORY, words="、".join(CATEGORY_WORDS))
    urgency = URGENCY_WORDS.get(get("紧急程度"))
    if urgency is None:
        try:
            urgency = Urgency(get("紧急程度"))
        except ValueError:
            bad(i, "紧急程度", E_URGENCY)
    if urgency == Urgency.EMERGENCY and category is not None and category not in EMERGENCY_CATEGORIES:
        bad(i, "紧急程度", E_NOT_EMERGENCY)
    description = _text(get, "问题描述", 2000, bad, i)
    filer_name = _text(get, "报修人", 64, bad, i)
    filer_phone = None
    try:
        filer_phone = check_phone(get("报修电话"), field="报修电话")
    except DomainError as err:
        bad(i, "报修电话", err.message)
    times = _times(i, get, now, bad)
    team = assignee_id = None
    if get("维修队"):
        team = _team(teams, get("维修队"))
        if team is None:
            bad(i, "维修队", E_TEAM, team=get("维修队"))
        elif get("处理人"):
            member = next((m for m in team.members if get("处理人") in (m.display_name, m.username)), None)
            if member is None:
                bad(i, "处理人", E_MEMBER, name=get("处理人"))
            else:
                assignee_id = member.id
    elif get("处理人"):
        bad(i, "维修队", E_NEEDS, this="处理人", other="维修队")
    rating = None
    if get("评分"):
        try:
            rating = int(get("评分"))
        except ValueError:
            rating = None
        if rating is None or not 1 <= rating <= 5 or str(rating) != get("评分"):
            bad(i, "评分", E_RATING)
    _reachable(i, get, times, bad)
    texts = {name: _text(get, name, n, bad, i) for name, n in (("完工说明", 2000), ("评价", 500),
                                                                ("不予受理理由", 200), ("返工原因", 500))}
    if len(out.problems) > start or category is None or urgency is None or place is None:
        return None
    return Row(i, external_id, "", place, " ".join(p for p in (building, unit, room) if p), category, urgency,
               description, filer_name, filer_phone, times, team, assignee_id, texts["完工说明"], rating,
               texts["评价"], texts["不予受理理由"], texts["返工原因"])


def _times(i: int, get, now: datetime, bad) -> dict[str, datetime]:
    """The row's times (aware UTC), each parsed and not in the future, and in the workflow's order."""
    times: dict[str, datetime] = {}
    for name in (*ORDER, "不予受理时间"):
        text = get(name)
        if not text:
            continue
        try:
            value = parse_time(text)
        except DomainError as err:
            bad(i, name, err.message)
            continue
        if value > now:
            bad(i, name, E_FUTURE)
            continue
        times[name] = value
    ordered = [name for name in ORDER if name in times]
    for before, after in zip(ordered, ordered[1:]):
        if times[after] < times[before]:
            bad(i, after, E_BEFORE, other=before)
    if "不予受理时间" in times:
        for before in ("报修时间", "受理时间"):
            if before in times and times["不予受理时间"] < times[before]:
                bad(i, "不予受理时间", E_BEFORE, other=before)
    return times


# Each step needs the one before it (派单 accepts a submitted request on the way, 关闭 follows a completion:
# the filer's confirmation, or the automatic close of an unconfirmed one).
NEEDS = (("到场时间", "派单时间"), ("返工时间", "派单时间"), ("完工时间", "到场时间"), ("评价时间", "完工时间"),
         ("关闭时间", "完工时间"), ("评分", "评价时间"), ("评价时间", "评分"), ("派单时间", "维修队"),
         ("维修队", "派单时间"), ("完工说明", "完工时间"), ("评价", "评分"), ("不予受理时间", "不予受理理由"),
         ("不予受理理由", "不予受理时间"), ("返工原因", "返工时间"))
REJECTED_EXCLUDES = ("派单时间", "维修队", "到场时间", "完工时间", "评价时间", "评分", "关闭时间", "返工时间")


def _reachable(i: int, get, times: dict[str, datetime], bad) -> None:
    def present(name: str) -> bool:
        return name in times if name.endswith("时间") else bool(get(name))

    def given(name: str) -> bool:  # typed (even when it did not parse: reported once, as a time)
        return bool(get(name))

    if given("不予受理时间"):
        for name in REJECTED_EXCLUDES:
            if given(name):
                bad(i, name, E_REJECTED_WITH, this=name)
    for this, other in NEEDS:
        if present(this) and not given(other):
            bad(i, other, E_NEEDS, this=this, other=other)
