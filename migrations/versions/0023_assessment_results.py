"""Assessment results: the county's ladder settings and year weights, ladder steps of published months,
year-end items, a published month's problems by street and category.

Revision ID: 0023
Revises: 0015
Create Date: 2026-11-29 23:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0015'
branch_labels = None
depends_on = None

POINTS = sa.Numeric(6, 2)


def _kind():
    return sa.Enum('station', 'community', 'street', name='unitkind', native_enum=False, length=32,
                   create_constraint=False)


def upgrade():
    op.create_table(
        'assessment_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('county_id', sa.Integer(), sa.ForeignKey('counties.id'), nullable=False),
        sa.Column('bottom_size', sa.Integer(), nullable=False),
        sa.Column('top_size', sa.Integer(), nullable=False),
        sa.Column('threshold', POINTS, nullable=True),
        sa.Column('steps', sa.JSON(), nullable=False),
        sa.Column('month_weights', sa.JSON(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('county_id'),
    )
    op.create_table(
        'assessment_ladder_steps',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period_id', sa.Integer(), sa.ForeignKey('assessment_periods.id'), nullable=False),
        sa.Column('county_id', sa.Integer(), sa.ForeignKey('counties.id'), nullable=False),
        sa.Column('month', sa.String(7), nullable=False),
        sa.Column('score_id', sa.Integer(), sa.ForeignKey('assessment_scores.id'), nullable=False),
        sa.Column('unit_kind', _kind(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('unit_name', sa.String(120), nullable=False),
        sa.Column('street_id', sa.Integer(), sa.ForeignKey('street_offices.id'), nullable=False),
        sa.Column('community_id', sa.Integer(), sa.ForeignKey('communities.id'), nullable=True),
        sa.Column('station_id', sa.Integer(), sa.ForeignKey('stations.id'), nullable=True),
        sa.Column('step', sa.Enum('commended', 'criticism', 'yellow_card', 'interview', name='ladderstep',
                                  native_enum=False, length=32, create_constraint=False), nullable=False),
        sa.Column('level', sa.Integer(), nullable=False),
        sa.Column('replace_provider', sa.Boolean(), nullable=False),
        sa.Column('total', POINTS, nullable=False),
        sa.Column('rank', sa.Integer(), nullable=False),
        sa.Column('notified', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('period_id', 'unit_kind', 'unit_id'),
    )
    op.create_index('ix_assessment_ladder_steps_period_id', 'assessment_ladder_steps', ['period_id'])
    op.create_index('ix_assessment_ladder_steps_county_id', 'assessment_ladder_steps', ['county_id'])
    op.create_index('ix_assessment_ladder_steps_street_id', 'assessment_ladder_steps', ['street_id'])
    op.create_table(
        'assessment_year_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('county_id', sa.Integer(), sa.ForeignKey('counties.id'), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('unit_kind', _kind(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('street_id', sa.Integer(), sa.ForeignKey('street_offices.id'), nullable=False),
        sa.Column('community_id', sa.Integer(), sa.ForeignKey('communities.id'), nullable=True),
        sa.Column('station_id', sa.Integer(), sa.ForeignKey('stations.id'), nullable=True),
        sa.Column('points', POINTS, nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('actor_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_assessment_year_items_county_id', 'assessment_year_items', ['county_id'])
    op.create_index('ix_assessment_year_items_street_id', 'assessment_year_items', ['street_id'])
    op.create_table(
        'assessment_problem_totals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period_id', sa.Integer(), sa.ForeignKey('assessment_periods.id'), nullable=False),
        sa.Column('street_id', sa.Integer(), sa.ForeignKey('street_offices.id'), nullable=False),
        sa.Column('category_name', sa.String(80), nullable=False),
        sa.Column('lines', sa.Integer(), nullable=False),
        sa.Column('units', sa.Integer(), nullable=False),
        sa.Column('points_lost', sa.Numeric(10, 2), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('period_id', 'street_id', 'category_name'),
    )
    op.create_index('ix_assessment_problem_totals_period_id', 'assessment_problem_totals', ['period_id'])
    # the unit trend (a unit's monthly totals) and the home pages read scores by unit
    op.create_index('ix_assessment_scores_unit', 'assessment_scores', ['unit_kind', 'unit_id'])


def downgrade():
    op.drop_index('ix_assessment_scores_unit', table_name='assessment_scores')
    op.drop_table('assessment_problem_totals')
    op.drop_table('assessment_year_items')
    op.drop_table('assessment_ladder_steps')
    op.drop_table('assessment_settings')
