"""Notifications that clear themselves: a notification names its subject (e.g. "repair:12") and is marked done
when what it asks for is done (a rating given, a rectification re-checked).

Existing "please rate" (repair.completed) and "please re-check" (rectification.reported) notifications get their
subject from their link, and are marked done when the request was already rated or closed, or the order was
already re-checked.

Revision ID: 0013
Revises: 0007
Create Date: 2026-11-29 19:20:00
"""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = "0007"
branch_labels = None
depends_on = None

REPAIR_PREFIX, ORDER_PREFIX = "/repairs/", "/inspections/rectifications/"


def upgrade():
    with op.batch_alter_table('notifications') as batch:
        batch.add_column(sa.Column('subject', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('done_at', sa.DateTime(timezone=True), nullable=True))
        batch.create_index('ix_notifications_kind_subject', ['kind', 'subject'])
    bind = op.get_bind()
    for kind, prefix, subject in (("repair.completed", REPAIR_PREFIX, "repair:"),
                                  ("rectification.reported", ORDER_PREFIX, "rectification:")):
        bind.execute(sa.text(
            f"UPDATE notifications SET subject = '{subject}' || substr(link, {len(prefix) + 1}) "
            f"WHERE kind = '{kind}' AND link LIKE '{prefix}%'"
        ))
    now = sa.bindparam("now", datetime.now(UTC), type_=sa.DateTime(timezone=True))
    for kind, subject, table, pending in (("repair.completed", "repair:", "repair_requests", "completed"),
                                          ("rectification.reported", "rectification:", "rectification_orders",
                                           "reported")):
        bind.execute(sa.text(
            "UPDATE notifications SET done_at = :now, read_at = COALESCE(read_at, :now) "
            f"WHERE kind = '{kind}' AND subject IN ("
            f"SELECT '{subject}' || CAST(id AS VARCHAR(20)) FROM {table} WHERE status <> '{pending}')"
        ).bindparams(now))


def downgrade():
    with op.batch_alter_table('notifications') as batch:
        batch.drop_index('ix_notifications_kind_subject')
        batch.drop_column('done_at')
        batch.drop_column('subject')
