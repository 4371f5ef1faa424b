"""小区计数: the per-compound counts (compound_tallies) equal a recount of the rows after every kind of write —
opening sub-accounts (with and without a due), pricing one later, first deposits in full and in part, back-payments,
reversals, batches, closing, filing repairs and every workflow step — and the county's and street's pages and the
coverage report show the recount's figures. A writer that forgets its update makes these tests fail."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from pm.access import SYSTEM, scope_for
from pm.errors import Conflict
from pm.extensions import db as _db
from pm.models import Compound, EntryKind, RepairCategory, RepairStatus, Role, SubAccount, Urgency
from pm.services import tallies
from pm.services.dashboard import home_cards
from pm.services.fund import deposits, ledger, rates
from pm.services.governance import coverage
from pm.services.repairs import filing, workflow
from pm.timeutil import utcnow
from tests.factories.repairs import NOW, repair_world


@pytest.fixture
def w(app, db):
    return repair_world()


def by(user):
    return {"actor": user, "scope": scope_for(user)}


def assert_no_drift(step: str) -> None:
    _db.session.flush()
    assert tallies.drift() == [], step


def _file(w, i: int):
    owner = w.users[Role.OWNER]
    return filing.file_request(w.compounds["a"][0], **by(owner), category=RepairCategory.LEAK, urgency=Urgency.NORMAL,
                               description=f"屋面渗漏第 {i} 处，顶楼受影响", building_id=w.households["a"][0].building_id,
                               confirm_duplicate=True, now=NOW)


def test_every_kind_of_write_keeps_the_tallies_equal_to_a_recount(w, db):
    admin = w.users[Role.COUNTY_ADMIN]
    staff = w.users[Role.STATION_STAFF]
    owner = w.users[Role.OWNER]
    homes = w.households["a"] + w.households["b"]
    # opening: with a due (unpaid), without one (not counted), a second holder of the same dwelling
    accounts = [ledger.get_or_open_subaccount(h, due_fen=10_000) for h in homes[:3]]
    assert_no_drift("open with due")
    unpriced = ledger.get_or_open_subaccount(homes[3])
    assert_no_drift("open without due")
    assert ledger.get_or_open_subaccount(homes[0], due_fen=999) is accounts[0]  # reopening: nothing new
    assert_no_drift("open again")
    # first deposits: in part, then the rest by a back-payment; in full; a payment on the unpriced account
    ledger.post(accounts[0], EntryKind.FIRST_DEPOSIT, 4_000, actor=None, source_type="manual")
    assert_no_drift("part")
    back = ledger.post(accounts[0], EntryKind.BACK_PAYMENT, 6_000, actor=None, source_type="manual")
    assert_no_drift("paid in full by a back-payment")
    full = ledger.post(accounts[1], EntryKind.FIRST_DEPOSIT, 10_000, actor=None, source_type="manual")
    ledger.post(unpriced, EntryKind.FIRST_DEPOSIT, 3_000, actor=None, source_type="manual")
    ledger.post(accounts[1], EntryKind.REPLENISHMENT, 500, actor=None, source_type="manual")  # not a first deposit
    assert_no_drift("full, unpriced, replenishment")
    # reversals: unpaid again
    ledger.reverse(back, actor=None, memo="错账")
    ledger.reverse(full, actor=None, memo="错账")
    assert_no_drift("reversals")
    # a batch of first deposits over both compounds' accounts (some paid in full, some in part)
    batch = [(a.id, 10_000 if i % 2 else 2_000, f"t:{a.id}") for i, a in enumerate(accounts)]
    ledger.post_batch(batch, EntryKind.FIRST_DEPOSIT, actor=None, source_type="manual")
    assert_no_drift("batch")
    # pricing the account opened without a due (deposits.open_subaccounts)
    rates.create_rate({"name": "多层", "has_elevator": False, "fen_per_m2": 5_000, "effective_on": date(2019, 1, 1)},
                      actor=admin, scope=SYSTEM)
    deposits.open_subaccounts(homes[3].compound, on=date(2025, 1, 1), actor=admin, scope=SYSTEM)
    _db.session.expire_all()
    assert _db.session.get(SubAccount, unpriced.id).first_deposit_due_fen is not None
    assert_no_drift("priced later, and the compound's other households opened")
    # closing: refund to zero, then close
    account = _db.session.get(SubAccount, accounts[2].id)
    ledger.post(account, EntryKind.REFUND, account.balance_fen, actor=None, source_type="manual")
    ledger.close_subaccount(account, actor=None)
    assert_no_drift("closed")
    # repairs: filed, then every step
    reqs = [_file(w, i) for i in range(4)]
    assert_no_drift("filed")
    workflow.accept(reqs[0], **by(staff), now=NOW)
    workflow.reject(reqs[1], **by(staff), reason="不属于物业维修范围", now=NOW)
    assert_no_drift("accept, reject")
    for req in reqs[2:]:
        workflow.dispatch(req, **by(staff), team_id=w.team.id, assignee_id=staff.id, now=NOW)
        workflow.start(req, **by(staff), now=NOW + timedelta(minutes=30))
        workflow.complete(req, **by(staff), note="已补漏", now=NOW + timedelta(hours=2))
    assert_no_drift("dispatch, start, complete")
    workflow.confirm(reqs[2], **by(owner), rating=5, now=NOW + timedelta(hours=3))
    workflow.reopen(reqs[3], **by(owner), reason="还在漏水", now=NOW + timedelta(hours=3))
    assert_no_drift("confirm, reopen")
    kept = tallies.kept()
    assert sum(v["fund_due"] for v in kept.values()) >= 3 and sum(v["repairs_open"] for v in kept.values()) == 2


def test_a_writer_that_forgets_its_update_is_caught(w, db, monkeypatch):
    """The check can fail: a posting whose count update is skipped leaves drift, which recount() repairs."""
    account = ledger.get_or_open_subaccount(w.households["a"][0], due_fen=10_000)
    monkeypatch.setattr(tallies, "bump", lambda *a, **k: None)
    ledger.post(account, EntryKind.FIRST_DEPOSIT, 10_000, actor=None, source_type="manual")
    monkeypatch.undo()
    found = tallies.drift()
    assert [(d.compound_id, d.kept["fund_unpaid"], d.counted["fund_unpaid"]) for d in found] == [
        (account.compound_id, 1, 0)]
    assert tallies.recount() == found and tallies.drift() == []


def test_a_step_on_a_request_moved_meanwhile_is_refused_and_counted_once(w, db):
    """The workflow's guarded UPDATE: a step read from a stale status is a 409 (else the count would move twice)."""
    staff = w.users[Role.STATION_STAFF]
    req = _file(w, 0)
    _db.session.commit()
    workflow.accept(req, **by(staff), now=NOW)
    _db.session.commit()
    set_committed_value(req, "status", RepairStatus.SUBMITTED)  # what a parallel request read before the step
    with pytest.raises(Conflict):
        workflow.accept(req, **by(staff), now=NOW)
    _db.session.rollback()
    assert tallies.drift() == []


