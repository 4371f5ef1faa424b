"""Migration 0014 back-fills each sub-account's 首期已交 from the ledger: first deposits and back-payments net of
their reversals; replenishments, charges and their reversals do not count."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from pm.models import EntryKind, SubAccount
from pm.services.fund import ledger, subaccounts
from tests.factories import make_household

pytestmark = pytest.mark.postgres


def test_backfill_first_deposit_paid(app, db):
    paid, other, empty = (ledger.get_or_open_subaccount(make_household(), due_fen=10_000) for _i in range(3))
    ledger.post(paid, EntryKind.FIRST_DEPOSIT, 4_000, actor=None, source_type="manual")
    back = ledger.post(paid, EntryKind.BACK_PAYMENT, 3_000, actor=None, source_type="manual")
    ledger.post(paid, EntryKind.BACK_PAYMENT, 1_000, actor=None, source_type="manual")
    top_up = ledger.post(paid, EntryKind.REPLENISHMENT, 2_000, actor=None, source_type="manual")
    ledger.reverse(back, actor=None, memo="错账")
    ledger.reverse(top_up, actor=None, memo="错账")
    ledger.post(other, EntryKind.REPLENISHMENT, 900, actor=None, source_type="manual")
    ids = [paid.id, other.id, empty.id]
    db.session.commit()
    migrate = app.extensions["migrate"]
    script = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
    before = script.get_revision("0014").down_revision  # whatever 0014 follows once re-chained
    try:
        downgrade(revision=before)
        with db.engine.begin() as conn:
            assert "first_deposit_paid_fen" not in {c["name"] for c in sa.inspect(conn).get_columns("fund_accounts")}
        upgrade(revision="0014")
        db.session.expire_all()
        got = dict(db.session.execute(sa.select(SubAccount.id, SubAccount.first_deposit_paid_fen)
                                      .where(SubAccount.id.in_(ids))).all())
        assert got == {paid.id: 5_000, other.id: 0, empty.id: 0}
        assert subaccounts.first_deposit_paid(ids) == {paid.id: 5_000}
    finally:
        db.session.rollback()
        upgrade()  # back to head: later migrations are this worker's schema too
