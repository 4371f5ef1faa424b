"""历史工单导入: a file of historical requests with their original times and states — dry run, then commit by id;
every bad row reported and nothing imported; the same file again imports nothing; scope; metrics of a past month
count the imported requests by their original times; the page and the template (its 示例 row never imported)."""
from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from pm.models import AuditLog, RepairEvent, RepairImport, RepairRequest, RepairStatus, Role
from pm.services.periods import Month
from pm.services.repairs import metrics
from pm.services.repairs.import_rows import HEADERS
from pm.services.spreadsheets import Sheet, read_table, write_xlsx
from tests.factories.accounts import make_user
from tests.factories.repairs import repair_world

HEADER = ",".join(HEADERS) + ",示例"
COL = {name: i for i, name in enumerate(HEADERS)}


def line(**cells: str) -> str:
    """A CSV line with the named columns filled (编号 etc. by their header)."""
    values = [""] * len(HEADERS)
    for name, value in cells.items():
        values[COL[name]] = value
    return ",".join(values)


def csv_file(*lines: str) -> bytes:
    return (HEADER + "\n" + "\n".join(lines) + "\n").encode()


CLOSED = dict(编号="OLD-1", 楼栋="1号楼", 单元="1单元", 房号="101", 类别="供水", 问题描述="厨房水管漏水", 报修人="张三",
              报修电话="13800001111", 报修时间="2024-03-01 08:30", 受理时间="2024-03-01 09:00",
              派单时间="2024-03-01 09:10", 维修队="运维队", 处理人="staff", 到场时间="2024-03-01 10:00",
              完工时间="2024-03-01 11:30", 完工说明="已更换接头", 评价时间="2024-03-02 09:00", 评分="5", 评价="很好")
REJECTED = dict(编号="OLD-2", 楼栋="1号楼", 类别="照明", 问题描述="楼道灯不亮", 报修时间="2024-03-03 20:00",
                受理时间="2024-03-03 21:00", 不予受理时间="2024-03-04 08:00", 不予受理理由="属供电公司线路")
WORKING = dict(编号="OLD-3", 类别="road", 紧急程度="紧急", 问题描述="路面破损", 报修时间="2024/03/05 10:00",
               派单时间="2024-03-05 11:00", 维修队="运维", 到场时间="2024-03-05 12:00")
REOPENED = dict(编号="OLD-4", 楼栋="1号楼", 单元="1单元", 类别="电梯", 紧急程度="特急", 问题描述="电梯困人",
                报修时间="2024-03-06 07:00", 派单时间="2024-03-06 07:05", 维修队="运维队",
                返工时间="2024-03-07 09:00", 返工原因="又停了", 到场时间="2024-03-07 10:00",
                完工时间="2024-03-07 12:00")
EXAMPLE = line(**{**CLOSED, "编号": "EX-1"}) + ",示例"
GOOD = csv_file(line(**CLOSED), line(**REJECTED), line(**WORKING), line(**REOPENED))


@pytest.fixture
def w(app, db):
    return repair_world()


def upload(client, compound_id, data, *, dry_run=True, name="r.csv"):
    return client.post(f"/api/v1/compounds/{compound_id}/repair-imports",
                       data={"dry_run": "true" if dry_run else "false", "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def count(db, model=RepairRequest) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_dry_run_then_commit_keeps_times_states_and_timelines(api, w, db):
    client = api(w.users[Role.STATION_MANAGER])
    compound = w.compounds["a"][0]
    dry = upload(client, compound.id, csv_file(line(**CLOSED), line(**REJECTED), line(**WORKING), line(**REOPENED),
                                               EXAMPLE))
    assert dry.status_code == 201, dry.json
    assert dry.json["dry_run"] and dry.json["status"] == "planned"
    assert dry.json["counts"] == {"rows": 4, "new": 4, "already_imported": 0}
    assert [(r["row"], r["external_id"], r["status"]) for r in dry.json["rows"]] == [
        (2, "OLD-1", "closed"), (3, "OLD-2", "rejected"), (4, "OLD-3", "in_progress"), (5, "OLD-4", "completed")]
    assert count(db) == 0  # a dry run creates nothing
    done = client.post(f"/api/v1/repair-imports/{dry.json['id']}/commit")
    assert done.status_code == 200, done.json
    assert done.json["counts"]["created"] == 4 and done.json["status"] == "done"
    reqs = {r.external_id: r for r in db.session.scalars(select(RepairRequest))}
    assert set(reqs) == {"OLD-1", "OLD-2", "OLD-3", "OLD-4"}  # the 示例 row is never imported
    closed = reqs["OLD-1"]
    assert closed.status == RepairStatus.CLOSED and closed.rating == 5 and closed.source == "import"
    assert closed.household_id == w.households["a"][0].id and closed.station_id == w.stations["a"].id
    assert closed.submitted_at == datetime(2024, 3, 1, 0, 30, tzinfo=UTC)  # 08:30 Beijing time
    assert closed.completed_at == datetime(2024, 3, 1, 3, 30, tzinfo=UTC)
    assert closed.closed_at == closed.confirmed_at == datetime(2024, 3, 2, 1, 0, tzinfo=UTC)
    assert closed.team_id == w.team.id and closed.assignee_id == w.users[Role.STATION_STAFF].id
    assert closed.response_due_at is not None and closed.response_due_at > closed.submitted_at
    kinds = [(e.kind, e.at) for e in db.session.scalars(
        select(RepairEvent).where(RepairEvent.request_id == closed.id).order_by(RepairEvent.id))]
    assert [k for k, _at in kinds] == ["submitted", "accepted", "dispatched", "started", "completed", "confirmed",
                                       "closed"]
    assert [at for _k, at in kinds] == sorted(at for _k, at in kinds) and kinds[0][1] == closed.submitted_at
    rejected = reqs["OLD-2"]
    assert rejected.status == RepairStatus.REJECTED and rejected.reject_reason == "属供电公司线路"
    assert rejected.household_id is None and rejected.unit_id is None and rejected.building_id is not None
    working = reqs["OLD-3"]
    assert working.status == RepairStatus.IN_PROGRESS and working.building_id is None
    assert working.accepted_at == working.dispatched_at == datetime(2024, 3, 5, 3, 0, tzinfo=UTC)
    reopened = reqs["OLD-4"]
    assert reopened.status == RepairStatus.COMPLETED and reopened.reopen_count == 1 and reopened.unit_id is not None
    assert "reopened" in [e.kind for e in reopened.events]
    audits = db.session.scalars(select(AuditLog).where(AuditLog.action == "repair.import")).all()
    assert len(audits) == 1 and count(db, AuditLog) >= 1
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "repair.file")) == 0


