"""Owner and resident accounts are claimed by the person: one-time codes (invitations and password resets), the
nodes a person-bound account was granted, when an account was claimed, and at most one account per person.

Existing owner and resident accounts were created by officials who chose their passwords, so none of them can
be trusted to be the person's own: they are disabled (their sessions end and their API tokens are revoked) and
wait to be claimed — an invitation for the person takes the account over, and the person sets their own
password. Where one person had several accounts, the oldest stays bound to the person and the others are
unbound (they stay disabled), so that the new unique key holds.

Revision ID: 0007
Revises: 0008
Create Date: 2026-11-29 19:00:00
"""
from __future__ import annotations

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0008'
branch_labels = None
depends_on = None

PERSON_ROLES = ("owner", "resident")
ROLES = ('county_admin', 'street_officer', 'community_worker', 'station_manager', 'station_staff',
         'committee_member', 'owner', 'resident')

users = sa.table(
    "users", sa.column("id", sa.Integer), sa.column("role", sa.String), sa.column("person_id", sa.Integer),
    sa.column("is_enabled", sa.Boolean), sa.column("session_token", sa.String),
)
api_tokens = sa.table("api_tokens", sa.column("user_id", sa.Integer),
                      sa.column("revoked_at", sa.DateTime(timezone=True)))


def _node_fks(table: str) -> list[sa.ForeignKeyConstraint]:
    targets = {"county_id": "counties", "street_id": "street_offices", "community_id": "communities",
               "station_id": "stations", "compound_id": "compounds"}
    return [sa.ForeignKeyConstraint([col], [f"{target}.id"], name=op.f(f"fk_{table}_{col}_{target}"))
            for col, target in targets.items()]


def _plain_node_columns() -> list[sa.Column]:
    return [sa.Column(col, sa.Integer(), nullable=True)
            for col in ("county_id", "street_id", "community_id", "station_id", "compound_id")]


def upgrade():
    conn = op.get_bind()
    now = datetime.now(UTC)
    rows = conn.execute(sa.select(users.c.id, users.c.person_id).where(users.c.role.in_(PERSON_ROLES))
                        .order_by(users.c.person_id, users.c.id)).all()
    seen: set[int] = set()
    for user_id, person_id in rows:
        values = {"is_enabled": False, "session_token": secrets.token_hex(32)}
        if person_id is not None:
            if person_id in seen:
                values["person_id"] = None
            seen.add(person_id)
        conn.execute(users.update().where(users.c.id == user_id).values(**values))
    if rows:
        conn.execute(api_tokens.update().where(api_tokens.c.user_id.in_([r[0] for r in rows]),
                                               api_tokens.c.revoked_at.is_(None)).values(revoked_at=now))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_index(batch_op.f('ix_users_person_id'))
        batch_op.create_index(batch_op.f('ix_users_person_id'), ['person_id'], unique=True)

    op.create_table(
        'claim_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.Enum('claim', 'reset', name='claimpurpose', native_enum=False, length=32),
                  nullable=False),
        sa.Column('method', sa.Enum('letter', 'sms', name='claimmethod', native_enum=False, length=32),
                  nullable=False),
        sa.Column('lookup', sa.String(length=16), nullable=True),
        sa.Column('secret_hash', sa.String(length=64), nullable=False),
        sa.Column('phone', sa.String(length=20), nullable=True),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.Enum(*ROLES, name='role', native_enum=False, length=32), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('issued_by_id', sa.Integer(), nullable=True),
        *_plain_node_columns(),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_claim_codes_person_id_persons')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_claim_codes_user_id_users')),
        sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_claim_codes_issued_by_id_users')),
        *_node_fks('claim_codes'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_codes')),
        sa.UniqueConstraint('lookup', name=op.f('uq_claim_codes_lookup')),
    )
    with op.batch_alter_table('claim_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_codes_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_claim_codes_phone'), ['phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_claim_codes_user_id'), ['user_id'], unique=False)

    op.create_table(
        'account_grants',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('claim_code_id', sa.Integer(), nullable=True),
        *_plain_node_columns(),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_account_grants_user_id_users')),
        sa.ForeignKeyConstraint(['claim_code_id'], ['claim_codes.id'],
                                name=op.f('fk_account_grants_claim_code_id_claim_codes')),
        *_node_fks('account_grants'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_account_grants')),
    )
    with op.batch_alter_table('account_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_grants_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('account_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_grants_user_id'))
    op.drop_table('account_grants')
    with op.batch_alter_table('claim_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_codes_user_id'))
        batch_op.drop_index(batch_op.f('ix_claim_codes_phone'))
        batch_op.drop_index(batch_op.f('ix_claim_codes_person_id'))
    op.drop_table('claim_codes')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_person_id'))
        batch_op.create_index(batch_op.f('ix_users_person_id'), ['person_id'], unique=False)
        batch_op.drop_column('claimed_at')
