"""Vote engine: decisions (subject, electorate snapshot, rule as values, dates, outcome and final figures); ballots
belong to a decision; a use plan points to its decision. Existing plan votes become decisions.

Every plan that has ballots or has been put to a vote (vote_closes_on set) gets a decision: its rule from the
plan's decision_kind (use_fund: > 1/2; raise_fund, change_use: ≥ 3/4; quorum ≥ 2/3 of area and heads), its
electorate the plan's scope households now, open while the plan is voting, cancelled if the plan was cancelled,
otherwise closed with the figures the plan page shows today (counted here exactly as pm.services.votes counts:
this migration keeps its own frozen copy of the count, so that later changes to the code never change it).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 17:00:00
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
# decision_kind → (rule name, quorum, threshold num/den, strict) as Civil Code art. 278 words them.
RULES = {
    "use_fund": ((2, 3), (1, 2), True),
    "raise_fund": ((2, 3), (3, 4), False),
    "change_use": ((2, 3), (3, 4), False),
}
CHOICES = ("yes", "no", "abstain")

use_plans = sa.table(
    "use_plans", sa.column("id", sa.Integer), sa.column("compound_id", sa.Integer), sa.column("title", sa.String),
    sa.column("decision_kind", sa.String), sa.column("status", sa.String), sa.column("vote_closes_on", sa.Date),
    sa.column("publicised_on", sa.Date), sa.column("publicity_days", sa.Integer), sa.column("decision_id", sa.Integer),
)
plan_scopes = sa.table(
    "plan_scopes", sa.column("plan_id", sa.Integer), sa.column("building_id", sa.Integer),
    sa.column("unit_id", sa.Integer), sa.column("household_id", sa.Integer),
)
households = sa.table(
    "households", sa.column("id", sa.Integer), sa.column("compound_id", sa.Integer),
    sa.column("building_id", sa.Integer), sa.column("unit_id", sa.Integer), sa.column("status", sa.String),
    sa.column("area_m2", sa.Numeric(10, 2)),
)
ownerships = sa.table(
    "ownerships", sa.column("household_id", sa.Integer), sa.column("person_id", sa.Integer),
    sa.column("ended_on", sa.Date),
)
persons = sa.table("persons", sa.column("id", sa.Integer), sa.column("is_organisation", sa.Boolean))
ballots = sa.table(
    "ballots", sa.column("id", sa.Integer), sa.column("plan_id", sa.Integer), sa.column("decision_id", sa.Integer),
    sa.column("household_id", sa.Integer), sa.column("choice", sa.String), sa.column("is_paper", sa.Boolean),
    sa.column("cast_at", sa.DateTime(timezone=True)),
)
audit_logs = sa.table(
    "audit_logs", sa.column("object_type", sa.String), sa.column("object_id", sa.Integer),
    sa.column("action", sa.String), sa.column("created_at", sa.DateTime(timezone=True)),
)
electorate = sa.table("decision_electorate", sa.column("decision_id", sa.Integer), sa.column("household_id", sa.Integer))


def _decisions_table():
    integer = ("subject_id", "compound_id", "quorum_area_num", "quorum_area_den", "quorum_heads_num",
               "quorum_heads_den", "threshold_num", "threshold_den", "dwellings", "without_owner", "ballots",
               "paper_ballots", "total_heads", "yes_heads", "no_heads", "abstain_heads", "opened_by_id", "closed_by_id")
    return sa.Table(
        "decisions", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
        *(sa.Column(name, sa.Integer) for name in integer),
        *(sa.Column(name, sa.String) for name in ("subject_kind", "title", "rule_name", "status", "outcome")),
        *(sa.Column(name, sa.Boolean) for name in ("strict", "over_electorate")),
        *(sa.Column(name, sa.Date) for name in ("opens_on", "closes_on")),
        *(sa.Column(name, sa.Numeric(14, 2)) for name in ("total_area", "yes_area", "no_area", "abstain_area")),
        *(sa.Column(name, sa.DateTime(timezone=True)) for name in ("opened_at", "closed_at")),
    )


def upgrade():
    op.create_table('decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_kind', sa.String(length=32), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('compound_id', sa.Integer(), nullable=False),
    sa.Column('rule_name', sa.String(length=32), nullable=False),
    sa.Column('quorum_area_num', sa.Integer(), nullable=False),
    sa.Column('quorum_area_den', sa.Integer(), nullable=False),
    sa.Column('quorum_heads_num', sa.Integer(), nullable=False),
    sa.Column('quorum_heads_den', sa.Integer(), nullable=False),
    sa.Column('threshold_num', sa.Integer(), nullable=False),
    sa.Column('threshold_den', sa.Integer(), nullable=False),
    sa.Column('strict', sa.Boolean(), nullable=False),
    sa.Column('over_electorate', sa.Boolean(), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('open', 'closed', 'cancelled', name='decisionstatus', native_enum=False, length=32), nullable=False),
    sa.Column('outcome', sa.Enum('passed', 'rejected', 'no_quorum', name='decisionoutcome', native_enum=False, length=32), nullable=True),
    sa.Column('dwellings', sa.Integer(), nullable=True),
    sa.Column('without_owner', sa.Integer(), nullable=True),
    sa.Column('ballots', sa.Integer(), nullable=True),
    sa.Column('paper_ballots', sa.Integer(), nullable=True),
    sa.Column('total_area', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('total_heads', sa.Integer(), nullable=True),
    sa.Column('yes_area', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('yes_heads', sa.Integer(), nullable=True),
    sa.Column('no_area', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('no_heads', sa.Integer(), nullable=True),
    sa.Column('abstain_area', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('abstain_heads', sa.Integer(), nullable=True),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(status = 'closed') = (outcome IS NOT NULL)", name=op.f('ck_decisions_outcome_when_closed')),
    sa.CheckConstraint('closes_on >= opens_on', name=op.f('ck_decisions_dates_in_order')),
    sa.CheckConstraint('quorum_area_den > 0 AND quorum_area_num >= 0 AND quorum_area_num <= quorum_area_den', name=op.f('ck_decisions_quorum_area_share')),
    sa.CheckConstraint('quorum_heads_den > 0 AND quorum_heads_num >= 0 AND quorum_heads_num <= quorum_heads_den', name=op.f('ck_decisions_quorum_heads_share')),
    sa.CheckConstraint('threshold_den > 0 AND threshold_num >= 0 AND threshold_num <= threshold_den', name=op.f('ck_decisions_threshold_share')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_decisions_closed_by_id_users')),
    sa.ForeignKeyConstraint(['compound_id'], ['compounds.id'], name=op.f('fk_decisions_compound_id_compounds')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_decisions_opened_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions'))
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_compound_id'), ['compound_id'], unique=False)
        batch_op.create_index('ix_decisions_subject', ['subject_kind', 'subject_id'], unique=False)

    op.create_table('decision_electorate',
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_decision_electorate_decision_id_decisions')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_decision_electorate_household_id_households')),
    sa.PrimaryKeyConstraint('decision_id', 'household_id', name=op.f('pk_decision_electorate'))
    )
    with op.batch_alter_table('use_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decision_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_use_plans_decision_id'), ['decision_id'])
        batch_op.create_foreign_key(batch_op.f('fk_use_plans_decision_id_decisions'), 'decisions', ['decision_id'], ['id'])
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decision_id', sa.Integer(), nullable=True))

    _plans_to_decisions(op.get_bind())

    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballots_plan_id'))
        batch_op.drop_constraint(batch_op.f('uq_ballots_plan_id_household_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_ballots_plan_id_use_plans'), type_='foreignkey')
        batch_op.drop_column('plan_id')
        batch_op.alter_column('decision_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_ballots_decision_id_household_id'), ['decision_id', 'household_id'])
        batch_op.create_foreign_key(batch_op.f('fk_ballots_decision_id_decisions'), 'decisions', ['decision_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_ballots_decision_id'), ['decision_id'], unique=False)


def downgrade():
    bind = op.get_bind()
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_id', sa.Integer(), nullable=True))
    decisions = _decisions_table()
    # Ballots of a plan's decision go back to the plan; ballots of other decisions have no place before 0006.
    bind.execute(ballots.update().values(plan_id=sa.select(use_plans.c.id).where(
        use_plans.c.decision_id == ballots.c.decision_id).scalar_subquery()))
    bind.execute(ballots.delete().where(ballots.c.plan_id.is_(None)))
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballots_decision_id'))
        batch_op.drop_constraint(batch_op.f('uq_ballots_decision_id_household_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_ballots_decision_id_decisions'), type_='foreignkey')
        batch_op.drop_column('decision_id')
        batch_op.alter_column('plan_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_ballots_plan_id_household_id'), ['plan_id', 'household_id'])
        batch_op.create_foreign_key(batch_op.f('fk_ballots_plan_id_use_plans'), 'use_plans', ['plan_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_ballots_plan_id'), ['plan_id'], unique=False)
    with op.batch_alter_table('use_plans', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_use_plans_decision_id_decisions'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_use_plans_decision_id'), type_='unique')
        batch_op.drop_column('decision_id')
    bind.execute(electorate.delete())
    bind.execute(decisions.delete())
    op.drop_table('decision_electorate')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index('ix_decisions_subject')
        batch_op.drop_index(batch_op.f('ix_decisions_compound_id'))
    op.drop_table('decisions')


# -- data: one decision per plan that was put to a vote ------------------------------------------------------
def _local_date(value) -> date | None:
    """The Beijing date of a stored UTC time (SQLite gives it back naive)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LOCAL_TZ).date()


