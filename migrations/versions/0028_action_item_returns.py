"""A returned action item (退回重办) keeps its rejection as its own record — reason, by whom, when and the report it
answered — instead of appending "退回：…" to the responsible person's typed note.

Backfill: an open item whose note ends with the text the old code appended ("<note>\n退回：<reason>", one line of at
most 400 characters) gets one return row with that reason (who and when are unknown: left empty) and its note
back as typed. A note that does not end that way is left exactly as it is.

Revision ID: 0028
Revises: 0029
Create Date: 2026-11-30 01:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0028"
down_revision = "0029"
branch_labels = None
depends_on = None

MARK = "退回："


def split_returned(note: str | None) -> tuple[str | None, str] | None:
    """(the note as typed, the reason) when `note` ends with the suffix the old code appended, else None."""
    if not note:
        return None
    if note.startswith(MARK) and "\n" not in note:
        typed, reason = None, note[len(MARK):]
    else:
        at = note.rfind("\n" + MARK)
        if at < 0:
            return None
        typed, reason = note[:at], note[at + 1 + len(MARK):]
    reason = reason.strip()
    if not reason or "\n" in reason or len(reason) > 400:
        return None
    return typed or None, reason


def upgrade():
    returns = op.create_table(
        "action_item_returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=400), nullable=False),
        sa.Column("report_note", sa.Text(), nullable=True),
        sa.Column("returned_by_id", sa.Integer(), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["action_items.id"], name=op.f("fk_action_item_returns_item_id_action_items")),
        sa.ForeignKeyConstraint(["returned_by_id"], ["users.id"],
                                name=op.f("fk_action_item_returns_returned_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_item_returns")),
    )
    op.create_index(op.f("ix_action_item_returns_item_id"), "action_item_returns", ["item_id"])
    bind = op.get_bind()
    items = bind.execute(sa.text("SELECT id, report_note FROM action_items WHERE status = 'open' "
                                 "AND report_note IS NOT NULL ORDER BY id")).all()
    rows = []
    for item_id, note in items:
        parsed = split_returned(note)
        if parsed is None:
            continue
        typed, reason = parsed
        rows.append({"item_id": item_id, "reason": reason, "report_note": typed, "returned_by_id": None,
                     "returned_at": None})
        bind.execute(sa.text("UPDATE action_items SET report_note = :note WHERE id = :id"),
                     {"note": typed, "id": item_id})
    if rows:
        op.bulk_insert(returns, rows)


def downgrade():
    bind = op.get_bind()
    latest = bind.execute(sa.text(
        "SELECT r.item_id, r.reason FROM action_item_returns r JOIN action_items i ON i.id = r.item_id "
        "WHERE i.status = 'open' AND r.id = (SELECT MAX(r2.id) FROM action_item_returns r2 "
        "WHERE r2.item_id = r.item_id) ORDER BY r.item_id")).all()
    for item_id, reason in latest:  # an open item shows its last return the old way again
        note = bind.execute(sa.text("SELECT report_note FROM action_items WHERE id = :id"), {"id": item_id}).scalar()
        bind.execute(sa.text("UPDATE action_items SET report_note = :note WHERE id = :id"),
                     {"note": f"{note or ''}\n{MARK}{reason}".strip(), "id": item_id})
    op.drop_index(op.f("ix_action_item_returns_item_id"), table_name="action_item_returns")
    op.drop_table("action_item_returns")
