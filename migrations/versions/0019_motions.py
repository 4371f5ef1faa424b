"""Owner motions (业主表决事项) and unit consent for elevator retrofits (加装电梯): motions with their floor
coefficients, affected households and published cost shares, and the county's motion policy.

Revision ID: 0019
Revises: 0020
Create Date: 2026-11-29 22:33:23
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('motion_policies',
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('affected_consent', sa.Boolean(), nullable=False),
    sa.Column('cost_by_area', sa.Boolean(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['county_id'], ['counties.id'], name=op.f('fk_motion_policies_county_id_counties')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_motion_policies_updated_by_id_users')),
    sa.PrimaryKeyConstraint('county_id', name=op.f('pk_motion_policies'))
    )
    op.create_table('motions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('compound_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('ordinary', 'special', 'property_service', 'common_income', 'elevator', name='motionkind', native_enum=False, length=32), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'publicity', 'voting', 'closed', 'cancelled', name='motionstatus', native_enum=False, length=32), nullable=False),
    sa.Column('total_cost_fen', sa.BigInteger(), nullable=True),
    sa.Column('cost_by_area', sa.Boolean(), nullable=False),
    sa.Column('consent_required', sa.Boolean(), nullable=False),
    sa.Column('publicity_from', sa.Date(), nullable=True),
    sa.Column('publicity_until', sa.Date(), nullable=True),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind <> 'elevator' OR unit_id IS NOT NULL", name=op.f('ck_motions_elevator_unit')),
    sa.CheckConstraint('total_cost_fen IS NULL OR total_cost_fen > 0', name=op.f('ck_motions_cost_positive')),
    sa.ForeignKeyConstraint(['compound_id'], ['compounds.id'], name=op.f('fk_motions_compound_id_compounds')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_motions_created_by_id_users')),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_motions_decision_id_decisions')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_motions_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_motions')),
    sa.UniqueConstraint('decision_id', name=op.f('uq_motions_decision_id'))
    )
    with op.batch_alter_table('motions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_motions_compound_id'), ['compound_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_motions_unit_id'), ['unit_id'], unique=False)

    op.create_table('motion_affected',
    sa.Column('motion_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_motion_affected_household_id_households')),
    sa.ForeignKeyConstraint(['motion_id'], ['motions.id'], name=op.f('fk_motion_affected_motion_id_motions')),
    sa.PrimaryKeyConstraint('motion_id', 'household_id', name=op.f('pk_motion_affected'))
    )
    op.create_table('motion_coefficients',
    sa.Column('motion_id', sa.Integer(), nullable=False),
    sa.Column('floor', sa.Integer(), nullable=False),
    sa.Column('coefficient', sa.Numeric(precision=8, scale=3), nullable=False),
    sa.CheckConstraint('coefficient > 0', name=op.f('ck_motion_coefficients_coefficient_positive')),
    sa.ForeignKeyConstraint(['motion_id'], ['motions.id'], name=op.f('fk_motion_coefficients_motion_id_motions')),
    sa.PrimaryKeyConstraint('motion_id', 'floor', name=op.f('pk_motion_coefficients'))
    )
    op.create_table('motion_shares',
    sa.Column('motion_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('floor', sa.Integer(), nullable=False),
    sa.Column('coefficient', sa.Numeric(precision=8, scale=3), nullable=False),
    sa.Column('area_m2', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('share_fen', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('share_fen >= 0', name=op.f('ck_motion_shares_share_nonnegative')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_motion_shares_household_id_households')),
    sa.ForeignKeyConstraint(['motion_id'], ['motions.id'], name=op.f('fk_motion_shares_motion_id_motions')),
    sa.PrimaryKeyConstraint('motion_id', 'household_id', name=op.f('pk_motion_shares'))
    )


def downgrade():
    op.drop_table('motion_shares')
    op.drop_table('motion_coefficients')
    op.drop_table('motion_affected')
    with op.batch_alter_table('motions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_motions_unit_id'))
        batch_op.drop_index(batch_op.f('ix_motions_compound_id'))

    op.drop_table('motions')
    op.drop_table('motion_policies')
