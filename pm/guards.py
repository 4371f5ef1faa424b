"""Request guards for every page and API call: no NUL byte in any input, a bounded X-Request-Id, no-store caching.

- A NUL byte (\\x00) in a query parameter, form field, JSON string or URL part is refused before any view runs:
  PostgreSQL cannot store or compare it in text, so it would otherwise be a 500 there (and pass on SQLite).
  The API answers its usual 422 envelope naming the field; pages answer 400 naming it.
- The X-Request-Id of a client (echoed in the response and kept on audit entries) is kept when it is a short
  printable token, cut to the audit column's length when longer, and replaced by a fresh UUID otherwise.
- An <int:...> URL part beyond a 32-bit id does not match the route (404), instead of overflowing the query.
- Responses to a signed-in user (session or API token) are `Cache-Control: no-store`: nothing personal stays
  in a shared computer's browser cache or a proxy. Static files and the public pages keep their own caching.
"""
from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

from flask import Flask, g, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from pm.errors import envelope, wants_json
from pm.services.numbers import INT32_MAX

REQUEST_ID_MAX = 36  # audit_entries.request_id is VARCHAR(36) (a UUID)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]+$")
NUL = "\x00"
# Endpoints whose responses may be cached: files that are the same for everyone.
CACHEABLE_ENDPOINTS = frozenset({"static", "bootstrap.static", "apidocs.asset"})


def clean_request_id(raw: str | None) -> str:
    """The client's request id when it is a printable token (cut to REQUEST_ID_MAX), else a new UUID."""
    raw = (raw or "").strip()
    if raw and _REQUEST_ID.match(raw):
        return raw[:REQUEST_ID_MAX]
    return str(uuid.uuid4())


def _json_strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(field path, string) of every key and string value in a parsed JSON document."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            yield where, str(key)
            yield from _json_strings(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_strings(item, f"{path}.{index}" if path else str(index))


def _json_body() -> Any:
    """The request's JSON body for inspection only (numbers stay text); None when absent or unreadable, which
    the API's own parser then answers with its 400."""
    if not request.is_json:
        return None
    try:
        return json.loads(request.get_data(cache=True), parse_float=str, parse_int=str)
    except (ValueError, RecursionError):
        return None


def _inputs() -> Iterator[tuple[str, str]]:
    """(field, value) of everything a client typed: URL parts, query string, form fields, JSON strings."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str):
            yield name, value
    for name, values in request.args.lists():
        yield name, name
        for value in values:
            yield name, value
    if not _body_within_limit():
        return  # the view refuses it (413) after its own permission check; it is never read as data
    for name, values in request.form.lists():
        yield name, name
        for value in values:
            yield name, value
    for name, file in request.files.items(multi=True):
        yield name, file.filename or ""
    yield from _json_strings(_json_body(), "")


def _body_within_limit() -> bool:
    """Whether the declared body fits MAX_CONTENT_LENGTH (reading a bigger one would answer 413 before the view)."""
    limit = request.max_content_length
    return limit is None or request.content_length is None or request.content_length <= limit


def nul_field() -> str | None:
    """The first input field holding a NUL byte, or None."""
    for field, value in _inputs():
        if NUL in value:
            return field.replace(NUL, "\\x00") or "_body"
    return None


def refuse_nul():
    """before_request: a NUL byte anywhere in the input is refused with the field named, before any view."""
    field = nul_field()
    if field is None:
        return None
    message = _("“%(field)s”不能包含空字符（\\x00）", field=field)
    if wants_json():
        return envelope(422, message, _nested(field.split("."), [message]))
    return render_template("errors/error.html", code=400, message=message), 400


def _signed_in() -> bool:
    if g.get("_login_user") is not None and getattr(g._login_user, "is_authenticated", False):
        return True
    return bool(current_user and current_user.is_authenticated)


def no_store(response):
    """after_request: a response to a signed-in user is never cached (static files excepted)."""
    if request.endpoint in CACHEABLE_ENDPOINTS:
        return response
    if _signed_in():
        response.headers["Cache-Control"] = "no-store"
    return response


def _nested(path: list[str], leaf: list[str]) -> dict:
    """{"findings": {"0": {"note": [...]}}} for findings.0.note: the shape marshmallow gives nested errors."""
    return {path[0]: _nested(path[1:], leaf) if len(path) > 1 else leaf}


def register_guards(app: Flask) -> None:
    app.before_request(refuse_nul)
    app.after_request(no_store)


class BoundedIntConverter(IntegerConverter):
    """<int:...> in URLs: at most a 32-bit id (a longer number is a 404, not an overflow in the database)."""

    def __init__(self, map, fixed_digits=0, min=None, max=INT32_MAX, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def register_converters(app: Flask) -> None:
    """Before the blueprints: their rules bind the converters when they are added."""
    app.url_map.converters["int"] = BoundedIntConverter