BAD_ROWS = [
    # (cells, the (column) each must be reported on)
    (dict(CLOSED, 编号="B-1", 类别="下水道"), "类别"),
    (dict(CLOSED, 编号="B-2", 报修时间="2999-01-01 08:00"), "报修时间"),
    (dict(CLOSED, 编号="B-3", 完工时间="2024-03-01 09:30"), "完工时间"),  # before the start
    (dict(WORKING, 编号="B-4", 派单时间="", 维修队=""), "派单时间"),  # started without a dispatch
    (dict(CLOSED, 编号="B-5", 维修队="运维队B", 处理人=""), "维修队"),  # the team of another station
    (dict(CLOSED, 编号="B-6", 评分="6"), "评分"),
    (dict(WORKING, 编号="B-7", 评分="4", 评价时间="2024-03-06 09:00"), "完工时间"),  # a rating before completion
    (dict(REJECTED, 编号="B-8", 到场时间="2024-03-04 09:00"), "到场时间"),  # rejected, then worked on
    (dict(CLOSED, 编号="B-9", 报修时间="yesterday"), "报修时间"),
    (dict(CLOSED, 编号="B-10", 房号="999"), "房号"),
    (dict(CLOSED, 编号="B-11", 问题描述=""), "问题描述"),
    (dict(CLOSED, 编号="B-12", 处理人="nobody"), "处理人"),
    (dict(CLOSED, 编号="OLD-1"), "编号"),  # the same number as row 2
]


def test_every_bad_row_reported_nothing_imported(api, w, db):
    client = api(w.users[Role.STATION_MANAGER])
    compound = w.compounds["a"][0]
    data = csv_file(line(**CLOSED), *(line(**cells) for cells, _column in BAD_ROWS))
    r = upload(client, compound.id, data, dry_run=False)
    assert r.status_code == 422, r.json
    found = {(p["row"], p["column"]) for p in r.json["rows"]}
    for n, (_cells, column) in enumerate(BAD_ROWS, start=3):
        assert (n, column) in found, (n, column, r.json["rows"])
    assert 2 not in {p["row"] for p in r.json["rows"]}  # the good row has no error, and still nothing is imported
    assert all(p["message"] for p in r.json["rows"])
    assert count(db) == 0 and count(db, RepairImport) == 0


def test_a_number_imported_with_other_content_is_a_row_error(api, w, db):
    client = api(w.users[Role.STATION_MANAGER])
    compound = w.compounds["a"][0]
    assert upload(client, compound.id, csv_file(line(**CLOSED)), dry_run=False).status_code == 201
    r = upload(client, compound.id, csv_file(line(**dict(CLOSED, 问题描述="别的问题")), line(**WORKING)))
    assert r.status_code == 422 and [(p["row"], p["column"]) for p in r.json["rows"]] == [(2, "编号")]
    assert count(db) == 1


def test_same_file_twice_imports_nothing_new(api, w, db):
    client = api(w.users[Role.STATION_MANAGER])
    compound = w.compounds["a"][0]
    first = upload(client, compound.id, GOOD, dry_run=False)
    assert first.status_code == 201 and first.json["counts"]["created"] == 4
    dry = upload(client, compound.id, GOOD)
    assert dry.json["counts"] == {"rows": 4, "new": 0, "already_imported": 4}
    assert all(r["already_imported"] for r in dry.json["rows"])
    again = client.post(f"/api/v1/repair-imports/{dry.json['id']}/commit")
    assert again.status_code == 200 and again.json["counts"]["created"] == 0
    replay = client.post(f"/api/v1/repair-imports/{first.json['id']}/commit")  # a committed file again
    assert replay.status_code == 200 and replay.json["counts"]["created"] == 0
    assert count(db) == 4
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "repair.import")) == 1


