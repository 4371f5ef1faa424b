"""Fixtures in the flaskr style (app, db, client, runner, login helpers), fresh databases, and the backends.

Databases: every test gets a fresh database whose schema comes from the Alembic migrations.
- SQLite: the migrations run once per run into a template file, copied for each test.
- PostgreSQL (when reachable; required when CI=true): the migrations run once per session into a database
  of this worker; before each test every table is emptied and the sequences restarted.
- `demo_db`: the same, with the demo county (`flask pm demo`) already in it. The demo is built once per run
  and backend, by the first xdist worker that needs it (SQLite: a second template file; PostgreSQL: COPY
  data of every table, copied back in before each test that asks for it).

Backends: a test that takes the `app` fixture (directly or through db, client, world, ...) is parametrised
[sqlite] and [postgresql]. It always runs on SQLite. It runs on PostgreSQL too when
- it is marked `postgres`: it exercises database behaviour (locks, triggers, constraints and unique-key
  races, migrations, concurrency, SQL aggregates and window functions, upserts, sequences, time zones,
  text search: anything dialect-specific). Mark the test, or the module with `pytestmark`;
- it is marked `pg_only` (it means something only there, e.g. parallel writers): then it skips SQLite;
- it falls in the sample: one test in PG_SAMPLE of each module, chosen by a stable hash of its node id
  (and at least one per module), so every module and page type still meets PostgreSQL;
- or PM_TEST_ALL_BACKENDS=1 is set: every test on both backends (run it before a release).
The other [postgresql] runs are deselected; a test named in full on the command line always runs.
"""
from __future__ import annotations

import copy
import hashlib
import os
import shutil
import time
from collections import defaultdict
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient

from pm.extensions import db as _db
from tests.databases import (
    PgReset,
    build_sqlite_once,
    copy_sqlite,
    create_database,
    drop_database_later,
    load_demo,
    pg_reachable,
    testing_app,
    upgrade,
)
from tests.factories import PASSWORD, api_client, make_world

ALL_BACKENDS = os.environ.get("PM_TEST_ALL_BACKENDS", "").strip().lower() in {"1", "true", "yes", "on"}
PG_SAMPLE = 4  # one unmarked test in PG_SAMPLE runs on PostgreSQL too

PG_OK = pg_reachable()
if not PG_OK and os.environ.get("CI"):
    raise RuntimeError("CI needs PostgreSQL on 127.0.0.1:5432 (started by .ci/run)")

BACKENDS = ["sqlite", "postgresql"]


# -- which backends a test runs on -----------------------------------------------------------------
def _backend(item) -> str | None:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("backend") if callspec is not None else None


def _sample_key(item) -> int:
    """A stable number for the test without its backend: the same on every machine, worker and run."""
    key = item.nodeid.replace("postgresql", "")
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Deselect the [postgresql] runs of tests that are neither marked nor sampled (and [sqlite] of pg_only)."""
    named = set(config.args)
    drop: set[int] = set()
    has_pg: dict[str, bool] = defaultdict(bool)
    unsampled: dict[str, list] = defaultdict(list)
    for item in items:
        backend = _backend(item)
        if backend is None:
            continue
        module = item.nodeid.split("::", 1)[0]
        pg_only = item.get_closest_marker("pg_only") is not None
        if backend == "sqlite":
            if pg_only and item.nodeid not in named:
                drop.add(id(item))
            continue
        marked = ALL_BACKENDS or pg_only or item.get_closest_marker("postgres") is not None
        if marked or item.nodeid in named or _sample_key(item) % PG_SAMPLE == 0:
            has_pg[module] = True
        else:
            unsampled[module].append(item)
            drop.add(id(item))
    for module, candidates in unsampled.items():
        if not has_pg[module]:  # a module of few tests: its lowest hash still meets PostgreSQL
            drop.discard(id(min(candidates, key=_sample_key)))
    if drop:
        config.hook.pytest_deselected(items=[item for item in items if id(item) in drop])
        items[:] = [item for item in items if id(item) not in drop]


def pytest_terminal_summary(terminalreporter, config):
    """One line with how many test runs each backend had (the load-independent size of the suite)."""
    if config.getoption("cpu_durations"):
        _cpu_summary(terminalreporter, config.getoption("cpu_durations"))
    counts: dict[str, int] = defaultdict(int)
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) == "call" or (getattr(report, "skipped", False)
                                                            and getattr(report, "when", None) == "setup"):
                nodeid = report.nodeid
                backend = "postgresql" if "[postgresql" in nodeid or "-postgresql" in nodeid else (
                    "sqlite" if "[sqlite" in nodeid or "-sqlite" in nodeid else "none")
                counts[backend] += 1
    if counts:
        terminalreporter.write_line(
            f"test runs by backend: sqlite {counts['sqlite']}, postgresql {counts['postgresql']}, "
            f"no database {counts['none']}")


def pytest_addoption(parser):
    parser.addoption("--cpu-durations", type=int, default=None, metavar="N",
                     help="list the N tests that took the most CPU time of their process (setup + call + "
                          "teardown, user + sys): unlike --durations, independent of the machine's load")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Each phase's report carries the CPU time (user + sys) its process spent on it (see --cpu-durations)."""
    outcome = yield
    started = item.stash.get(_CPU_START, None)
    if started is not None:
        outcome.get_result().user_properties.append(("cpu_s", time.process_time() - started))


