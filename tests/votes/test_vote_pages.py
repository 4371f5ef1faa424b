"""The owner's vote and the committee's lists on the pages and in the API: confirmation, receipts (scoped), the
tally as bars ("not passed" only once closed, no exact fractions on the page), who has not voted (scoped, with
phones, printable, xlsx) and who entered each paper ballot."""
from __future__ import annotations

import io
import re
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from pm.access import SYSTEM, scope_for
from pm.models import Role, User
from pm.models.fund import PlanStatus, UsePlan
from pm.models.votes import Ballot, ElectorateEntry
from pm.services import votes
from pm.services.fund import plans as fund_plans
from pm.services.fund.plans import CONFIRMATIONS
from pm.services.money import format_fen
from pm.timeutil import local_today
from tests.asserts import assert_error
from tests.factories import make_household, make_owner, make_person, make_resident

V1 = "/api/v1"


def _voting(world, db):
    """A plan of compound a1 in voting: 101 owned by the world's owner, 102 by 二号业主 (phone 13900000002)."""
    make_owner(world.households["a"][1], make_person(name="二号业主", phone="13900000002"))
    actor = world.users[Role.COMMUNITY_WORKER]
    plan = fund_plans.create_plan(
        world.compounds["a"][0], actor=actor, scope=scope_for(actor), title="更换水泵", shared_part="二次供水",
        reason="水泵损坏", budget_fen=5_000_00, confirmations={c: True for c in CONFIRMATIONS})
    plan.status = PlanStatus.VOTING
    fund_plans.open_vote(plan, actor=actor, scope=SYSTEM, opens_on=local_today() - timedelta(days=1),
                         closes_on=local_today() + timedelta(days=5))
    db.session.commit()
    return plan.id


def _vote(client, plan_id, household_id, choice="yes"):
    client.post(f"/plans/{plan_id}/vote", data={"household_id": household_id, "choice": choice})
    return client.post(f"/plans/{plan_id}/vote/confirm", data={"household_id": household_id, "choice": choice})


def test_receipt_can_be_opened_again(world, db, client, auth):
    """After confirming, the receipt shows time, plan, dwelling, choice and number; the vote page links to it."""
    plan_id = _voting(world, db)
    auth.login("owner")
    resp = _vote(client, plan_id, world.households["a"][0].id, "no")
    ballot = db.session.scalar(select(Ballot))
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    number = votes.receipt_number(ballot)
    assert re.fullmatch(rf"{ballot.decision_id}-{ballot.id:06d}-[0-9A-F]{{6}}", number)
    assert f'data-field="receipt_no">{number}<' in html and 'data-field="choice">反对<' in html
    assert "更换水泵" in html and "1号楼1单元101" in html and 'data-field="cast_at">20' in html
    page = client.get(f"/plans/{plan_id}/vote").get_data(as_text=True)
    assert f"/plans/{plan_id}/receipts/{ballot.id}" in page and number in page
    assert client.get(f"/plans/{plan_id}/receipts/{ballot.id}").status_code == 200


def test_receipt_is_the_voters_only(world, db, client, auth):
    """Another owner, a tenant of the dwelling and another street's official get a 404 for the receipt."""
    plan_id = _voting(world, db)
    auth.login("owner")
    _vote(client, plan_id, world.households["a"][0].id)
    ballot_id = db.session.scalar(select(Ballot.id))
    auth.logout()
    make_resident(world.households["a"][0], world.persons["a"]["tenant"])  # the tenant lives in 101 too
    db.session.commit()
    auth.login("resident")
    assert client.get(f"/plans/{plan_id}/receipts/{ballot_id}").status_code == 404
    auth.logout()
    auth.login("committee")
    assert client.get(f"/plans/{plan_id}/receipts/{ballot_id}").status_code == 200
    other_plan = _other_plan(world, db)
    assert client.get(f"/plans/{other_plan}/receipts/{ballot_id}").status_code == 404


