"""The ledger primitive: signed postings, guarded balances, idempotency, reversal, append-only."""
import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from pm.errors import Conflict, DomainError
from pm.models import EntryKind, LedgerEntry
from pm.services.fund import ledger, subaccounts
from tests.factories import make_household

# Append-only triggers, unique idempotency keys, row locks and balance sums: both backends.
pytestmark = pytest.mark.postgres


def _account(db):
    account = ledger.get_or_open_subaccount(make_household(), due_fen=10_000)
    db.session.commit()
    return account


def _sum(db, account):
    return db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0)).where(LedgerEntry.account_id == account.id))


def test_balance_is_sum_of_entries(db):
    """Deposits and charges move the balance; it always equals the sum of the entries."""
    account = _account(db)
    ledger.post(account, EntryKind.FIRST_DEPOSIT, 10_000, actor=None, source_type="manual")
    ledger.post(account, EntryKind.CHARGE, 2_501, actor=None, source_type="plan", source_id=1)
    db.session.commit()
    db.session.refresh(account)
    assert account.balance_fen == 7_499 == _sum(db, account)


@pytest.mark.parametrize("amount", [0, -5, 1.5, "100", True])
def test_bad_amounts_refused(db, amount):
    """Zero, negative, fractional or non-integer amounts are refused; nothing is posted."""
    account = _account(db)
    with pytest.raises(DomainError):
        ledger.post(account, EntryKind.FIRST_DEPOSIT, amount, actor=None, source_type="manual")
    db.session.rollback()
    assert _sum(db, account) == 0


def test_overdraw_refused(db):
    """A charge larger than the balance is refused and changes nothing."""
    account = _account(db)
    ledger.post(account, EntryKind.FIRST_DEPOSIT, 100, actor=None, source_type="manual")
    db.session.commit()
    with pytest.raises(DomainError, match="余额不足"):
        ledger.post(account, EntryKind.CHARGE, 101, actor=None, source_type="plan")
    db.session.rollback()
    db.session.refresh(account)
    assert account.balance_fen == 100 == _sum(db, account)


def test_idempotent_replay_and_conflict(db):
    """The same key and payload posts once; the same key with another amount is a conflict."""
    account = _account(db)
    first = ledger.post(account, EntryKind.BACK_PAYMENT, 500, actor=None, source_type="manual", key="k1")
    again = ledger.post(account, EntryKind.BACK_PAYMENT, 500, actor=None, source_type="manual", key="k1")
    assert first.id == again.id
    with pytest.raises(Conflict):
        ledger.post(account, EntryKind.BACK_PAYMENT, 600, actor=None, source_type="manual", key="k1")
    db.session.commit()
    assert _sum(db, account) == 500


def test_reversal_once(db):
    """A reversal posts the opposite amount; a second reversal, or reversing a reversal, is refused."""
    account = _account(db)
    entry = ledger.post(account, EntryKind.FIRST_DEPOSIT, 800, actor=None, source_type="manual")
    rev = ledger.reverse(entry, actor=None, memo="录入错误")
    assert rev.amount_fen == -800 and rev.reverses_id == entry.id
    with pytest.raises(Conflict):
        ledger.reverse(entry, actor=None, memo="again")
    with pytest.raises(DomainError):
        ledger.reverse(rev, actor=None, memo="again")
    db.session.commit()
    assert _sum(db, account) == 0


def test_entries_are_append_only(db):
    """The database refuses to update or delete a ledger entry."""
    account = _account(db)
    ledger.post(account, EntryKind.FIRST_DEPOSIT, 100, actor=None, source_type="manual")
    db.session.commit()
    for statement in ("UPDATE ledger_entries SET amount_fen = 1", "DELETE FROM ledger_entries"):
        with pytest.raises(sa.exc.DatabaseError):
            db.session.execute(sa.text(statement))
        db.session.rollback()
    assert _sum(db, account) == 100


def test_replenishment_line_in_integers(db):
    """续交: below 30% of the first deposit is flagged; exactly 30% is not."""
    account = _account(db)  # due 10,000
    ledger.post(account, EntryKind.FIRST_DEPOSIT, 3_000, actor=None, source_type="manual")
    db.session.commit()
    db.session.refresh(account)
    assert not account.needs_replenishment
    ledger.post(account, EntryKind.CHARGE, 1, actor=None, source_type="plan")
    db.session.commit()
    db.session.refresh(account)
    assert account.needs_replenishment


def test_first_deposit_paid_is_kept_with_the_entries(db):
    """首期已交 on the sub-account moves with first deposits and back-payments and their reversals (batch postings
    too), not with replenishments or charges, and always equals the sum of those entries."""
    account, other = _account(db), _account(db)
    ledger.post(account, EntryKind.FIRST_DEPOSIT, 4_000, actor=None, source_type="manual")
    back = ledger.post(account, EntryKind.BACK_PAYMENT, 3_000, actor=None, source_type="manual")
    top_up = ledger.post(account, EntryKind.REPLENISHMENT, 2_000, actor=None, source_type="manual")
    ledger.post(account, EntryKind.CHARGE, 500, actor=None, source_type="plan", source_id=1)
    ledger.reverse(back, actor=None, memo="错账")
    ledger.reverse(top_up, actor=None, memo="错账")
    ledger.post_batch([(other.id, 6_000, "batch-1")], EntryKind.FIRST_DEPOSIT, actor=None, source_type="demo")
    ledger.post_batch([(other.id, 700, "batch-2")], EntryKind.RETURNS, actor=None, source_type="returns")
    db.session.commit()
    db.session.expire_all()
    assert (account.first_deposit_paid_fen, account.balance_fen) == (4_000, 3_500)
    assert (other.first_deposit_paid_fen, other.balance_fen) == (6_000, 6_700)
    assert subaccounts.first_deposit_paid([account.id, other.id]) == {account.id: 4_000, other.id: 6_000}
