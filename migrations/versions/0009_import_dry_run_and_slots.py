"""Registry imports in two steps and a bounded number at once: a job keeps its dry run's plan, the registry's
fingerprint, the uploader's scope, an expiry and when it was confirmed; import_slots holds one row per import
that is reading or writing (at most IMPORT_MAX_RUNNING, across workers). Statuses planned/confirmed/expired are
new values of the VARCHAR status column.

Revision ID: 0009
Revises: 0013
Create Date: 2026-11-29 20:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('fingerprint', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('scope_key', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table('import_slots',
    sa.Column('slot', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['import_jobs.id'], name=op.f('fk_import_slots_job_id_import_jobs')),
    sa.PrimaryKeyConstraint('slot', name=op.f('pk_import_slots')),
    sa.UniqueConstraint('job_id', name=op.f('uq_import_slots_job_id'))
    )


def downgrade():
    op.drop_table('import_slots')
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.drop_column('confirmed_at')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('scope_key')
        batch_op.drop_column('fingerprint')
        batch_op.drop_column('plan')
