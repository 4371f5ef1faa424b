"""Everything the web can change, the API can change: each state-changing web endpoint names its API operation
(tests/core/parity.py), and that operation is in the OpenAPI document."""
from __future__ import annotations

from tests.core.parity import PARITY, Reason

SAFE = {"GET", "HEAD", "OPTIONS"}


def _web_writes(app) -> set[str]:
    return {f"{method} {rule.endpoint}" for rule in app.url_map.iter_rules() if not rule.rule.startswith("/api/")
            for method in rule.methods - SAFE}


def _operations(app) -> set[str]:
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    return {f"{method.upper()} {path}" for path, ops in spec["paths"].items() for method in ops
            if method in {"get", "put", "post", "patch", "delete"}}


def test_every_state_changing_web_endpoint_names_its_api_operation(app):
    missing = sorted(_web_writes(app) - PARITY.keys())
    assert not missing, "\n".join(f"{key}: name its API operation (or a Reason) in tests/core/parity.py"
                                  for key in missing)


def test_every_named_operation_exists(app):
    operations = _operations(app)
    wrong = {}
    for key, target in PARITY.items():
        if isinstance(target, Reason):
            assert len(target.why) > 20, f"{key}: give a real reason"
            continue
        for op in (target,) if isinstance(target, str) else target:
            if op not in operations:
                wrong[key] = op
    assert wrong == {}, "operations not in /api/v1/openapi.json"


def test_no_entry_for_an_endpoint_that_is_gone(app):
    assert sorted(PARITY.keys() - _web_writes(app)) == []


def test_the_registry_can_fail(app):
    """A web endpoint without an entry, and an entry naming an operation that does not exist, are caught."""
    writes, operations = _web_writes(app), _operations(app)
    assert "POST auth.tokens" in writes and "POST /api/v1/tokens" in operations
    assert "POST /api/v1/no-such-thing" not in operations
