"""A notice to a street office's officials and station managers (an assessment bulletin): notices.street_id, and
compound_id may be empty for such a notice (owners and residents never see it).

Revision ID: 0030
Revises: 0028
Create Date: 2026-11-30 01:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0030"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notices") as batch:
        batch.add_column(sa.Column("street_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_notices_street_id_street_offices", "street_offices", ["street_id"], ["id"])
        batch.create_index("ix_notices_street_id", ["street_id"])
        batch.alter_column("compound_id", existing_type=sa.Integer(), nullable=True)


def downgrade():
    # Street notices have no compound: they cannot exist without the column (their reads and files go with them).
    street_notices = "SELECT id FROM notices WHERE compound_id IS NULL"
    op.execute(f"DELETE FROM notice_reads WHERE notice_id IN ({street_notices})")
    op.execute(f"DELETE FROM notice_attachments WHERE notice_id IN ({street_notices})")
    op.execute("DELETE FROM notices WHERE compound_id IS NULL")
    with op.batch_alter_table("notices") as batch:
        batch.alter_column("compound_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_index("ix_notices_street_id")
        batch.drop_constraint("fk_notices_street_id_street_offices", type_="foreignkey")
        batch.drop_column("street_id")