def test_scope_and_capability(api, w, db):
    manager = api(w.users[Role.STATION_MANAGER])
    other = w.compounds["b"][0]  # station b's compound: not the manager's
    assert upload(manager, other.id, GOOD).status_code == 404
    assert upload(api(w.users[Role.STATION_STAFF]), w.compounds["a"][0].id, GOOD).status_code == 403
    assert upload(api(w.users[Role.OWNER]), w.compounds["a"][0].id, GOOD).status_code == 403
    assert count(db, RepairImport) == 0
    dry = upload(api(w.users[Role.STREET_OFFICER]), w.compounds["a"][0].id, GOOD)
    assert dry.status_code == 201
    # Another user may not commit the street officer's dry run (403), nor one outside their scope (404).
    assert manager.post(f"/api/v1/repair-imports/{dry.json['id']}/commit").status_code == 403
    b_manager_user = make_user(Role.STATION_MANAGER, w.stations["b"], username="manager_b")
    db.session.commit()
    assert api(b_manager_user).post(f"/api/v1/repair-imports/{dry.json['id']}/commit").status_code == 404
    assert count(db) == 0
    # a compound without a station cannot take requests
    r = upload(api(w.users[Role.STREET_OFFICER]), w.compounds["a"][1].id, GOOD)
    assert r.status_code == 422 and "compound_id" in r.json["errors"]["json"]


def test_metrics_of_a_past_month_count_imported_requests(api, w, db):
    client = api(w.users[Role.STATION_MANAGER])
    assert upload(client, w.compounds["a"][0].id, GOOD, dry_run=False).status_code == 201
    sid = w.stations["a"].id
    march = metrics.station_metrics([sid], Month(2024, 3), as_of=datetime(2024, 4, 1, tzinfo=UTC))[sid]
    assert march.count == 4
    assert (march.rated, march.rating_sum, march.reopened) == (1, 5, 1)
    assert (march.responded, march.responded_on_time) == (4, 4)  # accepted, or on dispatch; OLD-2 rejected
    # completion measured for OLD-1 (on time), OLD-4 (a day for an emergency: late) and OLD-3 (still open: late)
    assert (march.completed, march.completed_on_time) == (3, 1)
    assert metrics.station_metrics([sid], Month(2024, 4), as_of=datetime(2024, 5, 1, tzinfo=UTC))[sid].count == 0
    # as of a time before the steps, they do not count (the original times are kept)
    early = metrics.station_metrics([sid], Month(2024, 3), as_of=datetime(2024, 3, 1, 2, 0, tzinfo=UTC))[sid]
    assert early.count == 1 and early.rated == 0


def test_xlsx_file_and_template(api, w, db, app):
    client = api(w.users[Role.STATION_MANAGER])
    compound = w.compounds["a"][0]
    row = [CLOSED.get(name, "") for name in HEADERS]
    row[COL["报修时间"]] = datetime(2024, 3, 1, 8, 30)  # a date cell, Beijing time
    data = write_xlsx(Sheet(title="历史工单", header=[f"{h}*" if h == "编号" else h for h in HEADERS], rows=[row]))
    r = upload(client, compound.id, data, name="r.xlsx", dry_run=False)
    assert r.status_code == 201, r.json
    assert db.session.scalar(select(RepairRequest.submitted_at)) == datetime(2024, 3, 1, 0, 30, tzinfo=UTC)


def test_web_page_preview_confirm_and_template(client, auth, w, db):
    auth.login("manager")
    assert client.get("/repairs/imports/").status_code == 200
    template = client.get("/repairs/imports/template.xlsx")
    assert template.status_code == 200
    rows = read_table("t.xlsx", template.data, max_bytes=10**7, max_rows=10)
    assert "示例" in rows[0] and any("示例" in str(v) for v in rows[1])
    compound = w.compounds["a"][0]
    only_example = client.post("/repairs/imports/", data={"compound_id": compound.id,
                                                          "file": (io.BytesIO(template.data), "t.xlsx")},
                               content_type="multipart/form-data")
    assert only_example.status_code == 400 and "示例" in only_example.get_data(as_text=True)
    page = client.post("/repairs/imports/", data={"compound_id": compound.id, "file": (io.BytesIO(GOOD), "r.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 200 and "OLD-4" in page.get_data(as_text=True)
    assert count(db) == 0
    batch = db.session.scalar(select(RepairImport))
    bad = client.post("/repairs/imports/", data={"compound_id": compound.id, "file": (
        io.BytesIO(csv_file(line(**dict(CLOSED, 类别="x")))), "r.csv")}, content_type="multipart/form-data")
    assert bad.status_code == 400 and 'id="problems"' in bad.get_data(as_text=True)
    assert f"/repairs/imports/{batch.id}/commit" in page.get_data(as_text=True)
    done = client.post(f"/repairs/imports/{batch.id}/commit")
    assert done.status_code == 302
    assert count(db) == 4
