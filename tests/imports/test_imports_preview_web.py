"""台账导入 preview page: nothing is written until the uploader confirms; a stale, expired or foreign preview
cannot be confirmed; too many imports at once re-show the form with 503."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pm.extensions import db as database
from pm.models import Household, ImportJob, ImportSlot, ImportStatus, Role, User
from pm.tasks import imports as import_tasks
from pm.timeutil import utcnow
from tests.factories import make_building, make_compound, make_household, make_unit, make_user, make_world
from tests.factories.imports import GOOD, row, xlsx
from tests.imports.test_imports_web import confirm, households_in, login, upload


@pytest.fixture
def fresh(app, db):
    world = make_world()
    compound = make_compound(world.communities["a"], name="预览小区")
    world.stations["a"].compounds.append(compound)
    database.session.commit()
    return compound


def _job_id(resp) -> int:
    return int(resp.headers["Location"].rsplit("/", 1)[1])


def test_preview_pages_through_the_changes(client, auth, fresh):
    """120 new households (and their building and unit): the preview counts them all and lists 50 per page."""
    login(auth, "manager")
    resp = upload(client, fresh.id, xlsx([row(room=str(100 + i)) for i in range(120)]))
    job_id = _job_id(resp)
    page = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert 'data-summary="households_new">120<' in page and page.count('data-change="household_new"') == 48
    assert "1 / 3" in page
    last = client.get(f"/imports/{job_id}?page=3").get_data(as_text=True)
    assert last.count('data-change="household_new"') == 22  # the new building and unit come first
    assert households_in(fresh) == 0


def test_registry_changed_since_the_preview(client, auth, fresh):
    """A household edited after the preview: confirming answers 409 with the reason; nothing is written."""
    unit = make_unit(make_building(fresh, name="1号楼"), name="1单元")
    make_household(unit, room_no="101", area_m2=Decimal("60.00"))
    database.session.commit()
    login(auth, "manager")
    job_id = _job_id(upload(client, fresh.id, xlsx(GOOD)))
    household = database.session.scalar(select(Household).where(Household.compound_id == fresh.id))
    household.area_m2 = Decimal("61.00")
    database.session.commit()
    resp = confirm(client, job_id)
    assert resp.status_code == 409 and "预览已失效" in resp.get_data(as_text=True)
    assert households_in(fresh) == 1


def test_expired_preview(client, auth, fresh):
    """Once expired, the page says so without the button, and confirming is a 409."""
    login(auth, "manager")
    job_id = _job_id(upload(client, fresh.id, xlsx(GOOD)))
    job = database.session.get(ImportJob, job_id)
    job.expires_at = utcnow() - timedelta(minutes=1)
    database.session.commit()
    page = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "导入预览已过期" in page and "data-import-confirm" not in page
    assert confirm(client, job_id).status_code == 409
    assert households_in(fresh) == 0


def test_confirm_by_another_user_is_403(client, auth, fresh):
    """A colleague of the same station sees the preview without the button and cannot confirm it."""
    login(auth, "manager")
    job_id = _job_id(upload(client, fresh.id, xlsx(GOOD)))
    uploader = database.session.get(ImportJob, job_id).user
    colleague = make_user(Role.STATION_MANAGER, uploader.station, username="colleague")
    database.session.commit()
    auth.logout()
    login(auth, "colleague")
    page = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "只有上传人本人可以确认" in page and "data-import-confirm" not in page
    assert confirm(client, job_id).status_code == 403
    assert households_in(fresh) == 0 and colleague.id != uploader.id


def test_too_many_imports_reshows_the_form_with_503(app, client, auth, fresh):
    """All IMPORT_MAX_RUNNING slots held by running imports: the upload is refused with the reason."""
    app.config["IMPORT_MAX_RUNNING"] = 1
    login(auth, "manager")
    uploader_id = database.session.scalar(select(User.id).where(User.username == "manager"))
    running = ImportJob(compound_id=fresh.id, user_id=uploader_id, filename="x.xlsx", status=ImportStatus.WRITING,
                        total_rows=1, processed_rows=0)
    database.session.add(running)
    database.session.flush()
    database.session.add(ImportSlot(slot=0, job_id=running.id, taken_at=utcnow()))
    database.session.commit()
    resp = upload(client, fresh.id, xlsx(GOOD))
    assert resp.status_code == 503 and resp.headers["Retry-After"] == "60"
    assert "同时进行的导入已达上限" in resp.get_data(as_text=True)
    assert database.session.scalar(select(func.count(ImportJob.id))) == 1


def test_housekeeping_expires_unconfirmed_previews(app, client, auth, fresh):
    """The daily housekeeping marks a preview past its expiry EXPIRED (audited); a fresh one is left alone."""
    login(auth, "manager")
    old_id = _job_id(upload(client, fresh.id, xlsx(GOOD)))
    new_id = _job_id(upload(client, fresh.id, xlsx(GOOD)))
    database.session.get(ImportJob, old_id).expires_at = utcnow() - timedelta(minutes=1)
    database.session.commit()
    counts = import_tasks.housekeeping(utcnow())
    database.session.commit()
    database.session.expire_all()
    assert counts["plans_expired"] == 1
    assert database.session.get(ImportJob, old_id).status == ImportStatus.EXPIRED
    assert database.session.get(ImportJob, new_id).status == ImportStatus.PLANNED
    assert confirm(client, old_id).status_code == 409
