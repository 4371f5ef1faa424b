"""The operations of the app, read from its URL map, and the URL of one with a side's ids filled in."""
from __future__ import annotations

import re
from dataclasses import dataclass

from werkzeug.routing import Rule

IGNORED_METHODS = {"HEAD", "OPTIONS"}
# Path variables that are not object ids: the value used for them on both sides.
FIXED = {"code": "en", "action": "accept", "filename": None, "step": "start"}
# Files served from a package: one file that exists, per endpoint.
FILES = {"static": "css/pm.css", "bootstrap.static": "css/bootstrap.min.css",
         "apidocs.asset": "swagger-ui.css"}


@dataclass(frozen=True)
class Operation:
    endpoint: str
    method: str
    rule: str
    arguments: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.method} {self.endpoint}"

    @property
    def is_api(self) -> bool:
        return self.rule.startswith("/api/")

    @property
    def safe(self) -> bool:
        return self.method == "GET"


def operations(app) -> list[Operation]:
    """Every (rule, method) of the app, sorted."""
    found = []
    rule: Rule
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - IGNORED_METHODS):
            found.append(Operation(rule.endpoint, method, rule.rule, tuple(sorted(rule.arguments))))
    return sorted(found, key=lambda op: (op.rule, op.method))


def url_for_side(op: Operation, ids: dict, year: int, kinds: dict[str, str] | None = None,
                 override: object | None = None) -> str:
    """The operation's path with every variable taken from `ids` (a side's ids; `kinds` renames an argument's
    kind, e.g. household_id -> tenant_household_id); `override` replaces every object id (a missing id)."""
    kinds = kinds or {}
    path = op.rule
    for name in op.arguments:
        if name == "year":
            value = year
        elif name == "filename":
            value = FILES[op.endpoint]
        elif name in FIXED:
            value = FIXED[name]
        else:
            value = ids[kinds.get(name, name)]
            if override is not None and name not in ("kind", "token"):
                value = override
        path = re.sub(rf"<(?:[^<>:]+:)?{name}>", lambda _m, v=str(value): v, path)  # any converter: int, any(...)
    return path
