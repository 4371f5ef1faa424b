"""月度考核: versioned assessment schemes, bonus/veto events, periods with scores, lines, appeals, adjustments.

Every existing county gets version 1 of the station, community and street schemes (the former built-in
100-point sheet: environment & cleaning, order & security, facilities, greening, parking, repair service,
resident satisfaction, records, party-building), and every existing finding points to the item of its code in
the scheme of the unit it was found at.

Revision ID: 0015
Revises: 0016
Create Date: 2026-11-29 23:00:00
"""
from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = "0017"  # gov2: chained after main's head 0017 for this branch (the lead re-chains at merge)
branch_labels = None
depends_on = None

KINDS = ('station', 'community', 'street')
NAMES = {"station": "物业服务站月度考核办法", "community": "社区（无服务站小区）月度考核办法",
         "street": "街道办事处月度考核办法"}
WEIGHTS = {"community_daily": "0.5", "street_weekly": "1", "county_monthly": "1.5"}
FINDING = {"min": "0.1", "max": "5", "weights": WEIGHTS}
CATEGORIES = (("environment", "环境卫生/保洁", 20), ("order", "秩序维护/安保", 15), ("facilities", "设施设备维护", 15),
              ("greening", "绿化", 10), ("parking", "停车管理", 10), ("repairs", "报修服务", 10),
              ("satisfaction", "群众满意度", 10), ("records", "台账资料", 5), ("party", "党建引领", 5),
              ("extra", "加分与一票否决", 0))
STATION_ITEMS = (
    ("repairs", "repair_response", "报修按时响应率", 3, "indicator",
     {"kind": "response_on_time", "target": "90", "per_point": "0.2"}),
    ("repairs", "repair_completion", "报修按时完成率", 4, "indicator",
     {"kind": "completion_on_time", "target": "90", "per_point": "0.2"}),
    ("repairs", "repair_rating", "报修平均评价", 2, "indicator", {"kind": "average_rating", "target": "4.5", "per_unit": "2"}),
    ("repairs", "repair_reopen", "报修返修率", 1, "indicator", {"kind": "reopen_rate", "target": "5", "per_point": "0.2"}),
    ("records", "log_days", "工作日志缺失", 5, "indicator", {"kind": "log_missing_days", "per_day": "0.1"}),
)
COMMON_ITEMS = (
    ("records", "orders_overdue", "整改单逾期", 5, "indicator", {"kind": "orders_overdue", "per_order": "0.5"}),
    ("satisfaction", "satisfaction_survey", "群众满意度测评", 10, "indicator",
     {"kind": "satisfaction", "target": "90", "per_point": "0.5", "min_responses": 10}),
    ("extra", "bonus", "加分（表扬、锦旗等）", 5, "bonus", {"per_event": "1"}),
    ("extra", "veto", "一票否决（重大安全事故、群体上访、虚报瞒报）", 0, "veto", {"score": "0"}),
)

