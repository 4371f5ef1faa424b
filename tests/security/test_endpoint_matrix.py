"""Role × endpoint: every operation of app.url_map, for the nine demo roles, against tests/security/expectations.py.

One database per module (the demo county plus a foreign county, tests/security/world.py); reads are sent with
the demo logins' own objects and with the foreign county's; state-changing operations only ever with the
foreign county's ids, and the whole database must be unchanged afterwards.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

import pytest

from tests.security.expectations import EXPECTATIONS, KNOWN_DEVIATIONS, KNOWN_ROLES, Get, Own, Public, Write
from tests.security.routes import Operation, operations, url_for_side
from tests.security.world import ANONYMOUS, FOREIGN_MARK, FOREIGN_PHONE, MISSING_ID, ROLES

NOT_OBJECT_IDS = {"year", "filename", "code", "action", "kind", "token", "step"}
REFUSED = {403, 404}


def _ops(app, *, safe: bool) -> list[tuple[Operation, object]]:
    return [(op, EXPECTATIONS[op.key]) for op in operations(app) if op.safe == safe and op.key in EXPECTATIONS]


def _query(template: str, ids: dict, override: object | None = None) -> str:
    if not template:
        return ""
    return "?" + re.sub(r"\{(\w+)\}", lambda m: str(override if override is not None else ids[m.group(1)]), template)


def _fill(data: dict | None, ids: dict, override: object | None = None) -> dict:
    """A body or form with every "{x_id}" replaced by the side's id (or `override`)."""
    def one(value):
        if isinstance(value, str) and re.fullmatch(r"\{\w+\}", value):
            return override if override is not None else ids[value[1:-1]]
        if isinstance(value, list):
            return [one(v) for v in value]
        if isinstance(value, dict):
            return {k: one(v) for k, v in value.items()}
        return value

    return one(data or {})


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: bytes
    location: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def _call(sec, op: Operation, role: str, url: str, data: dict | None = None, headers: dict | None = None) -> Answer:
    if op.is_api:
        kwargs = {"json": data} if data is not None else {}
        resp = sec.app.test_client().open(url, method=op.method, headers={**sec.headers(role), **(headers or {})},
                                          **kwargs)
    else:
        resp = sec.web(role).open(url, method=op.method, data=data or {})
    try:
        return Answer(resp.status_code, resp.get_data(), resp.headers.get("Location", ""))
    finally:
        resp.close()


def _object_ids(op: Operation, expectation) -> list[str]:
    names = [a for a in op.arguments if a not in NOT_OBJECT_IDS]
    query = getattr(expectation, "query", "")
    names += re.findall(r"\{(\w+)\}", query)
    for data in (getattr(expectation, "body", None), getattr(expectation, "form", None)):
        names += re.findall(r"\{(\w+)\}", repr(data or {}))
    kinds = getattr(expectation, "kinds", {})
    return [kinds.get(n, n) for n in names]


# Messages flashed by an earlier request of the sweep, shown on whichever page comes next.
STALE_FLASHES = re.compile(r'(<main class="container my-3">)\s*(?:<div class="alert alert-[\w-]+" role="alert">[^<]*</div>\s*)+')


CSRF = re.compile(r'(?<=name="csrf_token" value=")[^"]*')


def _normalised(resp, ids: list[str]) -> tuple[int, str]:
    """Status and body with the object ids replaced, so an outside id and a missing one compare equal."""
    text = unquote(CSRF.sub("<csrf>", STALE_FLASHES.sub(r"\1", resp.text)) + "\n" + resp.location)
    for value in sorted({str(v) for v in ids} | {str(MISSING_ID)}, key=len, reverse=True):
        text = re.sub(rf"(?<![\w.]){re.escape(value)}(?!\w|\.\d)", "<id>", text)
    return resp.status_code, text


def _denied(op: Operation, role: str) -> int | None:
    """What anonymous gets from a login-only operation."""
    if role != ANONYMOUS:
        return None
    return 401 if op.is_api else 302


def test_every_operation_has_an_expectation(sec):
    """Each (rule, method) of the URL map has an entry in the registry, and each entry an operation."""
    keys = {op.key for op in operations(sec.app)}
    missing = sorted(keys - EXPECTATIONS.keys())
    assert not missing, "\n".join(
        f"endpoint {key} has no scope test: add it to tests/security/expectations.py" for key in missing)
    assert not sorted(EXPECTATIONS.keys() - keys), "entries for operations that no longer exist"


def _want(op: Operation, expectation, role: str) -> int:
    if isinstance(expectation, Public):
        return expectation.status
    if role == ANONYMOUS:
        return expectation.anonymous if expectation.anonymous is not None else _denied(op, role)
    if role in expectation.ok:
        return expectation.status
    return 404 if role in expectation.nf else 403


