"""小区计数 under parallel writers (PostgreSQL): 16 threads mixing first deposits and back-payments (some completing
the deposit, some reversed), openings of the same dwellings, closings and repair steps on the same two compounds end
with the kept counts equal to a recount — no increment lost or counted twice. (SQLite has one writer: skipped.)"""
from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest

from pm.access import scope_for
from pm.errors import DomainError
from pm.extensions import db as database
from pm.models import EntryKind, Household, LedgerEntry, RepairCategory, RepairRequest, Role, SubAccount, Urgency, User
from pm.services import tallies
from pm.services.fund import ledger
from pm.services.repairs import filing, workflow
from tests.factories import make_building, make_household, make_unit
from tests.factories.repairs import NOW, repair_world

pytestmark = pytest.mark.pg_only

THREADS = 16
OPS = 12


@pytest.fixture
def setup(app, db, backend):
    if backend != "postgresql":
        pytest.skip("row locks and parallel writers need PostgreSQL")
    w = repair_world()
    one, two = w.compounds["a"]
    homes = [make_household(make_unit(make_building(c)), room_no=str(101 + i)) for c in (one, two) for i in range(4)]
    accounts = [ledger.get_or_open_subaccount(h, due_fen=10_000) for h in homes[:6]]
    owner = w.users[Role.OWNER]
    reqs = [filing.file_request(one, actor=owner, scope=scope_for(owner), category=RepairCategory.LEAK,
                                urgency=Urgency.NORMAL, description=f"屋面渗漏第 {i} 处，顶楼受影响",
                                building_id=w.households["a"][0].building_id, confirm_duplicate=True, now=NOW)
            for i in range(10)]
    database.session.commit()
    assert tallies.drift() == []
    return {"account_ids": [a.id for a in accounts], "homes": [h.id for h in homes], "reqs": [r.id for r in reqs],
            "staff": w.users[Role.STATION_STAFF].id, "owner": owner.id, "team": w.team.id}


def _repair_step(session, setup, rnd, n, i):
    staff, owner = session.get(User, setup["staff"]), session.get(User, setup["owner"])
    req = session.get(RepairRequest, rnd.choice(setup["reqs"]))
    at = NOW + timedelta(minutes=n * OPS + i)
    step = rnd.choice(["accept", "dispatch", "start", "complete", "confirm", "reopen"])
    if step == "accept":
        workflow.accept(req, actor=staff, scope=scope_for(staff), now=at)
    elif step == "dispatch":
        workflow.dispatch(req, actor=staff, scope=scope_for(staff), team_id=setup["team"], assignee_id=staff.id,
                          now=at)
    elif step == "start":
        workflow.start(req, actor=staff, scope=scope_for(staff), now=at)
    elif step == "complete":
        workflow.complete(req, actor=staff, scope=scope_for(staff), note="已补漏", now=at)
    elif step == "confirm":
        workflow.confirm(req, actor=owner, scope=scope_for(owner), rating=5, now=at)
    else:
        workflow.reopen(req, actor=owner, scope=scope_for(owner), reason="还在漏水", now=at)
    return step


def test_parallel_writers_keep_the_tallies_equal_to_a_recount(app, setup):
    errors: list[BaseException] = []
    done: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def worker(n: int) -> None:
        rnd = random.Random(n)
        with app.app_context():
            session = database.session
            barrier.wait(timeout=60)
            for i in range(OPS):
                op = rnd.choice(["deposit", "deposit", "back", "reverse", "open", "close", "repair", "repair",
                                 "repair"])
                try:
                    if op in ("deposit", "back"):
                        account = session.get(SubAccount, rnd.choice(setup["account_ids"]))
                        kind = EntryKind.FIRST_DEPOSIT if op == "deposit" else EntryKind.BACK_PAYMENT
                        ledger.post(account, kind, rnd.choice((2_500, 5_000, 10_000)), actor=None,
                                    source_type="manual")
                    elif op == "reverse":
                        entry = session.scalar(database.select(LedgerEntry).where(
                            LedgerEntry.account_id == rnd.choice(setup["account_ids"]),
                            LedgerEntry.kind == EntryKind.FIRST_DEPOSIT).order_by(LedgerEntry.id.desc()).limit(1))
                        if entry is None:
                            continue
                        ledger.reverse(entry, actor=None, memo="错账")
                    elif op == "open":  # threads race to open the same two dwellings' sub-accounts
                        home = session.get(Household, rnd.choice(setup["homes"][6:]))
                        ledger.get_or_open_subaccount(home, due_fen=10_000)
                    elif op == "close":
                        account = session.get(SubAccount, rnd.choice(setup["account_ids"]))
                        if account.balance_fen == 0 and account.status == "open":
                            ledger.close_subaccount(account, actor=None)
                    else:
                        op = _repair_step(session, setup, rnd, n, i)
                    session.commit()
                except DomainError:
                    session.rollback()  # refused (out of order, moved meanwhile, balance, closed): nothing changed
                    continue
                except BaseException as exc:  # noqa: BLE001 - reported after the threads end
                    session.rollback()
                    with lock:
                        errors.append(exc)
                    continue
                with lock:
                    done.append(op)
            session.remove()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not any(t.is_alive() for t in threads), "a writer hung"
    assert not errors, errors
    database.session.expire_all()
    assert tallies.drift() == []
    assert {"deposit", "open", "accept", "dispatch"} <= set(done), done
