"""报修 filing: the one phone rule on the public page, location choices, and who is told (never a disabled account)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from pm.access import scope_for
from pm.errors import DomainError, NotFound
from pm.models import Notification, RepairRequest, Role
from pm.services.repairs import filing, portal, workflow
from tests.factories.repairs import NOW, repair_world


@pytest.fixture
def w(app, db):
    return repair_world()


def by(user):
    """The actor and their scope, as the services take them."""
    return {"actor": user, "scope": scope_for(user)}


def _token(w):
    return portal.open_portal(w.compounds["a"][0], **by(w.users[Role.COMMUNITY_WORKER])).token


def _public(token, phone, **kw):
    return filing.file_public(token, category="lighting", urgency="normal", description="楼道灯不亮了",
                              filer_phone=phone, now=NOW, **kw)


def _told(db, kind):
    return sorted(db.session.scalars(select(Notification.user_id).where(Notification.kind == kind)))


@pytest.mark.parametrize("typed", ["13900001111", "139 0000 1111", "+86 139-0000-1111", "（139）0000-1111",
                                   "１３９００００１１１１"])
def test_public_phone_is_stored_as_its_eleven_digits(w, db, typed):
    """However the mobile number is written, it is stored (and rate-limited) as its 11 digits."""
    assert _public(_token(w), typed).filer_phone == "13900001111"


@pytest.mark.parametrize("typed", ["0516-83881234", "12345", "1390000111", ""])
def test_public_page_takes_a_mobile_number_only(w, db, typed):
    """A landline, a short number or none: refused on filer_phone (the station calls back by mobile)."""
    with pytest.raises(DomainError) as err:
        _public(_token(w), typed)
    assert "filer_phone" in err.value.fields


def test_public_page_needs_a_page(w, db):
    """A token that no compound printed is a 404, whatever else is right."""
    with pytest.raises(NotFound):
        _public("no-such-token", "13900001111")


def test_location_choices_follow_the_scope(w, db):
    """An owner is offered their own home and the common areas; the public page only the common areas."""
    compound = w.compounds["a"][0]
    owner = w.users[Role.OWNER]
    mine = [v for v, _label in filing.location_options(compound, scope_for(owner))]
    public = [v for v, _label in filing.public_location_options(compound)]
    assert mine[0] == f"h:{w.households['a'][0].id}" and "c" in mine
    assert not any(v.startswith("h:") for v in public) and "c" in public
    assert filing.parse_location(mine[0]) == {"household_id": w.households["a"][0].id}
    assert filing.parse_location("c") == {} and filing.parse_location("x:1") == {}


def test_a_disabled_manager_is_not_told_the_staff_is(w, db):
    """New requests go to the station's managers; with the manager's account disabled, to its staff."""
    manager, staff = w.users[Role.STATION_MANAGER], w.users[Role.STATION_STAFF]
    manager.is_enabled = False
    db.session.commit()
    _public(_token(w), "13900001111")
    assert _told(db, "repair.new") == [staff.id]


def test_a_disabled_filer_is_not_told(w, db):
    """Completion is told to the filer only while their account is enabled."""
    owner, staff = w.users[Role.OWNER], w.users[Role.STATION_STAFF]
    req = filing.file_request(w.compounds["a"][0], **by(owner), category="road", urgency="normal",
                              description="路面破损严重", now=NOW)
    workflow.dispatch(req, **by(staff), team_id=w.team.id, assignee_id=staff.id, now=NOW)
    workflow.start(req, **by(staff), now=NOW)
    owner.is_enabled = False
    workflow.complete(req, **by(staff), note="已修补", now=NOW + timedelta(hours=1))
    db.session.commit()
    assert _told(db, "repair.completed") == []
    assert db.session.get(RepairRequest, req.id).status.value == "completed"


def test_the_scope_given_is_the_scope_checked(w, db):
    """A service checks the scope it is handed: the right role with another station's scope is refused."""
    owner, staff = w.users[Role.OWNER], w.users[Role.STATION_STAFF]
    req = filing.file_request(w.compounds["a"][0], **by(owner), category="road", urgency="normal",
                              description="路面破损严重", now=NOW)
    with pytest.raises(NotFound):
        workflow.accept(req, actor=staff, scope=scope_for(w.staff_b), now=NOW)
    with pytest.raises(NotFound):
        filing.file_request(w.compounds["a"][0], actor=owner, scope=scope_for(w.staff_b), category="road",
                            urgency="normal", description="路面破损严重", now=NOW)
