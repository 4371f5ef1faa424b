"""历史工单导入 on PostgreSQL: the same file committed in parallel (two dry runs of it, each committed by 8 requests
at once) imports every request once. (SQLite has one writer: skipped there.)"""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from pm.extensions import db as database
from pm.models import AuditLog, RepairRequest, Role
from tests.factories.accounts import issue_token
from tests.factories.repairs import repair_world
from tests.repairs.test_repair_import import GOOD
from tests.concurrency import requests_at_once

pytestmark = pytest.mark.pg_only
THREADS = 16


@pytest.fixture
def setup(app, db, backend):
    if backend != "postgresql":
        pytest.skip("parallel writers need PostgreSQL")
    w = repair_world()
    _token, raw = issue_token(w.users[Role.STATION_MANAGER])
    database.session.commit()
    return {"compound_id": w.compounds["a"][0].id, "token": raw}


def test_same_file_committed_in_parallel_is_imported_once(app, setup):
    headers = {"Authorization": f"Bearer {setup['token']}"}
    client = app.test_client()
    ids = []
    for _ in range(2):
        r = client.post(f"/api/v1/compounds/{setup['compound_id']}/repair-imports", headers=headers,
                        data={"file": (io.BytesIO(GOOD), "r.csv")}, content_type="multipart/form-data")
        assert r.status_code == 201, r.json
        ids.append(r.json["id"])
    def commit(c, n: int):
        r = c.post(f"/api/v1/repair-imports/{ids[n % 2]}/commit", headers=headers)
        return r.status_code, r.get_json()

    results = requests_at_once(app, THREADS, commit)
    assert all(status == 200 for status, _body in results), results
    assert sum(body["counts"]["created"] for _status, body in results) == 4
    database.session.expire_all()
    assert database.session.scalar(select(func.count(RepairRequest.id))) == 4
    assert database.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "repair.import")) == 1
