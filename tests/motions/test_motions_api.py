"""The motions API: filing (scoped), the cost table (coefficients not positive → 422 naming the field, nothing
changed), transitions, ballots (second ballot 409, non-owner 403), receipts, tally with exact fractions and the
consent, who has not voted, paper ballots and the county policy — each role seeing only its part."""
from __future__ import annotations

from sqlalchemy import func, select

from pm.models import Role
from pm.models.motions import Motion, MotionCoefficient, MotionPolicy
from pm.models.votes import Ballot
from tests.asserts import assert_error
from tests.factories.motions import live_elevator_motion, owners_unit, set_policy

V1 = "/api/v1"


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_file_a_motion_and_set_its_cost_table(world, db, api):
    unit, _flats = owners_unit(world)
    db.session.commit()
    committee = api(world.users[Role.COMMITTEE_MEMBER])
    resp = committee.post(f"{V1}/motions", json={"compound_id": world.compounds["a"][0].id, "kind": "elevator",
                                                  "title": "加装电梯", "body": "一单元", "unit_id": unit.id})
    assert resp.status_code == 201, resp.get_json()
    motion_id = resp.get_json()["id"]
    bad = committee.put(f"{V1}/motions/{motion_id}/costs", json={"total_cost_fen": 300_000, "coefficients": [
        {"floor": 1, "coefficient": "-0.5"}, {"floor": 2, "coefficient": "1"}, {"floor": 3, "coefficient": "1"}]})
    assert_error(bad, 422, "coefficients")
    assert _count(db, MotionCoefficient) == 0
    zero = committee.put(f"{V1}/motions/{motion_id}/costs", json={"total_cost_fen": 300_000, "coefficients": [
        {"floor": 1, "coefficient": 0}, {"floor": 2, "coefficient": "1"}, {"floor": 3, "coefficient": "1"}]})
    assert_error(zero, 422, "coefficients")
    ok = committee.put(f"{V1}/motions/{motion_id}/costs", json={"total_cost_fen": 300_000, "coefficients": [
        {"floor": 1, "coefficient": "0.2"}, {"floor": 2, "coefficient": "1"}, {"floor": 3, "coefficient": "1.5"}]})
    assert ok.status_code == 200
    body = ok.get_json()
    assert sum(r["share_fen"] for r in body["cost_table"]) == 300_000
    assert [c["coefficient"] for c in body["coefficients"]] == ["0.200", "1.000", "1.500"]
    early = committee.post(f"{V1}/motions/{motion_id}/transitions", json={"to": "voting", "closes_on": "2030-01-01"})
    assert_error(early, 409, "to")


def test_filing_outside_the_scope_or_without_the_role(world, db, api):
    committee = api(world.users[Role.COMMITTEE_MEMBER])
    body = {"compound_id": world.compounds["b"][0].id, "kind": "ordinary", "title": "t", "body": "b"}
    assert_error(committee.post(f"{V1}/motions", json=body), 404, "compound_id")
    owner = api(world.users[Role.OWNER])
    body["compound_id"] = world.compounds["a"][0].id
    assert owner.post(f"{V1}/motions", json=body).status_code == 403
    staff = api(world.users[Role.STATION_STAFF])
    assert staff.post(f"{V1}/motions", json=body).status_code == 403
    assert _count(db, Motion) == 0


