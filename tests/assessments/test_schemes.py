"""量化考核办法: version 1 for every county, drafts validated, activation from a month, findings point to items."""
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from pm.errors import Conflict, DomainError
from pm.models import AssessmentScheme, ItemSource, Role, SchemeStatus, UnitKind
from pm.services.assessments import schemes
from tests.factories import make_world

NOW = datetime(2026, 3, 15, 4, 0, tzinfo=UTC)


def test_a_new_county_has_version_one_of_every_kind(db):
    """Version 1 of the station, community and street schemes, 100 points in the nine categories."""
    w = make_world()
    found = db.session.scalars(select(AssessmentScheme).where(AssessmentScheme.county_id == w.county.id)).all()
    assert {s.kind for s in found} == set(UnitKind)
    station = schemes.in_force(w.county.id, UnitKind.STATION, date(2026, 3, 1))
    assert sum(c.max_points for c in station.categories) == 100
    assert [c.code for c in station.categories][:9] == ["environment", "order", "facilities", "greening", "parking",
                                                        "repairs", "satisfaction", "records", "party"]
    sources = {i.source for c in station.categories for i in c.items}
    assert sources == set(ItemSource)


def test_draft_copies_the_version_in_force_and_activates_from_a_month(db):
    """A draft is version 2; activated from next month, March keeps version 1 and April uses version 2."""
    w = make_world()
    admin = w.users[Role.COUNTY_ADMIN]
    draft = schemes.create_draft(w.county.id, "station", admin, now=NOW)
    assert draft.version == 2 and draft.status == SchemeStatus.DRAFT
    structure = schemes.structure_of(draft)
    structure[0]["max_points"] = 15
    structure[0]["items"][0]["max_points"] = 15
    schemes.update_draft(draft, admin, categories=structure)
    schemes.activate(draft, admin, active_from=date(2026, 4, 1), now=NOW)
    assert schemes.in_force(w.county.id, UnitKind.STATION, date(2026, 3, 31)).version == 1
    assert schemes.in_force(w.county.id, UnitKind.STATION, date(2026, 4, 1)).version == 2
    with pytest.raises(Conflict):
        schemes.update_draft(draft, admin, name="x")


@pytest.mark.parametrize("change, field", [
    (lambda s: s[0].update(max_points=30), "categories"),  # 110 points in all
    (lambda s: s[1]["items"][0].update(max_points=16), "categories.1.items.0.max_points"),  # above its category
    (lambda s: s[1]["items"][0].update(monthly_cap=-1), "categories.1.items.0.monthly_cap"),
    (lambda s: s[2].update(max_points=-5), "categories.2.max_points"),
    (lambda s: s[5]["items"][1]["params"].update(kind="nope"), "categories.5.items.1.params"),
])
def test_bad_schemes_are_refused_with_the_field(db, change, field):
    """Items above full marks or their category, negative caps, unknown indicators: a clear error, nothing kept."""
    w = make_world()
    admin = w.users[Role.COUNTY_ADMIN]
    draft = schemes.create_draft(w.county.id, "station", admin, now=NOW)
    structure = schemes.structure_of(draft)
    change(structure)
    with pytest.raises(DomainError) as err:
        schemes.update_draft(draft, admin, categories=structure)
    assert field in err.value.fields


def test_activation_needs_the_first_of_a_month_not_in_the_past(db):
    """Activating from the 15th or from last month is refused."""
    w = make_world()
    admin = w.users[Role.COUNTY_ADMIN]
    draft = schemes.create_draft(w.county.id, "street", admin, now=NOW)
    for day in (date(2026, 4, 15), date(2026, 2, 1)):
        with pytest.raises(DomainError):
            schemes.activate(draft, admin, active_from=day, now=NOW)
    assert draft.status == SchemeStatus.DRAFT
