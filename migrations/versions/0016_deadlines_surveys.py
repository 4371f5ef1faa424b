"""Rectification deadline history (整改期限记录) and resident satisfaction surveys (群众满意度测评).

Every existing order gets its current deadline recorded as its original one, set when it was opened.

Revision ID: 0016
Revises: 0011
Create Date: 2026-11-29 22:45:00
"""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0011'
branch_labels = None
depends_on = None

BEIJING = ZoneInfo("Asia/Shanghai")


def _overdue_from(due_on):
    return datetime.combine(due_on + timedelta(days=1), time(0), tzinfo=BEIJING).astimezone(timezone.utc)


def upgrade():
    deadlines = op.create_table(
        'rectification_deadlines',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('overdue_from_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('changed_by_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'],
                                name=op.f('fk_rectification_deadlines_changed_by_id_users')),
        sa.ForeignKeyConstraint(['order_id'], ['rectification_orders.id'],
                                name=op.f('fk_rectification_deadlines_order_id_rectification_orders')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_deadlines')),
    )
    op.create_index('ix_rectification_deadlines_order_changed', 'rectification_deadlines',
                    ['order_id', 'changed_at'])
    bind = op.get_bind()
    orders = bind.execute(sa.text(
        "SELECT id, due_on, created_at, issued_by_id FROM rectification_orders ORDER BY id")).all()
    rows = []
    for order_id, due_on, created_at, issued_by_id in orders:
        if isinstance(due_on, str):  # SQLite hands back text
            due_on = datetime.fromisoformat(due_on).date()
        if isinstance(created_at, str):
            created_at = datetime.fromisoformat(created_at)
        if created_at.tzinfo is None:
            created_at = created_at.replace(tzinfo=timezone.utc)
        rows.append({"order_id": order_id, "due_on": due_on, "overdue_from_at": _overdue_from(due_on),
                     "changed_at": created_at, "changed_by_id": issued_by_id, "reason": None})
    if rows:
        op.bulk_insert(deadlines, rows)

    op.create_table(
        'surveys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('compound_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('status', sa.String(length=32), nullable=False),
        sa.Column('questions', sa.JSON(), nullable=False),
        sa.Column('opened_by_id', sa.Integer(), nullable=True),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['compound_id'], ['compounds.id'], name=op.f('fk_surveys_compound_id_compounds')),
        sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_surveys_opened_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_surveys')),
        sa.UniqueConstraint('compound_id', 'month', name=op.f('uq_surveys_compound_id_month')),
    )
    op.create_index(op.f('ix_surveys_compound_id'), 'surveys', ['compound_id'])
    op.create_table(
        'survey_responses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('compound_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('is_paper', sa.Boolean(), nullable=False),
        sa.Column('entered_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['compound_id'], ['compounds.id'],
                                name=op.f('fk_survey_responses_compound_id_compounds')),
        sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_survey_responses_entered_by_id_users')),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'],
                                name=op.f('fk_survey_responses_household_id_households')),
        sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_survey_responses_person_id_persons')),
        sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_responses_survey_id_surveys')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_responses')),
        sa.UniqueConstraint('survey_id', 'household_id', name=op.f('uq_survey_responses_survey_id_household_id')),
    )
    op.create_index(op.f('ix_survey_responses_compound_id'), 'survey_responses', ['compound_id'])
    op.create_index(op.f('ix_survey_responses_household_id'), 'survey_responses', ['household_id'])
    op.create_table(
        'survey_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('response_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('value', sa.SmallInteger(), nullable=False),
        sa.CheckConstraint('value BETWEEN 1 AND 5', name=op.f('ck_survey_answers_value_1_to_5')),
        sa.ForeignKeyConstraint(['response_id'], ['survey_responses.id'],
                                name=op.f('fk_survey_answers_response_id_survey_responses')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_answers')),
        sa.UniqueConstraint('response_id', 'position', name=op.f('uq_survey_answers_response_id_position')),
    )


def downgrade():
    op.drop_table('survey_answers')
    op.drop_index(op.f('ix_survey_responses_household_id'), table_name='survey_responses')
    op.drop_index(op.f('ix_survey_responses_compound_id'), table_name='survey_responses')
    op.drop_table('survey_responses')
    op.drop_index(op.f('ix_surveys_compound_id'), table_name='surveys')
    op.drop_table('surveys')
    op.drop_index('ix_rectification_deadlines_order_changed', table_name='rectification_deadlines')
    op.drop_table('rectification_deadlines')
