"""Migration 0006: plans' votes become decisions. Built at 0005 with plans, scopes and ballots written by SQL, then
upgraded: the tallies are those computed by hand for those ballots, and the downgrade gives the ballots back."""
from __future__ import annotations

import os
from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from pm import create_app
from pm.extensions import db as _db
from pm.models.fund import UsePlan
from pm.models.votes import Ballot, Decision, DecisionOutcome, DecisionStatus, ElectorateEntry, VoteChoice
from pm.services import votes
from pm.services.fund import plans as fund_plans

PG_ADMIN_URL = os.environ.get("PM_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
T = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """An empty database of its own (this test drives the migrations itself)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migration.sqlite3'}"
        return
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    name = f"pm_migration_{os.getpid()}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError:
        admin.dispose()
        pytest.skip("PostgreSQL not reachable")
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class Rows:
    """INSERTs into the reflected tables of the schema as it is at the current revision."""

    def __init__(self, conn):
        self.conn = conn
        self.meta = sa.MetaData()

    def add(self, table: str, **values) -> int:
        if table not in self.meta.tables:
            sa.Table(table, self.meta, autoload_with=self.conn)
        t = self.meta.tables[table]
        stamps = {c.name: T for c in t.columns if c.name in ("created_at", "updated_at") and c.name not in values}
        return self.conn.execute(t.insert().values(**stamps, **values)).inserted_primary_key[0]


def _world_at_0005(conn) -> dict:
    """A compound with one building of two units, owners (one with two flats, co-owners, two organisations),
    a flat without owner, a lost flat that had voted, and four plans: voted and charged, in voting, emergency,
    cancelled while voting."""
    r = Rows(conn)
    county = r.add("counties", name="县")
    street = r.add("street_offices", county_id=county, name="街道")
    community = r.add("communities", street_id=street, name="社区")
    compound = r.add("compounds", community_id=community, name="小区", management_mode="professional", service_grade=2)
    building = r.add("buildings", compound_id=compound, name="1号楼", has_elevator=False)
    other_building = r.add("buildings", compound_id=compound, name="2号楼", has_elevator=False)
    u1 = r.add("units", building_id=building, compound_id=compound, name="1单元")
    u2 = r.add("units", building_id=building, compound_id=compound, name="2单元")
    u3 = r.add("units", building_id=other_building, compound_id=compound, name="1单元")

    def flat(unit, building_id, room, area, status="active"):
        return r.add("households", compound_id=compound, building_id=building_id, unit_id=unit, room_no=room,
                     floor=int(room[0]), area_m2=D(area), is_sold_public_housing=False, status=status)

    hh = {
        "h1": flat(u1, building, "101", "80.00"), "h2": flat(u1, building, "102", "60.00"),
        "h3": flat(u1, building, "201", "100.00"), "h4": flat(u1, building, "202", "70.00"),
        "h5": flat(u2, building, "101", "90.00"), "h6": flat(u2, building, "102", "50.00"),
        "h7": flat(u2, building, "201", "40.00", status="demolished"), "hx": flat(u3, other_building, "101", "99.00"),
    }
    person = {name: r.add("persons", name=name, is_organisation=name.startswith("org"))
              for name in ("p1", "p2", "p3", "p4", "p5", "org1", "org2")}
    for flat_name, owner in (("h1", "p1"), ("h2", "p1"), ("h3", "p2"), ("h3", "p3"), ("h4", "org1"),
                             ("h5", "org2"), ("h7", "p4"), ("hx", "p5")):
        r.add("ownerships", household_id=hh[flat_name], person_id=person[owner], started_on=date(2020, 1, 1))

    def plan(title, status, kind="use_fund", closes=None, emergency=False):
        return r.add("use_plans", compound_id=compound, title=title, shared_part="屋面", reason="渗漏",
                     budget_fen=100_000, decision_kind=kind, status=status, is_emergency=emergency,
                     not_under_warranty=True, not_utility_duty=True, not_caused_damage=True, not_contract_duty=True,
                     publicity_days=7, publicised_on=date(2026, 3, 1), vote_closes_on=closes,
                     rounding_method="largest_remainder;area_desc;account_id_asc")

    plans = {
        "charged": plan("已分摊", "charged", closes=date(2026, 3, 25)),
        "voting": plan("表决中", "voting", kind="raise_fund", closes=date(2026, 4, 20)),
        "emergency": plan("应急", "passed", emergency=True),
        "cancelled": plan("已撤销", "cancelled", closes=date(2026, 4, 1)),
    }
    r.add("plan_scopes", plan_id=plans["charged"], building_id=building)
    r.add("plan_scopes", plan_id=plans["voting"], unit_id=u2)
    r.add("plan_scopes", plan_id=plans["emergency"])
    r.add("plan_scopes", plan_id=plans["cancelled"], household_id=hh["h1"])

    def ballot(plan_name, flat_name, owner, choice, minute, paper=False):
        r.add("ballots", plan_id=plans[plan_name], household_id=hh[flat_name], person_id=person[owner],
              choice=choice, is_paper=paper, cast_at=T.replace(day=10, minute=minute))

    ballot("charged", "h1", "p1", "yes", 1)
    ballot("charged", "h2", "p1", "no", 2)  # p1's second flat: its area counts, its head already did (yes)
    ballot("charged", "h3", "p3", "yes", 3, paper=True)
    ballot("charged", "h4", "org1", "abstain", 4)
    ballot("charged", "h5", "org2", "yes", 5)  # organisations are one head, counted with org1's abstention
    ballot("charged", "h7", "p4", "yes", 6)  # lost since: not in the electorate, not counted
    ballot("voting", "h5", "org2", "no", 7)
    ballot("cancelled", "h1", "p1", "yes", 8)
    r.add("audit_logs", created_at=datetime(2026, 3, 9, 20, 0, tzinfo=UTC), action="plan.voting",
          object_type="UsePlan", object_id=plans["charged"])
    return {"hh": hh, "plans": plans}


def test_old_ballots_tally_the_same_after_the_upgrade(database, tmp_path):
    """Every plan put to a vote gets a decision with its rule and electorate; the counts equal the hand count."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database, INSTANCE_DIR=str(tmp_path),
                     UPLOAD_DIR=str(tmp_path / "uploads"))
    with app.app_context():
        upgrade(revision="0005")
        with _db.engine.begin() as conn:
            world = _world_at_0005(conn)
        upgrade(revision="0006")
        hh, plans = world["hh"], world["plans"]
        session = _db.session
        charged, voting, emergency, cancelled = (session.get(UsePlan, plans[k]) for k in
                                                 ("charged", "voting", "emergency", "cancelled"))
        assert emergency.decision_id is None
        assert session.scalar(sa.select(sa.func.count()).select_from(Decision)) == 3
        assert session.scalar(sa.select(sa.func.count()).select_from(Ballot).where(Ballot.decision_id.is_(None))) == 0

        # The charged plan, counted by hand: electorate h1..h6 (h7 lost; hx outside the scope); h6 has no owner.
        # Area 80+60+100+70+90 = 400, all took part; yes 80+100+90 = 270, no 60, abstain 70.
        # Heads: {h1,h2} p1 (earliest ballot yes), {h3} p2+p3 (yes), {h4,h5} organisations (earliest abstain).
        decision = session.get(Decision, charged.decision_id)
        assert (decision.subject_kind, decision.subject_id, decision.rule_name) == ("use_plan", charged.id, "use_fund")
        assert (decision.status, decision.outcome) == (DecisionStatus.CLOSED, DecisionOutcome.PASSED)
        assert (decision.opens_on, decision.closes_on) == (date(2026, 3, 10), date(2026, 3, 25))
        assert set(session.scalars(sa.select(ElectorateEntry.household_id).where(
            ElectorateEntry.decision_id == decision.id))) == {hh[k] for k in ("h1", "h2", "h3", "h4", "h5", "h6")}
        by_hand = {
            "decision_kind": "use_fund", "rule": "use_fund", "threshold": "> 1/2", "dwellings": 5, "without_owner": 1,
            "ballots": 5, "paper_ballots": 1, "total_area": "400.00", "total_heads": 3, "part_area": "400.00",
            "part_heads": 3, "yes_area": "270.00", "no_area": "60.00", "abstain_area": "70.00", "yes_heads": 2,
            "no_heads": 0, "abstain_heads": 1, "quorum_met": True, "majority_met": True, "passes": True,
        }
        stored = fund_plans.tally_dict(charged)
        assert {k: stored[k] for k in by_hand} == by_hand
        assert stored["fractions"]["yes_area"] == {"fraction": "27/40", "percent": "67.50"}
        assert votes.live_tally(decision).as_dict() == votes.stored_tally(decision).as_dict()

        # The plan in voting: electorate h5, h6 (h7 lost); org2's "no" over 90 of 90 m² with an owner.
        open_decision = session.get(Decision, voting.decision_id)
        assert (open_decision.status, open_decision.rule_name) == (DecisionStatus.OPEN, "raise_fund")
        assert open_decision.closes_on == date(2026, 4, 20) and open_decision.outcome is None
        live = fund_plans.tally(voting)
        assert (live.dwellings, live.without_owner, live.ballots, live.total_heads) == (1, 1, 1, 1)
        assert live.area[VoteChoice.NO] == D("90.00") and live.heads[VoteChoice.NO] == 1 and not live.passes
        assert live.threshold == "≥ 3/4"

        gone = session.get(Decision, cancelled.decision_id)
        assert gone.status == DecisionStatus.CANCELLED and gone.outcome is None
        assert session.scalar(sa.select(sa.func.count()).select_from(Ballot).where(Ballot.decision_id == gone.id)) == 1
        session.remove()

        downgrade(revision="0005")
        with _db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT plan_id, household_id, choice FROM ballots ORDER BY id")).all()
            tables = sa.inspect(conn).get_table_names()
        assert [(p, h, c) for p, h, c in rows] == [
            (plans["charged"], hh["h1"], "yes"), (plans["charged"], hh["h2"], "no"), (plans["charged"], hh["h3"], "yes"),
            (plans["charged"], hh["h4"], "abstain"), (plans["charged"], hh["h5"], "yes"),
            (plans["charged"], hh["h7"], "yes"), (plans["voting"], hh["h5"], "no"), (plans["cancelled"], hh["h1"], "yes"),
        ]
        assert "decisions" not in tables and "decision_electorate" not in tables
        _db.engine.dispose()
