"""演示数据: the demo county modelled on seed 000's survey, and a city-size data set for benchmarks.

Seed 000 (a county people's congress survey) counts 107 compounds in the county town: 35 with a property
firm and 72 without (7 managed by their work unit, 56 by the residents' committee, 9 by the owners
themselves); 22 have an owners' committee (7 of them among the compounds with a firm). DEMO builds
exactly that county at a size that loads in seconds; city_spec() scales the same generator to a city
(2,000 compounds, about 400,000 households) for benchmarks.

A system operation run by an operator on the server (`flask pm demo`): it writes a whole county, so
it is not filtered by a user's scope; its load is audit-logged once ("demo.load") and each demo account
through accounts.create_user. Everything is drawn from one seeded random generator, so two loads
produce the same data. Rows are
written with bulk INSERTs (``session.execute(insert(Model), rows)``) a few communities at a time; the
loader flushes and never commits (the CLI commits once).

At demo size (DataSetSpec.with_modules) populate_modules() then fills every module around the demo logins
through the services themselves (they audit and keep the ledger consistent): the county's fund policy and
deposit standards, accounts and first deposits (some unpaid or part-paid), last year's returns, three use
plans in the station manager's compound (charged, in voting, emergency), repair requests in every state,
teams, work logs, a patrol route with check-ins, and a street inspection with rectification orders.
"""
from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select, text

from pm.errors import Conflict
from pm.extensions import db
from pm.models import (
    Building,
    Community,
    Compound,
    County,
    EntryKind,
    Household,
    HouseholdStatus,
    ManagementMode,
    Ownership,
    Person,
    Relation,
    RenovationClass,
    RenovationItem,
    Residency,
    Role,
    Station,
    StreetOffice,
    TeamKind,
    Unit,
    User,
    station_compounds,
)
from pm.services import audit
from pm.services.accounts import create_user
from pm.timeutil import LOCAL_TZ, local_today, utcnow

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoLogin:
    """One fixed demo account: the README and the end-to-end test log in with these."""

    username: str
    password: str
    role: Role
    display_name: str


# Officials' passwords have at least 12 characters, residents' at least 8 (accounts.check_password_policy).
DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("county", "county-admin-2026", Role.COUNTY_ADMIN, "县住建局 管理员"),
    DemoLogin("street", "street-office-2026", Role.STREET_OFFICER, "街道物业办 干事"),
    DemoLogin("community", "community-work-2026", Role.COMMUNITY_WORKER, "社区居委会 干事"),
    DemoLogin("manager", "station-manager-2026", Role.STATION_MANAGER, "服务站 站长"),
    DemoLogin("staff", "station-staff-2026", Role.STATION_STAFF, "服务站 工作人员"),
    DemoLogin("committee", "committee-demo-2026", Role.COMMITTEE_MEMBER, "业委会 委员"),
    DemoLogin("owner", "owner-demo-2026", Role.OWNER, "业主"),
    DemoLogin("resident", "resident-demo-2026", Role.RESIDENT, "住户"),
)


@dataclass(frozen=True)
class DataSetSpec:
    """What to generate: the tree's shape, compounds per management mode, and building sizes."""

    name: str
    county_name: str
    street_names: tuple[str, ...]
    communities_per_street: int
    modes: dict[ManagementMode, int]  # exact number of compounds per management mode
    committees_professional: int  # compounds with a firm that have an owners' committee
    committees_other: int  # compounds without a firm that have one
    buildings: tuple[int, int]  # buildings per compound (inclusive range)
    units: tuple[int, int]  # entrances per building
    per_floor: tuple[int, ...]  # households per floor and entrance, drawn from these
    batch_communities: int = 4  # communities written per round of bulk inserts
    seed: int = 20260301
    with_modules: bool = False  # also fill the fund, repairs, station work and inspections (demo only)

    @property
    def compounds(self) -> int:
        return sum(self.modes.values())


DEMO = DataSetSpec(
    name="demo",
    county_name="沛泽县",
    street_names=("鼓楼街道", "汉源街道", "东湖街道", "龙泉街道"),
    communities_per_street=3,
    modes={
        ManagementMode.PROFESSIONAL: 35,
        ManagementMode.UNIT: 7,
        ManagementMode.COMMITTEE: 56,
        ManagementMode.SELF: 9,
    },
    committees_professional=7,
    committees_other=15,
    buildings=(1, 3),
    units=(1, 2),
    per_floor=(2,),
    with_modules=True,
)

# Shares of management modes in a city after renovation (the seeds: street service companies run
# quasi-property management where no firm comes in).
CITY_MODE_SHARES = (
    (ManagementMode.PROFESSIONAL, 33),
    (ManagementMode.QUASI, 20),
    (ManagementMode.COMMITTEE, 35),
    (ManagementMode.UNIT, 5),
    (ManagementMode.SELF, 7),
)


def _shares(total: int, weights: tuple[tuple[ManagementMode, int], ...]) -> dict[ManagementMode, int]:
    """Split total by integer weights, exactly (largest remainder)."""
    weight_sum = sum(w for _m, w in weights)
    counts = {m: total * w // weight_sum for m, w in weights}
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i][1] % weight_sum), i))
    for i in order[: total - sum(counts.values())]:
        counts[weights[i][0]] += 1
    return counts


CITY_MIN_COMPOUNDS = 5  # enough for every management mode but the rarest, and a station