def _aware(value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _first_audit(bind, plan_id: int, actions: tuple[str, ...]):
    return bind.execute(
        sa.select(audit_logs.c.created_at).where(
            audit_logs.c.object_type == "UsePlan", audit_logs.c.object_id == plan_id, audit_logs.c.action.in_(actions))
        .order_by(audit_logs.c.created_at).limit(1)
    ).scalar()


def _scope_household_ids(bind, plan) -> list[int]:
    """The plan's 列支范围 now: active households of its compound, all or those of the listed targets."""
    rows = bind.execute(sa.select(plan_scopes.c.building_id, plan_scopes.c.unit_id, plan_scopes.c.household_id)
                        .where(plan_scopes.c.plan_id == plan.id)).all()
    stmt = sa.select(households.c.id).where(households.c.compound_id == plan.compound_id,
                                            households.c.status == "active")
    if not any(b is None and u is None and h is None for b, u, h in rows):
        conds = []
        for column, index in ((households.c.building_id, 0), (households.c.unit_id, 1), (households.c.id, 2)):
            ids = [r[index] for r in rows if r[index] is not None]
            if ids:
                conds.append(column.in_(ids))
        stmt = stmt.where(sa.or_(*conds)) if conds else stmt.where(households.c.id.is_(None))
    return sorted(bind.execute(stmt).scalars())


def _count(bind, plan_id: int, electorate_ids: list[int]) -> dict:
    """The tally of a plan's ballots over its electorate (frozen copy of pm.services.votes' count)."""
    voters: dict[int, tuple[Decimal, set]] = {}
    if electorate_ids:
        rows = bind.execute(
            sa.select(households.c.id, households.c.area_m2, ownerships.c.person_id, persons.c.is_organisation)
            .join(ownerships, (ownerships.c.household_id == households.c.id) & ownerships.c.ended_on.is_(None))
            .join(persons, persons.c.id == ownerships.c.person_id)
            .where(households.c.id.in_(electorate_ids))
        )
        for hh_id, area, person_id, is_org in rows:
            voters.setdefault(hh_id, (Decimal(str(area)).quantize(Decimal("0.01")), set()))[1].add(
                "org" if is_org else person_id)
    parent: dict = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for dwelling, (_area, owners) in voters.items():
        for owner in owners:
            ra, rb = find(("d", dwelling)), find(("p", owner))
            if ra != rb:
                parent[ra] = rb
    head_of = {dwelling: find(("d", dwelling)) for dwelling in voters}
    out = {"dwellings": len(voters), "without_owner": len(set(electorate_ids) - set(voters)), "ballots": 0,
           "paper_ballots": 0, "total_area": sum((a for a, _ in voters.values()), Decimal(0)),
           "total_heads": len(set(head_of.values()))}
    for choice in CHOICES:
        out[f"{choice}_area"], out[f"{choice}_heads"] = Decimal(0), 0
    counted: set = set()
    for hh_id, choice, is_paper in bind.execute(
        sa.select(ballots.c.household_id, ballots.c.choice, ballots.c.is_paper).where(ballots.c.plan_id == plan_id)
        .order_by(ballots.c.cast_at, ballots.c.id)
    ):
        if hh_id not in voters:
            continue
        out["ballots"] += 1
        out["paper_ballots"] += 1 if is_paper else 0
        out[f"{choice}_area"] += voters[hh_id][0]
        if head_of[hh_id] not in counted:
            counted.add(head_of[hh_id])
            out[f"{choice}_heads"] += 1
    return out


def _outcome(figures: dict, quorum: tuple[int, int], threshold: tuple[int, int], strict: bool) -> str:
    total_area, total_heads = figures["total_area"], figures["total_heads"]
    part_area = sum(figures[f"{c}_area"] for c in CHOICES)
    part_heads = sum(figures[f"{c}_heads"] for c in CHOICES)
    qn, qd = quorum
    if not (total_heads and total_area and part_area * qd >= total_area * qn and part_heads * qd >= total_heads * qn):
        return "no_quorum"
    tn, td = threshold
    yes_area, yes_heads = figures["yes_area"], figures["yes_heads"]
    if part_heads == 0 or part_area == 0:
        return "rejected"
    if strict:
        met = yes_area * td > part_area * tn and yes_heads * td > part_heads * tn
    else:
        met = yes_area * td >= part_area * tn and yes_heads * td >= part_heads * tn
    return "passed" if met else "rejected"


def _plans_to_decisions(bind) -> None:
    decisions = _decisions_table()
    voted = sa.select(ballots.c.plan_id)
    plans = bind.execute(
        sa.select(use_plans).where(sa.or_(use_plans.c.vote_closes_on.is_not(None), use_plans.c.id.in_(voted)))
        .order_by(use_plans.c.id)
    ).all()
    now = datetime.now(UTC)
    for plan in plans:
        quorum, threshold, strict = RULES[plan.decision_kind]
        first_ballot = bind.execute(sa.select(sa.func.min(ballots.c.cast_at)).where(ballots.c.plan_id == plan.id)).scalar()
        opened = _aware(_first_audit(bind, plan.id, ("plan.voting",)))
        opens_on = _local_date(opened)
        if opens_on is None and plan.publicised_on is not None:
            opens_on = plan.publicised_on + timedelta(days=plan.publicity_days or 0)
        opens_on = opens_on or _local_date(first_ballot) or plan.vote_closes_on or _local_date(now)
        closes_on = max(plan.vote_closes_on or opens_on, opens_on)
        ids = _scope_household_ids(bind, plan)
        values = {
            "subject_kind": "use_plan", "subject_id": plan.id, "title": plan.title[:200],
            "compound_id": plan.compound_id, "rule_name": plan.decision_kind, "quorum_area_num": quorum[0],
            "quorum_area_den": quorum[1], "quorum_heads_num": quorum[0], "quorum_heads_den": quorum[1],
            "threshold_num": threshold[0], "threshold_den": threshold[1], "strict": strict,
            "over_electorate": False, "opens_on": opens_on, "closes_on": closes_on, "opened_at": opened or now,
        }
        if plan.status == "voting":
            values["status"] = "open"
        elif plan.status in ("cancelled", "draft", "publicised"):
            values["status"] = "cancelled"
            values["closed_at"] = _aware(_first_audit(bind, plan.id, ("plan.cancelled",)))
        else:
            figures = _count(bind, plan.id, ids)
            values.update(figures, status="closed", outcome=_outcome(figures, quorum, threshold, strict),
                          closed_at=_aware(_first_audit(bind, plan.id, ("plan.passed", "plan.rejected"))))
        decision_id = bind.execute(decisions.insert().values(**values)).inserted_primary_key[0]
        if ids:
            bind.execute(electorate.insert(), [{"decision_id": decision_id, "household_id": i} for i in ids])
        bind.execute(use_plans.update().where(use_plans.c.id == plan.id).values(decision_id=decision_id))
        bind.execute(ballots.update().where(ballots.c.plan_id == plan.id).values(decision_id=decision_id))
