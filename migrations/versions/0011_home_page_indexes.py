"""Indexes for the home pages' counts of repair requests over a whole area: open (and completed) requests by
status, and the last days' requests by filing time, without reading every request of the county.

Revision ID: 0011
Revises: 0006
Create Date: 2026-11-29 20:00:00
"""
from __future__ import annotations

from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_repair_requests_status_compound", "repair_requests", ["status", "compound_id"])
    op.create_index("ix_repair_requests_submitted_compound", "repair_requests", ["submitted_at", "compound_id"])


def downgrade():
    op.drop_index("ix_repair_requests_submitted_compound", table_name="repair_requests")
    op.drop_index("ix_repair_requests_status_compound", table_name="repair_requests")
