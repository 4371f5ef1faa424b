"""红榜/黑榜 in one statement: the best and worst units of each kind as the former per-kind queries chose them."""
from pm.access import scope_for
from pm.extensions import db as _db
from pm.models import AssessmentScore, Role, UnitKind
from pm.services.assessments import bulletins, periods
from tests.factories import make_world
from tests.factories.assessments import computed, station_finding
from datetime import UTC, datetime


def _reference(scores: list[AssessmentScore], size: int):
    """What the lists were before: per kind, ORDER BY rank, unit_id LIMIT size, and the last
    min(size, n - size) by the reverse order, shown best first."""
    counts, top, bottom = {}, {}, {}
    for kind in UnitKind:
        mine = sorted((s for s in scores if s.unit_kind == kind), key=lambda s: (s.rank, s.unit_id))
        if not mine:
            continue
        counts[kind] = len(mine)
        top[kind] = mine[:size]
        k = min(size, max(0, len(mine) - size))
        bottom[kind] = mine[len(mine) - k:] if k else []
    return counts, top, bottom


def test_top_and_bottom_match_the_per_kind_lists_for_every_size(db, count_queries):
    w = make_world()
    station_finding(w, deduction="2")
    period = computed(w)
    admin = w.users[Role.COUNTY_ADMIN]
    periods.start_review(period, admin, now=datetime(2026, 4, 2, 2, tzinfo=UTC))
    periods.close_review(period, admin, now=datetime(2026, 4, 25, tzinfo=UTC))
    periods.publish(period, admin, now=datetime(2026, 4, 25, tzinfo=UTC))
    _db.session.commit()
    scope = scope_for(admin)
    base = bulletins._scores(scope, period, None)
    scores = list(_db.session.scalars(base))
    assert len({s.unit_kind for s in scores}) >= 2 and len(scores) >= 3
    for size in range(1, len(scores) + 2):
        with count_queries() as counted:
            got = bulletins.top_and_bottom(base, size)
        assert counted.count == 1
        want = _reference(scores, size)
        assert got.counts == want[0]
        assert {k: [s.id for s in v] for k, v in got.top.items()} == {k: [s.id for s in v] for k, v in want[1].items()}
        assert {k: [s.id for s in v] for k, v in got.bottom.items()} == {k: [s.id for s in v]
                                                                          for k, v in want[2].items()}
        assert got.streets == []
    worst = max((s for s in scores if s.unit_kind == UnitKind.STATION), key=lambda s: (s.rank, s.unit_id))
    one = bulletins.top_and_bottom(base, 1, all_streets=True)
    assert one.bottom[UnitKind.STATION] == [worst]  # the station with the finding is on the 黑榜
    assert one.distribution == bulletins.distribution(scope, period)  # the bands, as the grouped query counts them
    assert sum(n for _band, n in one.distribution) == one.counts[UnitKind.STATION]
    assert one.streets == list(_db.session.scalars(bulletins.ranking_stmt(scope, period, UnitKind.STREET)))
    street = w.streets["a"].id
    in_street = bulletins._scores(scope, period, street)
    got = bulletins.top_and_bottom(in_street, 1)
    assert all(s.street_id == street for lists in (got.top, got.bottom) for v in lists.values() for s in v)
    assert got.distribution == bulletins.distribution(scope, period, street_id=street)
