"""Indexes for the reconciliation listing of ledger entries (对账明细) by 记账日期 with a keyset cursor: a county's
month walks (value_on, id) in order; one compound's day reads its accounts' entries of the day by
(account_id, value_on, id).

Revision ID: 0022
Revises: 0023
Create Date: 2026-11-29 23:40:00
"""
from __future__ import annotations

from alembic import op

# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_ledger_entries_value_on_id", "ledger_entries", ["value_on", "id"])
    op.create_index("ix_ledger_entries_account_value_on", "ledger_entries", ["account_id", "value_on", "id"])


def downgrade():
    op.drop_index("ix_ledger_entries_account_value_on", table_name="ledger_entries")
    op.drop_index("ix_ledger_entries_value_on_id", table_name="ledger_entries")
