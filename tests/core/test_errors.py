"""Error handling: a lost race on a unique key is a 409, never a 500."""
import re

import pytest
from flask import Blueprint
from sqlalchemy.exc import IntegrityError

from pm.models import Role


@pytest.mark.fresh_app  # registers a blueprint, which an app that has served requests refuses
def test_integrity_error_becomes_409(app, db):
    """An IntegrityError escaping a view is answered with 409 and a readable message (JSON and HTML)."""
    bp = Blueprint("boom", __name__)

    @bp.route("/api/boom")
    def api_boom():
        raise IntegrityError("INSERT", {}, Exception("duplicate key"))

    @bp.route("/boom")
    def html_boom():
        raise IntegrityError("INSERT", {}, Exception("duplicate key"))

    app.register_blueprint(bp)
    client = app.test_client()
    resp = client.get("/api/boom")
    assert resp.status_code == 409 and resp.get_json()["code"] == 409
    assert "数据冲突" in resp.get_json()["message"]
    resp = client.get("/boom")
    assert resp.status_code == 409 and "数据冲突" in resp.get_data(as_text=True)


CAMEL_CASE = re.compile(r"\b[A-Z][a-z]+[A-Z][A-Za-z]*\b|\b(?:UsePlan|Compound|Household|Person)\b")


def test_not_found_names_the_thing_in_user_words(client, auth, api, world):
    """A missing plan is "使用方案（编号 …）", never the model's class name, in pages and API errors, in both languages."""
    assert auth.login("county").status_code == 302
    html = client.get("/plans/987654").get_data(as_text=True)
    assert "使用方案（编号 987654）" in html
    assert not CAMEL_CASE.search(html.split("<main", 1)[-1]), CAMEL_CASE.findall(html)
    client.post("/auth/lang/en", data={"next": "/"})
    html = client.get("/plans/987654").get_data(as_text=True)
    assert "Fund use plan" in html or "fund use plan" in html
    assert not CAMEL_CASE.search(html.split("<main", 1)[-1]), CAMEL_CASE.findall(html)
    resp = api(world.users[Role.COUNTY_ADMIN]).get("/api/v1/plans/987654")
    assert resp.status_code == 404
    assert "使用方案" in resp.get_json()["message"] and not CAMEL_CASE.search(resp.get_json()["message"])
    resp = api(world.users[Role.COUNTY_ADMIN]).post("/api/v1/plans", json={"compound_id": 987654})
    assert not CAMEL_CASE.search(str(resp.get_json())), resp.get_json()