@pytest.mark.parametrize("role", ROLES)
def test_reads_inside_the_scope(sec, role):
    """Every read answers the role as the registry says, and no page or list shows the foreign county."""
    got, want, leaks = {}, {}, []
    for op, expectation in _ops(sec.app, safe=True):
        assert isinstance(expectation, Get | Public), f"{op.key}: a read needs Get or Public"
        kinds = getattr(expectation, "kinds", {})
        url = url_for_side(op, sec.inside.ids, sec.year, kinds) + _query(getattr(expectation, "query", ""),
                                                                           sec.inside.ids)
        resp = _call(sec, op, role, url)
        got[op.key], want[op.key] = resp.status_code, _want(op, expectation, role)
        body = resp.body
        if FOREIGN_MARK.encode() in body or FOREIGN_PHONE.encode() in body:
            leaks.append(op.key)
    assert {k: v for k, v in got.items() if v != want[k]} == {k: v for k, v in want.items() if v != got[k]}
    assert leaks == []


@pytest.mark.parametrize("role", ROLES)
def test_reads_outside_the_scope_reveal_nothing(sec, role):
    """A read of the foreign county's object is refused exactly as a read of an object that does not exist."""
    assert _outside_read_sweep(sec, role) == {}


def _outside_read_sweep(sec, role: str) -> dict:
    wrong = {}
    for op, expectation in _ops(sec.app, safe=True):
        if isinstance(expectation, Public):
            continue
        names = _object_ids(op, expectation)
        if not names:
            continue
        kinds, query = expectation.kinds, expectation.query
        outside = url_for_side(op, sec.outside.ids, sec.year, kinds) + _query(query, sec.outside.ids)
        missing = url_for_side(op, sec.outside.ids, sec.year, kinds, override=MISSING_ID) + _query(
            query, sec.outside.ids, MISSING_ID)
        values = [sec.outside.ids[n] for n in names]
        a = _normalised(_call(sec, op, role, outside), values)
        b = _normalised(_call(sec, op, role, missing), values)
        if role == ANONYMOUS:
            allowed = {_denied(op, role)}
        elif any(a_ not in NOT_OBJECT_IDS for a_ in op.arguments):
            allowed = REFUSED
        else:  # only a filter in the query: refusing it or ignoring it (a station's own data) are both fine
            allowed = {a[0]}
        if a[0] not in allowed or a != b:
            wrong[op.key] = (a[0], b[0], "same answer" if a == b else "answers differ")
    return wrong


@pytest.mark.parametrize("role", ROLES)
def test_writes_outside_the_scope_are_refused_and_change_nothing(sec, role):
    """Every state-changing operation with the foreign county's ids (in the path or the body) is refused like a
    missing id; a creation is refused to roles that may not create; the database is unchanged afterwards."""
    sec.web(role)  # logged in before the snapshot
    with sec.unchanged() as changed:
        wrong = _write_sweep(sec, role)
    known = {key: wrong.pop(key) for key in KNOWN_DEVIATIONS if key in wrong and role != ANONYMOUS}
    assert wrong == {}
    assert changed == []
    fixed = sorted(KNOWN_DEVIATIONS.keys() - known.keys()) if role in KNOWN_ROLES else []
    assert fixed == [], "fixed: remove these from KNOWN_DEVIATIONS in tests/security/expectations.py"


def _write_sweep(sec, role: str) -> dict:
    """{operation: what was wrong} for the role's state-changing calls with outside ids."""
    wrong = {}
    for op, expectation in _ops(sec.app, safe=False):
        if isinstance(expectation, Own):
            continue
        assert isinstance(expectation, Write), f"{op.key}: a state-changing operation needs Write or Own"
        names = _object_ids(op, expectation)
        data = expectation.body if op.is_api else expectation.form
        in_path = [a for a in op.arguments if a not in NOT_OBJECT_IDS]
        if not in_path and role not in expectation.roles:
            resp = _call(sec, op, role, url_for_side(op, sec.outside.ids, sec.year), _fill(data, sec.outside.ids),
                         expectation.headers)
            want = {_denied(op, role)} if role == ANONYMOUS else REFUSED | {expectation.denied}
            if resp.status_code not in want:
                wrong[op.key] = (resp.status_code, sorted(want))
            continue
        if not names:  # a creation without anything to point outside: its own tests cover it
            continue
        outside = url_for_side(op, sec.outside.ids, sec.year, expectation.kinds)
        missing = url_for_side(op, sec.outside.ids, sec.year, expectation.kinds, override=MISSING_ID)
        values = [sec.outside.ids[n] for n in names]
        a = _normalised(_call(sec, op, role, outside, _fill(data, sec.outside.ids), expectation.headers), values)
        b = _normalised(_call(sec, op, role, missing, _fill(data, sec.outside.ids, MISSING_ID), expectation.headers),
                        values)
        allowed = {_denied(op, role)} if role == ANONYMOUS else (REFUSED if in_path else REFUSED | {200, 400, 422})
        if a[0] not in allowed or a != b:
            wrong[op.key] = (a[0], b[0], "same answer" if a == b else "answers differ")
    return wrong
