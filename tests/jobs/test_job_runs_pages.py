"""定时任务运行记录: county admins list every run (filters, pages) on the web and in the API; nobody else does."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pm.extensions import db as _db
from pm.models import JobRun, Role, RunStatus
from tests.asserts import assert_error, ids
from tests.factories import make_world

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def add_runs(n: int, job: str = "pm.tasks.imports.housekeeping", status=RunStatus.DONE) -> list[JobRun]:
    runs = [JobRun(job=job, period=f"p{i:03d}", status=status, started_at=T0 + timedelta(hours=i),
                   finished_at=T0 + timedelta(hours=i, minutes=1), counts={"deleted": i},
                   error="ValueError: boom" if status == RunStatus.FAILED else None) for i in range(n)]
    _db.session.add_all(runs)
    _db.session.commit()
    return runs


def test_county_admin_sees_runs_filtered_by_job_and_status(client, auth, db):
    """The page lists job, period, times, status, counts and error; filters by job and status."""
    make_world()
    add_runs(2)
    add_runs(1, job="pm.tasks.accounts.expire_logins", status=RunStatus.FAILED)
    auth.login("county")
    page = client.get("/jobs/runs").get_data(as_text=True)
    assert "pm.tasks.imports.housekeeping" in page and "deleted=1" in page and "ValueError: boom" in page
    failed = client.get("/jobs/runs?status=failed").get_data(as_text=True)
    assert "ValueError: boom" in failed and "p001" not in failed
    one_job = client.get("/jobs/runs?job=pm.tasks.imports.housekeeping").get_data(as_text=True)
    assert "p001" in one_job and "expire_logins</div>" not in one_job


def test_other_roles_may_not_see_job_runs(client, auth, db):
    """A street officer gets 403 on the page."""
    make_world()
    auth.login("street")
    assert client.get("/jobs/runs").status_code == 403


def test_api_lists_runs_paginated_for_county_admins_only(api, world, db, count_queries):
    """GET /jobs/runs: newest first, filters, pages of at most per_page; 403 for a street officer."""
    add_runs(3)
    add_runs(1, job="x.y", status=RunStatus.FAILED)
    county = api(world.users[Role.COUNTY_ADMIN])
    body = county.get("/api/v1/jobs/runs?per_page=2").get_json()
    assert body["total"] == 4 and len(body["items"]) == 2 and body["items"][0]["period"] == "p002"
    assert body["items"][0]["counts"] == {"deleted": 2} and body["items"][0]["status"] == "done"
    failed = county.get("/api/v1/jobs/runs?status=failed").get_json()["items"]
    assert [(r["job"], r["error"]) for r in failed] == [("x.y", "ValueError: boom")]
    assert len(ids(county.get("/api/v1/jobs/runs?status=done"))) == 3
    assert len(ids(county.get("/api/v1/jobs/runs?job=x.y"))) == 1
    assert_error(county.get("/api/v1/jobs/runs?status=nope"), 422, "status")
    assert_error(api(world.users[Role.STREET_OFFICER]).get("/api/v1/jobs/runs"), 403)
    with count_queries() as few:
        county.get("/api/v1/jobs/runs")
    add_runs(20, job="z.z")
    with count_queries() as many:
        county.get("/api/v1/jobs/runs")
    assert len(many.statements) == len(few.statements)
