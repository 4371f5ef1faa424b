"""Role × page: every role gets exactly its pages and its scope's data (never another scope's)."""
import pytest

from pm.models import Role
from tests.factories import make_world

R = Role
VIEWERS = {R.COUNTY_ADMIN, R.STREET_OFFICER, R.COMMUNITY_WORKER, R.STATION_MANAGER, R.STATION_STAFF, R.COMMITTEE_MEMBER}
MANAGERS = {R.COUNTY_ADMIN, R.STREET_OFFICER, R.COMMUNITY_WORKER, R.STATION_MANAGER}
AUDITORS = {R.COUNTY_ADMIN, R.STREET_OFFICER, R.COMMUNITY_WORKER}
USERNAMES = {
    R.COUNTY_ADMIN: "county", R.STREET_OFFICER: "street", R.COMMUNITY_WORKER: "community",
    R.STATION_MANAGER: "manager", R.STATION_STAFF: "staff", R.COMMITTEE_MEMBER: "committee",
    R.OWNER: "owner", R.RESIDENT: "resident",
}


def pages(w):
    """(name, url, {role: expected status}) for the main pages."""
    a0, a1, b0 = w.households["a"][0], w.households["a"][1], w.households["b"][0]
    ca, cb = w.compounds["a"][0], w.compounds["b"][0]
    ca2 = w.compounds["a"][1]

    def by(allowed, ok=200, other=403):
        return {r: (ok if r in allowed else other) for r in Role}

    def in_scope(visible_roles, forbidden):
        return {r: (403 if r in forbidden else 200 if r in visible_roles else 404) for r in Role}

    not_viewers = set(Role) - VIEWERS
    return [
        ("dashboard", "/dashboard", by(set(Role))),
        ("tree", "/registry/", by(VIEWERS)),
        ("search", "/registry/search?q=业主", by(VIEWERS)),
        ("own compound", f"/registry/compounds/{ca.id}", in_scope(VIEWERS, not_viewers)),
        ("second compound of street a", f"/registry/compounds/{ca2.id}",
         in_scope({R.COUNTY_ADMIN, R.STREET_OFFICER, R.COMMUNITY_WORKER}, not_viewers)),
        ("foreign compound", f"/registry/compounds/{cb.id}", in_scope({R.COUNTY_ADMIN}, not_viewers)),
        ("household a0", f"/registry/households/{a0.id}", in_scope(VIEWERS | {R.OWNER}, set())),
        ("household a1", f"/registry/households/{a1.id}", in_scope(VIEWERS | {R.RESIDENT}, set())),
        ("foreign household", f"/registry/households/{b0.id}", in_scope({R.COUNTY_ADMIN}, set())),
        ("accounts", "/accounts/", by(MANAGERS)),
        ("audit", "/audit/", by(AUDITORS)),
        ("imports", "/imports/", by(MANAGERS)),
        ("my homes", "/registry/mine", by(set(Role))),
        ("notifications", "/notifications/", by(set(Role))),
    ]


@pytest.mark.parametrize("role", list(Role))
def test_role_page_matrix(client, auth, db, role):
    """Each page answers each role with the expected status."""
    w = make_world()
    assert auth.login(USERNAMES[role]).status_code == 302
    got = {name: client.get(url).status_code for name, url, _ in pages(w)}
    want = {name: expected[role] for name, _, expected in pages(w)}
    assert got == want


@pytest.mark.parametrize("role", sorted(VIEWERS))
def test_search_never_shows_other_scope(client, auth, db, role):
    """Searching every owner shows side a's owner (when in scope) and side b's only to the county."""
    make_world()
    auth.login(USERNAMES[role])
    html = client.get("/registry/search?q=业主").get_data(as_text=True)
    assert "a业主" in html
    assert ("b业主" in html) == (role == R.COUNTY_ADMIN)


@pytest.mark.parametrize("role", sorted(MANAGERS))
def test_account_list_shows_only_scope(client, auth, db, role):
    """The account list never shows accounts bound outside the admin's scope."""
    from pm.models import Role as Rl
    from tests.factories import make_user

    w = make_world()
    make_user(Rl.STREET_OFFICER, w.streets["b"], username="foreignofficer")
    make_user(Rl.STATION_MANAGER, w.stations["b"], username="foreignmanager")
    db.session.commit()
    auth.login(USERNAMES[role])
    html = client.get("/accounts/").get_data(as_text=True)
    assert ("foreignmanager" in html) == (role == R.COUNTY_ADMIN)
    assert ("foreignofficer" in html) == (role == R.COUNTY_ADMIN)
