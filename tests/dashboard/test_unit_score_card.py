"""本单位月度考核 card: an assessed unit's home page links to its own score once the month is under review (not while
it is a draft), and never to another unit's."""
from datetime import UTC, datetime

from sqlalchemy import select

from pm.models import AssessmentScore, Role, UnitKind
from pm.services.assessments import periods
from tests.factories import make_world
from tests.factories.assessments import computed, station_finding

REVIEW = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)


def _score_id(db, period, kind, unit_id):
    return db.session.scalar(select(AssessmentScore.id).where(
        AssessmentScore.period_id == period.id, AssessmentScore.unit_kind == kind, AssessmentScore.unit_id == unit_id))


def test_home_card_links_to_the_unit_s_own_score_from_the_review_on(client, auth, db):
    w = make_world()
    station_finding(w, deduction="2")
    period = computed(w)
    db.session.commit()
    auth.login("manager")
    assert 'data-card="unit_score"' not in client.get("/dashboard").get_data(as_text=True)  # a draft: not yet
    periods.start_review(period, w.users[Role.COUNTY_ADMIN], now=REVIEW)
    db.session.commit()
    page = client.get("/dashboard").get_data(as_text=True)
    own = _score_id(db, period, UnitKind.STATION, w.stations["a"].id)
    other = _score_id(db, period, UnitKind.STATION, w.stations["b"].id)
    assert 'data-card="unit_score"' in page and f'href="/assessments/scores/{own}"' in page
    assert f'/assessments/scores/{other}"' not in page
    assert client.get(f"/assessments/scores/{own}").status_code == 200
    auth.logout()
    auth.login("community")  # the community's own score (kind community), not the station's
    page = client.get("/dashboard").get_data(as_text=True)
    mine = _score_id(db, period, UnitKind.COMMUNITY, w.communities["a"].id)
    if mine is None:
        assert 'data-card="unit_score"' not in page
    else:
        assert f'href="/assessments/scores/{mine}"' in page and f'/assessments/scores/{own}"' not in page
