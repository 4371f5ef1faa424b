"""使用方案 REST API: create, read, transitions (checked), ballots, tally and shares; bad input refused."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pm.access import SYSTEM
from pm.models import LedgerEntry, Role
from pm.models.fund import EntryKind, PlanStatus, UsePlan
from pm.models.votes import Ballot
from pm.services.fund import ledger
from pm.services.fund import plans as fund_plans
from pm.timeutil import local_today
from tests.asserts import assert_error, ids

V1 = "/api/v1"
OK = {"not_under_warranty": True, "not_utility_duty": True, "not_caused_damage": True, "not_contract_duty": True}


def _new(client, world, **kw):
    body = {"compound_id": world.compounds["a"][0].id, "title": "屋面防水", "shared_part": "1号楼屋面",
            "reason": "渗漏", "budget_fen": 1_234_56, "contractor": "某公司", **OK, **kw}
    return client.post(f"{V1}/plans", json=body)


def _open_vote(db, plan_id):
    """Put a draft straight to the vote (publicity skipped), as if its publicity had ended."""
    plan = db.session.get(UsePlan, plan_id)
    plan.status = PlanStatus.VOTING
    fund_plans.open_vote(plan, actor=None, scope=SYSTEM, opens_on=local_today(),
                         closes_on=local_today() + timedelta(days=5))
    db.session.commit()


def test_create_list_and_get(world, api, db):
    """A proposer drafts a plan; it is listed and fetched with its scope; owners of the compound see it."""
    client = api(world.users[Role.COMMUNITY_WORKER])
    resp = _new(client, world, scope={"whole": False, "unit_ids": [world.households["a"][0].unit_id]})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    plan = resp.get_json()
    assert plan["status"] == "draft" and plan["budget_fen"] == 123456 and len(plan["scopes"]) == 1
    assert ids(client.get(f"{V1}/plans")) == {plan["id"]}
    assert ids(api(world.users[Role.OWNER]).get(f"{V1}/plans")) == {plan["id"]}
    assert client.get(f"{V1}/plans/{plan['id']}").get_json()["title"] == "屋面防水"


def test_create_bad_input(world, api, db):
    """Fractional fen, unknown fields, foreign compounds and roles without the capability are refused."""
    client = api(world.users[Role.COMMUNITY_WORKER])
    assert_error(_new(client, world, budget_fen=12.5), 422, "budget_fen")
    assert_error(_new(client, world, budget_fen=0), 422, "budget_fen")
    assert_error(_new(client, world, colour="red"), 422, "colour")
    assert_error(_new(client, world, compound_id=world.compounds["b"][0].id), 404, "compound_id")
    assert_error(_new(client, world, scope={"whole": False, "household_ids": [world.households["b"][0].id]}),
                 422, "scope")
    assert_error(_new(api(world.users[Role.STATION_STAFF]), world), 403)
    assert db.session.scalar(select(func.count()).select_from(UsePlan)) == 0


def test_foreign_plan_is_404(world, api, db):
    """A plan of another street is not found for a user of street a."""
    other = api(world.users[Role.COUNTY_ADMIN])
    plan_id = _new(other, world, compound_id=world.compounds["b"][0].id).get_json()["id"]
    assert_error(api(world.users[Role.STREET_OFFICER]).get(f"{V1}/plans/{plan_id}"), 404)


@pytest.mark.postgres
def test_transitions_vote_and_tally(world, api, db):
    """Publicise, open the vote after the publicity days, owners vote once each, the tally is live."""
    client = api(world.users[Role.COMMUNITY_WORKER])
    plan_id = _new(client, world, scope={"whole": False, "household_ids": [world.households["a"][0].id]}).get_json()["id"]
    resp = client.post(f"{V1}/plans/{plan_id}/transitions", json={"to": "publicised"})
    assert resp.status_code == 200 and resp.get_json()["status"] == "publicised"
    assert_error(client.post(f"{V1}/plans/{plan_id}/transitions", json={"to": "voting"}), 409, "to")
    plan = db.session.get(UsePlan, plan_id)
    plan.publicised_on = local_today() - timedelta(days=7)
    db.session.commit()
    assert client.post(f"{V1}/plans/{plan_id}/transitions", json={"to": "voting"}).get_json()["status"] == "voting"
    owner = api(world.users[Role.OWNER])
    hh = world.households["a"][0].id
    resp = owner.post(f"{V1}/plans/{plan_id}/ballots", json={"household_id": hh, "choice": "yes"})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert_error(owner.post(f"{V1}/plans/{plan_id}/ballots", json={"household_id": hh, "choice": "no"}), 409,
                 "household_id")
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 1
    tally = client.get(f"{V1}/plans/{plan_id}/tally").get_json()
    assert tally["yes_heads"] == 1 and tally["quorum_met"] and tally["passes"]
    assert tally["fractions"]["yes_area"]["fraction"] == "1/1"
    resp = client.post(f"{V1}/plans/{plan_id}/transitions", json={"to": "close_vote"})
    assert resp.get_json()["status"] == "passed"


def test_tenant_ballot_refused(world, api, db):
    """A resident cannot vote for the dwelling they rent."""
    client = api(world.users[Role.COMMUNITY_WORKER])
    plan_id = _new(client, world).get_json()["id"]
    _open_vote(db, plan_id)
    resp = api(world.users[Role.RESIDENT]).post(f"{V1}/plans/{plan_id}/ballots",
                                                json={"household_id": world.households["a"][1].id, "choice": "yes"})
    assert_error(resp, 403)


def test_emergency_flow_to_charge_and_shares(world, api, db):
    """Emergency: approver approves, works, settle, payment approved, charged; shares are listed with shortfall."""
    h1, h2 = world.households["a"][0], world.households["a"][1]
    ledger.post(ledger.get_or_open_subaccount(h1), EntryKind.FIRST_DEPOSIT, 100_000, actor=None, source_type="manual")
    ledger.post(ledger.get_or_open_subaccount(h2), EntryKind.FIRST_DEPOSIT, 10, actor=None, source_type="manual")
    db.session.commit()
    worker = api(world.users[Role.COMMUNITY_WORKER])
    county = api(world.users[Role.COUNTY_ADMIN])
    plan_id = _new(worker, world, is_emergency=True, emergency_reason="drains",
                   scope={"whole": False, "unit_ids": [h1.unit_id]}).get_json()["id"]
    go = lambda c, to, **kw: c.post(f"{V1}/plans/{plan_id}/transitions", json={"to": to, **kw})
    assert_error(go(worker, "passed"), 403)
    assert_error(go(county, "charged"), 409, "to")
    assert go(county, "passed").status_code == 200
    assert go(worker, "works_done").status_code == 200
    assert_error(go(worker, "settled", actual_cost_fen=-1), 422, "actual_cost_fen")
    assert go(worker, "settled", actual_cost_fen=1001).status_code == 200
    preview = worker.get(f"{V1}/plans/{plan_id}/shares").get_json()
    assert preview["preview"] and sum(i["share_fen"] for i in preview["items"]) == 1001
    assert go(county, "payment_approved").status_code == 200
    resp = go(county, "charged")
    assert resp.status_code == 200 and resp.get_json()["status"] == "charged"
    shares = worker.get(f"{V1}/plans/{plan_id}/shares").get_json()
    assert not shares["preview"] and shares["total_fen"] == 1001
    assert shares["shortfall_fen"] == sum(i["shortfall_fen"] for i in shares["items"]) > 0
    by_hh = {i["household_id"]: i for i in shares["items"]}
    assert by_hh[h2.id]["charged_fen"] == 10 and Decimal(by_hh[h2.id]["area_m2"]) == Decimal("65.50")
    charged = db.session.scalar(select(func.sum(LedgerEntry.amount_fen)).where(LedgerEntry.source_type == "plan"))
    assert charged == -shares["charged_fen"]


def test_patch_only_draft(world, api, db):
    """A draft can be changed; a publicised plan cannot (409)."""
    client = api(world.users[Role.COMMUNITY_WORKER])
    plan_id = _new(client, world).get_json()["id"]
    resp = client.patch(f"{V1}/plans/{plan_id}", json={"budget_fen": 500, "title": "新标题"})
    assert resp.status_code == 200 and resp.get_json()["budget_fen"] == 500
    client.post(f"{V1}/plans/{plan_id}/transitions", json={"to": "publicised"})
    assert_error(client.patch(f"{V1}/plans/{plan_id}", json={"budget_fen": 600}), 409)
    assert_error(client.post(f"{V1}/plans/{plan_id}/transitions", json={"to": "fly"}), 422, "to")


def test_ballot_for_foreign_or_unowned_household(world, api, db):
    """An owner cannot vote for a household of another street (404) or one they do not own (403)."""
    client = api(world.users[Role.COMMUNITY_WORKER])
    plan_id = _new(client, world).get_json()["id"]
    _open_vote(db, plan_id)
    owner = api(world.users[Role.OWNER])
    assert_error(owner.post(f"{V1}/plans/{plan_id}/ballots",
                            json={"household_id": world.households["b"][0].id, "choice": "yes"}), 404, "household_id")
    committee = api(world.users[Role.COMMITTEE_MEMBER])
    resp = committee.post(f"{V1}/plans/{plan_id}/ballots",
                          json={"household_id": world.households["a"][1].id, "choice": "yes"})
    assert_error(resp, 403)
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0


def test_plan_list_queries_do_not_grow(world, api, db, count_queries):
    """Listing plans costs the same number of queries for 1 plan as for 6 (no N+1)."""
    client = api(world.users[Role.COMMUNITY_WORKER])
    _new(client, world)
    client.get(f"{V1}/plans")
    with count_queries() as one:
        client.get(f"{V1}/plans")
    for _i in range(5):
        _new(client, world, scope={"whole": False, "household_ids": [world.households["a"][0].id]})
    with count_queries() as six:
        assert client.get(f"{V1}/plans").get_json()["total"] == 6
    assert six.count == one.count
