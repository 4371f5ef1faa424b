"""Per-compound counts kept by their writers (compound_tallies): open sub-accounts with a first deposit due,
those in arrears (追缴) and those below 30% (续交), repair requests waiting, open and completed — read by the county's and street's home pages and
the coverage report instead of counting 400,000 sub-accounts and the open requests on every view. Back-filled by
one INSERT … SELECT (the same counts as pm.services.tallies.recount_select).

Revision ID: 0027
Revises: 0030
Create Date: 2026-11-30 01:50:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0027"
down_revision = "0030"
branch_labels = None
depends_on = None

COLUMNS = ("fund_due", "fund_unpaid", "fund_low", "repairs_waiting", "repairs_open", "repairs_completed")

BACKFILL = """
INSERT INTO compound_tallies (compound_id, fund_due, fund_unpaid, fund_low, repairs_waiting, repairs_open,
                              repairs_completed)
SELECT c.id, COALESCE(f.due, 0), COALESCE(f.unpaid, 0), COALESCE(f.low, 0), COALESCE(r.waiting, 0), COALESCE(r.open, 0),
       COALESCE(r.completed, 0)
FROM compounds c
LEFT JOIN (SELECT compound_id, COUNT(*) AS due,
                  SUM(CASE WHEN first_deposit_due_fen > first_deposit_paid_fen THEN 1 ELSE 0 END) AS unpaid,
                  SUM(CASE WHEN first_deposit_paid_fen > 0 AND balance_fen * 10 < first_deposit_due_fen * 3
                           THEN 1 ELSE 0 END) AS low
           FROM fund_accounts WHERE status = 'open' AND first_deposit_due_fen IS NOT NULL
           GROUP BY compound_id) f ON f.compound_id = c.id
LEFT JOIN (SELECT compound_id,
                  SUM(CASE WHEN status IN ('submitted', 'accepted') THEN 1 ELSE 0 END) AS waiting,
                  SUM(CASE WHEN status IN ('submitted', 'accepted', 'dispatched', 'in_progress') THEN 1 ELSE 0 END)
                      AS open,
                  SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) AS completed
           FROM repair_requests
           WHERE status IN ('submitted', 'accepted', 'dispatched', 'in_progress', 'completed')
           GROUP BY compound_id) r ON r.compound_id = c.id
WHERE f.compound_id IS NOT NULL OR r.compound_id IS NOT NULL
"""


def upgrade():
    op.create_table(
        "compound_tallies",
        sa.Column("compound_id", sa.Integer(), sa.ForeignKey("compounds.id", ondelete="CASCADE"), primary_key=True),
        *(sa.Column(c, sa.BigInteger(), nullable=False, server_default="0") for c in COLUMNS),
        *(sa.CheckConstraint(f"{c} >= 0", name=f"{c}_not_negative") for c in COLUMNS),
    )
    op.execute(BACKFILL)


def downgrade():
    op.drop_table("compound_tallies")
