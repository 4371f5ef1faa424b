"""校验: every row of the file as typed values, every bad cell an error with its sheet, row, column and reason."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pm.errors import DomainError
from pm.services.imports import cells
from pm.services.imports.layout import (
    HAS,
    HAS_NOT,
    LIMITS,
    NO,
    SHEET_BUILDINGS,
    SHEET_HOUSEHOLDS,
    YES,
)
from pm.services.imports.messages import (
    E_BAD_PHONE,
    E_COUNT_MISMATCH,
    E_DUP_BUILDING,
    E_DUP_OWNER,
    E_DUP_ROOM,
    E_FLOOR_RANGE,
    E_FLOORS_RANGE,
    E_HAS_NOT,
    E_NO_ROWS,
    E_ONLY_EXAMPLES,
    E_PHONE_WITHOUT_NAME,
    E_REQUIRED,
    E_TOO_LONG,
    E_YES_NO,
    CellError,
    error,
)
from pm.services.imports.reading import Table
from pm.services.text import check_phone

PROGRESS_EVERY = 200
FLOOR_MIN, FLOOR_MAX = -5, 120
FLOORS_MIN, FLOORS_MAX = 1, 120


@dataclass
class BuildingSpec:
    """A parsed 楼栋 row (None: leave as registered)."""

    row: int
    name: str
    floors: int | None
    has_elevator: bool | None


@dataclass
class HouseholdSpec:
    """A parsed 房屋 row."""

    row: int
    building: str
    unit: str
    room: str
    floor: int
    area: Decimal
    sold: bool
    owners: list[tuple[str, str | None]]
    has_phones: bool
    registered_on: date | None
    note: str | None


@dataclass
class Parsed:
    """The file's rows as typed values: what parse() found, before looking at the database."""

    buildings: dict[str, BuildingSpec]
    households: list[HouseholdSpec]
    building_table: Table | None
    household_table: Table

    @property
    def example_rows(self) -> int:
        """Rows skipped as the template's examples (both sheets)."""
        return len(self.household_table.examples) + len(self.building_table.examples if self.building_table else [])


def _cells(table: Table, number: int, values: tuple, parsers: list[tuple[str, Callable[[Any], Any]]],
           errors: list[dict]) -> tuple[dict[str, Any], bool]:
    """Each cell through its parser: the values that parsed, and whether all did (a CellError is an error on
    that cell)."""
    parsed: dict[str, Any] = {}
    ok = True
    for key, parse_cell in parsers:
        try:
            parsed[key] = parse_cell(table.value(values, key))
        except CellError as exc:
            errors.append(error(table.sheet, number, table.header(key), exc.message, **exc.params))
            ok = False
    return parsed, ok


def _building(table: Table, number: int, values: tuple, errors: list[dict]) -> BuildingSpec | None:
    parsed, ok = _cells(table, number, values, [
        ("building", lambda v: cells.required_text(v, LIMITS["building"])),
        ("floors", cells.integer),
        ("elevator", lambda v: cells.choice(v, HAS, HAS_NOT, E_HAS_NOT)),
    ], errors)
    if parsed.get("floors") is not None and not (FLOORS_MIN <= parsed["floors"] <= FLOORS_MAX):
        errors.append(error(table.sheet, number, table.header("floors"), E_FLOORS_RANGE))
        ok = False
    return BuildingSpec(number, parsed["building"], parsed["floors"], parsed["elevator"]) if ok else None


def _phone(raw: str) -> str | None:
    """A phone by the shared rule (pm.services.text), normalised; None when it breaks the rule."""
    try:
        return check_phone(raw)
    except DomainError:
        return None


