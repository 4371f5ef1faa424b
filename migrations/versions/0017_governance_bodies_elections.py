"""四位一体 governance: property firms (one authoritative name per county, adopted from the stations' and
compounds' free-text firm names), the four bodies and their members' terms, the county's governance policy,
term reminders, and owners' committee elections (preparatory group, candidates, multi-candidate choices).

Revision ID: 0017
Revises: 0018 (0011 on its own branch; re-chained after the joint meetings' 0018)
Create Date: 2026-11-29 22:33:34
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

COUNTY_OF_COMMUNITY = ("SELECT so.county_id FROM communities c JOIN street_offices so ON so.id = c.street_id "
                       "WHERE c.id = {community}")


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('governance_policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('committee_min', sa.Integer(), nullable=False),
    sa.Column('committee_max', sa.Integer(), nullable=False),
    sa.Column('small_compound_households', sa.Integer(), nullable=True),
    sa.Column('publicity_days', sa.Integer(), nullable=False),
    sa.Column('term_years', sa.Integer(), nullable=False),
    sa.Column('fund_collected_percent', sa.Integer(), nullable=False),
    sa.CheckConstraint('committee_min >= 3 AND committee_max <= 11 AND committee_min <= committee_max', name=op.f('ck_governance_policies_committee_range')),
    sa.CheckConstraint('fund_collected_percent >= 1 AND fund_collected_percent <= 100', name=op.f('ck_governance_policies_fund_percent')),
    sa.ForeignKeyConstraint(['county_id'], ['counties.id'], name=op.f('fk_governance_policies_county_id_counties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_governance_policies')),
    sa.UniqueConstraint('county_id', name=op.f('uq_governance_policies_county_id'))
    )
    op.create_table('property_firms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['county_id'], ['counties.id'], name=op.f('fk_property_firms_county_id_counties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_property_firms')),
    sa.UniqueConstraint('county_id', 'name', name=op.f('uq_property_firms_county_id_name'))
    )
    with op.batch_alter_table('property_firms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_property_firms_county_id'), ['county_id'], unique=False)

    op.create_table('governance_bodies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('party', 'residents', 'owners', 'stand_in', 'station', name='bodykind', native_enum=False, length=32), nullable=False),
    sa.Column('place_key', sa.String(length=40), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('compound_id', sa.Integer(), nullable=True),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('party_level', sa.Enum('branch', 'general', 'committee', name='partylevel', native_enum=False, length=32), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('term_starts_on', sa.Date(), nullable=True),
    sa.Column('term_ends_on', sa.Date(), nullable=True),
    sa.Column('filed_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('term_ends_on IS NULL OR term_starts_on IS NULL OR term_ends_on >= term_starts_on', name=op.f('ck_governance_bodies_term_in_order')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_governance_bodies_community_id_communities')),
    sa.ForeignKeyConstraint(['compound_id'], ['compounds.id'], name=op.f('fk_governance_bodies_compound_id_compounds')),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_governance_bodies_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_governance_bodies')),
    sa.UniqueConstraint('place_key', name=op.f('uq_governance_bodies_place_key'))
    )
    with op.batch_alter_table('governance_bodies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_governance_bodies_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_governance_bodies_compound_id'), ['compound_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_governance_bodies_station_id'), ['station_id'], unique=False)

    op.create_table('governance_term_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('term_ends_on', sa.Date(), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['governance_bodies.id'], name=op.f('fk_governance_term_reminders_body_id_governance_bodies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_governance_term_reminders')),
    sa.UniqueConstraint('body_id', 'term_ends_on', 'months', name=op.f('uq_governance_term_reminders_body_id_term_ends_on_months'))
    )
    with op.batch_alter_table('governance_term_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_governance_term_reminders_body_id'), ['body_id'], unique=False)

    op.create_table('elections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('compound_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('first', 're', name='electionkind', native_enum=False, length=32), nullable=False),
    sa.Column('status', sa.Enum('preparing', 'publicity', 'voting', 'counted', 'filed', 'failed', 'cancelled', name='electionstatus', native_enum=False, length=32), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('term_years', sa.Integer(), nullable=False),
    sa.Column('publicity_starts_on', sa.Date(), nullable=True),
    sa.Column('publicity_ends_on', sa.Date(), nullable=True),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.Column('counted_on', sa.Date(), nullable=True),
    sa.Column('elected_count', sa.Integer(), nullable=True),
    sa.Column('term_starts_on', sa.Date(), nullable=True),
    sa.Column('term_ends_on', sa.Date(), nullable=True),
    sa.Column('filed_on', sa.Date(), nullable=True),
    sa.Column('filed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('seats >= 3 AND seats <= 11 AND seats % 2 = 1', name=op.f('ck_elections_seats_odd')),
    sa.CheckConstraint('term_years >= 1 AND term_years <= 5', name=op.f('ck_elections_term_years')),
    sa.ForeignKeyConstraint(['compound_id'], ['compounds.id'], name=op.f('fk_elections_compound_id_compounds')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_elections_created_by_id_users')),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_elections_decision_id_decisions')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['users.id'], name=op.f('fk_elections_filed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_elections')),
    sa.UniqueConstraint('decision_id', name=op.f('uq_elections_decision_id'))
    )
    with op.batch_alter_table('elections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_elections_compound_id'), ['compound_id'], unique=False)

    op.create_table('election_candidates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('is_party_member', sa.Boolean(), nullable=False),
    sa.Column('statement', sa.Text(), nullable=True),
    sa.Column('nominated_by', sa.String(length=64), nullable=True),
    sa.Column('votes_area', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('votes_heads', sa.Integer(), nullable=True),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('is_elected', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'], name=op.f('fk_election_candidates_election_id_elections')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_election_candidates_household_id_households')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_election_candidates_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_election_candidates')),
    sa.UniqueConstraint('election_id', 'person_id', name=op.f('uq_election_candidates_election_id_person_id'))
    )
    with op.batch_alter_table('election_candidates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_election_candidates_election_id'), ['election_id'], unique=False)

    op.create_table('election_group_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('side', sa.String(length=16), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'], name=op.f('fk_election_group_members_election_id_elections')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_election_group_members'))
    )
    with op.batch_alter_table('election_group_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_election_group_members_election_id'), ['election_id'], unique=False)

    op.create_table('governance_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('seat', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Enum('secretary', 'deputy_secretary', 'director', 'deputy_director', 'chair', 'vice_chair', 'member', 'grid_worker', 'station_head', 'staff', name='position', native_enum=False, length=32), nullable=False),
    sa.Column('is_party_member', sa.Boolean(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('election_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_on IS NULL OR ends_on >= started_on', name=op.f('ck_governance_members_term_in_order')),
    sa.CheckConstraint('seat >= 1 AND seat <= 99', name=op.f('ck_governance_members_seat_range')),
    sa.ForeignKeyConstraint(['body_id'], ['governance_bodies.id'], name=op.f('fk_governance_members_body_id_governance_bodies')),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'], name=op.f('fk_governance_members_election_id_elections')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_governance_members_person_id_persons')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_governance_members_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_governance_members'))
    )
    with op.batch_alter_table('governance_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_governance_members_body_id'), ['body_id'], unique=False)
        batch_op.create_index('ix_governance_members_body_seat', ['body_id', 'seat'], unique=False)
        batch_op.create_index(batch_op.f('ix_governance_members_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_governance_members_user_id'), ['user_id'], unique=False)

    op.create_table('election_choices',
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballots.id'], name=op.f('fk_election_choices_ballot_id_ballots')),
    sa.ForeignKeyConstraint(['candidate_id'], ['election_candidates.id'], name=op.f('fk_election_choices_candidate_id_election_candidates')),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'], name=op.f('fk_election_choices_election_id_elections')),
    sa.PrimaryKeyConstraint('ballot_id', 'candidate_id', name=op.f('pk_election_choices'))
    )
    with op.batch_alter_table('election_choices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_election_choices_election_id'), ['election_id'], unique=False)

    with op.batch_alter_table('stations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('firm_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_stations_firm_id'), ['firm_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_stations_firm_id_property_firms'), 'property_firms', ['firm_id'], ['id'])
    adopt_firm_names()



def adopt_firm_names():
    """Every distinct free-text firm name of a county's stations and compounds becomes one firm; each station
    points to its firm (its `operator` text stays as the firm's name)."""
    bind = op.get_bind()
    now = sa.bindparam("now", datetime.now(UTC), type_=sa.DateTime(timezone=True))
    bind.execute(sa.text(
        "INSERT INTO property_firms (county_id, name, created_at) "
        "SELECT county_id, name, :now FROM ("
        f"SELECT ({COUNTY_OF_COMMUNITY.format(community='s.community_id')}) AS county_id, TRIM(s.operator) AS name "
        "FROM stations s WHERE s.operator IS NOT NULL AND TRIM(s.operator) <> '' "
        f"UNION SELECT ({COUNTY_OF_COMMUNITY.format(community='k.community_id')}), TRIM(k.property_company) "
        "FROM compounds k WHERE k.property_company IS NOT NULL AND TRIM(k.property_company) <> ''"
        ") AS names"
    ).bindparams(now))
    bind.execute(sa.text(
        "UPDATE stations SET operator = TRIM(operator), firm_id = (SELECT f.id FROM property_firms f "
        "WHERE f.name = TRIM(stations.operator) AND f.county_id = ("
        f"{COUNTY_OF_COMMUNITY.format(community='stations.community_id')})) "
        "WHERE operator IS NOT NULL AND TRIM(operator) <> ''"
    ))


def downgrade():
    with op.batch_alter_table('stations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_stations_firm_id_property_firms'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_stations_firm_id'))
        batch_op.drop_column('firm_id')

    with op.batch_alter_table('election_choices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_election_choices_election_id'))

    op.drop_table('election_choices')
    with op.batch_alter_table('governance_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_governance_members_user_id'))
        batch_op.drop_index(batch_op.f('ix_governance_members_person_id'))
        batch_op.drop_index('ix_governance_members_body_seat')
        batch_op.drop_index(batch_op.f('ix_governance_members_body_id'))

    op.drop_table('governance_members')
    with op.batch_alter_table('election_group_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_election_group_members_election_id'))

    op.drop_table('election_group_members')
    with op.batch_alter_table('election_candidates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_election_candidates_election_id'))

    op.drop_table('election_candidates')
    with op.batch_alter_table('elections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_elections_compound_id'))

    op.drop_table('elections')
    with op.batch_alter_table('governance_term_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_governance_term_reminders_body_id'))

    op.drop_table('governance_term_reminders')
    with op.batch_alter_table('governance_bodies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_governance_bodies_station_id'))
        batch_op.drop_index(batch_op.f('ix_governance_bodies_compound_id'))
        batch_op.drop_index(batch_op.f('ix_governance_bodies_community_id'))

    op.drop_table('governance_bodies')
    with op.batch_alter_table('property_firms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_property_firms_county_id'))

    op.drop_table('property_firms')
    op.drop_table('governance_policies')
