"""报修月度统计 as of a time: steps after the cut-off do not count, so a closed period's figures never move."""
from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest

from pm.access import scope_for
from pm.models import Role
from pm.services.periods import Month
from pm.services.repairs import filing, metrics, workflow
from tests.factories.repairs import NOW, repair_world

MARCH = Month(2026, 3)


@pytest.fixture
def w(app, db):
    return repair_world()


def by(user):
    """The actor and their scope, as the services take them."""
    return {"actor": user, "scope": scope_for(user)}


def _file(w, *, now=NOW):
    owner = w.users[Role.OWNER]
    return filing.file_request(w.compounds["a"][0], **by(owner), category="road", urgency="normal",
                               description="路面破损严重", building_id=w.households["a"][0].building_id, now=now)


def _of(w, as_of):
    sid = w.stations["a"].id
    return metrics.station_metrics([sid], MARCH, as_of=as_of)[sid]


def test_a_past_cut_off_is_stable_after_later_steps(w, db):
    """Figures as of a cut-off are the same before and after the work done past it."""
    req = _file(w)
    cut_off = NOW + timedelta(hours=25)  # the 24 h response deadline has passed unanswered
    before = _of(w, cut_off)
    staff, owner = w.users[Role.STATION_STAFF], w.users[Role.OWNER]
    workflow.dispatch(req, **by(staff), team_id=w.team.id, assignee_id=staff.id, now=NOW + timedelta(hours=26))
    workflow.start(req, **by(staff), now=NOW + timedelta(hours=27))
    workflow.complete(req, **by(staff), note="已修补", now=NOW + timedelta(hours=28))
    workflow.confirm(req, **by(owner), rating=5, now=NOW + timedelta(hours=29))
    _file(w, now=NOW + timedelta(hours=30))  # filed after the cut-off
    assert _of(w, cut_off) == before
    assert (before.count, before.responded, before.responded_on_time, before.completed, before.rated) == (1, 1, 0, 0, 0)
    later = _of(w, NOW + timedelta(days=3))
    assert later.count == 2 and later.response_on_time_rate == Fraction(0, 1)
    assert (later.completed, later.completed_on_time, later.rated, later.rating_sum) == (1, 1, 1, 5)


def test_not_yet_due_is_not_measured(w, db):
    """Before its deadlines a request open at the cut-off counts in the total but in no rate."""
    _file(w)
    m = _of(w, NOW + timedelta(hours=1))
    assert m.count == 1 and m.response_on_time_rate is None and m.completion_on_time_rate is None


def test_a_reopen_counts_from_when_it_happened(w, db):
    """返工 counts in the reopen rate as of the time it was reopened, not before."""
    req = _file(w)
    staff, owner = w.users[Role.STATION_STAFF], w.users[Role.OWNER]
    workflow.dispatch(req, **by(staff), team_id=w.team.id, assignee_id=staff.id, now=NOW)
    workflow.start(req, **by(staff), now=NOW + timedelta(hours=1))
    workflow.complete(req, **by(staff), note="已修补", now=NOW + timedelta(hours=2))
    workflow.reopen(req, **by(owner), reason="又坏了", now=NOW + timedelta(hours=5))
    assert _of(w, NOW + timedelta(hours=4)).reopen_rate == Fraction(0)
    assert _of(w, NOW + timedelta(hours=6)).reopen_rate == Fraction(1)
