"""Error handling: a lost race on a unique key is a 409, never a 500."""
import pytest
from flask import Blueprint
from sqlalchemy.exc import IntegrityError


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
