"""演示城市: the shape of a generated data set (the demo county, or a city of ~400,000 households) and its plan."""
from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field

from sqlalchemy import func, select

from pm.demo.logins import DemoLogin
from pm.demo.names import STREET_NAMES, compound_names, work_unit_names
from pm.extensions import db
from pm.models import (
    County,
    ManagementMode,
    User,
)

logger = logging.getLogger(__name__)


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


# -- the generator --------------------------------------------------------------------------
def has_county() -> bool:
    """Whether the database already holds a county (the demo loads only into an empty registry)."""
    return bool(db.session.scalar(select(func.count()).select_from(County)))


@dataclass
class CompoundPlan:
    mode: ManagementMode
    has_committee: bool
    name: str
    work_unit: str | None
    community_index: int


def plan_compounds(spec: DataSetSpec, rng: random.Random, community_count: int) -> list[CompoundPlan]:
    modes = [m for m, n in spec.modes.items() for _ in range(n)]
    rng.shuffle(modes)
    with_firm = [i for i, m in enumerate(modes) if m in (ManagementMode.PROFESSIONAL, ManagementMode.QUASI)]
    without = [i for i, m in enumerate(modes) if m not in (ManagementMode.PROFESSIONAL, ManagementMode.QUASI)]
    if spec.committees_professional > len(with_firm) or spec.committees_other > len(without):
        raise ValueError("more owners' committees than compounds")
    committees = set(rng.sample(with_firm, spec.committees_professional))
    committees |= set(rng.sample(without, spec.committees_other))
    unit_names = iter(work_unit_names(rng, spec.modes.get(ManagementMode.UNIT, 0)))
    other_names = iter(compound_names(rng, len(modes) - spec.modes.get(ManagementMode.UNIT, 0)))
    # Every community gets at least one compound; the rest are spread at random.
    communities = [i % community_count for i in range(len(modes))]
    rng.shuffle(communities)
    plans = []
    for i, mode in enumerate(modes):
        if mode == ManagementMode.UNIT:
            work_unit, name = next(unit_names)
        else:
            work_unit, name = None, next(other_names)
        plans.append(CompoundPlan(mode, i in committees, name, work_unit, communities[i]))
    plans.sort(key=lambda p: p.community_index)
    return plans
