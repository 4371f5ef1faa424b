"""Test databases: the migrated templates, the demo county built once per run, and PostgreSQL resets.

Used by tests/conftest.py. SQLite files are built once per run (the first xdist worker builds under a file
lock, the others wait and copy); each PostgreSQL worker has a database of its own, emptied between tests.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import flask_migrate
import sqlalchemy as sa

from pm import create_app, demo
from pm.extensions import db

PG_ADMIN_URL = os.environ.get("PM_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def pg_reachable() -> bool:
    try:
        engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001  (any failure to connect means: not reachable)
        return False


def create_database(name: str) -> str:
    """A new, empty PostgreSQL database `name` (dropped first if a crashed run left it); its URL."""
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_database_later(name: str) -> None:
    """Drop database `name` from a detached process.

    DROP DATABASE waits for a checkpoint, which takes seconds to a minute on a busy server; nobody needs to
    wait for it. (The shell starts the dropper in the background and returns at once.)
    """
    subprocess.run(
        ["sh", "-c", '"$0" -c "$1" "$2" "$3" </dev/null >/dev/null 2>&1 &', sys.executable, _DROP_DATABASE,
         PG_ADMIN_URL, name],
        check=True, start_new_session=True,
    )


_DROP_DATABASE = """
import sys
import sqlalchemy as sa
engine = sa.create_engine(sys.argv[1], isolation_level="AUTOCOMMIT")
with engine.connect() as conn:
    conn.execute(sa.text('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % sys.argv[2]))
"""


def testing_app(url: str, instance: Path, **config):
    return create_app("testing", SQLALCHEMY_DATABASE_URI=url, INSTANCE_DIR=str(instance),
                      UPLOAD_DIR=str(instance / "uploads"), **config)


def upgrade(url: str, instance: Path) -> None:
    app = testing_app(url, instance)
    with app.app_context():
        flask_migrate.upgrade(revision="heads")
        db.engine.dispose()


def load_demo(url: str, instance: Path) -> None:
    """The demo county, built by the loader `flask pm demo` runs, committed into the database at `url`."""
    app = testing_app(url, instance)
    with app.app_context():
        demo.build_data_set(demo.DEMO)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@contextlib.contextmanager
def run_lock(path: Path):
    """An exclusive lock between the workers of this run (a file lock: the first builds, the others wait)."""
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_sqlite_once(path: Path, lock: Path, build) -> Path:
    """Build the SQLite file at `path` once per run: the first worker builds, the others use it."""
    with run_lock(lock):
        if not path.exists():
            building = path.with_name(path.name + ".building")
            build(building)
            with contextlib.closing(sqlite3.connect(building)) as conn:  # all in the main file: no -wal to lose
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            building.rename(path)
    return path


def copy_sqlite(template: Path, path: Path) -> None:
    """A fresh copy of `template` at `path`: a new file (connections left open keep the old one) without the
    old write-ahead log, which SQLite would otherwise replay into the copy."""
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(template, path)


class PgReset:
    """Empties this worker's PostgreSQL database between tests, or fills it with the demo county.

    DELETE with triggers off (session_replication_role = replica, which also skips the append-only
    triggers and foreign-key checks) and restarted sequences: a few milliseconds, where TRUNCATE of the
    fifty tables costs 0.1-1 s per test because it creates and syncs new files for every table.
    Without superuser rights it falls back to TRUNCATE.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.tables = [t.name for t in reversed(db.metadata.sorted_tables)]  # children first
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            self.superuser = conn.scalar(sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
            self.sequences = list(conn.scalars(sa.text(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' ORDER BY sequencename")))
        engine.dispose()
        self.demo_sequences: dict[str, int | None] = {}
        self.demo_data: dict[str, bytes] = {}

    def _empty(self, conn) -> None:
        if not self.superuser:
            conn.exec_driver_sql(
                "TRUNCATE " + ", ".join(f'"{t}"' for t in self.tables) + " RESTART IDENTITY CASCADE")
            return
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        conn.exec_driver_sql("".join(f'DELETE FROM "{t}";' for t in self.tables))
        if self.sequences:
            conn.exec_driver_sql("SELECT " + ", ".join(f"setval('\"{s}\"', 1, false)" for s in self.sequences))

    def reset(self, engine) -> None:
        """Every table empty, every sequence back at 1."""
        with engine.begin() as conn:
            self._empty(conn)

    def load_demo(self, run_dir: Path) -> None:
        """The demo county as COPY data per table, built once per run in whichever worker asks first."""
        dump = run_dir / "demo-postgresql"
        with run_lock(run_dir / "demo-postgresql.lock"):
            if not (dump / "sequences.json").exists():
                self._dump_demo(dump, run_dir / "demo-postgresql-instance")
        self.demo_sequences = json.loads((dump / "sequences.json").read_text())
        self.demo_data = {t: (dump / f"{t}.copy").read_bytes() for t in self.tables if (dump / f"{t}.copy").exists()}

    def _dump_demo(self, dump: Path, instance: Path) -> None:
        engine = sa.create_engine(self.url)
        self.reset(engine)
        load_demo(self.url, instance)
        dump.mkdir(exist_ok=True)
        with engine.connect() as conn:
            cursor = conn.connection.driver_connection.cursor()
            for table in self.tables:
                if conn.scalar(sa.text(f'SELECT count(*) FROM "{table}"')):
                    with cursor.copy(f'COPY "{table}" TO STDOUT (FORMAT BINARY)') as copy:
                        (dump / f"{table}.copy").write_bytes(b"".join(bytes(block) for block in copy))
            sequences = dict(conn.execute(sa.text(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")).all())
        (dump / "sequences.json").write_text(json.dumps(sequences))
        engine.dispose()

    def restore_demo(self, engine) -> None:
        """Every table as the demo left it: emptied, then filled by COPY from the run's dump."""
        with engine.begin() as conn:
            self._empty(conn)
            if self.superuser:
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            cursor = conn.connection.driver_connection.cursor()
            for table in reversed(self.tables):  # parents first, for when foreign keys are checked
                if table in self.demo_data:
                    with cursor.copy(f'COPY "{table}" FROM STDIN (FORMAT BINARY)') as copy:
                        copy.write(self.demo_data[table])
            moved = [(s, v) for s, v in self.demo_sequences.items() if v is not None]
            if moved:
                conn.exec_driver_sql("SELECT " + ", ".join(f"setval('\"{s}\"', {v})" for s, v in moved))