def _other_plan(world, db):
    actor = world.users[Role.COMMUNITY_WORKER]
    plan = fund_plans.create_plan(
        world.compounds["a"][0], actor=actor, scope=scope_for(actor), title="屋面", shared_part="屋面",
        reason="漏", budget_fen=100, confirmations={c: True for c in CONFIRMATIONS})
    plan.status = PlanStatus.VOTING
    fund_plans.open_vote(plan, actor=actor, scope=SYSTEM, opens_on=local_today(), closes_on=local_today())
    db.session.commit()
    return plan.id


def test_confirmation_is_for_my_own_dwelling_only(world, db, client, auth):
    """Choosing for someone else's dwelling shows no confirmation and records nothing; confirming it is refused."""
    plan_id = _voting(world, db)
    other = world.households["a"][1].id
    auth.login("owner")
    resp = client.post(f"/plans/{plan_id}/vote", data={"household_id": other, "choice": "yes"}, follow_redirects=True)
    assert "请确认您的投票" not in resp.get_data(as_text=True) and "只有该户的现业主可以投票" in resp.get_data(as_text=True)
    client.post(f"/plans/{plan_id}/vote/confirm", data={"household_id": other, "choice": "yes"})
    assert db.session.scalar(select(Ballot.id)) is None


def test_tally_is_bars_with_percentages_and_not_passed_only_when_closed(world, db, client, auth):
    """While voting: bars, percentages and 'needs X more', no 'n/d' fractions and no '未通过'; once closed with
    too few votes the page says so."""
    plan_id = _voting(world, db)
    auth.login("owner")
    _vote(client, plan_id, world.households["a"][0].id, "no")
    auth.logout()
    auth.login("community")
    html = client.get(f"/plans/{plan_id}/tally").get_data(as_text=True)
    assert 'data-bar="part_area"' in html and "<svg" in html and 'data-field="part_heads_percent">50.00%<' in html
    assert 'data-field="part_heads_need">还需 1 人参与表决<' in html and "表决进行中" in html
    assert 'data-field="yes_heads_unreachable">（未投票的业主全部同意也不够）<' in html
    assert "未通过" not in html and not re.search(r">\d+/\d+", html) and "style=" not in html
    plan = db.session.get(UsePlan, plan_id)
    plan.vote_closes_on = local_today() - timedelta(days=1)
    decision = fund_plans.decision_of(plan)
    decision.closes_on = decision.opens_on = local_today() - timedelta(days=1)
    db.session.commit()
    client.post(f"/plans/{plan_id}/transition", data={"to": "close_vote"})
    assert db.session.get(UsePlan, plan_id).status == PlanStatus.REJECTED
    html = client.get(f"/plans/{plan_id}/tally").get_data(as_text=True)
    assert 'data-field="outcome"' in html and "参与表决未达法定比例" in html and "表决进行中" not in html


def test_tally_xlsx_keeps_exact_fractions(world, db, client, auth):
    """The tally spreadsheet has the exact fractions the page leaves out."""
    plan_id = _voting(world, db)
    auth.login("owner")
    _vote(client, plan_id, world.households["a"][0].id, "yes")
    resp = client.get(f"/plans/{plan_id}/tally?format=xlsx")
    sheet = load_workbook(io.BytesIO(resp.data)).active
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "1/2" in cells and "1/1" in cells


