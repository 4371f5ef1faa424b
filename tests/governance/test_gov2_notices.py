"""Elections and motions post a notice (公告/公示) linking to their page: candidates when the publicity starts,
results when closed; motions entering publicity and their results — to the compound, an elevator motion's to its
unit."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from pm.access import scope_for
from pm.extensions import db as _db
from pm.models import Notice, NoticeKind, Role
from pm.services import motions
from pm.services.governance import elections
from pm.timeutil import local_today, utcnow
from tests.factories.governance import election_world
from tests.factories.motions import DAY0, T0, elevator_motion, owners_unit
from tests.governance.test_elections import paper, street, voting_election

pytestmark = pytest.mark.postgres


def _notices(source, source_id):
    return _db.session.scalars(select(Notice).where(Notice.source == source, Notice.source_id == source_id)
                               .order_by(Notice.id)).all()


def test_election_candidates_and_results_post_notices(db):
    w = election_world()
    e = voting_election(w)
    [pub] = _notices("election", e.id)
    assert pub.kind == NoticeKind.PUBLICITY and pub.compound_id == w.compound.id and pub.unit_id is None
    assert pub.link == f"/elections/{e.id}" and pub.ends_on == e.publicity_ends_on and "候选人" in pub.title
    for hh in w.owned:
        paper(w, e, hh, e.candidates[:3])
    elections.close(e, now=utcnow() + timedelta(days=8), **street(w))
    pub2, result = _notices("election", e.id)
    assert pub2.id == pub.id and result.link == f"/elections/{e.id}" and result.compound_id == w.compound.id
    assert "结果" in result.title and result.starts_on == local_today(utcnow() + timedelta(days=8))


def test_elevator_motion_notices_target_its_unit(world, db):
    unit, flats = owners_unit(world)
    motion = elevator_motion(world, unit)
    [pub] = _notices("motion", motion.id)
    assert (pub.kind, pub.compound_id, pub.unit_id) == (NoticeKind.PUBLICITY, motion.compound_id, unit.id)
    assert pub.link == f"/motions/{motion.id}" and pub.ends_on == DAY0 + timedelta(days=7)
    for hh, owner in flats:
        motions.cast_ballot(motion, hh, "yes", actor=owner, scope=scope_for(owner), now=T0 + timedelta(days=9))
    user = world.users[Role.COMMITTEE_MEMBER]
    motions.close(motion, actor=user, scope=scope_for(user), now=T0 + timedelta(days=30))
    _pub, result = _notices("motion", motion.id)
    assert result.unit_id == unit.id and result.link == f"/motions/{motion.id}" and "通过" in result.title
    assert "未通过" not in result.title


def test_compound_motion_notice_targets_the_compound(world, db):
    user = world.users[Role.COMMITTEE_MEMBER]
    compound = world.compounds["a"][0]
    motion = motions.create_motion(compound, kind="ordinary", title="停车管理", body="划线停车", actor=user,
                                   scope=scope_for(user))
    assert _notices("motion", motion.id) == []  # a draft posts nothing
    motions.publish(motion, publicity_until=DAY0, actor=user, scope=scope_for(user), now=T0)
    [pub] = _notices("motion", motion.id)
    assert (pub.compound_id, pub.building_id, pub.unit_id) == (compound.id, None, None)