def test_ballots_receipts_and_tally(world, db, api):
    set_policy(world.county, affected_consent=True)
    unit, flats = owners_unit(world)
    motion = live_elevator_motion(world, unit, affected=[flats[0][0]])
    hh, owner_user = flats[0]
    owner = api(owner_user)
    mine = owner.get(f"{V1}/motions/{motion.id}/my-vote").get_json()
    assert [d["household_id"] for d in mine["dwellings"]] == [hh.id] and mine["dwellings"][0]["cost"]["share_fen"]
    resp = owner.post(f"{V1}/motions/{motion.id}/ballots", json={"household_id": hh.id, "choice": "no"})
    assert resp.status_code == 201, resp.get_json()
    receipt = resp.get_json()
    assert receipt["receipt_no"].startswith(f"{motion.decision_id}-")
    assert_error(owner.post(f"{V1}/motions/{motion.id}/ballots", json={"household_id": hh.id, "choice": "yes"}),
                 409, "household_id")
    # another owner's dwelling (not the voter's own): refused
    assert owner.post(f"{V1}/motions/{motion.id}/ballots",
                      json={"household_id": flats[1][0].id, "choice": "yes"}).status_code in (403, 404)
    other = api(flats[1][1])
    assert other.get(f"{V1}/motions/{motion.id}/ballots/{receipt['ballot_id']}").status_code == 404
    for h, u in flats[1:]:
        assert api(u).post(f"{V1}/motions/{motion.id}/ballots", json={"household_id": h.id, "choice": "yes"}
                           ).status_code == 201
    assert _count(db, Ballot) == 6
    tally = api(world.users[Role.STREET_OFFICER]).get(f"{V1}/motions/{motion.id}/tally").get_json()
    assert tally["tally_passes"] is True and tally["passes"] is False
    assert tally["consent"]["refused"] == [hh.id]
    assert tally["fractions"]["yes_heads"]["fraction"] == "5/6"
    committee = api(world.users[Role.COMMITTEE_MEMBER])
    closed = committee.post(f"{V1}/motions/{motion.id}/transitions", json={"to": "closed"})
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    assert committee.get(f"{V1}/motions/{motion.id}/tally").get_json()["outcome"] == "rejected"


def test_paper_ballot_and_lists(world, db, api):
    unit, flats = owners_unit(world)
    motion = live_elevator_motion(world, unit)
    hh, owner_user = flats[2]
    committee = api(world.users[Role.COMMITTEE_MEMBER])
    resp = committee.post(f"{V1}/motions/{motion.id}/ballots", json={
        "household_id": hh.id, "person_id": owner_user.person_id, "choice": "yes", "is_paper": True})
    assert resp.status_code == 201 and resp.get_json()["is_paper"] is True
    paper = committee.get(f"{V1}/motions/{motion.id}/paper-ballots").get_json()
    assert paper["total"] == 1 and paper["items"][0]["entered_by_id"] == world.users[Role.COMMITTEE_MEMBER].id
    assert committee.get(f"{V1}/motions/{motion.id}/unvoted").get_json()["total"] == 5
    staff = api(world.users[Role.STATION_STAFF])
    assert staff.post(f"{V1}/motions/{motion.id}/ballots", json={
        "household_id": flats[3][0].id, "person_id": flats[3][1].person_id, "choice": "yes",
        "is_paper": True}).status_code == 403
    assert staff.get(f"{V1}/motions/{motion.id}/unvoted").status_code == 403
    owner = api(world.users[Role.OWNER])
    assert owner.get(f"{V1}/motions/{motion.id}").status_code == 200  # the owner's own compound: disclosed
    assert api(world.users[Role.COUNTY_ADMIN]).get(f"{V1}/motions?due=true").get_json()["total"] == 0


def test_policy_by_the_county(world, db, api):
    county = api(world.users[Role.COUNTY_ADMIN])
    resp = county.put(f"{V1}/counties/{world.county.id}/motion-policy",
                      json={"affected_consent": True, "cost_by_area": True})
    assert resp.status_code == 200 and resp.get_json()["cost_by_area"] is True
    street = api(world.users[Role.STREET_OFFICER])
    assert street.get(f"{V1}/counties/{world.county.id}/motion-policy").get_json()["affected_consent"] is True
    assert street.put(f"{V1}/counties/{world.county.id}/motion-policy",
                      json={"affected_consent": False, "cost_by_area": False}).status_code == 403
    assert db.session.get(MotionPolicy, world.county.id).affected_consent is True
