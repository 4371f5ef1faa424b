"""Dashboards show each role what to do next."""
import pytest

from pm.models import PlanScope, PlanStatus, UsePlan
from tests.factories import make_world

# The dashboard's figures are SQL counts and sums over the scope: both backends.
pytestmark = pytest.mark.postgres


def _plan_in_voting(db, compound):
    from pm.access import SYSTEM
    from pm.services.fund import plans as fund_plans
    from pm.timeutil import local_today

    plan = UsePlan(compound_id=compound.id, title="屋面防水翻修", shared_part="屋面", reason="漏水", budget_fen=100_000,
                   status=PlanStatus.VOTING)
    plan.scopes = [PlanScope()]
    db.session.add(plan)
    db.session.flush()
    fund_plans.open_vote(plan, actor=None, scope=SYSTEM, opens_on=local_today(), closes_on=local_today())
    db.session.commit()
    return plan


def test_owner_is_asked_to_vote_until_voted(client, auth, db):
    """An owner whose dwelling has not voted on a plan in voting sees a vote button; after voting it is gone."""
    from pm.models import Ballot, VoteChoice

    w = make_world()
    plan = _plan_in_voting(db, w.compounds["a"][0])
    auth.login("owner")
    html = client.get("/dashboard").get_data(as_text=True)
    assert "请投票" in html and f"/plans/{plan.id}/vote" in html
    owner = w.persons["a"]["owner"]
    db.session.add(Ballot(decision_id=plan.decision_id, household_id=w.households["a"][0].id, person_id=owner.id,
                          choice=VoteChoice.YES))
    db.session.commit()
    assert "请投票" not in client.get("/dashboard").get_data(as_text=True)


def test_resident_is_not_asked_to_vote(client, auth, db):
    """A tenant (not an owner) is never asked to vote, but can file a repair."""
    w = make_world()
    _plan_in_voting(db, w.compounds["a"][0])
    auth.login("resident")
    html = client.get("/dashboard").get_data(as_text=True)
    assert "请投票" not in html and "我要报修" in html


def test_foreign_plan_not_shown(client, auth, db):
    """A plan in another compound never appears on an owner's dashboard."""
    w = make_world()
    _plan_in_voting(db, w.compounds["b"][0])
    auth.login("owner")
    assert "请投票" not in client.get("/dashboard").get_data(as_text=True)


def test_owner_with_low_balance_is_told_to_top_up(client, auth, db):
    """An owner whose account is below 30% of the first deposit sees the top-up notice (in both languages)."""
    from pm.models import EntryKind
    from pm.services.fund import ledger

    w = make_world()
    account = ledger.get_or_open_subaccount(w.households["a"][0], due_fen=10_000)
    ledger.post(account, EntryKind.FIRST_DEPOSIT, 2_999, actor=None, source_type="manual")
    db.session.commit()
    auth.login("owner")
    assert "百分之三十" in client.get("/dashboard").get_data(as_text=True)
    client.post("/auth/lang/en", data={"next": "/dashboard"})
    assert "30 percent" in client.get("/dashboard").get_data(as_text=True)


def test_charts_outside_the_home_page_are_styled(client, auth, db):
    """A page with a server-side SVG chart other than the home page (the coverage page) loads a stylesheet that
    styles the chart's classes (the CSP forbids inline style; unstyled, bars are black and labels overflow)."""
    import re

    make_world()
    auth.login("county")
    page = client.get("/governance/coverage").get_data(as_text=True)
    assert 'class="pm-chart"' in page
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    css = ""
    for href in sheets:
        if href.startswith("/static/"):
            resp = client.get(href.split("?")[0])
            css += resp.get_data(as_text=True)
            resp.close()  # a file response: close it
    assert ".pm-chart .bar" in css and ".pm-chart {" in css
