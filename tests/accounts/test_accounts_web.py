"""Account administration within scope: roles below one's own, bindings inside one's scope."""
from sqlalchemy import func, select

from pm.models import AuditLog, Role, User
from tests.factories import make_world

GOOD = "a long enough secret"


def test_street_officer_creates_station_manager(client, auth, db):
    """A street officer opens an account for a station of their street; it is audited and can log in."""
    w = make_world()
    auth.login("street")
    resp = client.post("/accounts/new", data={
        "username": "newmgr", "display_name": "新站长", "role": "station_manager",
        "node": f"station_id:{w.stations['a'].id}", "password": GOOD,
    })
    assert resp.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "newmgr"))
    assert user.station_id == w.stations["a"].id
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "user.create")) == 1
    auth.logout()
    assert auth.login("newmgr", GOOD).status_code == 302


def test_cannot_bind_outside_scope(client, auth, db):
    """Another street's station is not offered, and posting it anyway is refused; nothing is created."""
    w = make_world()
    auth.login("street")
    form = client.get("/accounts/new").get_data(as_text=True)
    assert f"station_id:{w.stations['a'].id}" in form and f"station_id:{w.stations['b'].id}" not in form
    resp = client.post("/accounts/new", data={
        "username": "evil", "display_name": "x", "role": "station_manager",
        "node": f"station_id:{w.stations['b'].id}", "password": GOOD,
    })
    assert resp.status_code == 400
    assert db.session.scalar(select(User).where(User.username == "evil")) is None


def test_service_refuses_binding_outside_scope(db):
    """The account service itself refuses a binding outside the actor's scope (whatever the form offers)."""
    import pytest

    from pm.access import scope_for
    from pm.errors import Forbidden
    from pm.services.accounts.users import create_user

    w = make_world()
    actor = w.users[Role.STREET_OFFICER]
    with pytest.raises(Forbidden):
        create_user(actor=actor, scope=scope_for(actor), username="evil", display_name="x", password=GOOD,
                    role=Role.STATION_MANAGER, binding_id=w.stations["b"].id)


def test_cannot_grant_own_or_higher_role(client, auth, db):
    """A community worker cannot create a street officer or another community worker."""
    w = make_world()
    auth.login("community")
    for role, node in (("street_officer", f"street_id:{w.streets['a'].id}"),
                       ("community_worker", f"community_id:{w.communities['a'].id}")):
        resp = client.post("/accounts/new", data={"username": f"x{role}", "display_name": "x", "role": role,
                                                  "node": node, "password": GOOD})
        assert resp.status_code == 400  # not among the choices offered
    assert db.session.scalar(select(func.count()).select_from(User).where(User.username.like("x%"))) == 0


def test_owner_account_cannot_be_created_by_an_official(client, auth, db):
    """Owner accounts are claimed by the person (tests/accounts/test_claims_web.py): the form refuses the role,
    with a pointer to invitations, and nothing is created."""
    w = make_world()
    auth.login("manager")
    page = client.get("/accounts/new").get_data(as_text=True)
    assert 'value="owner"' not in page and "/accounts/invite" in page
    owner = w.persons["a"]["owner"]
    resp = client.post("/accounts/new", data={"username": "owner2", "display_name": owner.name, "role": "owner",
                                              "person_phone": owner.phone, "password": "eight chr"})
    assert resp.status_code == 400
    assert db.session.scalar(select(User).where(User.username == "owner2")) is None


def test_weak_password_reshown(client, auth, db):
    """A short password for an official is refused with the rule."""
    w = make_world()
    auth.login("street")
    resp = client.post("/accounts/new", data={"username": "weak", "display_name": "x", "role": "community_worker",
                                              "node": f"community_id:{w.communities['a'].id}", "password": "short"})
    assert resp.status_code == 400 and "12" in resp.get_data(as_text=True)


def test_disabling_account_ends_its_session(app, auth, db):
    """A disabled account is logged out everywhere and cannot log in."""
    w = make_world()
    staff_client = app.test_client()
    staff_client.post("/auth/login", data={"username": "staff", "password": "correct horse battery"})
    assert staff_client.get("/dashboard").status_code == 200
    admin = app.test_client()
    admin.post("/auth/login", data={"username": "manager", "password": "correct horse battery"})
    staff = w.users[Role.STATION_STAFF]
    resp = admin.post(f"/accounts/{staff.id}", data={"display_name": "x", "role": "station_staff",
                                                      "node": f"station_id:{w.stations['a'].id}"})
    assert resp.status_code == 302
    assert staff_client.get("/dashboard").status_code == 302
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "user.update"))
    assert row.changes["is_enabled"] == [True, False]


def test_foreign_account_is_404(client, auth, db):
    """Opening an account outside one's scope is a 404."""
    w = make_world()
    auth.login("street")
    from tests.factories import make_user

    foreign = make_user(Role.STATION_STAFF, w.stations["b"])
    db.session.commit()
    assert client.get(f"/accounts/{foreign.id}").status_code == 404