_CPU_START = pytest.StashKey[float]()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    item.stash[_CPU_START] = time.process_time()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item):
    item.stash[_CPU_START] = time.process_time()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item):
    item.stash[_CPU_START] = time.process_time()


def _cpu_summary(terminalreporter, limit: int) -> None:
    per_test: dict[str, float] = defaultdict(float)
    for reports in terminalreporter.stats.values():
        for report in reports:
            for name, value in getattr(report, "user_properties", ()):
                if name == "cpu_s":
                    per_test[report.nodeid] += value
    if not per_test:
        return
    terminalreporter.write_sep("=", f"most CPU time {limit} (user + sys, setup + call + teardown)")
    for nodeid, seconds in sorted(per_test.items(), key=lambda kv: -kv[1])[:limit]:
        terminalreporter.write_line(f"{seconds:8.2f}s {nodeid}")
    terminalreporter.write_line(f"{sum(per_test.values()):8.2f}s in all {len(per_test)} tests")


# -- databases -------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def run_dir(tmp_path_factory, worker_id) -> Path:
    """A directory shared by the xdist workers of this run, and only this run."""
    base = tmp_path_factory.getbasetemp()
    return base if worker_id == "main" else base.parent


@pytest.fixture(scope="session")
def sqlite_template(run_dir) -> Path:
    """An SQLite file with the migrations applied: built once per run, copied per test."""
    return build_sqlite_once(run_dir / "template.sqlite3", run_dir / "template.lock",
                             lambda path: upgrade(f"sqlite:///{path}", run_dir / "template-instance"))


@pytest.fixture(scope="session")
def sqlite_demo_template(sqlite_template, run_dir) -> Path:
    """The migrated template with the demo county loaded: built once per run, copied per test."""
    def build(path: Path) -> None:
        shutil.copyfile(sqlite_template, path)
        load_demo(f"sqlite:///{path}", run_dir / "demo-instance")

    return build_sqlite_once(run_dir / "demo.sqlite3", run_dir / "demo-sqlite.lock", build)


@pytest.fixture(scope="session")
def worker_id(request) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(scope="session")
def pg_url(worker_id: str, tmp_path_factory) -> str:
    if not PG_OK:
        pytest.skip("PostgreSQL not reachable")
    # One database per test process, so parallel runs (xdist, several checkouts) never collide.
    name = f"pm_test_{os.getpid()}_{worker_id}"
    url = create_database(name)
    upgrade(url, tmp_path_factory.mktemp("pg-instance"))
    yield url
    drop_database_later(name)


@pytest.fixture(scope="session")
def pg_reset(pg_url) -> PgReset:
    return PgReset(pg_url)


@pytest.fixture(scope="session")
def pg_demo(pg_reset, run_dir) -> PgReset:
    """This worker's database can be reset to the demo county (built once per run)."""
    pg_reset.load_demo(run_dir)
    return pg_reset


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """The database of this run (see the module docstring for which runs are kept)."""
    return request.param


