"""Shared plumbing for the REST API: bearer-token authentication, pagination envelope, scope."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from flask import current_app, g, request
from flask_babel import gettext
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, ValidationError, fields, missing, validate
from webargs.flaskparser import FlaskParser, is_json_request

import pm.blueprints.apimessages  # noqa: F401  (Chinese default messages)
from pm.access import Scope, noun
from pm.errors import DomainError, NotFound, envelope
from pm.extensions import db
from pm.services.accounts.tokens import record_use, token_and_user, use_is_stale
from pm.services.registry.areas import parse_area
from pm.timeutil import utcnow

# Ids are 32-bit integers in PostgreSQL; larger values cannot exist and would overflow SQLite's binding.
MAX_ID = 2_147_483_647
# Dates outside this range are typing mistakes (and year 1 cannot be shifted to UTC).
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2100, 12, 31)


class ExactJSONParser(FlaskParser):
    """Reads JSON numbers with a fraction as Decimal, so 65.555 is refused rather than rounded through a float."""

    def _raw_load_json(self, req) -> Any:
        if not is_json_request(req):
            return missing
        raw = req.get_data(cache=True)
        text = raw.decode("utf-8")  # a UnicodeDecodeError becomes webargs' 400 "Invalid JSON body"
        try:
            return json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError:
            raise
        except (RecursionError, ValueError) as exc:  # nested too deeply; an integer of thousands of digits
            return self._handle_invalid_json_error(json.JSONDecodeError(str(exc), text, 0), req)


def _no_control_chars(value: str) -> None:
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value):
        raise ValidationError(gettext("不能包含控制字符"))


def text(max_length: int, **kwargs) -> fields.String:
    """A string field with a length limit (the column's) and no control characters (PostgreSQL refuses NUL)."""
    extra = kwargs.pop("validate", None) or []
    validators = [validate.Length(max=max_length), _no_control_chars]
    validators += list(extra) if isinstance(extra, (list, tuple)) else [extra]
    return fields.String(validate=validators, **kwargs)


def id_field(**kwargs) -> fields.Integer:
    """An id in a JSON body or query string: a positive 32-bit integer."""
    return fields.Integer(strict=kwargs.pop("strict", True), validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def day(**kwargs) -> fields.Date:
    """An ISO date (YYYY-MM-DD) between 1900 and 2100."""
    return fields.Date(validate=validate.Range(min=EARLIEST_DAY, max=LATEST_DAY), **kwargs)


class Area(fields.Field):
    """面积: m² as a decimal string ("65.50") or a JSON number; never more than two decimals, never a float."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).update(
            {"type": "string", "pattern": r"^\d+(\.\d{1,2})?$", "example": "65.50"}
        )
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{Decimal(value):.2f}"

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
            raise ValidationError(gettext("面积必须是数字，例如 65.32"))
        try:
            return parse_area(value, field=attr or "area_m2")
        except DomainError as err:
            raise ValidationError(err.message) from None


def get_in_scope(model: Any, ident: int, *, field: str | None = None, options: tuple = ()) -> Any:
    """Load one row in the API user's scope, or 404 (naming the body field the id came from, if any)."""
    try:
        if not 1 <= int(ident) <= MAX_ID:
            raise NotFound("%(what)s（编号 %(id)s）不存在或不在您的权限范围内", what=noun(model), id=ident)
        return api_scope().get(model, ident, options=options)
    except NotFound as err:
        if field:
            raise NotFound(err.message, field=field) from None
        raise


class BaseSchema(Schema):
    """Unknown fields are refused, not ignored."""

    class Meta:
        unknown = RAISE
        ordered = True


class PageArgs(BaseSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class PageFields(BaseSchema):
    """The envelope's counters, for a list schema with more fields than {items, page, per_page, total}."""

    page = fields.Integer(validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(validate=validate.Range(min=1, max=200))
    total = fields.Integer(validate=validate.Range(min=0, max=MAX_ID))


def page_of(rows: list, args: dict) -> dict:
    """A computed list (not a query) as the same envelope {items, page, per_page, total} as paginate()."""
    per_page = min(args["per_page"], current_app.config["API_MAX_PAGE_SIZE"])
    start = (args["page"] - 1) * per_page
    return {"items": rows[start:start + per_page], "page": args["page"], "per_page": per_page, "total": len(rows)}


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """An envelope schema {items, page, per_page, total} for a paginated list."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
            "total": fields.Integer(),
        },
        name=name,
    )


def paginate(stmt, args: dict) -> dict:
    """Flask-SQLAlchemy's paginate of a scoped select, as the envelope {items, page, per_page, total}."""
    per_page = min(args["per_page"], current_app.config["API_MAX_PAGE_SIZE"])
    page = db.paginate(stmt, page=args["page"], per_page=per_page, max_per_page=per_page, error_out=False)
    return {"items": page.items, "page": page.page, "per_page": page.per_page, "total": page.total}


_MERGED: dict[str, type] = {}


def multipart(*parts: type) -> dict:
    """The OpenAPI request body of a multipart operation whose fields come from a form and a files schema (the
    arguments are read from two locations; the document shows them as one multipart form)."""
    name = "".join(p.__name__ for p in parts) + "Multipart"
    merged = _MERGED.setdefault(name, type(name, parts, {}))
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": merged}}}}


# Every operation lists the errors any call may meet (the envelope {code, status, message, errors}): no or a bad
# token, a role or token without the capability, an id outside the caller's scope; writes also a field error.
ERROR_RESPONSES = {
    "401": ("UNAUTHORIZED", "需要有效的 API 令牌"),
    "403": ("FORBIDDEN", "角色或令牌无此权限（消息写明缺少什么）"),
    "404": ("NOT_FOUND", "不存在，或不在您的权限范围内"),
    "422": ("UNPROCESSABLE_ENTITY", "Unprocessable Entity"),
}


def _error_responses(doc: dict, _doc_info: dict, *, spec, method: str, **_kwargs) -> dict:
    """A flask-smorest doc callback: add the common error responses to each operation of the document."""
    if "multipart/form-data" in str(doc.get("requestBody", {}).get("content", {}).keys()):
        # The form fields are in the multipart request body (multipart()); OpenAPI 3 has no "formData" parameters.
        doc["parameters"] = [p for p in doc.get("parameters", []) if p.get("in") not in ("formData", "form")]
    responses = doc.setdefault("responses", {})
    for code, (name, description) in ERROR_RESPONSES.items():
        if code == "422" and method in ("get", "head", "options"):
            continue
        if name not in spec.components.responses:
            spec.components.response(name, {"description": description, "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
        responses.setdefault(code, name)
    return doc


def api_blueprint(name: str, import_name: str, description: str) -> Blueprint:
    """A flask-smorest blueprint whose every request needs a valid bearer token."""
    blp = Blueprint(name, import_name, description=description)
    blp.ARGUMENTS_PARSER = ExactJSONParser()
    blp.before_request(require_token)
    blp.teardown_request(record_token_use)
    blp._prepare_doc_cbks.append(_error_responses)
    return blp


# A service account's token (limited to named capabilities) opens an API blueprint only when it holds one of the
# capabilities listed for it; a blueprint (or endpoint) not listed here is closed to such tokens.
SERVICE_GATES: dict[str, frozenset[str]] = {
    name: frozenset(caps) for names, caps in (
        (("treeedit_api",), ("tree.edit",)),
        (("tree_api", "compounds_api", "households_api", "stations_api"),
         ("registry.view", "compound.edit", "household.edit", "tree.edit")),
        (("funds_api", "statements_api", "fund_integration_api"),
         ("fund.view", "fund.cashier", "fund.rates", "fund.returns")),
        (("plans_api",), ("fund.view", "fund.plan.propose", "fund.ballot.paper")),
        (("policy_api",), ("fund.view", "fund.rates")),
        (("repairs_api",), ("repair.handle", "repair.rules", "repair.portal", "repair.metrics")),
        (("stationwork_api",), ("stations.view", "stations.log", "stations.manage")),
        (("teams_api",), ("stations.manage",)),
        (("repairadmin_api",), ("repair.rules", "repair.portal", "repair.migrate")),
        (("inspections_api",), ("inspection.view", "inspection.create")),
        (("imports_api",), ("registry.import",)),
        (("repairimports_api",), ("repair.import",)),
        (("audit_api",), ("audit.view",)),
        (("files_api",), ("fund.view", "repair.handle", "stations.view", "inspection.view")),
        (("commonincome_api",), ("income.view", "income.record", "fund.returns")),
        (("surveys_api",), ("survey.view", "survey.manage")),
        (("motions_api",), ("motions.file", "motions.ballot.paper", "motions.policy")),
        (("meetings_api",), ("meetings.view", "meetings.convene")),
        (("notices_api",), ("notices.view", "notices.post")),
        (("governance_api",), ("governance.view", "governance.manage", "governance.coverage")),
        (("elections_api",), ("governance.view", "governance.elections", "governance.officers", "governance.paper")),
        (("volunteers_api",), ("volunteers.view", "volunteers.manage")),
        (("jobs_api",), ("jobs.view",)),
        (("assessments_api",),
         ("assessment.view", "assessment.manage", "assessment.event", "assessment.appeal")),
        (("assessment_results_api",), ("assessment.view", "assessment.manage")),
    ) for name in names
}
# API blueprints closed to every service token on purpose (each with its reason); every API blueprint is either
# in SERVICE_GATES or here (tests/accounts/test_service_gates.py).
SERVICE_CLOSED: dict[str, str] = {
    "accounts_api": "people's logins, invitations and passwords: never an integration's (NOT_FOR_SERVICES); "
                    "only /me is open to any token (SERVICE_OPEN_ENDPOINTS)",
    "tokens_api": "tokens and service accounts are issued by a person: a token does not mint or revoke tokens",
    "notifications_api": "the caller's own bell (a person's notifications and their read marks), not an integration's",
}
SERVICE_OPEN_ENDPOINTS = frozenset({"accounts_api.Me"})  # who am I: any token


def record_token_use(_exc=None) -> None:
    """teardown_request: write the token's last use once the request's session has given its connection back."""
    pending = g.pop("_pm_token_use", None)
    if pending is not None:
        db.session.remove()
        record_use(*pending)


def require_token():
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return envelope(401, "需要 API 令牌：Authorization: Bearer <token>")
    now = utcnow()
    found = token_and_user(header[7:].strip(), now=now)
    if found is None:
        return envelope(401, "API 令牌无效、已过期或已吊销")
    token, user = found
    if use_is_stale(token, now):
        g._pm_token_use = (token.id, now)  # recorded after the request (record_token_use), not while it holds a connection
    # flask-login reads g._login_user; setting it authenticates this request only (no session cookie).
    g._login_user = user
    g._pm_scope = Scope(user)
    g._pm_api_token = (token.id, token.name)  # every audit row of this call names the token
    if token.capabilities is not None:
        limit = frozenset(token.capabilities)
        g._pm_token_limit = (user.id, limit)
        if request.endpoint not in SERVICE_OPEN_ENDPOINTS:
            needed = SERVICE_GATES.get(request.blueprint or "", frozenset())
            if not needed & limit:
                return envelope(403, gettext("此令牌无权调用该接口：需要以下权限之一：%(needed)s（令牌有：%(allowed)s）",
                                             needed="、".join(sorted(needed)) or "—",
                                             allowed="、".join(sorted(limit)) or "—"))
    return None


def api_scope() -> Scope:
    return g._pm_scope


def api_user():
    return g._login_user