def test_cli_recount_check_reports_and_recount_repairs(app, w, db):
    ledger.get_or_open_subaccount(w.households["a"][0], due_fen=10_000)
    _db.session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["pm", "tallies", "recount", "--check"]).exit_code == 0
    _db.session.execute(tallies.CompoundTally.__table__.update().values(fund_due=7))
    _db.session.commit()
    result = runner.invoke(args=["pm", "tallies", "recount", "--check"])
    assert result.exit_code == 1 and "fund_due" in result.output
    result = runner.invoke(args=["pm", "tallies", "recount"])
    assert result.exit_code == 0, result.output
    _db.session.expire_all()
    assert tallies.drift() == []


def test_county_and_street_pages_and_coverage_show_the_recount(w, db):
    """The county's and street's fund figures and the coverage report's fund counts equal the recount's sums."""
    for i, h in enumerate(w.households["a"] + w.households["b"]):
        account = ledger.get_or_open_subaccount(h, due_fen=10_000)
        if i % 3:
            ledger.post(account, EntryKind.FIRST_DEPOSIT, 10_000 if i % 3 == 1 else 4_000, actor=None,
                        source_type="manual")
    _db.session.flush()
    counted = tallies.recounted()
    for role in (Role.COUNTY_ADMIN, Role.STREET_OFFICER):
        user = w.users[role]
        scope = scope_for(user)
        ids = set(_db.session.scalars(scope.filter(select(Compound.id), Compound)))
        want_due = sum(v["fund_due"] for c, v in counted.items() if c in ids)
        want_unpaid = sum(v["fund_unpaid"] for c, v in counted.items() if c in ids)
        report = coverage.coverage(scope, today=date.today())
        assert (report.fund_due, report.fund_unpaid) == (want_due, want_unpaid) and want_due
        home, cards = home_cards(user, scope, now=utcnow())
        fund = home.fact("fund")
        assert (fund.accounts, fund.arrears) == (want_due, want_unpaid)
