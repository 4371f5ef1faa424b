"""台账导入 API: a dry run returns the plan with an id and writes nothing; a commit with that id writes it, and is
refused when the registry changed, the dry run expired, it is another user's, or too many imports run at once."""
from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pm.extensions import db as database
from pm.models import Household, ImportJob, ImportSlot, ImportStatus, Ownership, Role
from pm.timeutil import utcnow
from tests.factories import (
    make_building,
    make_compound,
    make_household,
    make_owner,
    make_person,
    make_unit,
    make_user,
    make_world,
)
from tests.factories.imports import GOOD, row, xlsx


@pytest.fixture
def world(app, db):
    return make_world()


@pytest.fixture
def compound(world):
    """A compound of station a with one registered household (1号楼 1单元 101, 60 ㎡, owner 老业主)."""
    compound = make_compound(world.communities["a"], name="接口导入小区")
    world.stations["a"].compounds.append(compound)
    unit = make_unit(make_building(compound, name="1号楼", floors=6), name="1单元")
    household = make_household(unit, room_no="101", floor=1, area_m2=Decimal("60.00"))
    make_owner(household, make_person(name="老业主", phone="13700000000"))
    database.session.commit()
    return compound


def dry_run(client, compound_id, data, filename="台账.xlsx"):
    return client.post("/api/v1/imports/dry-run", data={"compound_id": str(compound_id),
                                                         "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def households(compound) -> list[tuple]:
    database.session.expire_all()
    return database.session.execute(select(Household.room_no, Household.floor, Household.area_m2)
                                    .where(Household.compound_id == compound.id).order_by(Household.room_no)).all()


def test_dry_run_then_commit(api, world, compound):
    """The dry run lists new households, the changed area and floor, the owners ended and added, and writes
    nothing; the commit with its id writes exactly that."""
    client = api(world.users[Role.STATION_MANAGER])
    before = households(compound)
    rows = [row("1号楼", "1单元", "101", 2, "61.50", "否", "新业主", "13700000001", "2020-01-01"), *GOOD[1:]]
    resp = dry_run(client, compound.id, xlsx(rows))
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "planned" and body["expires_at"]
    assert body["summary"] == {"households_new": 2, "areas_changed": 1, "floors_changed": 1, "other_changes": 0,
                               "ownerships_ended": 1, "ownerships_started": 3, "buildings_new": 1,
                               "buildings_changed": 0, "units_new": 1, "examples_skipped": 0}
    kinds = {(c["kind"], c.get("household") or c.get("building")) for c in body["changes"]}
    assert {("area", "1号楼 1单元 101"), ("floor", "1号楼 1单元 101"), ("owners_end", "1号楼 1单元 101"),
            ("owners_add", "1号楼 1单元 101"), ("household_new", "1号楼 1单元 102"), ("building_new", "2号楼")} <= kinds
    area = next(c for c in body["changes"] if c["kind"] == "area")
    assert (area["from"], area["to"], area["row"]) == ("60.00", "61.50", 2)
    assert households(compound) == before
    page = client.get(f"/api/v1/imports/{body['id']}?page=2&per_page=3").get_json()
    assert page["page"] == 2 and len(page["changes"]) == 3 and page["changes_total"] == body["changes_total"]

    resp = client.post(f"/api/v1/imports/{body['id']}/commit")
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["status"] == "done"
    assert households(compound)[0] == ("101", 2, Decimal("61.50")) and len(households(compound)) == 3
    assert client.post(f"/api/v1/imports/{body['id']}/commit").status_code == 409  # not twice


def test_commit_refused_when_the_registry_changed(api, world, compound):
    """An edit between dry run and commit (here: an area) makes the commit a 409; nothing is written."""
    client = api(world.users[Role.STATION_MANAGER])
    body = dry_run(client, compound.id, xlsx(GOOD)).get_json()
    database.session.scalar(select(Household).where(Household.compound_id == compound.id)).area_m2 = Decimal("70")
    database.session.commit()
    before = households(compound)
    resp = client.post(f"/api/v1/imports/{body['id']}/commit")
    assert resp.status_code == 409 and "已被修改" in resp.get_json()["message"]
    assert households(compound) == before


def test_commit_refused_when_expired_or_not_the_uploaders(api, app, world, compound):
    """Another user (same scope) gets 403; an out-of-scope user 404; after the expiry, 409."""
    manager = world.users[Role.STATION_MANAGER]
    body = dry_run(api(manager), compound.id, xlsx(GOOD)).get_json()
    other = make_user(Role.STATION_MANAGER, world.stations["a"], username="manager2")
    foreign = make_user(Role.STATION_MANAGER, world.stations["b"], username="manager_b")
    database.session.commit()
    assert api(other).post(f"/api/v1/imports/{body['id']}/commit").status_code == 403
    assert api(foreign).post(f"/api/v1/imports/{body['id']}/commit").status_code == 404
    job = database.session.get(ImportJob, body["id"])
    job.expires_at = utcnow() - timedelta(seconds=1)
    database.session.commit()
    resp = api(manager).post(f"/api/v1/imports/{body['id']}/commit")
    assert resp.status_code == 409 and "过期" in resp.get_json()["message"]
    assert database.session.scalar(select(func.count(Ownership.id))
                                   .join(Household).where(Household.compound_id == compound.id)) == 1


def test_rejected_dry_run_lists_every_error(api, world, compound):
    """A bad file: 422 with every error (several on one row), nothing stored in the registry."""
    client = api(world.users[Role.STATION_MANAGER])
    resp = dry_run(client, compound.id, xlsx([row(room="201", floor="x", area="1e99", phones="123", names="甲")]))
    assert resp.status_code == 422
    body = resp.get_json()
    assert len(body["errors"]["json"]["file"]) == 3 and body["import"]["error_count"] == 3
    assert {e["column"] for e in body["import"]["errors"]} == {"楼层", "建筑面积(㎡)", "业主电话"}


def test_too_many_imports_at_once_is_503(api, app, world, compound):
    """With every slot held by a running import (another worker's), a dry run is refused with 503."""
    manager = world.users[Role.STATION_MANAGER]
    app.config["IMPORT_MAX_RUNNING"] = 1
    running = ImportJob(compound_id=compound.id, user_id=manager.id, filename="x.xlsx",
                        status=ImportStatus.VALIDATING, total_rows=0, processed_rows=0)
    database.session.add(running)
    database.session.flush()
    database.session.add(ImportSlot(slot=0, job_id=running.id, taken_at=utcnow()))
    database.session.commit()
    resp = dry_run(api(manager), compound.id, xlsx(GOOD))
    assert resp.status_code == 503 and "上限" in resp.get_json()["message"]
    running.status = ImportStatus.FAILED  # a slot whose job ended is free again
    database.session.commit()
    assert dry_run(api(manager), compound.id, xlsx(GOOD)).status_code == 201
    assert database.session.scalar(select(func.count(ImportSlot.slot))) == 0  # released after the dry run
