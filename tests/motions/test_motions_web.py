"""Motion pages: filing (scoped), the cost table with a clear error for a coefficient not positive (nothing
changed), the owner's vote (confirm → receipt, own dwelling only, one ballot), bars with no raw fractions, the
consent statement, paper ballots with who entered them, who has not voted, the home-page card, fixed queries."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from pm.models import Role
from pm.models.motions import Motion, MotionCoefficient, MotionPolicy
from pm.models.votes import Ballot
from pm.services import motions
from pm.services.money import format_fen
from tests.factories import PASSWORD
from tests.factories.motions import elevator_motion, live_elevator_motion, owners_unit, set_policy

FRACTION = re.compile(r"\b\d+/\d+\b")


def _vote(client, motion_id, household_id, choice="yes"):
    client.post(f"/motions/{motion_id}/vote", data={"household_id": household_id, "choice": choice})
    return client.post(f"/motions/{motion_id}/vote/confirm", data={"household_id": household_id, "choice": choice})


def test_committee_files_an_elevator_motion_and_fills_the_cost_table(world, db, client, auth):
    unit, _flats = owners_unit(world)
    db.session.commit()
    auth.login("committee")
    compound = world.compounds["a"][0]
    assert client.get(f"/motions/new?compound_id={compound.id}").status_code == 200
    resp = client.post("/motions/new", data={"compound_id": compound.id, "kind": "elevator", "title": "加装电梯",
                                             "body": "一单元", "unit_id": unit.id})
    assert resp.status_code == 302
    motion = db.session.scalar(select(Motion))
    assert motion.unit_id == unit.id
    bad = client.post(f"/motions/{motion.id}/costs", data={"total": "3000", "coef_1": "0", "coef_2": "1",
                                                          "coef_3": "1"})
    assert bad.status_code == 400
    assert "第 1 层的系数必须是正数" in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(MotionCoefficient)) == 0
    ok = client.post(f"/motions/{motion.id}/costs", data={"total": "3000", "coef_1": "0.5", "coef_2": "1",
                                                         "coef_3": "1.5"})
    assert ok.status_code == 302
    page = client.get(f"/motions/{motion.id}").get_data(as_text=True)
    assert 'id="cost-table"' in page and page.count('data-field="share"') == 6


def test_filing_outside_the_scope_is_refused(world, db, client, auth):
    auth.login("committee")
    resp = client.post("/motions/new", data={"compound_id": world.compounds["b"][0].id, "kind": "ordinary",
                                             "title": "t", "body": "b"})
    assert resp.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Motion)) == 0
    auth.logout()
    auth.login("owner")
    assert client.get("/motions/new").status_code == 403


def test_owner_sees_their_part_votes_once_and_gets_a_receipt(world, db, client, auth):
    unit, flats = owners_unit(world)
    motion = live_elevator_motion(world, unit)
    hh, owner = flats[4]  # floor 3
    client.post("/auth/login", data={"username": owner.username, "password": PASSWORD})
    home = client.get("/dashboard").get_data(as_text=True)
    assert "motions_due" in home and "/motions/?due=1" in home
    due = client.get("/motions/?due=1").get_data(as_text=True)
    assert due.count("data-motion=") == 1
    page = client.get(f"/motions/{motion.id}/vote").get_data(as_text=True)
    share = next(r.share_fen for r in motions.cost_table(motion) if r.household.id == hh.id)
    assert share in (83_333, 83_334)  # 300000 fen × 1.5 / 5.4
    assert "您家分摊" in page and format_fen(share) in page
    confirm = client.post(f"/motions/{motion.id}/vote", data={"household_id": hh.id, "choice": "yes"})
    assert 'id="confirm"' in confirm.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0  # nothing before confirming
    done = client.post(f"/motions/{motion.id}/vote/confirm", data={"household_id": hh.id, "choice": "yes"})
    assert done.status_code == 302 and "/receipts/" in done.headers["Location"]
    receipt = client.get(done.headers["Location"]).get_data(as_text=True)
    assert 'data-field="receipt_no"' in receipt
    again = _vote(client, motion.id, hh.id, "no")
    assert again.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 1
    # another owner's dwelling: refused, nothing recorded
    _vote(client, motion.id, flats[0][0].id)
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 1


def test_bars_without_raw_fractions_and_consent_stated(world, db, client, auth):
    set_policy(world.county, affected_consent=True)
    unit, flats = owners_unit(world)
    motion = live_elevator_motion(world, unit, affected=[flats[0][0], flats[1][0]])
    auth.login("committee")
    committee = world.users[Role.COMMITTEE_MEMBER]
    for hh, owner in flats:
        choice = "no" if hh.id == flats[0][0].id else "yes"
        resp = client.post(f"/motions/{motion.id}/paper-ballots",
                           data={"voter": f"{hh.id}:{owner.person_id}", "choice": choice})
        assert resp.status_code == 302
    paper = client.get(f"/motions/{motion.id}/paper-ballots").get_data(as_text=True)
    assert paper.count("data-ballot=") == 6 and committee.username in paper
    page = client.get(f"/motions/{motion.id}").get_data(as_text=True)
    assert 'data-bar="part_area"' in page and 'data-bar="yes_heads"' in page
    assert 'data-field="consent_missing"' in page
    body = page.split('<main', 1)[-1]
    assert not FRACTION.search(re.sub(r"<[^>]+>", " ", body)), "no raw fractions on the page"
    tally = client.get(f"/api/v1/motions/{motion.id}/tally")  # the page's session is not an API token
    assert tally.status_code == 401
    xlsx = client.get(f"/motions/{motion.id}/tally?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_unvoted_list_for_the_committee_only(world, db, client, auth):
    unit, flats = owners_unit(world)
    motion = live_elevator_motion(world, unit)
    auth.login("committee")
    page = client.get(f"/motions/{motion.id}/unvoted").get_data(as_text=True)
    assert 'data-field="unvoted_count"' in page and page.count("data-household=") == 6
    auth.logout()
    auth.login("staff")
    assert client.get(f"/motions/{motion.id}/unvoted").status_code == 403


def test_index_queries_do_not_grow(world, db, client, auth, count_queries):
    unit, _flats = owners_unit(world)
    elevator_motion(world, unit, stage="draft")
    auth.login("committee")
    client.get("/motions/")
    with count_queries() as one:
        client.get("/motions/")
    for _ in range(5):
        elevator_motion(world, unit, stage="draft")
    with count_queries() as six:
        assert client.get("/motions/").status_code == 200
    assert six.count == one.count


def test_show_page_queries_do_not_grow_with_the_unit(world, db, client, auth, count_queries):
    small, _ = owners_unit(world, floors=3, per_floor=1, name="小单元")
    large, _ = owners_unit(world, floors=3, per_floor=6, name="大单元")
    a, b = live_elevator_motion(world, small), live_elevator_motion(world, large)
    auth.login("committee")
    client.get(f"/motions/{a.id}")
    with count_queries() as few:
        client.get(f"/motions/{a.id}")
    with count_queries() as many:
        assert client.get(f"/motions/{b.id}").status_code == 200
    assert many.count == few.count


def test_county_sets_the_policy_on_its_page(world, db, client, auth):
    auth.login("county")
    assert client.get("/motions/policy").status_code == 200
    resp = client.post("/motions/policy", data={"affected_consent": "y"})
    assert resp.status_code == 302
    assert db.session.get(MotionPolicy, world.county.id).affected_consent is True
    auth.logout()
    auth.login("street")
    assert client.get("/motions/policy").status_code == 403