PK = sa.Integer()


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def _tables():
    unit = _enum('unitkind', *KINDS)
    op.create_table('assessment_schemes',
        sa.Column('id', PK, nullable=False),
        sa.Column('county_id', sa.Integer(), nullable=False),
        sa.Column('kind', unit, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('status', _enum('schemestatus', 'draft', 'active'), nullable=False),
        sa.Column('active_from', sa.Date(), nullable=True),
        sa.Column('full_marks', sa.Numeric(6, 2), nullable=False),
        sa.Column('log_delay_days', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['county_id'], ['counties.id'], name=op.f('fk_assessment_schemes_county_id_counties')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_schemes')),
        sa.UniqueConstraint('county_id', 'kind', 'version', name=op.f('uq_assessment_schemes_county_id_kind_version')),
    )
    op.create_index(op.f('ix_assessment_schemes_county_id'), 'assessment_schemes', ['county_id'])
    op.create_table('assessment_categories',
        sa.Column('id', PK, nullable=False),
        sa.Column('scheme_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('max_points', sa.Numeric(6, 2), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['scheme_id'], ['assessment_schemes.id'],
                                name=op.f('fk_assessment_categories_scheme_id_assessment_schemes')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_categories')),
        sa.UniqueConstraint('scheme_id', 'code', name=op.f('uq_assessment_categories_scheme_id_code')),
    )
    op.create_index(op.f('ix_assessment_categories_scheme_id'), 'assessment_categories', ['scheme_id'])
    op.create_table('assessment_scheme_items',
        sa.Column('id', PK, nullable=False),
        sa.Column('scheme_id', sa.Integer(), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('max_points', sa.Numeric(6, 2), nullable=False),
        sa.Column('monthly_cap', sa.Numeric(6, 2), nullable=True),
        sa.Column('source', _enum('itemsource', 'finding', 'indicator', 'bonus', 'veto'), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['category_id'], ['assessment_categories.id'],
                                name=op.f('fk_assessment_scheme_items_category_id_assessment_categories')),
        sa.ForeignKeyConstraint(['scheme_id'], ['assessment_schemes.id'],
                                name=op.f('fk_assessment_scheme_items_scheme_id_assessment_schemes')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_scheme_items')),
        sa.UniqueConstraint('scheme_id', 'code', name=op.f('uq_assessment_scheme_items_scheme_id_code')),
    )
    op.create_index(op.f('ix_assessment_scheme_items_category_id'), 'assessment_scheme_items', ['category_id'])
    op.create_index(op.f('ix_assessment_scheme_items_scheme_id'), 'assessment_scheme_items', ['scheme_id'])
    op.create_table('assessment_events',
        sa.Column('id', PK, nullable=False),
        sa.Column('county_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('unit_kind', unit, nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('street_id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=True),
        sa.Column('station_id', sa.Integer(), nullable=True),
        sa.Column('happened_on', sa.Date(), nullable=False),
        sa.Column('points', sa.Numeric(6, 2), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_assessment_events_community_id_communities')),
        sa.ForeignKeyConstraint(['county_id'], ['counties.id'], name=op.f('fk_assessment_events_county_id_counties')),
        sa.ForeignKeyConstraint(['item_id'], ['assessment_scheme_items.id'],
                                name=op.f('fk_assessment_events_item_id_assessment_scheme_items')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_assessment_events_recorded_by_id_users')),
        sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_assessment_events_station_id_stations')),
        sa.ForeignKeyConstraint(['street_id'], ['street_offices.id'], name=op.f('fk_assessment_events_street_id_street_offices')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_events')),
    )
    op.create_index('ix_assessment_events_county_day', 'assessment_events', ['county_id', 'happened_on'])
    op.create_index(op.f('ix_assessment_events_street_id'), 'assessment_events', ['street_id'])
    _photos('assessment_event_photos', 'event_id', 'assessment_events')
    op.create_table('assessment_periods',
        sa.Column('id', PK, nullable=False),
        sa.Column('county_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('status', _enum('periodstatus', 'open', 'computed', 'review', 'decided', 'published', 'locked'),
                  nullable=False),
        sa.Column('cutoff_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('scheme_ids', sa.JSON(), nullable=True),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('review_ends_on', sa.Date(), nullable=True),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['county_id'], ['counties.id'], name=op.f('fk_assessment_periods_county_id_counties')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_periods')),
        sa.UniqueConstraint('county_id', 'month', name=op.f('uq_assessment_periods_county_id_month')),
    )
    op.create_table('assessment_scores',
        sa.Column('id', PK, nullable=False),
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('scheme_id', sa.Integer(), nullable=False),
        sa.Column('unit_kind', unit, nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('unit_name', sa.String(length=120), nullable=False),
        sa.Column('street_id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=True),
        sa.Column('station_id', sa.Integer(), nullable=True),
        sa.Column('total', sa.Numeric(6, 2), nullable=False),
        sa.Column('rank', sa.Integer(), nullable=False),
        sa.Column('is_vetoed', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_assessment_scores_community_id_communities')),
        sa.ForeignKeyConstraint(['period_id'], ['assessment_periods.id'],
                                name=op.f('fk_assessment_scores_period_id_assessment_periods')),
        sa.ForeignKeyConstraint(['scheme_id'], ['assessment_schemes.id'],
                                name=op.f('fk_assessment_scores_scheme_id_assessment_schemes')),
        sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_assessment_scores_station_id_stations')),
        sa.ForeignKeyConstraint(['street_id'], ['street_offices.id'], name=op.f('fk_assessment_scores_street_id_street_offices')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_scores')),
        sa.UniqueConstraint('period_id', 'unit_kind', 'unit_id', name=op.f('uq_assessment_scores_period_id_unit_kind_unit_id')),
    )
    for col in ('community_id', 'station_id', 'street_id'):
        op.create_index(op.f(f'ix_assessment_scores_{col}'), 'assessment_scores', [col])
    op.create_table('assessment_lines',
        sa.Column('id', PK, nullable=False),
        sa.Column('score_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('category_code', sa.String(length=32), nullable=False),
        sa.Column('category_name', sa.String(length=80), nullable=False),
        sa.Column('item_name', sa.String(length=120), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('points', sa.Numeric(6, 2), nullable=False),
        sa.Column('computed_points', sa.Numeric(6, 2), nullable=False),
        sa.Column('rule', sa.Text(), nullable=False),
        sa.Column('refs', sa.JSON(), nullable=False),
        sa.Column('change_reason', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['item_id'], ['assessment_scheme_items.id'],
                                name=op.f('fk_assessment_lines_item_id_assessment_scheme_items')),
        sa.ForeignKeyConstraint(['score_id'], ['assessment_scores.id'],
                                name=op.f('fk_assessment_lines_score_id_assessment_scores')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_lines')),
    )
    op.create_index(op.f('ix_assessment_lines_score_id'), 'assessment_lines', ['score_id'])
    op.create_table('assessment_appeals',
        sa.Column('id', PK, nullable=False),
        sa.Column('line_id', sa.Integer(), nullable=False),
        sa.Column('score_id', sa.Integer(), nullable=False),
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('status', _enum('appealstatus', 'open', 'upheld', 'rejected'), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('filed_by_id', sa.Integer(), nullable=False),
        sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decision', sa.Text(), nullable=True),
        sa.Column('new_points', sa.Numeric(6, 2), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_assessment_appeals_decided_by_id_users')),
        sa.ForeignKeyConstraint(['filed_by_id'], ['users.id'], name=op.f('fk_assessment_appeals_filed_by_id_users')),
        sa.ForeignKeyConstraint(['line_id'], ['assessment_lines.id'],
                                name=op.f('fk_assessment_appeals_line_id_assessment_lines')),
        sa.ForeignKeyConstraint(['period_id'], ['assessment_periods.id'],
                                name=op.f('fk_assessment_appeals_period_id_assessment_periods')),
        sa.ForeignKeyConstraint(['score_id'], ['assessment_scores.id'],
                                name=op.f('fk_assessment_appeals_score_id_assessment_scores')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_appeals')),
        sa.UniqueConstraint('line_id', name=op.f('uq_assessment_appeals_line_id')),
    )
    op.create_index(op.f('ix_assessment_appeals_period_id'), 'assessment_appeals', ['period_id'])
    op.create_index(op.f('ix_assessment_appeals_score_id'), 'assessment_appeals', ['score_id'])
    _photos('assessment_appeal_photos', 'appeal_id', 'assessment_appeals')
    op.create_table('assessment_adjustments',
        sa.Column('id', PK, nullable=False),
        sa.Column('score_id', sa.Integer(), nullable=False),
        sa.Column('points', sa.Numeric(6, 2), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_assessment_adjustments_actor_id_users')),
        sa.ForeignKeyConstraint(['score_id'], ['assessment_scores.id'],
                                name=op.f('fk_assessment_adjustments_score_id_assessment_scores')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_adjustments')),
    )
    op.create_index(op.f('ix_assessment_adjustments_score_id'), 'assessment_adjustments', ['score_id'])


def _photos(table, key, parent):
    op.create_table(table,
        sa.Column('id', PK, nullable=False),
        sa.Column(key, sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=300), nullable=False),
        sa.Column('content_type', sa.String(length=40), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint([key], [f'{parent}.id'], name=op.f(f'fk_{table}_{key}_{parent}')),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
    )
    op.create_index(op.f(f'ix_{table}_{key}'), table, [key])


def _version_one(bind):
    schemes = sa.table('assessment_schemes', *(sa.column(c) for c in (
        'id', 'county_id', 'kind', 'version', 'name', 'status', 'active_from', 'full_marks', 'log_delay_days',
        'created_at')))
    categories = sa.table('assessment_categories', *(sa.column(c) for c in (
        'id', 'scheme_id', 'code', 'name', 'max_points', 'position')))
    items = sa.table('assessment_scheme_items', sa.column('scheme_id'), sa.column('category_id'), sa.column('code'),
                     sa.column('name'), sa.column('max_points'), sa.column('monthly_cap'), sa.column('source'),
                     sa.column('params', sa.JSON()), sa.column('position'))
    now = datetime.now(UTC)
    for (county_id,) in bind.execute(sa.text("SELECT id FROM counties ORDER BY id")).all():
        for kind in KINDS:
            scheme_id = bind.execute(schemes.insert().values(
                county_id=county_id, kind=kind, version=1, name=NAMES[kind], status='active',
                active_from=date(2000, 1, 1), full_marks=100, log_delay_days=2, created_at=now
            ).returning(schemes.c.id)).scalar()
            extra = STATION_ITEMS + COMMON_ITEMS if kind == 'station' else COMMON_ITEMS
            for pos, (code, name, points) in enumerate(CATEGORIES):
                category_id = bind.execute(categories.insert().values(
                    scheme_id=scheme_id, code=code, name=name, max_points=points, position=pos
                ).returning(categories.c.id)).scalar()
                rows = [] if code == 'extra' else [(code, name, points, 'finding', FINDING)]
                rows += [(c, n, p, s, params) for cat, c, n, p, s, params in extra if cat == code]
                for i_pos, (c, n, p, s, params) in enumerate(rows):
                    bind.execute(items.insert().values(scheme_id=scheme_id, category_id=category_id, code=c, name=n,
                                                       max_points=p, monthly_cap=None, source=s, params=params,
                                                       position=i_pos))
    bind.execute(sa.text(
        "UPDATE findings SET scheme_item_id = ("
        " SELECT i.id FROM assessment_scheme_items i"
        " JOIN assessment_schemes s ON s.id = i.scheme_id"
        " JOIN inspections n ON n.id = findings.inspection_id"
        " JOIN street_offices so ON so.id = n.street_id"
        " WHERE s.county_id = so.county_id AND i.code = findings.item_code AND s.kind = CASE"
        "  WHEN n.station_id IS NOT NULL THEN 'station' WHEN n.target_kind = 'street' THEN 'street'"
        "  ELSE 'community' END)"))


def upgrade():
    _tables()
    with op.batch_alter_table('findings') as batch:
        batch.add_column(sa.Column('scheme_item_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_findings_scheme_item_id_assessment_scheme_items'), 'assessment_scheme_items',
                                 ['scheme_item_id'], ['id'])
        batch.create_index(op.f('ix_findings_scheme_item_id'), ['scheme_item_id'])
    _version_one(op.get_bind())


def downgrade():
    with op.batch_alter_table('findings') as batch:
        batch.drop_index(op.f('ix_findings_scheme_item_id'))
        batch.drop_constraint(op.f('fk_findings_scheme_item_id_assessment_scheme_items'), type_='foreignkey')
        batch.drop_column('scheme_item_id')
    for table in ('assessment_adjustments', 'assessment_appeal_photos', 'assessment_appeals', 'assessment_lines',
                  'assessment_scores', 'assessment_periods', 'assessment_event_photos', 'assessment_events',
                  'assessment_scheme_items', 'assessment_categories', 'assessment_schemes'):
        op.drop_table(table)
