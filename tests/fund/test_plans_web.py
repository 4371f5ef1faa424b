"""使用方案 pages: list, draft form, detail with forms by role, phone voting, paper ballots, documents."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pm.access import SYSTEM, scope_for
from pm.models import Role
from pm.models.fund import EntryKind, PlanDocument, PlanStatus, UsePlan
from pm.models.votes import Ballot
from pm.services.fund import ledger
from pm.services.fund import plans as fund_plans
from pm.services.fund.plans import CONFIRMATIONS
from pm.timeutil import local_today
from tests.factories import make_world
from tests.factories.files import PNG


@pytest.fixture
def world(db):
    return make_world()


def _plan(world, db, *, status=None, emergency=False):
    actor = world.users[Role.COMMUNITY_WORKER]
    plan = fund_plans.create_plan(
        world.compounds["a"][0], actor=actor, scope=scope_for(actor), title="更换水泵", shared_part="二次供水",
        reason="水泵损坏", budget_fen=5_000_00, confirmations={c: True for c in CONFIRMATIONS},
        is_emergency=emergency, emergency_reason="water_pipe_pump" if emergency else None,
    )
    if status == "voting":
        plan.status = PlanStatus.VOTING
        plan.publicised_on = local_today() - timedelta(days=8)
        fund_plans.open_vote(plan, actor=actor, scope=SYSTEM, opens_on=local_today() - timedelta(days=1),
                             closes_on=local_today() + timedelta(days=5))
    db.session.commit()
    return plan.id


def test_index_lists_plans_in_scope(world, client, auth, db):
    """The list shows the compound's plans to its officials and owners, not to another street's users."""
    plan_id = _plan(world, db)
    auth.login("community")
    page = client.get("/plans/").get_data(as_text=True)
    assert "更换水泵" in page and "起草使用方案" in page
    auth.logout()
    auth.login("owner")
    page = client.get("/plans/").get_data(as_text=True)
    assert "更换水泵" in page and "起草使用方案" not in page
    assert client.get(f"/plans/{plan_id}").status_code == 200


def test_draft_form_creates_plan_with_exact_budget(world, client, auth, db):
    """The draft form turns yuan text into exact fen; a bad amount re-shows the form and creates nothing."""
    auth.login("community")
    compound = world.compounds["a"][0]
    assert client.get(f"/plans/new?compound_id={compound.id}").status_code == 200
    data = {"title": "屋面防水", "shared_part": "屋面", "reason": "渗漏", "budget": "1.234",
            "decision_kind": "use_fund", "scope_kind": "whole"}
    resp = client.post(f"/plans/new?compound_id={compound.id}", data=data)
    assert resp.status_code == 400 and db.session.scalar(select(func.count()).select_from(UsePlan)) == 0
    data.update(budget="12,345.60", scope_kind="listed", targets=[f"h:{world.households['a'][0].id}"])
    resp = client.post(f"/plans/new?compound_id={compound.id}", data=data)
    assert resp.status_code == 302
    plan = db.session.scalar(select(UsePlan))
    assert plan.budget_fen == 1_234_560 and plan.scopes[0].household_id == world.households["a"][0].id


def test_foreign_compound_form_is_404(world, client, auth, db):
    """Drafting for another street's compound is not possible."""
    auth.login("community")
    assert client.get(f"/plans/new?compound_id={world.compounds['b'][0].id}").status_code == 404


def test_transition_forms_by_role(world, client, auth, db):
    """The proposer sees 开始公示; the owner sees no transition form; publicising works from the page."""
    plan_id = _plan(world, db)
    auth.login("owner")
    assert 'data-transition="publicised"' not in client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert client.post(f"/plans/{plan_id}/transition", data={"to": "publicised"}).status_code == 302
    assert db.session.get(UsePlan, plan_id).status == PlanStatus.DRAFT
    auth.logout()
    auth.login("community")
    assert 'data-transition="publicised"' in client.get(f"/plans/{plan_id}").get_data(as_text=True)
    client.post(f"/plans/{plan_id}/transition", data={"to": "publicised"})
    assert db.session.get(UsePlan, plan_id).status == PlanStatus.PUBLICISED
    resp = client.post(f"/plans/{plan_id}/transition", data={"to": "voting"}, follow_redirects=True)
    assert "公示期未满" in resp.get_data(as_text=True)


