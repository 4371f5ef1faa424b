"""台账导入导出 pages: upload, progress JSON, result and error table, downloads, scope, oversized uploads."""
from __future__ import annotations

import io
import os
import re
import time
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from pm.extensions import db as database
from pm.models import Household, ImportJob, ImportStatus, Role
from pm.timeutil import utcnow
from tests.factories import PASSWORD, make_compound, make_user, make_world
from tests.factories.imports import GOOD, csv_bytes, row, xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def world(app, db):
    """The two-street world; side a's users act."""
    return make_world()


@pytest.fixture
def fresh(world):
    """An empty compound served by station a."""
    compound = make_compound(world.communities["a"], name="新导入小区")
    world.stations["a"].compounds.append(compound)
    database.session.commit()
    return compound


def login(auth, username):
    """Log in through the form."""
    assert auth.login(username, PASSWORD).status_code == 302


def upload(client, compound_id, data, filename="台账.xlsx"):
    """POST the upload form."""
    return client.post(
        "/imports/", data={"compound_id": str(compound_id), "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def confirm(client, job_id):
    """POST the preview's 确认导入 button (with the page's CSRF token, when the app checks it)."""
    page = client.get(f"/imports/{job_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    return client.post(f"/imports/{job_id}/confirm", data={"csrf_token": token.group(1) if token else ""})


def households_in(compound):
    """How many households a compound has."""
    return database.session.scalar(select(func.count(Household.id)).where(Household.compound_id == compound.id))


def test_index_lists_only_compounds_in_scope(client, auth, world):
    """The upload form offers the station's compounds only, and links the template."""
    login(auth, "manager")
    resp = client.get("/imports/")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "a小区一" in html and "b小区一" not in html and "a小区二" not in html
    assert "/imports/template.xlsx" in html
    assert 'enctype="multipart/form-data"' in html


def test_upload_imports_and_shows_counts(client, auth, fresh):
    """A valid upload redirects to the job page: its preview (nothing written yet), then, confirmed, the counts."""
    login(auth, "manager")
    compound = fresh
    resp = upload(client, compound.id, xlsx(GOOD))
    assert resp.status_code == 302
    job = database.session.scalar(select(ImportJob).order_by(ImportJob.id.desc()))
    assert resp.headers["Location"].endswith(f"/imports/{job.id}")
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "这是导入预览" in page and 'data-summary="households_new">3<' in page and "确认导入" in page
    assert households_in(compound) == 0
    assert confirm(client, job.id).status_code == 302
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "导入完成" in page
    assert 'data-count="households_created">3<' in page
    assert households_in(compound) == 3
    listing = client.get("/imports/").get_data(as_text=True)
    assert f"/imports/{job.id}" in listing and "台账.xlsx" in listing


def test_upload_csv(client, auth, fresh):
    """A GBK CSV upload imports too."""
    login(auth, "manager")
    resp = upload(client, fresh.id, csv_bytes(GOOD, "gb18030"), "台账.csv")
    assert resp.status_code == 302 and households_in(fresh) == 0
    assert confirm(client, int(resp.headers["Location"].rsplit("/", 1)[1])).status_code == 302
    assert households_in(fresh) == 3


def test_rejected_upload_shows_every_error(client, auth, world):
    """A file with bad rows imports nothing; the page lists sheet, row, column and reason of each error."""
    login(auth, "manager")
    compound = world.compounds["a"][0]
    rows = [*GOOD, row("3号楼", "1单元", "301", "三", "-5"), row("3号楼", "1单元", "302", 3, "65.5", "不知道")]
    resp = upload(client, compound.id, xlsx(rows))
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "发现 3 处错误，没有导入任何数据" in page
    for text in ("<td>房屋</td>", "<td>5</td>", "<td>楼层</td>", "不是整数", "<td>建筑面积(㎡)</td>", "面积必须大于 0",
                 "<td>6</td>", "<td>房改房(是/否)</td>", "只能填写“是”或“否”"):
        assert text in page
    assert households_in(compound) == 2


def test_error_parameters_are_filled_in(client, auth, world):
    """Messages with parameters show their values (the duplicate row names the first one)."""
    login(auth, "manager")
    resp = upload(client, world.compounds["a"][0].id, xlsx([row(room="101"), row(room="101")]))
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "与第 2 行是同一楼栋、单元、房号" in page


def test_status_json(client, auth, fresh):
    """The status endpoint returns status, percent, rows, counts and error count."""
    login(auth, "manager")
    resp = upload(client, fresh.id, xlsx(GOOD))
    job_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    body = client.get(f"/imports/{job_id}/status", headers={"Accept": "application/json"}).get_json()
    assert body["status"] == "planned" and body["finished"] is True and body["counts"] is None
    confirm(client, job_id)
    body = client.get(f"/imports/{job_id}/status", headers={"Accept": "application/json"}).get_json()
    assert body["status"] == "done" and body["finished"] is True and body["percent"] == 100
    assert body["processed_rows"] == body["total_rows"] == 3
    assert body["counts"]["households_created"] == 3 and body["error_count"] == 0
    assert body["status_label"] == "已完成"


def test_unfinished_job_page_polls_progress(client, auth, world):
    """An unfinished job shows a progress bar and the polling script; its status JSON has the percent."""
    manager = world.users[Role.STATION_MANAGER]
    job = ImportJob(compound_id=world.compounds["a"][0].id, user_id=manager.id, filename="大文件.xlsx",
                    status=ImportStatus.VALIDATING, total_rows=1000, processed_rows=400)
    database.session.add(job)
    database.session.commit()
    login(auth, "manager")
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert 'class="progress-bar' in page and "js/import-progress.js" in page
    assert f'data-import-status-url="/imports/{job.id}/status"' in page
    assert "style=" not in page.split("<main", 1)[1]  # CSP: no inline styles, the script sets the width
    body = client.get(f"/imports/{job.id}/status").get_json()
    assert (body["status"], body["percent"], body["finished"]) == ("validating", 40, False)


def test_foreign_compound_upload_is_404(client, auth, world):
    """A station manager cannot import into another station's compound: 404, no job, nothing stored."""
    login(auth, "manager")
    resp = upload(client, world.compounds["b"][0].id, xlsx(GOOD))
    assert resp.status_code == 404
    assert database.session.scalar(select(func.count(ImportJob.id))) == 0


def test_other_scope_job_is_404(client, auth, world):
    """A job of another scope is a 404 on its page and its status."""
    other = make_user(Role.STATION_MANAGER, world.stations["b"], username="manager_b")
    job = ImportJob(compound_id=world.compounds["b"][0].id, user_id=other.id, filename="b.xlsx",
                    status=ImportStatus.DONE, counts={})
    database.session.add(job)
    database.session.commit()
    login(auth, "manager")
    assert client.get(f"/imports/{job.id}").status_code == 404
    assert client.get(f"/imports/{job.id}/status", headers={"Accept": "application/json"}).status_code == 404
    assert "b.xlsx" not in client.get("/imports/").get_data(as_text=True)


@pytest.mark.parametrize("username", ["owner", "resident", "staff", "committee"])
def test_roles_without_import_capability_are_refused(client, auth, world, username):
    """Owners, residents, station staff and committee members cannot import (403)."""
    login(auth, username)
    assert client.get("/imports/").status_code == 403
    assert upload(client, world.compounds["a"][0].id, xlsx(GOOD)).status_code == 403
    assert client.get("/imports/template.xlsx").status_code == 403
    assert households_in(world.compounds["a"][0]) == 2


def test_owner_cannot_export(client, auth, world):
    """An owner cannot export even their own compound's registry."""
    login(auth, "owner")
    assert client.get(f"/imports/export/{world.compounds['a'][0].id}.xlsx").status_code == 403


def test_export_in_scope_and_foreign_404(client, auth, world):
    """A station manager exports their compound as xlsx in the import layout; another compound is a 404."""
    login(auth, "manager")
    resp = client.get(f"/imports/export/{world.compounds['a'][0].id}.xlsx")
    assert resp.status_code == 200 and resp.mimetype == XLSX
    assert "attachment" in resp.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(resp.data))
    assert book.sheetnames == ["房屋", "楼栋", "说明"]
    rooms = [r[2] for r in book["房屋"].iter_rows(min_row=2, values_only=True)]
    assert rooms == ["101", "102"]
    assert client.get(f"/imports/export/{world.compounds['b'][0].id}.xlsx").status_code == 404
    assert client.get(f"/imports/export/{world.compounds['a'][1].id}.xlsx").status_code == 404


def test_export_form_redirects_to_file(client, auth, world):
    """The export form on the index page leads to the compound's file."""
    login(auth, "manager")
    compound_id = world.compounds["a"][0].id
    resp = client.get(f"/imports/export?compound_id={compound_id}")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/imports/export/{compound_id}.xlsx")
    assert client.get("/imports/export").status_code == 404


def test_template_download(client, auth, world):
    """The template downloads as an xlsx with the 房屋 sheet's headers."""
    login(auth, "manager")
    resp = client.get("/imports/template.xlsx")
    assert resp.status_code == 200 and resp.mimetype == XLSX
    book = load_workbook(io.BytesIO(resp.data))
    assert book["房屋"]["A1"].value == "楼栋" and book["房屋"]["E1"].value == "建筑面积(㎡)"


@pytest.mark.parametrize(("filename", "message"), [
    ("台账.xls", "只能上传 .xlsx 或 .csv 文件"),
    ("台账.txt", "只能上传 .xlsx 或 .csv 文件"),
])
def test_wrong_file_type_reshows_form(client, auth, world, filename, message):
    """A file of another type re-shows the form with a message (400) and creates no job."""
    login(auth, "manager")
    resp = upload(client, world.compounds["a"][0].id, b"data", filename)
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert database.session.scalar(select(func.count(ImportJob.id))) == 0


def test_missing_file_reshows_form(client, auth, world):
    """Submitting without a file re-shows the form with a message."""
    login(auth, "manager")
    resp = client.post("/imports/", data={"compound_id": str(world.compounds["a"][0].id)},
                       content_type="multipart/form-data")
    assert resp.status_code == 400 and "请选择要上传的文件" in resp.get_data(as_text=True)


def test_oversized_upload_is_413_with_message(app, client, auth, world):
    """An upload over MAX_CONTENT_LENGTH is refused with a clear message, and nothing is stored."""
    login(auth, "manager")
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    # Encoded in memory: the test client's own temp file for big bodies would be left open on a 413.
    boundary, body = encode_multipart({"compound_id": str(world.compounds["a"][0].id),
                                       "file": FileStorage(io.BytesIO(b"0" * (1024 * 1024 + 10)), "大.xlsx")})
    resp = client.post("/imports/", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert resp.status_code == 413
    assert "上传的文件太大" in resp.get_data(as_text=True)
    assert database.session.scalar(select(func.count(ImportJob.id))) == 0


def test_oversized_upload_by_non_importer_shows_no_form(app, client, auth, world):
    """An owner's oversized upload is refused (403 before the body is read), never shown the import form."""
    login(auth, "owner")
    app.config["MAX_CONTENT_LENGTH"] = 1024
    boundary, body = encode_multipart({"compound_id": "1", "file": FileStorage(io.BytesIO(b"0" * 2000), "a.xlsx")})
    resp = client.post("/imports/", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 403 and 'name="file"' not in html


@pytest.mark.postgres
def test_async_import_runs_in_background(app, client, auth, fresh):
    """With IMPORT_ASYNC the upload returns at once and a thread finishes the job (polled via status)."""
    app.config["IMPORT_ASYNC"] = True
    compound = fresh
    login(auth, "manager")
    resp = upload(client, compound.id, xlsx([row(room=str(100 + i)) for i in range(300)]))
    assert resp.status_code == 302
    status_url = resp.headers["Location"] + "/status"

    def settled():
        deadline = time.monotonic() + 60
        body = client.get(status_url).get_json()
        while not body["finished"] and time.monotonic() < deadline:
            time.sleep(0.1)
            body = client.get(status_url).get_json()
        return body

    assert settled()["status"] == "planned"
    assert confirm(client, int(resp.headers["Location"].rsplit("/", 1)[1])).status_code == 302
    body = settled()
    assert body["status"] == "done", body
    assert body["counts"]["households_created"] == 300
    database.session.expire_all()
    assert households_in(compound) == 300


def test_bad_compound_value_reshows_form(client, auth, world):
    """A compound value that is not a number re-shows the form (400) and creates no job."""
    login(auth, "manager")
    resp = client.post("/imports/", data={"compound_id": "abc", "file": (io.BytesIO(b"x"), "a.xlsx")},
                       content_type="multipart/form-data")
    assert resp.status_code == 400
    assert database.session.scalar(select(func.count(ImportJob.id))) == 0


def test_failed_and_interrupted_jobs_say_nothing_was_imported(client, auth, world):
    """A failed job shows its message; a job unfinished for over an hour is shown as interrupted, not polled."""
    manager = world.users[Role.STATION_MANAGER]
    compound_id = world.compounds["a"][0].id
    failed = ImportJob(compound_id=compound_id, user_id=manager.id, filename="f.xlsx", status=ImportStatus.FAILED,
                       message="导入时发生内部错误，没有导入任何数据。请稍后重试或联系管理员。")
    stuck = ImportJob(compound_id=compound_id, user_id=manager.id, filename="s.xlsx", status=ImportStatus.WRITING,
                      created_at=utcnow() - timedelta(hours=2))
    database.session.add_all([failed, stuck])
    database.session.commit()
    login(auth, "manager")
    assert "没有导入任何数据" in client.get(f"/imports/{failed.id}").get_data(as_text=True)
    page = client.get(f"/imports/{stuck.id}").get_data(as_text=True)
    assert "导入已中断" in page and "import-progress.js" not in page
    assert client.get(f"/imports/{stuck.id}/status").get_json()["stalled"] is True


# -- in headless Chromium: the real form (CSRF on), the background thread, the polling script -----------
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def live_app(sqlite_template, tmp_path):
    """The real app with background imports, served on a free localhost port, and its world."""
    import shutil
    import threading

    from werkzeug.serving import make_server

    from pm import create_app

    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            raise RuntimeError("CI needs Debian's chromium (installed by .ci/run)")
        pytest.skip("chromium not installed")
    path = tmp_path / "e2e.sqlite3"
    shutil.copyfile(sqlite_template, path)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", INSTANCE_DIR=str(tmp_path),
                     UPLOAD_DIR=str(tmp_path / "uploads"), WTF_CSRF_ENABLED=True, IMPORT_ASYNC=True)
    with app.app_context():
        w = make_world()
        ids = {"compound": w.compounds["a"][0].id, "manager": w.users[Role.STATION_MANAGER].id}
        database.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}", ids
    server.shutdown()
    thread.join(5)
    with app.app_context():
        database.engine.dispose()


@pytest.mark.e2e
def test_browser_upload_and_progress_bar(live_app, tmp_path):
    """In Chromium: upload through the form, see the result; a running job's bar follows the status and the
    page reloads to the result when it ends; no CSP or script errors."""
    from playwright.sync_api import expect, sync_playwright

    app, base, ids = live_app
    workbook = tmp_path / "台账.xlsx"
    workbook.write_bytes(xlsx([row("5号楼", "1单元", str(100 + i), 1, "60.00") for i in range(1500)]))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_context(locale="zh-CN").new_page()
        problems = []
        page.on("console", lambda msg: problems.append(msg.text)
                if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
        page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
                if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.goto(f"{base}/auth/login")
        page.fill("#username", "manager")
        page.fill("#password", PASSWORD)
        page.click("#submit")
        page.wait_for_url(f"{base}/dashboard")

        page.goto(f"{base}/imports/")
        page.select_option("#compound_id", str(ids["compound"]))
        page.set_input_files("#file", str(workbook))
        page.click("#submit")
        page.wait_for_selector("[data-summary=households_new]", timeout=60_000)
        assert page.locator("[data-summary=households_new]").inner_text() == "1500"
        page.click("[data-import-confirm]")
        page.wait_for_selector("[data-count=households_created]", timeout=60_000)
        assert page.locator("[data-count=households_created]").inner_text() == "1500"

        # A job that is still running: the script moves the bar as the status changes, then reloads.
        with app.app_context():
            job = ImportJob(compound_id=ids["compound"], user_id=ids["manager"], filename="慢.xlsx",
                            status=ImportStatus.VALIDATING, total_rows=1000, processed_rows=250)
            database.session.add(job)
            database.session.commit()
            job_id = job.id
        page.goto(f"{base}/imports/{job_id}")
        bar = page.locator(".progress-bar")
        # Locator assertions, not wait_for_function: our CSP forbids the eval that one needs.
        expect(bar).to_have_attribute("style", re.compile(r"width: 25%"))
        with app.app_context():
            database.session.get(ImportJob, job_id).processed_rows = 600
            database.session.commit()
        expect(bar).to_have_attribute("style", re.compile(r"width: 60%"), timeout=10_000)
        expect(bar).to_have_text("60%")
        expect(page.locator(".progress")).to_have_attribute("aria-valuenow", "60")
        assert "600 / 1000" in page.locator("[data-import-progress-text]").inner_text()
        with app.app_context():
            finished = database.session.get(ImportJob, job_id)
            finished.status = ImportStatus.DONE
            finished.counts = {"households_created": 7}
            finished.processed_rows = 1000
            database.session.commit()
        page.wait_for_selector("[data-count=households_created]", timeout=10_000)
        assert page.locator("[data-count=households_created]").inner_text() == "7"
        browser.close()
    assert problems == []
