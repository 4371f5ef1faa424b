"""Long selects say which street a community (and which community a compound) belongs to, and are searchable."""
from sqlalchemy import select

from pm.extensions import db as _db
from pm.models import Household


def test_same_named_communities_are_told_apart(client, auth, world):
    """Two communities both named 育才社区: the county's select says "育才社区（a街道）" and "育才社区（b街道）";
    the registry search labels compounds with community and street; every page loads the local filter script."""
    for side in ("a", "b"):
        world.communities[side].name = "育才社区"
    _db.session.commit()
    assert auth.login("county").status_code == 302
    html = client.get("/registry/compounds/new").get_data(as_text=True)
    streets = {side: world.streets[side].name for side in ("a", "b")}
    assert f"育才社区（{streets['a']}）" in html and f"育才社区（{streets['b']}）" in html
    assert "/static/js/select-filter.js" in html and "cdn" not in html.lower().split("select-filter")[0][-200:]
    html = client.get("/registry/search").get_data(as_text=True)
    compound = world.compounds["b"][0]
    assert f"{compound.name}（育才社区，{streets['b']}）" in html
    client.post("/auth/lang/en", data={"next": "/"})
    html = client.get("/registry/search").get_data(as_text=True)
    assert f"{compound.name} (育才社区, {streets['b']})" in html


def test_compound_header_counts_registered_homes(client, auth, world):
    """The compound page's header counts the registered households and their area (what an import adds),
    not only the survey figures typed in by hand."""
    compound = world.compounds["a"][0]
    homes = _db.session.scalars(select(Household).where(Household.compound_id == compound.id)).all()
    assert homes
    assert auth.login("county").status_code == 302
    html = client.get(f"/registry/compounds/{compound.id}").get_data(as_text=True)
    row = html.split('id="registered">', 1)[1].split("</dd>", 1)[0]
    total = sum(h.area_m2 for h in homes)
    assert f"{len(homes)} 户" in row and f"{total:.2f}" in row.replace(",", "")


def test_account_binding_select_names_the_street(client, auth, world):
    """The account form's unit select tells two 育才社区 apart by their street."""
    for side in ("a", "b"):
        world.communities[side].name = "育才社区"
    _db.session.commit()
    assert auth.login("county").status_code == 302
    html = client.get("/accounts/new").get_data(as_text=True)
    assert f"育才社区（{world.streets['a'].name}）" in html and f"育才社区（{world.streets['b'].name}）" in html