@pytest.mark.postgres
def test_owner_votes_on_phone_once(world, client, auth, db):
    """The owner sees big buttons for their dwelling; choosing asks for confirmation (nothing recorded yet);
    confirming records the ballot and shows its receipt; a second one is refused."""
    plan_id = _plan(world, db, status="voting")
    hh = world.households["a"][0].id
    auth.login("owner")
    page = client.get(f"/plans/{plan_id}/vote").get_data(as_text=True)
    assert "同意" in page and "反对" in page and "弃权" in page
    confirm = client.post(f"/plans/{plan_id}/vote", data={"household_id": hh, "choice": "yes"})
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "请确认您的投票" in html and 'data-field="choice">同意<' in html
    assert "更换水泵" in html and f'action="/plans/{plan_id}/vote/confirm"' in html
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0
    done = client.post(f"/plans/{plan_id}/vote/confirm", data={"household_id": hh, "choice": "yes"})
    ballot = db.session.scalar(select(Ballot))
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/plans/{plan_id}/receipts/{ballot.id}")
    resp = client.post(f"/plans/{plan_id}/vote", data={"household_id": hh, "choice": "no"}, follow_redirects=True)
    assert "只能投一票" in resp.get_data(as_text=True)
    resp = client.post(f"/plans/{plan_id}/vote/confirm", data={"household_id": hh, "choice": "no"},
                       follow_redirects=True)
    assert "只能投一票" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 1
    tally = client.get(f"/plans/{plan_id}/tally").get_data(as_text=True)
    assert 'data-field="yes_heads">1<' in tally


def test_tenant_cannot_vote(world, client, auth, db):
    """A resident/tenant gets no buttons and a posted ballot is refused."""
    plan_id = _plan(world, db, status="voting")
    auth.login("resident")
    assert "不能投票" in client.get(f"/plans/{plan_id}/vote").get_data(as_text=True)
    client.post(f"/plans/{plan_id}/vote", data={"household_id": world.households["a"][1].id, "choice": "yes"})
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0


def test_committee_enters_paper_ballot(world, client, auth, db):
    """The committee enters a paper ballot; it is marked as paper."""
    plan_id = _plan(world, db, status="voting")
    hh, owner = world.households["a"][0].id, world.persons["a"]["owner"].id
    auth.login("committee")
    assert "录入纸质表决票" in client.get(f"/plans/{plan_id}").get_data(as_text=True)
    client.post(f"/plans/{plan_id}/paper-ballots", data={"voter": f"{hh}:{owner}", "choice": "abstain"})
    ballot = db.session.scalar(select(Ballot))
    assert ballot.is_paper and ballot.choice.value == "abstain"


def test_documents_checked_and_scoped(world, client, auth, db):
    """Only PDF/JPEG/PNG by content are stored; the file is served to the compound's owners, not to others."""
    plan_id = _plan(world, db)
    auth.login("community")
    client.post(f"/plans/{plan_id}/documents", data={"file": (io.BytesIO(b"MZ fake exe"), "a.pdf")},
                content_type="multipart/form-data")
    assert db.session.scalar(select(func.count()).select_from(PlanDocument)) == 0
    client.post(f"/plans/{plan_id}/documents", data={"file": (io.BytesIO(PNG), "报价单.png")},
                content_type="multipart/form-data")
    doc = db.session.scalar(select(PlanDocument))
    assert doc.content_type == "image/png" and doc.stored_path.startswith("plans/")
    auth.logout()
    auth.login("owner")
    assert f"/files/plan_document/{doc.id}" in client.get(f"/plans/{plan_id}").get_data(as_text=True)
    resp = client.get(f"/files/plan_document/{doc.id}")
    assert resp.status_code == 200 and resp.data == PNG
    resp.close()
    auth.logout()
    other = world.users[Role.STREET_OFFICER]
    other.street_id = world.streets["b"].id
    db.session.commit()
    auth.login("street")
    assert client.get(f"/files/plan_document/{doc.id}").status_code == 404


