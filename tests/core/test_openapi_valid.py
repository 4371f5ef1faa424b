"""The OpenAPI document stays valid (openapi-spec-validator), lists the error responses of every operation, and
every list operation filters and paginates the same way ({items, page, per_page, total}; ?page=&per_page=)."""
from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from pm import create_app

METHODS = {"get", "put", "post", "patch", "delete"}


@pytest.fixture(scope="module")
def spec():
    app = create_app("testing")
    return app.test_client().get("/api/v1/openapi.json").get_json()


def _operations(spec):
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", method, op


def _resolve(spec, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def test_the_document_is_valid_openapi(spec):
    validate(spec)


def test_an_invalid_document_is_caught(spec):
    """The validator can fail: a parameter "in" a place OpenAPI 3 has not (as "formData" once was)."""
    broken = {**spec, "paths": {"/x": {"get": {"parameters": [{"name": "a", "in": "formData", "schema": {}}],
                                               "responses": {"200": {"description": "ok"}}}}}}
    with pytest.raises(Exception):
        validate(broken)


def test_every_operation_lists_its_error_responses(spec):
    missing = {}
    for key, method, op in _operations(spec):
        wanted = {"401", "403", "404"} | ({"422"} if method != "get" else set())
        lacking = wanted - set(op["responses"])
        if lacking:
            missing[key] = sorted(lacking)
    assert missing == {}


def test_error_responses_use_the_error_envelope(spec):
    for name in ("UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "UNPROCESSABLE_ENTITY"):
        schema = spec["components"]["responses"][name]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Error"}


# GETs whose answer has an `items` field that is not the page of a list.
NOT_LISTS = {
    "GET /api/v1/meetings/{meeting_id}": "one meeting; its `items` are the meeting's action items, all of them",
}


def test_every_list_operation_paginates_the_same_way(spec):
    """A GET answering `items` is a list: it answers {items, page, per_page, total} and takes ?page=&per_page=."""
    wrong = {}
    for key, method, op in _operations(spec):
        body = op["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema")
        if method != "get" or not body:
            continue
        props = _resolve(spec, body).get("properties", {})
        if "items" not in props or key in NOT_LISTS:
            continue
        query = {p["name"]: p for p in op.get("parameters", []) if p.get("in") == "query"}
        if "next_cursor" in props:  # keyset pages (a ledger read for reconciliation): ?cursor=&limit=, next_cursor
            missing = sorted({"cursor", "limit"} - set(query))
            if missing:
                wrong[key] = missing
            continue
        problems = sorted({"page", "per_page", "total"} - set(props)) + sorted({"page", "per_page"} - set(query))
        if "per_page" in query and query["per_page"]["schema"].get("maximum") != 200:
            problems.append("per_page maximum is not 200")
        if problems:
            wrong[key] = problems
    assert wrong == {}
