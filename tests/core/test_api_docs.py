"""OpenAPI document and the interactive docs page: generated, tokenless, and loading only local files."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

STATIC_JS = Path(__file__).resolve().parents[2] / "pm" / "static" / "js" / "swagger-init.js"


def test_openapi_json_is_valid_and_documents_every_route(client):
    """GET /api/v1/openapi.json needs no token and is an OpenAPI 3 document listing the API's paths."""
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    spec = json.loads(resp.get_data(as_text=True))
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    for path in ("/api/v1/me", "/api/v1/users", "/api/v1/audit", "/api/v1/households",
                 "/api/v1/households/{household_id}/transfers", "/api/v1/compounds", "/api/v1/stations"):
        assert path in paths, path
    assert set(paths["/api/v1/households"]) >= {"get", "post"}
    assert "patch" in paths["/api/v1/households/{household_id}"]


def test_openapi_documents_bearer_auth_decimal_areas_and_pagination(client):
    """The spec declares bearerAuth for every operation, areas as strings and the list envelope."""
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert spec["security"] == [{"bearerAuth": []}]
    schemas = spec["components"]["schemas"]
    assert schemas["HouseholdOut"]["properties"]["area_m2"]["type"] == "string"
    assert schemas["HouseholdCreateIn"]["properties"]["area_m2"]["type"] == "string"
    assert set(schemas["HouseholdPage"]["properties"]) == {"items", "page", "per_page", "total"}
    assert schemas["CompoundOut"]["properties"]["management_mode"]["enum"] == [
        "professional", "quasi", "committee", "self", "unit"]
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            if method in ("get", "post", "patch", "put", "delete"):
                assert op.get("summary"), f"{method} {path} has no summary"
                assert op.get("tags"), f"{method} {path} has no tag"


def test_docs_page_loads_only_local_assets(client):
    """GET /api/v1/docs needs no token; every script, style and link is local, and each one is served."""
    resp = client.get("/api/v1/docs")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'id="swagger-ui"' in html and 'data-spec-url="/api/v1/openapi.json"' in html
    assert not re.search(r"https?://", html), "the docs page must not reference another host"
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(r.endswith("swagger-ui-bundle.js") for r in refs) and any(r.endswith("swagger-ui.css") for r in refs)
    for ref in refs:
        assert ref.startswith("/") and not ref.startswith("//"), ref
        if ref.startswith(("/api/v1/docs/assets/", "/static/", "/bootstrap/")):
            with client.get(ref) as asset:
                assert asset.status_code == 200, ref


def test_docs_page_obeys_the_csp(client):
    """The page has no inline script or style, and the CSP sent with it allows neither."""
    resp = client.get("/api/v1/docs")
    html = resp.get_data(as_text=True)
    csp = resp.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert "<style" not in html and " style=" not in html
    init = STATIC_JS.read_text()
    assert "validatorUrl: null" in init and not re.search(r"https?://", init)


def test_operations_are_grouped_under_described_tags(client):
    """Every tag has a description and at least one operation, so the docs page shows no empty group."""
    spec = client.get("/api/v1/openapi.json").get_json()
    declared = {tag["name"]: tag.get("description") for tag in spec["tags"]}
    used = {tag for ops in spec["paths"].values() for op in ops.values() if isinstance(op, dict)
            for tag in op.get("tags", [])}
    assert used == set(declared)
    assert all(declared.values())
    assert spec["paths"]["/api/v1/households"]["get"]["tags"] == ["households_api"]


@pytest.mark.parametrize("name", ["swagger-ui-bundle.js", "swagger-ui.css"])
def test_swagger_assets_come_from_the_installed_package(client, name):
    """The Swagger UI files are the swagger_ui_bundle package's own, served by this app."""
    from swagger_ui_bundle import swagger_ui_path

    with client.get(f"/api/v1/docs/assets/{name}") as resp:
        assert resp.status_code == 200
        assert resp.data == (Path(swagger_ui_path) / name).read_bytes()


@pytest.mark.parametrize("name", ["index.html", "../../../../../etc/passwd", "swagger-initializer.js", "nope.js"])
def test_only_the_needed_swagger_files_are_served(client, name):
    """Other files of the package (its CDN-free index, its initializer) and paths outside it are 404."""
    assert client.get(f"/api/v1/docs/assets/{name}").status_code == 404