def city_spec(compounds: int = 2000, *, streets: int | None = None, seed: int = 20260301) -> DataSetSpec:
    """A city-size data set: ~200 households per compound; 2,000 compounds make about 400,000 households."""
    if compounds < CITY_MIN_COMPOUNDS:
        raise ValueError(f"a city data set needs at least {CITY_MIN_COMPOUNDS} compounds")
    streets = streets or max(1, min(len(STREET_NAMES), compounds // 200))
    per_street = max(1, min(8, compounds // (streets * 3) or 1))
    modes = _shares(compounds, CITY_MODE_SHARES)
    firm_compounds = modes[ManagementMode.PROFESSIONAL] + modes[ManagementMode.QUASI]
    return DataSetSpec(
        name="city",
        county_name="沛泽市",
        street_names=STREET_NAMES[:streets],
        communities_per_street=per_street,
        modes=modes,
        # About one in five has an owners' committee (seed 000: 22 of 107); at least one each, so the
        # demo logins always find a station's compound with a committee.
        committees_professional=max(1, firm_compounds // 5),
        committees_other=max(1, (compounds - firm_compounds) // 5),
        buildings=(3, 9),
        units=(2, 3),
        per_floor=(2, 2, 2, 3),
        batch_communities=2,
        seed=seed,
    )


@dataclass
class DataSetResult:
    """What was loaded: the county, row counts per table, and the accounts created."""

    county: County
    counts: dict[str, int] = field(default_factory=dict)
    logins: list[tuple[DemoLogin, User, str]] = field(default_factory=list)  # (login, user, bound-to text)


# -- names --------------------------------------------------------------------------------
STREET_NAMES = (
    "鼓楼街道", "汉源街道", "东湖街道", "龙泉街道", "沛城街道", "大屯街道", "安国街道", "栖山街道",
    "张寨街道", "五段街道", "杨屯街道", "朱寨街道",
)
COMMUNITY_NAMES = (
    "胜利社区", "文化社区", "建设社区", "新华社区", "人民社区", "和平社区", "青年社区", "解放社区",
    "光明社区", "团结社区", "朝阳社区", "幸福社区", "东关社区", "西关社区", "南关社区", "北关社区",
    "汉城社区", "歌风社区", "湖滨社区", "永安社区", "康乐社区", "育才社区", "丰收社区", "振兴社区",
)
COMPOUND_PREFIXES = (
    "鼓楼", "明珠", "鑫达", "阳光", "鑫粮", "子隆", "城市", "紫荆", "江南", "香颂", "新沛", "汉城",
    "龙湖", "金桥", "银河", "翠园", "华兴", "东湖", "西湖", "南苑", "北苑", "富民", "康乐", "安居",
    "和平", "建设", "文化", "振兴", "兴华", "幸福", "锦绣", "丰收", "园林", "东风", "红旗", "胜利",
    "光明", "育才", "教师", "春晖", "滨河", "沿河", "湖滨", "桃园", "梨园", "杏林", "荷花", "牡丹",
    "月季", "银杏", "金色", "世纪", "天成", "嘉禾", "泰和", "永安", "福润", "书香", "御景", "新城",
)
COMPOUND_SUFFIXES = ("小区", "花园", "苑", "园", "新村", "家园", "公寓", "佳苑", "雅居", "名居", "里")
WORK_UNITS = (
    "供电公司", "粮食局", "棉纺厂", "农机厂", "第一中学", "人民医院", "税务局", "化肥厂", "酒厂",
    "供销社", "邮政局", "水利局", "电影公司", "物资局", "建筑公司", "啤酒厂", "食品公司", "交通局",
    "教育局", "纺织厂", "机械厂", "自来水公司", "公路站", "中医院", "实验小学",
)
WORK_UNIT_SUFFIXES = ("家属院", "宿舍", "生活区")
PHASES = ("", "二期", "三期", "四期", "五期", "六期", "七期", "八期")
ROADS = (
    "汉兴路", "解放路", "人民路", "建设路", "中山路", "文化路", "东风路", "胜利路", "湖西路", "沛公路",
    "歌风路", "汤沐路", "正阳路", "香城路", "千秋路", "汉源大道",
)
FIRM_WORDS = ("鑫安", "恒信", "华宇", "金盾", "永泰", "宏达", "安泰", "居易", "佳和", "万家", "德润", "瑞祥")
SURNAMES = (
    "王王王李李李张张张刘刘陈陈杨杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
    "于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史"
)
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰凤建国志红梅海燕林婷斌波辉鹏宇浩然"
    "子涵欣怡晨阳文博雪梅立新振华春生秋菊德胜永福金花玉珍淑珍广军学军爱华俊杰思远佳琪"
)
PHONE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "157",
    "158", "159", "177", "180", "181", "182", "183", "186", "187", "188", "189", "199",
)
RENOVATION_ITEMS = {
    RenovationClass.BASIC: ("屋面防水", "外墙修缮", "雨污分流改造", "供水管网改造", "道路修复", "楼道照明", "供电线路改造"),
    RenovationClass.IMPROVE: ("停车位施划", "绿化补植", "安防监控", "垃圾分类亭", "非机动车棚", "适老化改造"),
    RenovationClass.UPGRADE: ("加装电梯", "充电桩", "社区养老服务点", "智慧门禁"),
}
# Waterproofing carries a five-year warranty, other works two (建设工程质量管理条例 art. 40).
FIVE_YEAR_WARRANTY = {"屋面防水", "外墙修缮"}


class _Names:
    """Deterministic plausible Chinese names and phone numbers."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def person(self) -> str:
        given = self.rng.choice(GIVEN_CHARS)
        if self.rng.random() < 0.7:
            given += self.rng.choice(GIVEN_CHARS)
        return self.rng.choice(SURNAMES) + given

    def mobile(self) -> str:
        return self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def landline(self) -> str:
        return f"0516-8{self.rng.randrange(10**6, 10**7 - 1)}"


def _compound_names(rng: random.Random, count: int) -> list[str]:
    bases = [p + s for p in COMPOUND_PREFIXES for s in COMPOUND_SUFFIXES]
    rng.shuffle(bases)
    names = []
    for phase in PHASES:
        for base in bases:
            if len(names) == count:
                return names
            names.append(base + phase)
    raise ValueError(f"cannot name {count} compounds")


def _work_unit_names(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """(work unit, compound name) pairs for compounds managed by their work unit (单位自管)."""
    bases = [(u, u + s) for u in WORK_UNITS for s in WORK_UNIT_SUFFIXES]
    rng.shuffle(bases)
    names = []
    for phase in PHASES:
        for unit, base in bases:
            if len(names) == count:
                return names
            names.append((unit, base + phase))
    raise ValueError(f"cannot name {count} work-unit compounds")


def _cents(value: int) -> Decimal:
    """Integer hundredths of a square metre as an exact Decimal with two places."""
    return Decimal(value).scaleb(-2).quantize(Decimal("0.01"))


def _random_day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


# -- the generator --------------------------------------------------------------------------
def has_county() -> bool:
    """Whether the database already holds a county (the demo loads only into an empty registry)."""
    return bool(db.session.scalar(select(func.count()).select_from(County)))


@dataclass
class _CompoundPlan:
    mode: ManagementMode
    has_committee: bool
    name: str
    work_unit: str | None
    community_index: int


def _plan_compounds(spec: DataSetSpec, rng: random.Random, community_count: int) -> list[_CompoundPlan]:
    modes = [m for m, n in spec.modes.items() for _ in range(n)]
    rng.shuffle(modes)
    with_firm = [i for i, m in enumerate(modes) if m in (ManagementMode.PROFESSIONAL, ManagementMode.QUASI)]
    without = [i for i, m in enumerate(modes) if m not in (ManagementMode.PROFESSIONAL, ManagementMode.QUASI)]
    if spec.committees_professional > len(with_firm) or spec.committees_other > len(without):
        raise ValueError("more owners' committees than compounds")
    committees = set(rng.sample(with_firm, spec.committees_professional))
    committees |= set(rng.sample(without, spec.committees_other))
    unit_names = iter(_work_unit_names(rng, spec.modes.get(ManagementMode.UNIT, 0)))
    other_names = iter(_compound_names(rng, len(modes) - spec.modes.get(ManagementMode.UNIT, 0)))
    # Every community gets at least one compound; the rest are spread at random.
    communities = [i % community_count for i in range(len(modes))]
    rng.shuffle(communities)
    plans = []
    for i, mode in enumerate(modes):
        if mode == ManagementMode.UNIT:
            work_unit, name = next(unit_names)
        else:
            work_unit, name = None, next(other_names)
        plans.append(_CompoundPlan(mode, i in committees, name, work_unit, communities[i]))
    plans.sort(key=lambda p: p.community_index)
    return plans


class _Writer:
    """Builds and bulk-inserts the rows of a batch of compounds."""

    def __init__(self, spec: DataSetSpec, rng: random.Random, streets: list[StreetOffice]):
        self.spec = spec
        self.rng = rng
        self.names = _Names(rng)
        self.streets = {s.id: s for s in streets}
        self.now = utcnow()
        self.next_ids: dict[str, int] = {}
        self.use_copy = db.session.get_bind().dialect.name == "postgresql"
        self.counts = {
            "compounds": 0, "renovation_items": 0, "buildings": 0, "units": 0, "households": 0,
            "persons": 0, "ownerships": 0, "residencies": 0, "stations": 0, "sold_public_housing": 0,
        }

    # -- helpers
    def _insert(self, model, rows: list[dict], *, with_ids: bool = True) -> list[int]:
        """Bulk INSERT (one executemany) with ids assigned here; returns the ids in the order of rows.

        Ids are allocated from the table's current maximum instead of read back with RETURNING: with
        RETURNING in parameter order SQLite falls back to one statement per row. The loader only runs
        on an empty registry, and sync_sequences() moves PostgreSQL's sequences past the ids used.
        """
        if not rows:
            return []
        table = model.__table__
        ids = []
        if with_ids:
            next_id = self.next_ids.get(table.name)
            if next_id is None:
                next_id = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
            for row in rows:
                row["id"] = next_id
                ids.append(next_id)
                next_id += 1
            self.next_ids[table.name] = next_id
        if self.use_copy:
            self._copy(table, rows)
        else:
            db.session.execute(insert(table), rows)
        return ids

    def _copy(self, table, rows: list[dict]) -> None:
        """PostgreSQL: COPY the rows in (less work on both ends than multi-row INSERTs)."""
        columns = [c.name for c in table.columns if c.name in rows[0]]
        raw = db.session.connection().connection.driver_connection
        quoted = ", ".join(f'"{c}"' for c in columns)
        with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])

    def _stamped(self, row: dict) -> dict:
        row["created_at"] = self.now
        row["updated_at"] = self.now
        return row

    # -- one batch: the compounds of a few communities
    def write(self, plans: list[_CompoundPlan], communities: list[Community]) -> None:
        rng = self.rng
        compound_rows, layouts = [], []
        for plan in plans:
            community = communities[plan.community_index]
            year = rng.randint(1980, 2005)
            layout = self._layout(plan, year)
            layouts.append(layout)
            compound_rows.append(self._stamped(self._compound_row(plan, community, year, layout)))
        compound_ids = self._insert(Compound, compound_rows)
        self.counts["compounds"] += len(compound_ids)

        item_rows, building_rows = [], []
        for cid, row, layout in zip(compound_ids, compound_rows, layouts):
            item_rows.extend(self._renovation_items(cid, row))
            for b in layout["buildings"]:
                building_rows.append(self._stamped({
                    "compound_id": cid, "name": b["name"], "floors": b["floors"],
                    "has_elevator": b["has_elevator"], "year_built": b["year_built"],
                }))
        self._insert(RenovationItem, item_rows, with_ids=False)
        self.counts["renovation_items"] += len(item_rows)
        building_ids = iter(self._insert(Building, building_rows))
        self.counts["buildings"] += len(building_rows)

        unit_rows, unit_plans = [], []
        for cid, layout in zip(compound_ids, layouts):
            for b in layout["buildings"]:
                bid = next(building_ids)
                for u in b["units"]:
                    unit_rows.append({"building_id": bid, "compound_id": cid, "name": u["name"]})
                    unit_plans.append((cid, bid, u))
        unit_ids = self._insert(Unit, unit_rows)
        self.counts["units"] += len(unit_ids)

        household_rows, household_plans = [], []
        for uid, (cid, bid, u) in zip(unit_ids, unit_plans):
            for h in u["households"]:
                household_rows.append(self._stamped({
                    "compound_id": cid, "building_id": bid, "unit_id": uid, "room_no": h["room_no"],
                    "floor": h["floor"], "area_m2": h["area_m2"], "is_sold_public_housing": h["sold_public"],
                    "status": HouseholdStatus.ACTIVE.value,
                }))
                household_plans.append(h)
        household_ids = self._insert(Household, household_rows)
        self.counts["households"] += len(household_ids)
        self.counts["sold_public_housing"] += sum(1 for h in household_plans if h["sold_public"])

        self._people(household_ids, household_plans, layouts, compound_ids)
        self._stations(plans, compound_ids, compound_rows, communities)

    def _layout(self, plan: _CompoundPlan, year: int) -> dict:
        """Buildings, entrances and dwellings of one compound (areas exact, same stack same area)."""
        rng, spec = self.rng, self.spec
        # Sold public housing (售后公房): work-unit compounds mostly; some pre-1998 compounds partly.
        if plan.mode == ManagementMode.UNIT:
            public_share, org_share = 0.8, 0.12
        elif year < 1998 and rng.random() < 0.35:
            public_share, org_share = rng.uniform(0.3, 0.7), 0.0
        else:
            public_share, org_share = 0.0, 0.0
        buildings = []
        for b in range(1, rng.randint(*spec.buildings) + 1):
            if rng.random() < 0.12:
                floors = rng.randint(7, 12)
            else:
                floors = rng.choice((4, 5, 5, 6, 6, 6)) if year < 1995 else rng.choice((5, 6, 6, 6))
            has_elevator = floors >= 8 or (floors == 7 and rng.random() < 0.3)
            per_floor = rng.choice(spec.per_floor)
            # One floor plan per position in the stairwell (户型), the same on every floor; most
            # old dwellings are 52–95 m², a few small or (in buildings with a lift) large ones.
            stack_areas = [
                rng.randint(5200, 9500) if rng.random() < 0.6 else rng.randint(4500, 14000 if has_elevator else 11000)
                for _ in range(per_floor)
            ]
            units = []
            for u in range(1, rng.randint(*spec.units) + 1):
                households = []
                for floor in range(1, floors + 1):
                    for pos in range(1, per_floor + 1):
                        draw = rng.random()
                        households.append({
                            "room_no": f"{floor}{pos:02d}",
                            "floor": floor,
                            "area_m2": _cents(stack_areas[pos - 1]),
                            "sold_public": draw < public_share,
                            "org_owned": public_share <= draw < public_share + org_share,
                        })
                units.append({"name": f"{u}单元", "households": households})
            buildings.append({
                "name": f"{b}号楼", "floors": floors, "has_elevator": has_elevator,
                "year_built": min(2005, year + rng.choice((0, 0, 0, 1, 2))), "units": units,
            })
        return {"buildings": buildings, "year": year, "work_unit": plan.work_unit}

    def _compound_row(self, plan: _CompoundPlan, community: Community, year: int, layout: dict) -> dict:
        rng = self.rng
        households = [h for b in layout["buildings"] for u in b["units"] for h in u["households"]]
        area = sum((h["area_m2"] for h in households), Decimal("0.00"))
        renovated = rng.random()
        if renovated < 0.8:
            renovation_class = rng.choices(list(RenovationClass), weights=(50, 35, 15))[0]
            renovation_year = rng.randint(2019, 2024)
        elif renovated < 0.92:
            renovation_class = rng.choices(list(RenovationClass), weights=(50, 35, 15))[0]
            renovation_year = 2025
        else:
            renovation_class, renovation_year = None, None
        firm = None
        grade = 3
        if plan.mode == ManagementMode.PROFESSIONAL:
            firm = f"{self.spec.county_name[:2]}{rng.choice(FIRM_WORDS)}物业服务有限公司"
            grade = rng.choice((1, 2, 2))
        elif plan.mode == ManagementMode.QUASI:
            street = self.streets[community.street_id]
            firm = f"{street.name}物业管理服务有限公司"
            grade = 2
        committee_on = _random_day(rng, date(2015, 1, 1), date(2024, 12, 31)) if plan.has_committee else None
        return {
            "community_id": community.id,
            "name": plan.name,
            "address": f"{self.spec.county_name}{rng.choice(ROADS)}{rng.randint(1, 300)}号",
            "year_built": year,
            "household_count": len(households),
            "resident_count": sum(rng.randint(1, 4) for _ in households),
            "floor_area_m2": area,
            "renovation_class": renovation_class.value if renovation_class else None,
            "renovation_year": renovation_year,
            "management_mode": plan.mode.value,
            "property_company": firm,
            "service_grade": grade,
            "owners_committee_formed_on": committee_on,
        }

    def _renovation_items(self, compound_id: int, row: dict) -> list[dict]:
        rng = self.rng
        if row["renovation_class"] is None:
            return []
        renovation_class = RenovationClass(row["renovation_class"])
        names = rng.sample(RENOVATION_ITEMS[RenovationClass.BASIC], rng.randint(3, 5))
        if renovation_class in (RenovationClass.IMPROVE, RenovationClass.UPGRADE):
            names += rng.sample(RENOVATION_ITEMS[RenovationClass.IMPROVE], rng.randint(2, 3))
        if renovation_class == RenovationClass.UPGRADE:
            names += rng.sample(RENOVATION_ITEMS[RenovationClass.UPGRADE], rng.randint(1, 2))
        items = []
        year = row["renovation_year"]
        for name in names:
            done = year < 2025 or rng.random() < 0.4
            completed_on = _random_day(rng, date(year, 5, 1), date(year, 11, 30)) if done else None
            warranty = None
            if completed_on is not None:
                years = 5 if name in FIVE_YEAR_WARRANTY else 2
                warranty = completed_on.replace(year=completed_on.year + years)
            items.append({
                "compound_id": compound_id, "name": name, "is_completed": done,
                "completed_on": completed_on, "warranty_until": warranty, "note": None,
            })
        return items

    def _people(self, household_ids, household_plans, layouts, compound_ids) -> None:
        """Owners (Person + Ownership) for most dwellings, some second owners, tenants and family."""
        rng, names = self.rng, self.names
        persons: list[dict] = []
        ownerships: list[tuple[int, int, date]] = []  # (household id, person index, started on)
        residencies: list[tuple[int, int, str, date]] = []

        def new_person(name: str | None = None, *, organisation: bool = False, phone=True) -> int:
            persons.append({
                "name": name or names.person(),
                "phone": (names.landline() if organisation else names.mobile()) if phone else None,
                "is_organisation": organisation,
                "created_at": self.now,
            })
            return len(persons) - 1

        # The compound of each dwelling, to give a work-unit compound its organisation owner.
        compound_of = []
        work_unit_owner: dict[int, int] = {}
        for cid, layout in zip(compound_ids, layouts):
            for b in layout["buildings"]:
                for u in b["units"]:
                    compound_of.extend([(cid, layout)] * len(u["households"]))
        recent_owners: list[int] = []
        for hid, plan, (cid, layout) in zip(household_ids, household_plans, compound_of):
            year = layout["year"]
            if plan["org_owned"]:
                # Dwellings the work unit never sold stay registered to it (an organisation owner).
                if cid not in work_unit_owner:
                    work_unit_owner[cid] = new_person(
                        f"{self.spec.county_name}{layout['work_unit']}", organisation=True
                    )
                ownerships.append((hid, work_unit_owner[cid], date(max(year, 1990), 1, 1)))
                continue
            draw = rng.random()
            if draw < 0.04:
                continue  # not yet registered (台账不全)
            start_low = date(1998, 12, 1) if plan["sold_public"] else date(year + 1, 1, 1)
            started = _random_day(rng, min(start_low, date(2006, 1, 1)), date(2024, 6, 30))
            if draw < 0.07 and recent_owners:
                owner = rng.choice(recent_owners)  # one person owning a second dwelling
            else:
                owner = new_person(phone=rng.random() < 0.9)
                recent_owners = (recent_owners + [owner])[-50:]
            ownerships.append((hid, owner, started))
            if rng.random() < 0.04:
                ownerships.append((hid, new_person(), started))  # spouses registered as co-owners
            r = rng.random()
            if r < 0.08:
                residencies.append((hid, new_person(), "tenant", _random_day(rng, date(2018, 1, 1), date(2025, 6, 30))))
            elif r < 0.16:
                residencies.append((hid, new_person(phone=rng.random() < 0.5), "family", started))
        person_ids = self._insert(Person, persons)
        self._insert(Ownership, [
            {"household_id": hid, "person_id": person_ids[p], "started_on": on, "created_at": self.now}
            for hid, p, on in ownerships
        ], with_ids=False)
        self._insert(Residency, [
            {"household_id": hid, "person_id": person_ids[p], "relation": rel, "started_on": on, "created_at": self.now}
            for hid, p, rel, on in residencies
        ], with_ids=False)
        self.counts["persons"] += len(person_ids)
        self.counts["ownerships"] += len(ownerships)
        self.counts["residencies"] += len(residencies)

    def _stations(self, plans, compound_ids, compound_rows, communities) -> None:
        """物业服务站: compounds with a firm or quasi-property get one; a station serves 1–3 of a community."""
        rng = self.rng
        groups: dict[tuple[int, str], list[tuple[int, dict]]] = {}
        for plan, cid, row in zip(plans, compound_ids, compound_rows):
            if plan.mode in (ManagementMode.PROFESSIONAL, ManagementMode.QUASI):
                key = (plan.community_index, plan.mode.value)
                groups.setdefault(key, []).append((cid, row))
        station_rows, members = [], []
        for (community_index, _mode), compounds in groups.items():
            i = 0
            while i < len(compounds):
                size = rng.choice((1, 1, 2, 2, 3))
                chunk = compounds[i : i + size]
                i += size
                first = chunk[0][1]
                station_rows.append({
                    "community_id": communities[community_index].id,
                    "name": f"{first['name']}物业服务站",
                    "operator": first["property_company"],
                    "phone": self.names.landline(),
                })
                members.append([cid for cid, _row in chunk])
        station_ids = self._insert(Station, station_rows)
        links = [{"station_id": sid, "compound_id": cid} for sid, cids in zip(station_ids, members) for cid in cids]
        if links:
            db.session.execute(station_compounds.insert(), links)
        # A station runs one firm's service: its compounds take the firm of the first one.
        for cids, row in zip(members, station_rows):
            if len(cids) > 1:
                db.session.execute(
                    Compound.__table__.update()
                    .where(Compound.id.in_(cids[1:]))
                    .values(property_company=row["operator"])
                )
        self.counts["stations"] += len(station_ids)


def sync_sequences(tables: dict[str, int]) -> None:
    """PostgreSQL: move each table's id sequence past the ids the bulk loader assigned itself."""
    if db.session.get_bind().dialect.name != "postgresql":
        return  # SQLite takes max(rowid) + 1 by itself
    for name in tables:
        db.session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT MAX(id) FROM \"{name}\"))")
        )


def build_data_set(
    spec: DataSetSpec, *, progress: Callable[[int], None] | None = None, with_logins: bool = True
) -> DataSetResult:
    """Generate a county per `spec` into an empty registry; progress(n) is called as n compounds are written.

    Refuses (Conflict) when a county already exists. Flushes; the caller commits.
    """
    if has_county():
        raise Conflict("数据库中已有县级数据，演示数据只能载入空的数据库")
    rng = random.Random(spec.seed)
    county = County(name=spec.county_name, code=f"demo-{spec.name}")
    db.session.add(county)
    db.session.flush()
    names = _Names(rng)
    streets, communities = [], []
    community_pool = list(COMMUNITY_NAMES)
    for street_name in spec.street_names:
        street = StreetOffice(county_id=county.id, name=street_name, phone=names.landline())
        db.session.add(street)
        streets.append(street)
    db.session.flush()
    for street in streets:
        for name in rng.sample(community_pool, spec.communities_per_street):
            communities.append(Community(street_id=street.id, name=name, phone=names.landline()))
    db.session.add_all(communities)
    db.session.flush()

    plans = _plan_compounds(spec, rng, len(communities))
    writer = _Writer(spec, rng, streets)
    for index in range(0, len(communities), spec.batch_communities):
        wanted = set(range(index, index + spec.batch_communities))
        batch = [p for p in plans if p.community_index in wanted]
        writer.write(batch, communities)
        if progress is not None:
            progress(len(batch))
    sync_sequences(writer.next_ids)
    db.session.flush()
    counts = {"streets": len(streets), "communities": len(communities), **writer.counts}
    result = DataSetResult(county=county, counts=counts)
    if with_logins:
        result.logins = create_demo_logins(county)
        if spec.with_modules:
            result.counts.update(populate_modules(county, {u.role: u for _l, u, _t in result.logins},
                                                  seed=spec.seed))
    audit.record("demo.load", county, actor=None, changes={"size": spec.name, **counts})
    logger.info("loaded %s data set %r: %r", spec.name, county, counts)
    return result


def _anchor(county: County) -> tuple[Station, Compound, Person, Person]:
    """The station, compound, owner and tenant the household-level demo accounts are bound to.

    The station manager's compound has an owners' committee, so every role has something to see.
    """
    candidates = db.session.execute(
        select(Station, Compound)
        .join(station_compounds, station_compounds.c.station_id == Station.id)
        .join(Compound, Compound.id == station_compounds.c.compound_id)
        .join(Community, Community.id == Compound.community_id)
        .join(StreetOffice, StreetOffice.id == Community.street_id)
        .where(StreetOffice.county_id == county.id, Compound.owners_committee_formed_on.is_not(None))
        .order_by(Station.id, Compound.id)
    ).all()
    for station, compound in candidates:
        owner = db.session.scalar(
            select(Person)
            .join(Ownership, Ownership.person_id == Person.id)
            .join(Household, Household.id == Ownership.household_id)
            .where(Household.compound_id == compound.id, Ownership.ended_on.is_(None),
                   Person.is_organisation.is_(False), Person.phone.is_not(None))
            .order_by(Household.id)
            .limit(1)
        )
        tenant = db.session.scalar(
            select(Person)
            .join(Residency, Residency.person_id == Person.id)
            .join(Household, Household.id == Residency.household_id)
            .where(Household.compound_id == compound.id, Residency.ended_on.is_(None),
                   Residency.relation == Relation.TENANT)
            .order_by(Household.id)
            .limit(1)
        )
        if owner is not None and tenant is not None:
            return station, compound, owner, tenant
    raise Conflict("演示数据中没有一个有服务站、业主委员会、业主和租户的小区")


def create_demo_logins(county: County) -> list[tuple[DemoLogin, User, str]]:
    """One account per role (DEMO_LOGINS), bound inside the demo county; returns (login, user, bound-to)."""
    station, compound, owner, tenant = _anchor(county)
    community = db.session.get(Community, compound.community_id)
    street = db.session.get(StreetOffice, community.street_id)
    bindings = {
        Role.COUNTY_ADMIN: (county.id, county.name),
        Role.STREET_OFFICER: (street.id, street.name),
        Role.COMMUNITY_WORKER: (community.id, f"{street.name} {community.name}"),
        Role.STATION_MANAGER: (station.id, f"{station.name}（{compound.name}）"),
        Role.STATION_STAFF: (station.id, f"{station.name}（{compound.name}）"),
        Role.COMMITTEE_MEMBER: (compound.id, f"{compound.name} 业主委员会"),
        Role.OWNER: (owner.id, f"{owner.name}，{compound.name}业主"),
        Role.RESIDENT: (tenant.id, f"{tenant.name}，{compound.name}租户"),
    }
    created = []
    for login in DEMO_LOGINS:
        binding_id, text = bindings[login.role]
        display = owner.name if login.role == Role.OWNER else tenant.name if login.role == Role.RESIDENT else login.display_name
        user = create_user(
            actor=None,
            scope=None,
            username=login.username,
            display_name=display,
            password=login.password,
            role=login.role,
            binding_id=binding_id,
            phone=owner.phone if login.role == Role.OWNER else None,
        )
        created.append((login, user, text))
    return created


# -- the modules: maintenance fund, repairs, station work, inspections (demo size only) ------------------
DEPOSIT_STANDARDS = (  # 首期交存标准 (fen per m² of floor area): multi-storey without a lift, with a lift
    ("多层住宅（无电梯）", False, 4000),
    ("高层住宅（有电梯）", True, 8000),
)
WORK_LOG_TEXTS = {
    TeamKind.CLEANING: ("楼道清扫、垃圾清运，{b}门前落叶清理", "清理{b}楼道小广告，垃圾分类亭消毒", "道路冲洗，{b}单元门擦拭"),
    TeamKind.MAINTENANCE: ("巡检{b}楼道灯和水泵房，更换灯泡两只", "检查{b}雨水管和化粪池，疏通一处下水", "维修{b}单元门闭门器"),
    TeamKind.SECURITY: ("门岗值守，登记外来车辆，夜间巡逻两次", "消防通道巡查，劝离占道停车三辆"),
}
PATROL_POINTS = ("小区大门", "1号楼单元门", "水泵房", "配电室", "非机动车棚", "垃圾分类亭")


def _ago(now: datetime, days: int = 0, hours: int = 0) -> datetime:
    return now - timedelta(days=days, hours=hours)


def populate_modules(county: County, users: dict[Role, User], *, seed: int, now: datetime | None = None) -> dict[str, int]:
    """Fill the fund, repairs, station work and inspections around the demo logins, through their services.

    Dates are relative to `now` (default: the moment of loading) and never later than it: each step passes its
    own past moment as the services' `now`. Returns row counts for the CLI's summary.
    """
    rng = random.Random(seed + 1)
    now = now or utcnow()
    station, compound, _owner, _tenant = _anchor(county)
    counts = _fund(county, station, compound, users, rng, now)
    counts.update(_repairs(station, compound, users, now))
    counts.update(_station_work(station, users, rng, now))
    counts.update(_inspection(station, users, now))
    logger.info("demo modules filled: %r", counts)
    return counts


def _owners_of(household_ids: list[int]) -> dict[int, int]:
    """household id → one current owner's person id (the lowest)."""
    rows = db.session.execute(
        select(Ownership.household_id, func.min(Ownership.person_id))
        .where(Ownership.household_id.in_(household_ids), Ownership.ended_on.is_(None))
        .group_by(Ownership.household_id)
    ).all()
    return dict(rows)


def _fund(county, station, compound, users, rng, now) -> dict[str, int]:
    """Policy, deposit standards, accounts and first deposits, returns, and three use plans in the anchor compound."""
    from pm.access import scope_for
    from pm.models import FundAccount, FundPolicy
    from pm.services import votes
    from pm.services.fund import cashier as funds
    from pm.services.fund import ledger
    from pm.services.fund import plans as fund_plans

    admin, manager, committee, owner_user = (users[r] for r in (
        Role.COUNTY_ADMIN, Role.STATION_MANAGER, Role.COMMITTEE_MEMBER, Role.OWNER))
    today = local_today(now)
    policy = FundPolicy(county_id=county.id, approver="housing_department", publicity_days=7, vote_days=15,
                        returns_key="balance")
    db.session.add(policy)
    db.session.flush()
    audit.record("fund.policy.create", policy, actor=admin, changes={
        "approver": "housing_department", "publicity_days": 7, "vote_days": 15, "returns_key": "balance"})
    admin_scope = scope_for(admin)
    for name, elevator, fen in DEPOSIT_STANDARDS:
        funds.create_rate({"name": name, "has_elevator": elevator, "fen_per_m2": fen, "effective_on": date(2019, 1, 1)},
                          actor=admin, scope=admin_scope)

    # Accounts for every compound with a station (sold public housing waits for its terms: the 未开户 list).
    station_compound_ids = db.session.scalars(
        select(station_compounds.c.compound_id)
        .join(Compound, Compound.id == station_compounds.c.compound_id)
        .join(Community, Community.id == Compound.community_id)
        .join(StreetOffice, StreetOffice.id == Community.street_id)
        .where(StreetOffice.county_id == county.id).order_by(station_compounds.c.compound_id)
    ).all()
    opened = 0
    for compound_id in station_compound_ids:
        opened += len(funds.open_accounts(db.session.get(Compound, compound_id), on=today, actor=admin,
                                          scope=admin_scope).opened)
    owner_households = set(db.session.scalars(scope_for(owner_user).household_ids))
    accounts = db.session.execute(
        select(FundAccount.id, FundAccount.household_id, FundAccount.first_deposit_due_fen)
        .where(FundAccount.compound_id.in_(station_compound_ids)).order_by(FundAccount.id)
    ).all()
    # First deposits over the last two years: most paid in full, some part-paid, a few not at all (追缴).
    full, part = {}, []
    for account_id, household_id, due in accounts:
        draw = rng.random()
        if household_id in owner_households or draw >= 0.10:
            month = rng.randrange(6)
            full.setdefault(month, []).append((account_id, due, f"demo:first:{account_id}"))
        elif draw >= 0.04:
            part.append((account_id, due * rng.choice((3, 4, 5)) // 10, f"demo:first:{account_id}"))
    entries = 0
    for month, postings in sorted(full.items()):
        entries += ledger.post_batch(postings, EntryKind.FIRST_DEPOSIT, actor=admin, source_type="demo",
                                     value_on=today - timedelta(days=700 - 60 * month), memo="首期交存（银行代收）")
    entries += ledger.post_batch(part, EntryKind.FIRST_DEPOSIT, actor=admin, source_type="demo",
                                 value_on=today - timedelta(days=400), memo="首期交存（部分）")
    audit.record("fund.demo_deposits", county, actor=admin, changes={"accounts": len(accounts), "entries": entries})

    # Last year's returns (增值收益) in the anchor compound and one other.
    other = next((c for c in station_compound_ids if c != compound.id), None)
    returns_on = min(date(today.year, 1, 20), today)
    period = str(today.year - 1)
    distributions = 0
    for compound_id in (compound.id, other):
        if compound_id is not None:
            # About 1.75% a year on what the compound holds (time deposits), to the fen.
            held = db.session.scalar(select(func.coalesce(func.sum(FundAccount.balance_fen), 0))
                                     .where(FundAccount.compound_id == compound_id))
            amount = int(held) * 175 // 10_000  # PostgreSQL's SUM of BIGINT is a Decimal
            if amount <= 0:
                continue
            funds.distribute_returns(db.session.get(Compound, compound_id), period=period, amount_fen=amount,
                                     actor=admin, scope=admin_scope, memo=f"{period} 年度定期存款利息",
                                     value_on=returns_on)
            distributions += 1

    # Plans in the anchor compound: charged (the owner's building), in voting, and an emergency one approved.
    manager_scope, committee_scope = scope_for(manager), scope_for(committee)
    owner_household = db.session.get(Household, min(owner_households))
    confirmed = {name: True for name in fund_plans.CONFIRMATIONS}
    building_ids = [owner_household.building_id]
    building_total = db.session.scalar(
        select(func.coalesce(func.sum(FundAccount.balance_fen), 0))
        .join(Household, Household.id == FundAccount.household_id)
        .where(Household.building_id.in_(building_ids))
    )
    cost = max(100_00, int(building_total) * 3 // 4)  # leaves most accounts of the building below 30%: 续交
    charged = fund_plans.create_plan(
        compound, actor=manager, scope=manager_scope, title=f"{owner_household.building.name}屋面防水层翻修",
        shared_part="屋面及防水层", reason="屋面防水层老化开裂，顶层多户雨季渗漏，已过保修期。",
        budget_fen=cost + cost // 10, contractor="沛泽县建工防水工程有限公司",
        targets=fund_plans.Targets(whole=False, buildings=building_ids), confirmations=confirmed,
    )
    fund_plans.transition(charged, "publicised", actor=manager, scope=manager_scope, now=_ago(now, 150))
    fund_plans.transition(charged, "voting", actor=manager, scope=manager_scope, now=_ago(now, 142))
    electorate = sorted(fund_plans.scope_household_ids(charged))
    owners = _owners_of(electorate)
    ballots = 0
    for household_id in electorate:
        if household_id == owner_household.id:
            votes.cast_ballot(charged, owner_household, "yes", actor=owner_user, scope=scope_for(owner_user),
                              now=_ago(now, 140))
        elif household_id in owners and rng.random() < 0.88:
            votes.cast_ballot(charged, db.session.get(Household, household_id),
                              "yes" if rng.random() < 0.9 else rng.choice(("no", "abstain")),
                              actor=committee, scope=committee_scope, person=db.session.get(Person, owners[household_id]),
                              paper=True, now=_ago(now, 139))
        else:
            continue
        ballots += 1
    fund_plans.transition(charged, "close_vote", actor=manager, scope=manager_scope, now=_ago(now, 126))
    fund_plans.transition(charged, "works_done", actor=manager, scope=manager_scope, now=_ago(now, 90))
    fund_plans.transition(charged, "settled", actor=manager, scope=manager_scope, now=_ago(now, 80),
                          actual_cost_fen=cost)
    fund_plans.transition(charged, "payment_approved", actor=admin, scope=admin_scope, now=_ago(now, 75))
    fund_plans.transition(charged, "charged", actor=admin, scope=admin_scope, now=_ago(now, 70))

    voting = fund_plans.create_plan(
        compound, actor=committee, scope=committee_scope, title="小区雨污管网疏通及破损井盖更换",
        shared_part="室外排水管网、检查井", reason="雨季多处检查井冒溢，井盖破损 11 处，影响通行安全。",
        budget_fen=18_640_000, contractor="沛泽县市政养护工程有限公司", confirmations=confirmed,
    )
    fund_plans.transition(voting, "publicised", actor=committee, scope=committee_scope, now=_ago(now, 10))
    fund_plans.transition(voting, "voting", actor=committee, scope=committee_scope, now=_ago(now, 2))
    electorate = sorted(fund_plans.scope_household_ids(voting))
    owners = _owners_of(electorate)
    for household_id in electorate:
        if household_id not in owner_households and household_id in owners and rng.random() < 0.4:
            votes.cast_ballot(voting, db.session.get(Household, household_id),
                              "yes" if rng.random() < 0.8 else rng.choice(("no", "abstain")), actor=committee,
                              scope=committee_scope, person=db.session.get(Person, owners[household_id]),
                              paper=True, now=_ago(now, 1))
            ballots += 1

    buildings = db.session.scalars(select(Building.id).where(Building.compound_id == compound.id)
                                   .order_by(Building.id)).all()
    emergency = fund_plans.create_plan(
        compound, actor=manager, scope=manager_scope, title="外墙空鼓脱落应急抢修",
        shared_part="外墙面", reason="外墙饰面砖大面积空鼓，已有脱落，危及行人安全，需立即排危修复。",
        budget_fen=4_250_000, contractor="沛泽县建工防水工程有限公司", confirmations=confirmed,
        targets=fund_plans.Targets(whole=False, buildings=[buildings[-1]]), is_emergency=True,
        emergency_reason="facade_risk",
    )
    fund_plans.transition(emergency, "passed", actor=admin, scope=admin_scope, now=_ago(now, 5))
    return {"fund_accounts": len(accounts), "fund_accounts_opened": opened, "ledger_entries": entries,
            "returns_distributions": distributions, "use_plans": 3, "ballots": ballots}


def _repairs(station, compound, users, now) -> dict[str, int]:
    """Four teams (the staff member in maintenance) and repair requests in every state in the anchor compound."""
    from pm.access import scope_for
    from pm.services import repairs
    from pm.services import stations as station_work

    manager, staff, owner_user, resident = (users[r] for r in (
        Role.STATION_MANAGER, Role.STATION_STAFF, Role.OWNER, Role.RESIDENT))
    teams = {t.kind: t for t in station_work.ensure_teams(station, actor=manager)}
    station_work.add_member(teams[TeamKind.MAINTENANCE], staff, actor=manager)
    station_work.add_member(teams[TeamKind.CLEANING], staff, actor=manager)
    maintenance = teams[TeamKind.MAINTENANCE]
    manager_scope, staff_scope = scope_for(manager), scope_for(staff)
    scopes = {owner_user.id: scope_for(owner_user), resident.id: scope_for(resident)}
    homes = {u.id: min(db.session.scalars(scopes[u.id].household_ids)) for u in (owner_user, resident)}
    building_id = db.session.get(Household, homes[owner_user.id]).building_id

    def file(user, days, hours, category, urgency, description, *, common=False):
        return repairs.file_request(
            compound, actor=user, scope=scopes[user.id], category=category, urgency=urgency, description=description,
            household_id=None if common else homes[user.id], building_id=building_id if common else None,
            location_note="楼道" if common else None, now=_ago(now, days, hours))

    def handle(req, days, hours, *, until):
        """Dispatch to the staff member, then start, complete (and confirm) as far as `until`."""
        at = _ago(now, days, hours)
        repairs.dispatch(req, actor=manager, scope=manager_scope, team_id=maintenance.id, assignee_id=staff.id,
                         now=at + timedelta(minutes=25))
        if until == "dispatched":
            return
        repairs.start(req, actor=staff, scope=staff_scope, now=at + timedelta(hours=2))
        repairs.complete(req, actor=staff, scope=staff_scope, note="已更换损坏部件，试用正常，现场已清理。",
                         now=at + timedelta(hours=5))

    made = []
    made.append(file(resident, 0, 3, "leak", "normal", "卫生间顶棚渗水，楼上可能漏水，请上门查看。"))
    req = file(owner_user, 1, 2, "lighting", "normal", "单元楼道三楼到五楼声控灯不亮，晚上上下楼不方便。", common=True)
    handle(req, 1, 2, until="dispatched")
    made.append(req)
    req = file(resident, 3, 4, "water_supply", "urgent", "厨房水龙头下方进水管接头漏水，已关总阀。")
    handle(req, 3, 4, until="completed")
    made.append(req)
    for user, days, category, description, rating, comment in (
        (owner_user, 20, "door_access", "单元门禁刷卡没反应，老人进不了门。", 5, "修得很快，师傅很耐心。"),
        (resident, 12, "drainage", "楼前下水道堵塞，污水外溢有异味。", 4, "处理及时，希望定期疏通。"),
    ):
        req = file(user, days, 6, category, "normal", description, common=True)
        handle(req, days, 6, until="completed")
        repairs.confirm(req, actor=user, rating=rating, comment=comment, now=_ago(now, days - 1))
        made.append(req)
    # Overdue: filed two days ago as urgent and not yet answered (the escalation job picks it up).
    made.append(file(owner_user, 2, 1, "power", "urgent", "楼道总电闸跳闸后合不上，整个单元公共照明停电。",
                     common=True))
    return {"teams": len(teams), "repair_requests": len(made)}


def _station_work(station, users, rng, now) -> dict[str, int]:
    """Daily work logs for the last two weeks (some days missing) and a patrol route with check-ins."""
    from pm.services import stations as station_work

    manager, staff = users[Role.STATION_MANAGER], users[Role.STATION_STAFF]
    teams = {t.kind: t for t in station_work.ensure_teams(station, actor=manager)}
    today = local_today(now)
    buildings = ("1号楼", "2号楼", "3号楼")
    logs = 0
    for days in range(14, 0, -1):
        day = today - timedelta(days=days)
        for kind, texts in WORK_LOG_TEXTS.items():
            if rng.random() < 0.2:
                continue  # not written that day: month_gaps shows it
            station_work.create_log(teams[kind], log_on=day, shift="full_day",
                                    content=rng.choice(texts).format(b=rng.choice(buildings)),
                                    actor=staff, now=_ago(now, days - 1))
            logs += 1
    route = station_work.create_route(station, name="日常安全巡查", points=list(PATROL_POINTS), actor=manager)
    checkins = 0
    for days in (3, 2, 1):
        for i, point in enumerate(route.points):
            if days == 2 and i == len(route.points) - 1:
                continue  # one point missed
            problem = days == 1 and point.name == "非机动车棚"
            # Morning rounds at 08:30 local time, ten minutes a point.
            local = datetime.combine(today - timedelta(days=days), time(8, 30), tzinfo=LOCAL_TZ)
            station_work.checkin(point, actor=staff, status="problem" if problem else "ok",
                                 note="车棚内电动车飞线充电两处，已劝离" if problem else None,
                                 now=(local + timedelta(minutes=10 * i)).astimezone(UTC))
            checkins += 1
    return {"work_logs": logs, "patrol_checkins": checkins}


def _inspection(station, users, now) -> dict[str, int]:
    """A street weekly inspection of the station a week ago: two findings, one order closed, one open."""
    from pm.models import RectificationOrder
    from pm.services import inspections

    officer, manager = users[Role.STREET_OFFICER], users[Role.STATION_MANAGER]
    today = local_today(now)
    at = _ago(now, 7)
    inspection = inspections.create_inspection(
        officer, level="street_weekly", target_kind="station", target_id=station.id,
        inspected_on=today - timedelta(days=7), summary="整体保洁较好，楼道堆物和门禁维护需加强。", now=at)
    closed = inspections.add_finding(inspection, officer, item_code="environment", deduction="2",
                                     note="2号楼楼道堆放纸箱杂物，影响消防通道", measure="三日内清理楼道堆物并张贴告示",
                                     due_on=today - timedelta(days=4), now=at)
    inspections.add_finding(inspection, officer, item_code="facilities", deduction="3",
                            note="1号楼单元门禁闭门器损坏，门无法自动关闭", measure="更换闭门器，建立门禁巡检台账",
                            due_on=today + timedelta(days=3), now=at)
    order = db.session.scalar(select(RectificationOrder).where(RectificationOrder.finding_id == closed.id))
    inspections.report_done(order, manager, note="楼道杂物已全部清理，已张贴禁止堆物告示。", now=_ago(now, 5))
    inspections.recheck(order, officer, passed=True, now=_ago(now, 4))
    return {"inspections": 1, "rectification_orders": 2}