def test_unvoted_list_for_the_committee(world, db, client, auth):
    """The committee sees the dwellings without a ballot, in door order, with owners and phones; printable and
    as xlsx; an owner may not see it."""
    plan_id = _voting(world, db)
    auth.login("owner")
    _vote(client, plan_id, world.households["a"][0].id)
    assert client.get(f"/plans/{plan_id}/unvoted").status_code == 403
    auth.logout()
    auth.login("committee")
    html = client.get(f"/plans/{plan_id}/unvoted").get_data(as_text=True)
    assert "1号楼1单元102" in html and "二号业主" in html and 'href="tel:13900000002"' in html
    assert "1号楼1单元101" not in html and 'id="print-page"' in html
    sheet = load_workbook(io.BytesIO(client.get(f"/plans/{plan_id}/unvoted?format=xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert ("1号楼", "1单元", "102", "65.50", "二号业主", "13900000002") in rows and len(rows) == 3
    assert f"/plans/{plan_id}/unvoted" in client.get(f"/plans/{plan_id}").get_data(as_text=True)


def test_paper_ballot_list_names_who_entered_it(world, db, client, auth):
    """Each paper ballot is listed with the entering account and the time."""
    plan_id = _voting(world, db)
    hh = world.households["a"][1]
    auth.login("committee")
    voters = fund_plans.paper_ballot_voters(db.session.get(UsePlan, plan_id), SYSTEM)
    h, p = next((h, p) for h, p in voters if h.id == hh.id)
    resp = client.post(f"/plans/{plan_id}/paper-ballots", data={"voter": f"{h.id}:{p.id}", "choice": "yes"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/plans/{plan_id}/paper-ballots")
    html = client.get(f"/plans/{plan_id}/paper-ballots").get_data(as_text=True)
    committee = world.users[Role.COMMITTEE_MEMBER]
    assert "1号楼1单元102 · 二号业主" in html and f"({committee.username})" in html and "录入：" in html


def test_api_receipt_my_vote_unvoted_and_paper_list(world, db, api):
    """The API gives the receipt number when casting, the receipt (the voter's only), my-vote with the cost, and
    the committee's lists; an owner may not read the lists."""
    plan_id = _voting(world, db)
    owner = api(world.users[Role.OWNER])
    hh = world.households["a"][0].id
    before = owner.get(f"{V1}/plans/{plan_id}/my-vote").get_json()
    assert before["voting"] and before["dwellings"][0]["receipt"] is None
    assert before["dwellings"][0]["cost"]["basis"] == "budget"
    cast = owner.post(f"{V1}/plans/{plan_id}/ballots", json={"household_id": hh, "choice": "yes"}).get_json()
    receipt = owner.get(f"{V1}/plans/{plan_id}/ballots/{cast['id']}").get_json()
    assert receipt["receipt_no"] == cast["receipt_no"] and receipt["household"] == "1号楼1单元101"
    assert receipt["choice"] == "yes" and receipt["plan_id"] == plan_id
    after = owner.get(f"{V1}/plans/{plan_id}/my-vote").get_json()
    assert after["dwellings"][0]["receipt"]["receipt_no"] == cast["receipt_no"]
    assert_error(owner.get(f"{V1}/plans/{plan_id}/unvoted"), 403)
    assert_error(owner.get(f"{V1}/plans/{plan_id}/paper-ballots"), 403)
    committee = api(world.users[Role.COMMITTEE_MEMBER])
    unvoted = committee.get(f"{V1}/plans/{plan_id}/unvoted").get_json()
    assert unvoted["total"] == 1 and unvoted["items"][0]["owners"][0]["phone"] == "13900000002"
    tenant = api(world.users[Role.RESIDENT])
    assert_error(tenant.get(f"{V1}/plans/{plan_id}/ballots/{cast['id']}"), 404)
    assert committee.get(f"{V1}/plans/{plan_id}/paper-ballots").get_json() == {
        "plan_id": plan_id, "total": 0, "items": [], "page": 1, "per_page": 50}


def test_english_vote_pages(world, db, client, auth):
    """The confirmation, receipt and tally read in English when English is chosen."""
    plan_id = _voting(world, db)
    auth.login("owner")
    client.post("/auth/lang/en", data={"next": "/"})
    html = client.post(f"/plans/{plan_id}/vote", data={"household_id": world.households["a"][0].id,
                                                        "choice": "yes"}).get_data(as_text=True)
    assert "Please confirm your vote" in html and "Confirm" in html
    resp = client.post(f"/plans/{plan_id}/vote/confirm", data={"household_id": world.households["a"][0].id,
                                                               "choice": "yes"})
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Receipt" in html and "回执" not in html
    html = client.get(f"/plans/{plan_id}/tally").get_data(as_text=True)
    assert "Voting in progress" in html and "表决进行中" not in html
    assert ">1 more owner needs to vote<" in html and "Live count: 更换水泵" in html


def test_demo_owner_sees_the_cost_and_votes_with_confirmation(demo_db, client, auth):
    """In the demo county the owner's open plan shows their share in yuan, and the vote goes through the
    confirmation to a receipt."""
    owner = demo_db.session.scalar(select(User).where(User.username == "owner"))
    plan = demo_db.session.scalar(scope_for(owner).select(UsePlan).where(UsePlan.status == PlanStatus.VOTING))
    [cost] = fund_plans.my_costs(plan, owner, scope_for(owner))[:1]
    assert cost.has_account and cost.share_fen > 0
    auth.login("owner", "owner-demo-2026")
    html = client.get(f"/plans/{plan.id}/vote").get_data(as_text=True)
    assert f'data-field="my_share">{format_fen(cost.share_fen)}<' in html
    resp = _vote(client, plan.id, cost.household.id, "abstain")
    assert "/receipts/" in resp.headers["Location"]
    assert 'data-field="choice">弃权<' in client.get(resp.headers["Location"]).get_data(as_text=True)


def test_vote_page_before_voting_shows_the_cost_and_says_voting_has_not_started(world, db, client, auth):
    """A publicised plan: the owner's vote page shows the share but no buttons, and says it is not in voting."""
    make_owner(world.households["a"][1], make_person(name="二号业主"))
    actor = world.users[Role.COMMUNITY_WORKER]
    plan = fund_plans.create_plan(
        world.compounds["a"][0], actor=actor, scope=scope_for(actor), title="更换水泵", shared_part="二次供水",
        reason="水泵损坏", budget_fen=5_000_00, confirmations={c: True for c in CONFIRMATIONS})
    plan.status = PlanStatus.PUBLICISED
    db.session.commit()
    auth.login("owner")
    html = client.get(f"/plans/{plan.id}/vote").get_data(as_text=True)
    assert "该方案不在表决期" in html and "不能投票" not in html and 'name="choice"' not in html
    assert 'data-cost="%d"' % world.households["a"][0].id in html


def test_committee_lists_take_the_same_queries_for_more_households(world, db, client, auth, count_queries):
    """The unvoted list and the paper-ballot list run as many queries for 2 dwellings as for 12 (no N+1)."""
    plan_id = _voting(world, db)
    auth.login("committee")
    urls = (f"/plans/{plan_id}/unvoted", f"/plans/{plan_id}/paper-ballots")
    for url in urls:
        client.get(url)
    small = []
    for url in urls:
        with count_queries() as q:
            client.get(url)
        small.append(q.count)
    plan = db.session.get(UsePlan, plan_id)
    unit = world.households["a"][0].unit
    added = [make_household(unit, room_no=str(201 + i)) for i in range(10)]
    for h in added:
        make_owner(h, make_person())
    db.session.flush()
    decision = fund_plans.decision_of(plan)
    db.session.add_all([ElectorateEntry(decision_id=decision.id, household_id=h.id) for h in added])
    db.session.commit()
    voters = {h.id: p for h, p in fund_plans.paper_ballot_voters(plan, SYSTEM)}
    for h in added[:5]:
        client.post(f"/plans/{plan_id}/paper-ballots", data={"voter": f"{h.id}:{voters[h.id].id}", "choice": "yes"})
    large = []
    for url in urls:
        with count_queries() as q:
            html = client.get(url).get_data(as_text=True)
        large.append(q.count)
    assert html.count("data-ballot=") == 5 and large == small
