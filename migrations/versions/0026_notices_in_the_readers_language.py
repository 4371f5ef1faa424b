"""Words in the reader's language, continued: a notice the system words (a plan's 公示) keeps its msgid and
parameters in notices.message and is shown in the reader's language; notices people typed have none.

Revision ID: 0026
Revises: 0022
Create Date: 2026-11-30 00:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0026"
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notices") as batch:
        batch.add_column(sa.Column("message", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("notices") as batch:
        batch.drop_column("message")
