"""台账导出: a compound's registry in the import layout (importing the export back changes nothing)."""
from __future__ import annotations

import re

from pm.access import Scope, authorise
from pm.models import Compound, HouseholdStatus, User
from pm.services.imports.layout import HAS, HAS_NOT, NO, YES, registry_workbook
from pm.services.imports.snapshot import load_snapshot


def _natural(text: str) -> tuple:
    """Sort key: "2号楼" before "10号楼"."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


def export_workbook(compound_id: int, *, scope: Scope, actor: User | None) -> tuple[Compound, bytes]:
    """The compound (in scope, for registry viewers) and its registry as xlsx bytes: buildings and active households
    in natural order, co-owners and their phones joined with 、, the latest ownership start as 产权登记日期."""
    authorise(scope, actor, "registry.view")
    compound = scope.get(Compound, compound_id)
    snap = load_snapshot(compound, scope)
    building_names = {rec.id: name for name, rec in snap.buildings.items()}
    unit_names = {uid: name for (_bid, name), uid in snap.units.items()}
    building_rows = [
        [name, rec.floors, HAS if rec.has_elevator else HAS_NOT]
        for name, rec in sorted(snap.buildings.items(), key=lambda item: _natural(item[0]))
    ]
    households = [h for h in snap.households.values() if h.status == HouseholdStatus.ACTIVE]
    households.sort(key=lambda h: (_natural(building_names[h.building_id]), _natural(unit_names[h.unit_id]),
                                   _natural(h.room_no)))
    household_rows = []
    for h in households:
        owners = snap.owners.get(h.id, [])
        phones = [o.phone or "" for o in owners]
        household_rows.append([
            building_names[h.building_id], unit_names[h.unit_id], h.room_no, h.floor, h.area_m2,
            YES if h.is_sold_public_housing else NO,
            "、".join(o.name for o in owners),
            "、".join(phones) if any(phones) else "",
            max(o.started_on for o in owners).isoformat() if owners else "",
            h.note or "",
        ])
    return compound, registry_workbook(building_rows, household_rows)
