"""The assessment scheme's coverage indicator (gov2): the share of a street office's (or community's) compounds
with an owners' committee or with all four bodies, read set-based from the governance coverage service."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from pm.errors import DomainError
from pm.extensions import db as _db
from pm.models import AssessmentScheme, AssessmentSchemeItem, ItemSource, UnitKind
from pm.services.assessments import schemes
from tests.assessments.test_compute import line, scores
from tests.factories import make_world
from tests.factories.assessments import computed

pytestmark = pytest.mark.postgres


def _add_coverage_item(w, kind: UnitKind, criterion: str) -> None:
    schemes.ensure_defaults(w.county.id)
    scheme = _db.session.scalar(select(AssessmentScheme).where(AssessmentScheme.county_id == w.county.id,
                                                               AssessmentScheme.kind == kind))
    category = scheme.categories[0]
    _db.session.add(AssessmentSchemeItem(
        scheme_id=scheme.id, category_id=category.id, code="coverage", name="长效机制覆盖率", max_points=Decimal(10),
        source=ItemSource.INDICATOR, position=99,
        params={"kind": "coverage", "criterion": criterion, "target": "100", "per_point": "0.1"}))
    _db.session.flush()
    _db.session.expire(scheme)


def test_street_loses_points_per_percentage_point_below_target(db):
    w = make_world()
    for side in ("a", "b"):
        for c in w.compounds[side]:
            c.owners_committee_formed_on = None
    w.compounds["a"][0].owners_committee_formed_on = date(2025, 1, 1)
    _add_coverage_item(w, UnitKind.STREET, "committee")
    got = scores(computed(w))
    a = line(got[(UnitKind.STREET, w.streets["a"].id)], "coverage")
    b = line(got[(UnitKind.STREET, w.streets["b"].id)], "coverage")
    assert a.points == Decimal("-5.00") and a.refs["coverage"] == {"criterion": "committee", "met": 1, "compounds": 2}
    assert b.points == Decimal("-10.00")  # 0 %: 100 points × 0.1, within the item's 10


def test_scheme_refuses_an_unknown_coverage_criterion(db):
    with pytest.raises(DomainError):
        schemes._check_params(ItemSource.INDICATOR, {"kind": "coverage", "criterion": "nonsense"}, "items")
    assert schemes._check_params(ItemSource.INDICATOR, {"kind": "coverage", "criterion": "bodies", "target": "80",
                                                        "per_point": "0.5"}, "items")["kind"] == "coverage"
