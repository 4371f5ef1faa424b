"""台账批量写入: bulk writer of the registry rows (compounds, buildings, units, households, people) of a data set."""
from __future__ import annotations

import logging
import random
from datetime import date
from decimal import Decimal

from sqlalchemy import func, insert, select, text

from pm.demo.city import CompoundPlan, DataSetSpec
from pm.demo.names import (
    FIRM_WORDS,
    FIVE_YEAR_WARRANTY,
    RENOVATION_ITEMS,
    ROADS,
    Names,
    cents,
    random_day,
)
from pm.extensions import db
from pm.models import (
    Building,
    Community,
    Compound,
    Household,
    HouseholdStatus,
    ManagementMode,
    Ownership,
    Person,
    RenovationClass,
    RenovationItem,
    Residency,
    Station,
    StreetOffice,
    Unit,
    station_compounds,
)
from pm.services.text import normalise_phone
from pm.timeutil import utcnow

logger = logging.getLogger(__name__)


class RegistryWriter:
    """Builds and bulk-inserts the rows of a batch of compounds."""

    def __init__(self, spec: DataSetSpec, rng: random.Random, streets: list[StreetOffice]):
        self.spec = spec
        self.rng = rng
        self.names = Names(rng)
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
    def write(self, plans: list[CompoundPlan], communities: list[Community]) -> None:
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

    def _layout(self, plan: CompoundPlan, year: int) -> dict:
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
                            "area_m2": cents(stack_areas[pos - 1]),
                            "sold_public": draw < public_share,
                            "org_owned": public_share <= draw < public_share + org_share,
                        })
                units.append({"name": f"{u}单元", "households": households})
            buildings.append({
                "name": f"{b}号楼", "floors": floors, "has_elevator": has_elevator,
                "year_built": min(2005, year + rng.choice((0, 0, 0, 1, 2))), "units": units,
            })
        return {"buildings": buildings, "year": year, "work_unit": plan.work_unit}

    def _compound_row(self, plan: CompoundPlan, community: Community, year: int, layout: dict) -> dict:
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
        committee_on = random_day(rng, date(2015, 1, 1), date(2024, 12, 31)) if plan.has_committee else None
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
            completed_on = random_day(rng, date(year, 5, 1), date(year, 11, 30)) if done else None
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
                # Stored as the registry stores typed phones: digits only (0516-8… → 05168…).
                "phone": normalise_phone(names.landline() if organisation else names.mobile()) if phone else None,
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
            started = random_day(rng, min(start_low, date(2006, 1, 1)), date(2024, 6, 30))
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
                residencies.append((hid, new_person(), "tenant", random_day(rng, date(2018, 1, 1), date(2025, 6, 30))))
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
