"""Home pages within 100 ms on a city: each fund sub-account keeps its 首期已交 (first deposits and back-payments net
of their reversals, moved by the ledger with each entry), backfilled here from the ledger, so that the 追缴 counts
and lists no longer sum the ledger; partial indexes for the fund counts over an area (open with a due, 追缴, 续交);
repair indexes by status and compound covering the deadlines and the filer the counts test, and by filing time
and compound.

Revision ID: 0014
Revises: 0016
Create Date: 2026-11-29 23:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0016'
branch_labels = None
depends_on = None

FIRST = "('first_deposit', 'back_payment')"
BACKFILL = (
    "UPDATE fund_accounts SET first_deposit_paid_fen = COALESCE((SELECT SUM(e.amount_fen) FROM ledger_entries e"
    " LEFT JOIN ledger_entries o ON o.id = e.reverses_id WHERE e.account_id = fund_accounts.id AND"
    f" (e.kind IN {FIRST} OR (e.kind = 'reversal' AND o.kind IN {FIRST}))), 0)"
    " WHERE EXISTS (SELECT 1 FROM ledger_entries x WHERE x.account_id = fund_accounts.id)"
)
# As pm.models.fund.FUND_COUNT_INDEXES (written out: a migration does not follow later edits of the models).
FUND_COUNT_INDEXES = {
    "ix_fund_accounts_due": "first_deposit_due_fen IS NOT NULL",
    "ix_fund_accounts_arrears": "first_deposit_due_fen IS NOT NULL AND first_deposit_due_fen > first_deposit_paid_fen",
    "ix_fund_accounts_low": "first_deposit_due_fen IS NOT NULL AND balance_fen * 10 < first_deposit_due_fen * 3",
}
REPAIR_COLUMNS = ["status", "compound_id", "completion_due_at", "response_due_at", "onsite_due_at", "filer_user_id"]


def upgrade():
    op.add_column("fund_accounts", sa.Column("first_deposit_paid_fen", sa.BigInteger(), server_default="0",
                                             nullable=False))
    op.execute(BACKFILL)
    for name, where in FUND_COUNT_INDEXES.items():
        op.create_index(name, "fund_accounts", ["compound_id", "status"], sqlite_where=sa.text(where),
                        postgresql_where=sa.text(where))
    op.create_index("ix_repair_requests_status_compound_due", "repair_requests", REPAIR_COLUMNS)
    op.create_index("ix_repair_requests_submitted_compound", "repair_requests", ["submitted_at", "compound_id"])
    op.drop_index("ix_repair_requests_compound_status", table_name="repair_requests")
    op.execute("ANALYZE fund_accounts")  # the planner's statistics of the new indexes (SQLite has none until then)
    op.execute("ANALYZE repair_requests")


def downgrade():
    op.create_index("ix_repair_requests_compound_status", "repair_requests", ["compound_id", "status"])
    op.drop_index("ix_repair_requests_submitted_compound", table_name="repair_requests")
    op.drop_index("ix_repair_requests_status_compound_due", table_name="repair_requests")
    for name in FUND_COUNT_INDEXES:
        op.drop_index(name, table_name="fund_accounts")
    # Plain ALTER TABLE (SQLite >= 3.35 has it): a batch copy of the table would drop its CHECK constraints.
    op.execute("ALTER TABLE fund_accounts DROP COLUMN first_deposit_paid_fen")
