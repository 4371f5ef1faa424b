"""Service accounts (接口账号) and capability-limited tokens; API calls attributed to their token in the audit log;
county fund policies versioned by the date they take effect.

Revision ID: 0021
Revises: 0017
Create Date: 2026-11-29 23:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no table rebuild): audit_logs keeps its append-only triggers.
    op.add_column('users', sa.Column('is_service', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('api_tokens', sa.Column('capabilities', sa.JSON(), nullable=True))
    op.add_column('audit_logs', sa.Column('token_id', sa.Integer(), nullable=True))
    op.add_column('audit_logs', sa.Column('token_name', sa.String(length=64), nullable=True))
    op.create_index('ix_audit_logs_token_id', 'audit_logs', ['token_id'])
    with op.batch_alter_table('fund_policies') as batch:
        batch.add_column(sa.Column('effective_from', sa.Date(), server_default='2000-01-01', nullable=False))
        batch.add_column(sa.Column('created_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_fund_policies_created_by_id_users', 'users', ['created_by_id'], ['id'])
        batch.drop_constraint('uq_fund_policies_county_id', type_='unique')
        batch.create_unique_constraint('uq_fund_policies_county_effective', ['county_id', 'effective_from'])
        batch.create_index('ix_fund_policies_county_id', ['county_id'])
    with op.batch_alter_table('fund_policies') as batch:
        batch.alter_column('effective_from', server_default=None, existing_type=sa.Date(), existing_nullable=False)


def downgrade():
    bind = op.get_bind()
    # Keep each county's latest version only, as the single policy row it had before.
    bind.execute(sa.text(
        "DELETE FROM fund_policies WHERE id NOT IN (SELECT MAX(id) FROM fund_policies f WHERE f.effective_from = "
        "(SELECT MAX(g.effective_from) FROM fund_policies g WHERE g.county_id = f.county_id) GROUP BY f.county_id)"))
    with op.batch_alter_table('fund_policies') as batch:
        batch.drop_index('ix_fund_policies_county_id')
        batch.drop_constraint('uq_fund_policies_county_effective', type_='unique')
        batch.create_unique_constraint('uq_fund_policies_county_id', ['county_id'])
        batch.drop_constraint('fk_fund_policies_created_by_id_users', type_='foreignkey')
        batch.drop_column('created_by_id')
        batch.drop_column('created_at')
        batch.drop_column('effective_from')
    op.drop_index('ix_audit_logs_token_id', table_name='audit_logs')
    op.drop_column('audit_logs', 'token_name')
    op.drop_column('audit_logs', 'token_id')
    op.drop_column('api_tokens', 'capabilities')
    op.drop_column('users', 'is_service')
