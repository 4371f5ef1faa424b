"""Indexes for the home pages' counts of repair requests over an area: per compound, the open (and completed)
requests by status and the last days' requests by filing time, without reading every request of the area.

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-29 20:00:00
"""
from __future__ import annotations

from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_repair_requests_compound_status", "repair_requests", ["compound_id", "status"])
    op.create_index("ix_repair_requests_compound_submitted", "repair_requests", ["compound_id", "submitted_at"])


def downgrade():
    op.drop_index("ix_repair_requests_compound_submitted", table_name="repair_requests")
    op.drop_index("ix_repair_requests_compound_status", table_name="repair_requests")
