"""计划: what an import will create or change, compared with the registry as it is, and the rules it would break."""
# An import is for one compound and is idempotent by (楼栋, 单元, 房号): missing buildings, units and households
# are created, existing households are updated only where floor, area, 房改房 or note differ, and owners are
# replaced (the old ownerships end as 登记更正) only when the set of owners differs. Nothing is ever deleted.
# Every row is validated first; one bad row rejects the whole file.
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from pm.models import HouseholdStatus
from pm.services import audit
from pm.services.imports.messages import (
    E_DEMOLISHED,
    E_FLOOR_ABOVE,
    E_FLOORS_BELOW,
    E_OWNER_DATE_AFTER_END,
    E_OWNER_DATE_EARLY,
    error,
    sorted_errors,
)
from pm.services.imports.reading import Table
from pm.services.imports.snapshot import OwnerRec, Snapshot, phone_key
from pm.services.imports.validating import (
    FLOOR_MIN,
    BuildingSpec,
    HouseholdSpec,
    Parsed,
    parse,
)

COUNT_KEYS = (
    "buildings_created", "buildings_updated", "units_created", "households_created", "households_updated",
    "households_unchanged", "owners_added", "owners_changed", "examples_skipped",
)


@dataclass
class OwnerChange:
    """Owners to register for a household: `end` are the ownerships that end (a correction)."""

    household_id: int | None  # None: a household created by this import (key below)
    key: tuple[str, str, str]
    owners: list[tuple[str, str | None]]
    on: date
    end: list[OwnerRec]


@dataclass
class Plan:
    """What the import will write, computed from the file and a snapshot."""

    buildings_create: list[BuildingSpec | str] = field(default_factory=list)
    buildings_update: list[tuple[int, dict]] = field(default_factory=list)
    units_create: list[tuple[str, str]] = field(default_factory=list)
    households_create: list[HouseholdSpec] = field(default_factory=list)
    households_update: list[tuple[int, dict]] = field(default_factory=list)
    owner_changes: list[OwnerChange] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def _same_owners(spec: HouseholdSpec, current: list[OwnerRec]) -> bool:
    """Same owners: by name and phone; a row without any phone is compared by names only."""
    if spec.has_phones:
        return Counter(spec.owners) == Counter((o.name, phone_key(o.phone)) for o in current)
    return Counter(name for name, _ in spec.owners) == Counter(o.name for o in current)


def plan(parsed: Parsed, snap: Snapshot, *, today: date) -> tuple[Plan, list[dict]]:
    """Compare the parsed file with the registry: what to create or change, and the rule violations."""
    errors: list[dict] = []
    htable, btable = parsed.household_table, parsed.building_table
    result = Plan()
    touched: set[int] = set()
    c: Counter = Counter()

    def floors_of(name: str) -> int | None:
        spec = parsed.buildings.get(name)
        if spec is not None and spec.floors is not None:
            return spec.floors
        rec = snap.buildings.get(name)
        return rec.floors if rec else None

    for spec in parsed.households:
        key = (spec.building, spec.unit, spec.room)
        row_errors: list[dict] = []  # every rule the row breaks, not only the first
        floors = floors_of(spec.building)
        if floors is not None and spec.floor > floors:
            row_errors.append(error(htable.sheet, spec.row, htable.header("floor"), E_FLOOR_ABOVE, floors=floors))
        brec = snap.buildings.get(spec.building)
        unit_id = snap.units.get((brec.id, spec.unit)) if brec else None
        rec = snap.households.get((unit_id, spec.room)) if unit_id else None
        if rec is None:
            errors.extend(row_errors)
            if row_errors:
                continue
            result.households_create.append(spec)
            c["households_created"] += 1
            if spec.owners:
                result.owner_changes.append(OwnerChange(None, key, spec.owners, spec.registered_on or today, []))
                c["owners_added"] += 1
            continue
        touched.add(rec.id)
        changes = audit.diff(rec, {
            "floor": spec.floor, "area_m2": spec.area, "is_sold_public_housing": spec.sold, "note": spec.note,
        })
        current = snap.owners.get(rec.id, [])
        owner_change = None
        if spec.owners and not (current and _same_owners(spec, current)):
            on = spec.registered_on or today
            if current:
                latest = max(o.started_on for o in current)
                if on < latest:
                    row_errors.append(error(htable.sheet, spec.row, htable.header("registered_on"),
                                            E_OWNER_DATE_EARLY, date=latest.isoformat()))
            else:
                ended = snap.last_ended.get(rec.id)
                if ended is not None and on < ended:
                    row_errors.append(error(htable.sheet, spec.row, htable.header("registered_on"),
                                            E_OWNER_DATE_AFTER_END, date=ended.isoformat()))
            owner_change = OwnerChange(rec.id, key, spec.owners, on, list(current))
        if (changes or owner_change) and rec.status == HouseholdStatus.DEMOLISHED:
            row_errors.append(error(htable.sheet, spec.row, htable.header("room"), E_DEMOLISHED))
        if row_errors:
            errors.extend(row_errors)
            continue
        if changes:
            result.households_update.append((rec.id, changes))
        if owner_change is not None:
            result.owner_changes.append(owner_change)
            c["owners_changed" if owner_change.end else "owners_added"] += 1
        c["households_updated" if (changes or owner_change) else "households_unchanged"] += 1

    # A lower 层数 must not leave a registered household (not in this file) above the top floor.
    if btable is not None:
        highest: dict[int, int] = {}
        for rec in snap.households.values():
            if rec.id not in touched and rec.status == HouseholdStatus.ACTIVE:
                highest[rec.building_id] = max(highest.get(rec.building_id, rec.floor), rec.floor)
        for spec in parsed.buildings.values():
            rec = snap.buildings.get(spec.name)
            if rec is not None and spec.floors is not None and highest.get(rec.id, FLOOR_MIN) > spec.floors:
                errors.append(error(btable.sheet, spec.row, btable.header("floors"), E_FLOORS_BELOW,
                                    floor=highest[rec.id]))

    # Buildings and units to create or update.
    for name in dict.fromkeys([*parsed.buildings, *(s.building for s in result.households_create)]):
        rec = snap.buildings.get(name)
        spec = parsed.buildings.get(name)
        if rec is None:
            result.buildings_create.append(spec or name)
            continue
        if spec is not None:
            values = {}
            if spec.floors is not None:
                values["floors"] = spec.floors
            if spec.has_elevator is not None:
                values["has_elevator"] = spec.has_elevator
            changes = audit.diff(rec, values)
            if changes:
                result.buildings_update.append((rec.id, changes))
    for spec in result.households_create:
        brec = snap.buildings.get(spec.building)
        if brec is None or (brec.id, spec.unit) not in snap.units:
            result.units_create.append((spec.building, spec.unit))
    result.units_create = list(dict.fromkeys(result.units_create))
    c["buildings_created"] = len(result.buildings_create)
    c["buildings_updated"] = len(result.buildings_update)
    c["units_created"] = len(result.units_create)
    c["examples_skipped"] = parsed.example_rows
    result.counts = {key: c.get(key, 0) for key in COUNT_KEYS}
    return result, errors


def validate(tables: dict[str, Table], snap: Snapshot, *, today: date,
             progress: Callable[[int], None] | None = None) -> tuple[Plan, list[dict]]:
    """parse() then plan(): the plan and every error found, in reading order."""
    parsed, errors = parse(tables, today=today, progress=progress)
    result, more = plan(parsed, snap, today=today)
    return result, sorted_errors(errors + more)