def _wants_demo(request) -> bool:
    return "demo_db" in request.fixturenames


class AppCache:
    """One app per backend for the whole session of a worker, reset before each test.

    Building an app registers every blueprint and generates the OpenAPI spec: 0.1-0.3 s, more than most
    tests take. So each backend's app is built once, on a database URL that stays the same (SQLite: a file
    replaced by a copy of the template before each test; PostgreSQL: this worker's database, emptied), and
    before each test its config is put back as built, with the test's own INSTANCE_DIR and UPLOAD_DIR.
    A test that changes the app itself (registers a blueprint or a route) is marked `fresh_app`.
    """

    def __init__(self, base: Path) -> None:
        self.base = base
        self.apps: dict[str, tuple] = {}

    def get(self, backend: str, url: str):
        if backend not in self.apps:
            app = testing_app(url, self.base / backend)
            app.test_client_class = IsolatedClient
            self.apps[backend] = (app, copy.deepcopy(dict(app.config)))
        return self.apps[backend]

    def dispose(self) -> None:
        for app, _config in self.apps.values():
            with app.app_context():
                _db.engine.dispose()


@pytest.fixture(scope="session")
def app_cache(tmp_path_factory):
    cache = AppCache(tmp_path_factory.mktemp("apps"))
    yield cache
    cache.dispose()


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production: its own `g` and its own DB session.

    (The fixtures keep an app context open for test code; without this, requests would share its `g`
    and session, hiding missing commits and leaking flask-login's cached user between clients.)
    Afterwards the test's own session is expired so it reads what the request committed.
    """

    def open(self, *args, **kwargs):
        ctx = self.application.app_context()
        ctx.push()
        try:
            return super().open(*args, **kwargs)
        finally:
            ctx.pop()
            if has_app_context():
                _db.session.expire_all()


@pytest.fixture
def app(backend, request, tmp_path, app_cache):
    """The app of this test, on a fresh database of `backend` (with the demo county if it asks for demo_db)."""
    demo_wanted = _wants_demo(request)
    fresh = request.node.get_closest_marker("fresh_app") is not None
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_demo_template" if demo_wanted else "sqlite_template")
        path = (tmp_path if fresh else app_cache.base) / "test.sqlite3"
        copy_sqlite(template, path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_url")
    if fresh:
        app = testing_app(url, tmp_path)
        app.test_client_class = IsolatedClient
    else:
        app, config = app_cache.get(backend, url)
        app.config.clear()
        app.config.update(copy.deepcopy(config))
        app.config.update(INSTANCE_DIR=str(tmp_path), UPLOAD_DIR=str(tmp_path / "uploads"))
        os.makedirs(app.config["UPLOAD_DIR"], exist_ok=True)
    with app.app_context():
        if backend == "postgresql":
            if demo_wanted:
                request.getfixturevalue("pg_demo").restore_demo(_db.engine)
            else:
                request.getfixturevalue("pg_reset").reset(_db.engine)
        yield app
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def demo_db(db):
    """The database with the demo county of `flask pm demo` loaded and committed (107 compounds, the demo
    logins, fund, repairs, station work): a copy of a per-session build, so tests may change it freely."""
    return db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    """Log a test client in and out through the real login form."""

    def __init__(self, client):
        self._client = client

    def login(self, username: str, password: str = PASSWORD):
        return self._client.post("/auth/login", data={"username": username, "password": password})

    def logout(self):
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def world(app, db):
    """Two streets (a, b) with compounds, households, a station and one user per role on side a."""
    return make_world()


@pytest.fixture
def api(app, db):
    """A JSON client for /api/v1 that authenticates with a bearer token of a given user."""
    return lambda user: api_client(app, user)


class QueryCounter:
    """Counts SQL statements executed while active (N+1 detection)."""

    def __init__(self, engine):
        self.engine = engine
        self.count = 0
        self.statements: list[str] = []

    def _on(self, conn, cursor, statement, parameters, context, executemany):
        self.count += 1
        self.statements.append(statement)

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._on)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._on)


@pytest.fixture
def count_queries(db):
    return lambda: QueryCounter(db.engine)
