"""历史工单导入: repair requests remember where they came from (source "import", the previous system's number,
unique per station, and a hash of the imported row), and an uploaded file waits in repair_imports for its commit.

Revision ID: 0029
Revises: 0026
Create Date: 2026-11-30 01:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0029"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("repair_requests") as batch:
        batch.add_column(sa.Column("source", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("external_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("external_hash", sa.String(length=64), nullable=True))
        batch.create_unique_constraint("uq_repair_requests_station_external", ["station_id", "external_id"])
    op.create_table(
        "repair_imports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("compound_id", sa.Integer(), sa.ForeignKey("compounds.id"), nullable=False),
        sa.Column("station_id", sa.Integer(), sa.ForeignKey("stations.id"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_repair_imports_compound_id", "repair_imports", ["compound_id"])


def downgrade():
    op.drop_index("ix_repair_imports_compound_id", table_name="repair_imports")
    op.drop_table("repair_imports")
    with op.batch_alter_table("repair_requests") as batch:
        batch.drop_constraint("uq_repair_requests_station_external", type_="unique")
        batch.drop_column("external_hash")
        batch.drop_column("external_id")
        batch.drop_column("source")
