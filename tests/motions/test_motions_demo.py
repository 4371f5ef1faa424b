"""The demo county's elevator motion: in voting for the unit of the demo owner's home, with its cost table, the
affected households and some paper ballots; the owner sees it due on the home page, their part, and can vote."""
from __future__ import annotations

from sqlalchemy import select

from pm.access import scope_for
from pm.models import User
from pm.models.motions import MotionKind, MotionStatus
from pm.services import motions
from pm.services.money import format_fen


def test_demo_elevator_motion_in_voting(demo_db, client, auth):
    owner = demo_db.session.scalar(select(User).where(User.username == "owner"))
    motion = demo_db.session.scalar(motions.motions_stmt(scope_for(owner), due_for=owner))
    assert motion is not None and motion.kind == MotionKind.ELEVATOR and motion.status == MotionStatus.VOTING
    rows = motions.cost_table(motion)
    assert rows and sum(r.share_fen for r in rows) == motion.total_cost_fen
    assert motion.consent_required and motion.affected
    result = motions.tally(motion)
    assert result.ballots > 0 and result.paper_ballots == result.ballots
    [mine] = motions.my_rows(rows, owner)[:1]
    auth.login("owner", "owner-demo-2026")
    assert "motions_due" in client.get("/dashboard").get_data(as_text=True)
    page = client.get(f"/motions/{motion.id}/vote").get_data(as_text=True)
    assert format_fen(mine.share_fen) in page
    client.post(f"/motions/{motion.id}/vote", data={"household_id": mine.household.id, "choice": "yes"})
    done = client.post(f"/motions/{motion.id}/vote/confirm", data={"household_id": mine.household.id, "choice": "yes"})
    assert "/receipts/" in done.headers["Location"]
