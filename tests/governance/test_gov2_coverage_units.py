"""Coverage per assessed unit (street office, community) for the assessment's coverage indicator: set-based over
the county, a fixed number of statements, only the county's own streets, shares as percentages."""
from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest
from sqlalchemy import event

from pm.errors import DomainError
from pm.extensions import db as _db
from pm.services.governance.coverage_units import UnitShares, unit_shares
from pm.timeutil import local_today, utcnow
from tests.factories import make_county, make_street
from tests.factories.meetings import make_meeting
from tests.governance.test_coverage import setup_world

pytestmark = pytest.mark.postgres


def test_shares_per_street_and_community(db):
    w = setup_world()
    today = local_today()
    make_meeting(w, compound=w.compounds["a"][0], held_on=today - timedelta(days=10), now=utcnow())
    other = make_street(make_county(name="他县"), name="他县街道")  # another county's street is not counted
    _db.session.commit()
    statements = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(_db.engine, "before_cursor_execute", listen)
    try:
        got = unit_shares(w.county.id, day=today, criterion="bodies")
    finally:
        event.remove(_db.engine, "before_cursor_execute", listen)
    a, b = w.streets["a"].id, w.streets["b"].id
    assert got.streets[a] == (1, 2) and got.streets[b] == (0, 2) and other.id not in got.streets
    assert got.communities[w.communities["a"].id] == (1, 2)
    assert UnitShares.rate(got.streets[a]) == Fraction(50) and UnitShares.rate(None) is None
    assert len(statements) <= 5  # fixed, whatever the number of compounds
    committee = unit_shares(w.county.id, day=today, criterion="committee")
    assert committee.streets[a] == (1, 2)  # compound one's owners' committee; compound two has none


def test_unknown_criterion_is_refused(db):
    w = setup_world()
    with pytest.raises(DomainError):
        unit_shares(w.county.id, day=local_today(), criterion="nonsense")
