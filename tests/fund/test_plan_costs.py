"""每户分摊: what a plan costs one household, before voting — the same split that charging uses, scoped to the
household's owners — on the pages and in the API."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from pm.access import SYSTEM, scope_for
from pm.models import Role
from pm.models.fund import PlanShare, PlanStatus
from pm.services.fund import plans as fund_plans
from pm.services.fund.plans import CONFIRMATIONS
from pm.timeutil import local_today
from tests.asserts import assert_error
from tests.factories import make_owner, make_person
from tests.factories.fund import deposit, open_account

V1 = "/api/v1"


def _plan(world, db, budget_fen=1_000_01, *, vote=True):
    """A plan over compound a1 (101 of 65.50 m² owned by the world's owner, 102 of 80.25 m² by another owner),
    both with a fund account (101: 500.00 yuan, 102: 10,000.00 yuan); voting open unless vote=False."""
    h1, h2 = world.households["a"][0], world.households["a"][1]
    h2.area_m2 = Decimal("80.25")
    make_owner(h2, make_person(name="二号业主", phone="13900000002"))
    deposit(open_account(h1, 50_000), 50_000, date(2025, 3, 1))
    deposit(open_account(h2, 1_000_000), 1_000_000, date(2025, 3, 1))
    actor = world.users[Role.COMMUNITY_WORKER]
    plan = fund_plans.create_plan(
        world.compounds["a"][0], actor=actor, scope=scope_for(actor), title="更换水泵", shared_part="二次供水",
        reason="水泵损坏", budget_fen=budget_fen, confirmations={c: True for c in CONFIRMATIONS})
    if vote:
        plan.status = PlanStatus.VOTING
        fund_plans.open_vote(plan, actor=actor, scope=SYSTEM, opens_on=local_today() - timedelta(days=1),
                             closes_on=local_today() + timedelta(days=5))
    db.session.commit()
    return plan


def test_budget_share_is_what_is_charged_later(world, db):
    """Before voting, the owner's share of the budget is the largest-remainder part of 1,000.01 yuan by area
    (65.50 : 80.25); charging the same actual cost later takes exactly that many fen from the account."""
    plan = _plan(world, db, vote=False)
    owner = world.users[Role.OWNER]
    [cost] = fund_plans.my_costs(plan, owner, scope_for(owner))
    # Each part is floor(100001 × area / 145.75); the fen left over goes to the larger remainder.
    exact = [Decimal(100001) * Decimal("65.50") / Decimal("145.75"), Decimal(100001) * Decimal("80.25") / Decimal("145.75")]
    floors = [int(x) for x in exact]
    left = 100001 - sum(floors)
    expected_101 = floors[0] + (1 if left and (exact[0] - floors[0]) > (exact[1] - floors[1]) else 0)
    assert cost.basis == "budget" and cost.household.id == world.households["a"][0].id
    assert cost.share_fen == expected_101 and cost.balance_fen == 50_000 and cost.shortfall_fen == 0
    plan.status, plan.actual_cost_fen = PlanStatus.PAYMENT_APPROVED, plan.budget_fen
    fund_plans.charge(plan, actor=world.users[Role.COUNTY_ADMIN])
    db.session.commit()
    shares = {s.household_id: s.share_fen for s in db.session.query(PlanShare)}
    assert shares[cost.household.id] == cost.share_fen and sum(shares.values()) == 100001
    plan.status = PlanStatus.CHARGED
    [charged] = fund_plans.my_costs(plan, owner, scope_for(owner))
    assert charged.basis == "charged" and charged.share_fen == cost.share_fen == charged.charged_fen


def test_shortfall_when_the_balance_does_not_cover(world, db):
    """A share above the balance shows what the fund pays and what the owner pays in, to the fen."""
    plan = _plan(world, db, budget_fen=200_000_00, vote=False)
    owner = world.users[Role.OWNER]
    [cost] = fund_plans.my_costs(plan, owner, scope_for(owner))
    assert cost.charged_fen == 50_000 and cost.shortfall_fen == cost.share_fen - 50_000 > 0


def test_an_owner_sees_only_their_own_households_share(world, db):
    """household_costs leaves out households the user may not see (another owner's) and ones outside the plan."""
    plan = _plan(world, db)
    owner = world.users[Role.OWNER]
    h1, h2 = world.households["a"][0], world.households["a"][1]
    assert [c.household.id for c in fund_plans.household_costs(plan, [h1, h2], scope_for(owner))] == [h1.id]
    committee = world.users[Role.COMMITTEE_MEMBER]
    assert len(fund_plans.household_costs(plan, [h1, h2], scope_for(committee))) == 2
    outside = world.households["a"][2]  # compound a2, not in the plan
    assert fund_plans.household_costs(plan, [outside], scope_for(world.users[Role.COUNTY_ADMIN])) == []
    assert fund_plans.my_costs(plan, committee, scope_for(committee)) == []


def test_plan_and_vote_pages_show_my_share_and_documents(world, db, client, auth):
    """The owner's plan page and vote page show the share (yuan) before voting; officials see no 'my share'."""
    plan = _plan(world, db)
    owner = world.users[Role.OWNER]
    [cost] = fund_plans.my_costs(plan, owner, scope_for(owner))
    auth.login("owner")
    for url in (f"/plans/{plan.id}", f"/plans/{plan.id}/vote"):
        html = client.get(url).get_data(as_text=True)
        assert f'data-field="my_share">{cost.share_fen // 100}.{cost.share_fen % 100:02d}<' in html
        assert "预计分摊" in html and "足够支付" in html and "暂无材料" in html
    auth.logout()
    auth.login("committee")
    assert 'data-field="my_share"' not in client.get(f"/plans/{plan.id}").get_data(as_text=True)


def test_api_gives_my_costs_and_a_households_cost_in_scope(world, db, api):
    """GET /plans/<id> carries my_costs; /households/<id>/cost answers the owner for their own dwelling only
    (another's is a 404) and officials for any dwelling of the plan in scope."""
    plan = _plan(world, db)
    h1, h2 = world.households["a"][0], world.households["a"][1]
    owner = api(world.users[Role.OWNER])
    body = owner.get(f"{V1}/plans/{plan.id}").get_json()
    [mine] = body["my_costs"]
    assert mine["household_id"] == h1.id and mine["basis"] == "budget" and mine["area_m2"] == "65.50"
    assert owner.get(f"{V1}/plans/{plan.id}/households/{h1.id}/cost").get_json()["share_fen"] == mine["share_fen"]
    assert_error(owner.get(f"{V1}/plans/{plan.id}/households/{h2.id}/cost"), 404)
    committee = api(world.users[Role.COMMITTEE_MEMBER])
    other = committee.get(f"{V1}/plans/{plan.id}/households/{h2.id}/cost").get_json()
    assert other["share_fen"] + mine["share_fen"] == 1_000_01
    assert committee.get(f"{V1}/plans/{plan.id}").get_json()["my_costs"] == []
    county = api(world.users[Role.COUNTY_ADMIN])
    assert_error(county.get(f"{V1}/plans/{plan.id}/households/{world.households['a'][2].id}/cost"), 404,
                 "household_id")


@pytest.mark.parametrize("status", [PlanStatus.CANCELLED, PlanStatus.REJECTED])
def test_a_withdrawn_plan_costs_nothing(world, db, status):
    """A cancelled or rejected plan shows no share."""
    plan = _plan(world, db, vote=False)
    plan.status = status
    owner = world.users[Role.OWNER]
    assert fund_plans.my_costs(plan, owner, scope_for(owner)) == []


@pytest.mark.parametrize("charged", [False, True])
def test_share_table_shows_an_owner_only_their_own_lines(world, db, api, charged):
    """The apportionment table (preview once settled, shares once charged): an owner gets the plan's totals and
    only their own dwelling's line; the committee gets every line."""
    plan = _plan(world, db, vote=False)
    plan.status, plan.actual_cost_fen = PlanStatus.PAYMENT_APPROVED, 2_000_00
    if charged:
        fund_plans.charge(plan, actor=world.users[Role.COUNTY_ADMIN])
        plan.status = PlanStatus.CHARGED
    db.session.commit()
    mine = api(world.users[Role.OWNER]).get(f"{V1}/plans/{plan.id}/shares").get_json()
    assert [i["household_id"] for i in mine["items"]] == [world.households["a"][0].id]
    assert mine["total"] == 1 and mine["total_fen"] == 2_000_00
    every = api(world.users[Role.COMMITTEE_MEMBER]).get(f"{V1}/plans/{plan.id}/shares").get_json()
    assert every["total"] == 2 and sum(i["share_fen"] for i in every["items"]) == 2_000_00
