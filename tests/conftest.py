"""Fixtures in the flaskr style: app, db, client, runner, login helpers.

Every test gets a fresh database whose schema comes from the Alembic migrations:
- SQLite: the migrations run once per session into a template file, copied for each test;
- PostgreSQL (when reachable; required when CI=true): the migrations run once per session into a
  database of this worker, and every table is truncated before each test.
Tests that take the `app` fixture run once per backend ([sqlite] and [postgresql]).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient

from pm import create_app
from pm.extensions import db as _db

PG_ADMIN_URL = os.environ.get("PM_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _pg_reachable() -> bool:
    try:
        engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


PG_OK = _pg_reachable()
if not PG_OK and os.environ.get("CI"):
    raise RuntimeError("CI needs PostgreSQL on 127.0.0.1:5432 (started by .ci/run)")

BACKENDS = ["sqlite", "postgresql"]


def _upgrade(url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, INSTANCE_DIR=str(instance),
                     UPLOAD_DIR=str(instance / "uploads"))
    with app.app_context():
        upgrade(revision="heads")
        _db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("sqlite-template")
    path = base / "template.sqlite3"
    _upgrade(f"sqlite:///{path}", base)
    return path


@pytest.fixture(scope="session")
def pg_url(worker_id: str, tmp_path_factory) -> str:
    if not PG_OK:
        pytest.skip("PostgreSQL not reachable")
    # One database per test process, so parallel runs (xdist, several checkouts) never collide.
    name = f"pm_test_{os.getpid()}_{worker_id}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    _upgrade(url, tmp_path_factory.mktemp("pg-instance"))
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def worker_id(request) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


def _truncate_all(engine) -> None:
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def database_url(backend, request, tmp_path) -> str:
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    return request.getfixturevalue("pg_url")


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
def app(database_url, backend, tmp_path):
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=database_url,
        INSTANCE_DIR=str(tmp_path),
        UPLOAD_DIR=str(tmp_path / "uploads"),
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        if backend == "postgresql":
            _truncate_all(_db.engine)
        yield app
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


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

    def login(self, username: str, password: str = "correct horse battery"):
        return self._client.post("/auth/login", data={"username": username, "password": password})

    def logout(self):
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def world(app, db):
    """Two streets (a, b) with compounds, households, a station and one user per role on side a."""
    from tests.factories import make_world

    return make_world()


@pytest.fixture
def api(app, db):
    """A JSON client for /api/v1 that authenticates with a bearer token of a given user."""
    from tests.factories import api_client

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