def _owners(table: Table, number: int, values: tuple, errors: list[dict]) -> tuple[list, bool] | None:
    """(name, phone) pairs of the 业主姓名 and 业主电话 cells, and whether phones were given; None if bad.
    Every problem of the two cells is reported, not only the first."""
    names_header, phones_header = table.header("owners"), table.header("phones")
    try:
        names = cells.split(cells.text(table.value(values, "owners")), keep_empty=False)
        phones_text = cells.text(table.value(values, "phones"))
    except CellError as exc:  # (not text at all; cannot happen with the reader's types, kept for safety)
        errors.append(error(table.sheet, number, names_header, exc.message, **exc.params))
        return None
    phones_raw = cells.split(phones_text, keep_empty=True)
    ok = True
    if not names and phones_text:
        errors.append(error(table.sheet, number, phones_header, E_PHONE_WITHOUT_NAME))
        ok = False
    for name in names:
        if len(name) > LIMITS["name"]:
            errors.append(error(table.sheet, number, names_header, E_TOO_LONG, max=LIMITS["name"]))
            ok = False
    if names and phones_text and len(phones_raw) != len(names):
        errors.append(error(table.sheet, number, phones_header, E_COUNT_MISMATCH,
                            phones=len(phones_raw), names=len(names)))
        ok = False
    phones: list[str | None] = [None] * max(len(names), len(phones_raw))
    for i, raw in enumerate(phones_raw if phones_text else []):
        if raw:
            phones[i] = _phone(raw)
            if phones[i] is None:
                errors.append(error(table.sheet, number, phones_header, E_BAD_PHONE, phone=raw[:40]))
                ok = False
    owners = list(zip(names, phones))
    seen = set()
    for name, phone in owners:
        if (name, phone) in seen:
            errors.append(error(table.sheet, number, names_header, E_DUP_OWNER, name=name))
            ok = False
            break
        seen.add((name, phone))
    if not ok:
        return None
    return owners, bool(phones_text)


def _household(table: Table, number: int, values: tuple, today: date,
               errors: list[dict]) -> tuple[HouseholdSpec | None, tuple[str, str, str] | None]:
    """The row as a spec (None if any cell is bad: every bad cell is an error) and its (楼栋, 单元, 房号) key
    whenever those three cells are good (so a duplicate room is reported even on an otherwise bad row)."""
    parsed, ok = _cells(table, number, values, [
        ("building", lambda v: cells.required_text(v, LIMITS["building"])),
        ("unit", lambda v: cells.required_text(v, LIMITS["unit"])),
        ("room", lambda v: cells.required_text(v, LIMITS["room"])),
        ("floor", cells.integer),
        ("area", cells.area),
        ("sold", lambda v: cells.choice(v, YES, NO, E_YES_NO)),
        ("registered_on", lambda v: cells.day(v, today)),
        ("note", lambda v: cells.text(v, limit=LIMITS["note"])),
    ], errors)
    if "floor" in parsed:
        if parsed["floor"] is None:
            errors.append(error(table.sheet, number, table.header("floor"), E_REQUIRED))
            ok = False
        elif not (FLOOR_MIN <= parsed["floor"] <= FLOOR_MAX):
            errors.append(error(table.sheet, number, table.header("floor"), E_FLOOR_RANGE))
            ok = False
    owners = _owners(table, number, values, errors)
    key = None
    if all(k in parsed for k in ("building", "unit", "room")):
        key = (parsed["building"], parsed["unit"], parsed["room"])
    if owners is None or not ok:
        return None, key
    return HouseholdSpec(
        row=number, building=parsed["building"], unit=parsed["unit"], room=parsed["room"], floor=parsed["floor"],
        area=parsed["area"], sold=bool(parsed["sold"]), owners=owners[0], has_phones=owners[1],
        registered_on=parsed["registered_on"], note=parsed["note"],
    ), key


def parse(tables: dict[str, Table], *, today: date,
          progress: Callable[[int], None] | None = None) -> tuple[Parsed, list[dict]]:
    """Type-check every cell and find duplicates within the file; progress(rows done) every 200 rows."""
    errors: list[dict] = []
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done)

    buildings: dict[str, BuildingSpec] = {}
    btable = tables.get(SHEET_BUILDINGS)
    for number, values in (btable.rows if btable else []):
        spec = _building(btable, number, values, errors)
        if spec is not None:
            if spec.name in buildings:
                errors.append(error(btable.sheet, number, btable.header("building"), E_DUP_BUILDING,
                                    first=buildings[spec.name].row))
            else:
                buildings[spec.name] = spec
        tick()

    htable = tables[SHEET_HOUSEHOLDS]
    if not htable.rows:
        errors.append(error(htable.sheet, None, None, E_ONLY_EXAMPLES if htable.examples else E_NO_ROWS))
    households: list[HouseholdSpec] = []
    seen: dict[tuple[str, str, str], int] = {}
    for number, values in htable.rows:
        spec, key = _household(htable, number, values, today, errors)
        tick()
        if key is not None and key in seen:
            errors.append(error(htable.sheet, number, htable.header("room"), E_DUP_ROOM, first=seen[key]))
            continue
        if key is not None:
            seen[key] = number
        if spec is not None:
            households.append(spec)
    if progress is not None:
        progress(done)
    return Parsed(buildings, households, btable, htable), errors
