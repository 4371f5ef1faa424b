"""Assertions shared by the API tests."""
from __future__ import annotations


def assert_error(resp, status: int, *fields: str) -> dict:
    """The response is the JSON error envelope with `status`, naming each of `fields` with a reason."""
    assert resp.status_code == status, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["code"] == status
    assert body["status"] and body["message"]
    if fields:
        errors = body["errors"]["json"]
        for name in fields:
            node = errors
            for part in name.split("."):
                assert part in node, f"{name} not in {errors}"
                node = node[part]
            assert node, f"no reason given for {name}"
    return body


def ids(resp) -> set[int]:
    """The ids of a paginated list response (after checking it is a 200 envelope)."""
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    assert set(body) == {"items", "page", "per_page", "total"}
    assert body["total"] == len(body["items"]), "the test expected everything on one page"
    return {item["id"] for item in body["items"]}
