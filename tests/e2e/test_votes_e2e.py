"""End to end in headless Chromium at phone width: an owner sees what the plan costs, votes with confirmation and
gets a receipt; the tally's bars and the committee's list of households that have not voted fit 390 px."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from pm.access import SYSTEM, scope_for
from pm.extensions import db
from pm.models import Role
from pm.models.fund import PlanStatus
from pm.services.fund import plans as fund_plans
from pm.services.fund.plans import CONFIRMATIONS
from pm.timeutil import local_today
from tests.e2e.conftest import e2e_app, fresh_page, login, serving
from tests.factories import make_owner, make_person, make_world
from tests.factories.fund import deposit, open_account

pytestmark = pytest.mark.e2e  # the page fixture skips without chromium (and fails on CI)


@pytest.fixture
def voting_server(sqlite_template, tmp_path):
    """The real app on a free localhost port with the two-street world and a plan in voting over compound a1."""
    app = e2e_app(sqlite_template, tmp_path)
    with app.app_context():
        world = make_world()
        make_owner(world.households["a"][1], make_person(name="二号业主", phone="13900000002"))
        for household in world.households["a"][:2]:
            deposit(open_account(household, 500_000), 500_000, date(2025, 3, 1))
        actor = world.users[Role.COMMUNITY_WORKER]
        plan = fund_plans.create_plan(
            world.compounds["a"][0], actor=actor, scope=scope_for(actor), title="更换二次供水水泵",
            shared_part="二次供水", reason="水泵损坏", budget_fen=12_345_67,
            confirmations={c: True for c in CONFIRMATIONS})
        plan.status = PlanStatus.VOTING
        fund_plans.open_vote(plan, actor=actor, scope=SYSTEM, opens_on=local_today(),
                             closes_on=local_today() + timedelta(days=7))
        db.session.commit()
        plan_id = plan.id
        db.session.remove()
    with serving(app) as base:
        yield base, plan_id


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_owner_votes_with_confirmation_and_receipt(voting_server, page, tmp_path):
    """Vote page → 同意 → confirmation (nothing recorded yet) → 确认投票 → receipt, then the tally and the
    committee's list of households that have not voted: every page fits 390 px."""
    base, plan_id = voting_server
    login(page, base, "owner")
    page.goto(f"{base}/plans/{plan_id}/vote")
    assert page.locator("[data-field=my_share]").first.is_visible() and _fits(page)
    page.screenshot(path=str(tmp_path / "vote.png"), full_page=True)
    page.get_by_role("button", name="同意").click()
    page.wait_for_selector("#confirm")
    assert page.locator("[data-field=choice]").inner_text() == "同意" and _fits(page)
    page.screenshot(path=str(tmp_path / "confirm.png"), full_page=True)
    page.get_by_role("button", name="确认投票").click()
    page.wait_for_selector("#receipt")
    number = page.locator("[data-field=receipt_no]").inner_text()
    assert number.startswith("1-") and _fits(page)
    page.screenshot(path=str(tmp_path / "receipt.png"), full_page=True)
    page.goto(f"{base}/plans/{plan_id}/vote")
    assert number in page.content()
    page.goto(f"{base}/plans/{plan_id}/tally")
    assert page.locator("[data-bar=part_heads] svg").is_visible() and _fits(page)
    page.screenshot(path=str(tmp_path / "tally.png"), full_page=True)
    # The same pages in English still fit.
    page.click(".navbar-toggler")
    page.wait_for_selector("#nav.show")
    page.click("#nav button[lang=en]")
    page.wait_for_load_state()
    page.goto(f"{base}/plans/{plan_id}/tally")
    assert "Voting in progress" in page.content() and _fits(page)
    page.screenshot(path=str(tmp_path / "tally-en.png"), full_page=True)
    page.goto(f"{base}/plans/{plan_id}/vote")
    assert "What your household pays" in page.content() and _fits(page)
    page.screenshot(path=str(tmp_path / "vote-en.png"), full_page=True)
    # The committee's door-to-door list shows the other owner's phone as a link and fits 390 px.
    page = fresh_page(page)  # the committee member's phone (a new browser context, see fresh_page)
    login(page, base, "committee")
    page.goto(f"{base}/plans/{plan_id}/unvoted")
    assert page.locator("a[href='tel:13900000002']").is_visible() and _fits(page)
    assert "1号楼1单元101" not in page.locator("#unvoted").inner_text()
    page.screenshot(path=str(tmp_path / "unvoted.png"), full_page=True)
    page.goto(f"{base}/plans/{plan_id}")
    assert _fits(page)
    page.screenshot(path=str(tmp_path / "plan.png"), full_page=True)
