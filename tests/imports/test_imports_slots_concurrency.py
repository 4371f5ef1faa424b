"""At most IMPORT_MAX_RUNNING imports at once, under parallel workers (PostgreSQL: real concurrent sessions)."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from pm.extensions import db as database
from pm.models import ImportJob, ImportSlot, ImportStatus, Role
from pm.services.imports import slots
from pm.timeutil import utcnow
from tests.factories import make_compound, make_world

pytestmark = pytest.mark.pg_only

WORKERS = 8
LIMIT = 3


def test_parallel_takers_never_exceed_the_limit(app, db, backend):
    """Eight workers each try to take a slot for their own job at the same moment: exactly three succeed,
    the others are refused with ImportsBusy; every taken slot number is distinct."""
    if backend != "postgresql":
        pytest.skip("parallel sessions need PostgreSQL")
    world = make_world()
    compound = make_compound(world.communities["a"], name="并发导入小区")
    user = world.users[Role.STATION_MANAGER]
    job_ids = []
    for n in range(WORKERS):
        job = ImportJob(compound_id=compound.id, user_id=user.id, filename=f"{n}.xlsx",
                        status=ImportStatus.PENDING, total_rows=0, processed_rows=0)
        database.session.add(job)
        database.session.flush()
        job_ids.append(job.id)
    database.session.commit()
    taken, busy, errors = [], [], []
    lock = threading.Lock()
    barrier = threading.Barrier(WORKERS)

    def worker(job_id: int) -> None:
        with app.app_context():
            session = database.session
            job = session.get(ImportJob, job_id)
            barrier.wait(timeout=60)
            try:
                number = slots.acquire(job, limit=LIMIT, now=utcnow())
                session.commit()
                with lock:
                    taken.append(number)
            except slots.ImportsBusy:
                session.rollback()
                with lock:
                    busy.append(job_id)
            except BaseException as exc:  # noqa: BLE001 - reported below
                session.rollback()
                with lock:
                    errors.append(exc)
            finally:
                session.remove()

    threads = [threading.Thread(target=worker, args=(job_id,)) for job_id in job_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert sorted(taken) == list(range(LIMIT)) and len(busy) == WORKERS - LIMIT
    database.session.expire_all()
    assert database.session.scalar(select(func.count(ImportSlot.slot))) == LIMIT
