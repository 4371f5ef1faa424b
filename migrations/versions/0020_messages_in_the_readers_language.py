"""Words in the reader's language: what the system writes for people to read later is stored as a msgid and its
parameters and rendered when shown (notifications.message, repair_events.message, rectification_events.message);
a station's four default teams have no stored name (NULL: the team kind's label, in the reader's language), while a
name a manager typed stays.

Existing default team names (the Chinese labels the teams were created with) become NULL; existing notifications
and timeline notes keep their stored text, which is shown when a row has no message.

Revision ID: 0020
Revises: 0014
Create Date: 2026-11-29 23:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020"
down_revision = '0014'
branch_labels = None
depends_on = None

DEFAULT_TEAM_NAMES = {"cleaning": "保洁队", "security": "保安队", "maintenance": "运维队", "order": "治安队"}


def upgrade():
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("message", sa.JSON(), nullable=True))
    with op.batch_alter_table("repair_events") as batch:
        batch.add_column(sa.Column("message", sa.JSON(), nullable=True))
    with op.batch_alter_table("rectification_events") as batch:
        batch.add_column(sa.Column("message", sa.JSON(), nullable=True))
    with op.batch_alter_table("teams") as batch:
        batch.alter_column("name", existing_type=sa.String(length=80), nullable=True)
    bind = op.get_bind()
    for kind, name in DEFAULT_TEAM_NAMES.items():
        bind.execute(sa.text("UPDATE teams SET name = NULL WHERE kind = :kind AND name = :name"),
                     {"kind": kind, "name": name})


def downgrade():
    bind = op.get_bind()
    for kind, name in DEFAULT_TEAM_NAMES.items():
        bind.execute(sa.text("UPDATE teams SET name = :name WHERE kind = :kind AND name IS NULL"),
                     {"kind": kind, "name": name})
    with op.batch_alter_table("teams") as batch:
        batch.alter_column("name", existing_type=sa.String(length=80), nullable=False)
    with op.batch_alter_table("rectification_events") as batch:
        batch.drop_column("message")
    with op.batch_alter_table("repair_events") as batch:
        batch.drop_column("message")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("message")
