"""导入预览: what a dry run found, as the user confirms it — counts and the list of changes — and the two keys
that a confirmation must still match: the registry's fingerprint and the uploader's scope."""
from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from pm.models import User
from pm.services.imports.planning import Plan
from pm.services.imports.snapshot import Snapshot
from pm.services.imports.validating import BuildingSpec, Parsed

MAX_STORED_CHANGES = 5000  # a plan lists at most this many changes (the counts are always complete)
SUMMARY_KEYS = ("households_new", "areas_changed", "floors_changed", "other_changes", "ownerships_ended",
                "ownerships_started", "buildings_new", "buildings_changed", "units_new", "examples_skipped")


def fingerprint(snap: Snapshot) -> str:
    """A digest of everything a plan depends on: the compound's buildings, units, households, current owners
    and the last end of an ownership. Any edit of those in between changes it."""
    body = [
        sorted((name, b.id, b.floors, b.has_elevator) for name, b in snap.buildings.items()),
        sorted((bid, name, uid) for (bid, name), uid in snap.units.items()),
        sorted((h.id, h.building_id, h.unit_id, h.room_no, h.floor, str(h.area_m2), h.is_sold_public_housing,
                h.note, str(h.status)) for h in snap.households.values()),
        sorted((hid, o.ownership_id, o.person_id, o.name, o.phone, o.started_on.isoformat())
               for hid, owners in snap.owners.items() for o in owners),
        sorted((hid, ended.isoformat()) for hid, ended in snap.last_ended.items()),
    ]
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, default=str).encode()).hexdigest()


def scope_key(user: User) -> str:
    """The user's role and binding: a plan made under another scope is not confirmed under this one."""
    return ":".join(str(v) for v in (user.id, user.role, user.county_id, user.street_id, user.community_id,
                                      user.station_id, user.compound_id, user.person_id))


def _keys(snap: Snapshot) -> dict[int, tuple[str, str, str]]:
    """Household id → (楼栋, 单元, 房号)."""
    buildings = {rec.id: name for name, rec in snap.buildings.items()}
    units = {uid: (buildings.get(bid, "?"), name) for (bid, name), uid in snap.units.items()}
    return {h.id: (*units.get(h.unit_id, ("?", "?")), h.room_no) for h in snap.households.values()}


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else (str(value) if value is not None and
                                                              not isinstance(value, (int, bool, str)) else value)


def describe(result: Plan, parsed: Parsed, snap: Snapshot, *, on: date) -> dict:
    """The dry run as stored on the job: summary counts, the writer's counts, the changes (capped) and the day
    the plan was made for (the write uses the same day, so it writes what was shown)."""
    keys = _keys(snap)
    labels = {hid: " ".join(key) for hid, key in keys.items()}
    rows = {(s.building, s.unit, s.room): s.row for s in parsed.households}
    row_of_id = {hid: rows.get(key) for hid, key in keys.items()}
    changes: list[dict] = []
    summary = dict.fromkeys(SUMMARY_KEYS, 0)
    summary["examples_skipped"] = parsed.example_rows
    for item in result.buildings_create:
        name = item.name if isinstance(item, BuildingSpec) else item
        floors = item.floors if isinstance(item, BuildingSpec) else None
        changes.append({"kind": "building_new", "building": name, "to": floors})
        summary["buildings_new"] += 1
    names = {rec.id: name for name, rec in snap.buildings.items()}
    for bid, diff in result.buildings_update:
        for field, (old, new) in diff.items():
            changes.append({"kind": "building_" + field, "building": names[bid], "from": old, "to": new})
        summary["buildings_changed"] += 1
    for building, unit in result.units_create:
        changes.append({"kind": "unit_new", "building": building, "unit": unit})
        summary["units_new"] += 1
    for spec in result.households_create:
        changes.append({"kind": "household_new", "household": f"{spec.building} {spec.unit} {spec.room}",
                        "row": spec.row, "floor": spec.floor, "area": f"{spec.area:.2f}"})
        summary["households_new"] += 1
    for hid, diff in result.households_update:
        for field, (old, new) in diff.items():
            kind = {"area_m2": "area", "floor": "floor"}.get(field, field)
            changes.append({"kind": kind, "household": labels[hid], "row": row_of_id.get(hid),
                            "from": _plain(old), "to": _plain(new)})
            summary["areas_changed" if kind == "area" else "floors_changed" if kind == "floor"
                    else "other_changes"] += 1
    for oc in result.owner_changes:
        label = labels[oc.household_id] if oc.household_id else " ".join(oc.key)
        row = rows.get(oc.key)
        if oc.end:
            changes.append({"kind": "owners_end", "household": label, "row": row,
                            "names": [o.name for o in oc.end], "on": oc.on.isoformat()})
            summary["ownerships_ended"] += len(oc.end)
        changes.append({"kind": "owners_add", "household": label, "row": row,
                        "names": [name for name, _phone in oc.owners], "on": oc.on.isoformat()})
        summary["ownerships_started"] += len(oc.owners)
    changes.sort(key=lambda c: (c.get("row") or 0))
    return {"summary": summary, "counts": dict(result.counts), "changes": changes[:MAX_STORED_CHANGES],
            "changes_total": len(changes), "on": on.isoformat()}


def page_of_changes(plan: dict | None, page: int, per_page: int) -> tuple[list[dict], int]:
    """One page of a stored plan's changes and the number of pages."""
    changes = (plan or {}).get("changes") or []
    pages = max(1, -(-len(changes) // per_page))
    page = min(max(1, page), pages)
    return changes[(page - 1) * per_page:page * per_page], pages