def test_emergency_badge_and_charge_page(world, client, auth, db):
    """An emergency plan shows the 应急 badge to owners; after charging the page shows shares and shortfall."""
    h1, h2 = world.households["a"][0], world.households["a"][1]
    ledger.post(ledger.get_or_open_subaccount(h1), EntryKind.FIRST_DEPOSIT, 100_000, actor=None, source_type="manual")
    ledger.post(ledger.get_or_open_subaccount(h2), EntryKind.FIRST_DEPOSIT, 10, actor=None, source_type="manual")
    plan_id = _plan(world, db, emergency=True)
    auth.login("county")
    client.post(f"/plans/{plan_id}/transition", data={"to": "passed"})
    auth.logout()
    auth.login("community")
    client.post(f"/plans/{plan_id}/transition", data={"to": "works_done"})
    client.post(f"/plans/{plan_id}/transition", data={"to": "settled", "actual_cost": "10.01"})
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "分摊预览" in page
    auth.logout()
    auth.login("county")
    client.post(f"/plans/{plan_id}/transition", data={"to": "payment_approved"})
    client.post(f"/plans/{plan_id}/transition", data={"to": "charged"})
    assert db.session.get(UsePlan, plan_id).status == PlanStatus.CHARGED
    auth.logout()
    auth.login("owner")
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "应急" in page and "分摊结果" in page and 'data-field="shortfall_total" class="text-danger">4.90<' in page


def test_approval_needs_fresh_login(world, client, auth, db):
    """Approving a plan from a remembered (not fresh) session is refused like fresh_login_required; nothing changes."""
    plan_id = _plan(world, db, emergency=True)
    auth.login("county")
    with client.session_transaction() as session:
        session["_fresh"] = False
    resp = client.post(f"/plans/{plan_id}/transition", data={"to": "passed"})
    assert resp.status_code == 401
    assert db.session.get(UsePlan, plan_id).status == PlanStatus.DRAFT


def test_timeline_shows_audited_transitions(world, client, auth, db):
    """The detail page lists the plan's audited steps in order (起草, 公示中)."""
    plan_id = _plan(world, db)
    auth.login("community")
    client.post(f"/plans/{plan_id}/transition", data={"to": "publicised"})
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    timeline = page[page.index("办理记录"):]
    assert timeline.index("起草") < timeline.index("公示中")


def test_index_queries_do_not_grow(world, client, auth, db, count_queries):
    """The list page runs the same number of queries for 1 plan as for 6 (no N+1)."""
    _plan(world, db)
    auth.login("community")
    client.get("/plans/")
    with count_queries() as one:
        client.get("/plans/")
    for _i in range(5):
        _plan(world, db)
    with count_queries() as six:
        assert "更换水泵" in client.get("/plans/").get_data(as_text=True)
    assert six.count == one.count


def test_settle_with_bad_amount_changes_nothing(world, client, auth, db):
    """Settling with an amount that is not yuan with ≤ 2 decimals is refused with a message; the plan stays."""
    plan_id = _plan(world, db, emergency=True)
    auth.login("county")
    client.post(f"/plans/{plan_id}/transition", data={"to": "passed"})
    client.post(f"/plans/{plan_id}/transition", data={"to": "works_done"})
    assert db.session.get(UsePlan, plan_id).status == PlanStatus.WORKS_DONE
    resp = client.post(f"/plans/{plan_id}/transition", data={"to": "settled", "actual_cost": "10.001"},
                       follow_redirects=True)
    assert "最多两位小数" in resp.get_data(as_text=True)
    plan = db.session.get(UsePlan, plan_id)
    assert plan.status == PlanStatus.WORKS_DONE and plan.actual_cost_fen is None


def test_new_plan_asks_for_compound_first(world, client, auth, db):
    """A user with several compounds picks one first; only compounds in scope are offered."""
    auth.login("community")
    page = client.get("/plans/new").get_data(as_text=True)
    assert "a小区一" in page and "a小区二" in page and "b小区一" not in page
    auth.logout()
    auth.login("staff")
    assert client.get("/plans/new").status_code == 403
