"""Shared plumbing for the REST API: bearer-token authentication, pagination envelope, scope."""
from __future__ import annotations

from flask import current_app, g
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from pm.access import Scope
from pm.errors import envelope
from pm.extensions import db


class BaseSchema(Schema):
    """Unknown fields are refused, not ignored."""

    class Meta:
        unknown = RAISE
        ordered = True


class PageArgs(BaseSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


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
    """Run a scoped select with LIMIT/OFFSET; total from a COUNT over the same filter."""
    from sqlalchemy import func, select

    page, per_page = args["page"], min(args["per_page"], current_app.config["API_MAX_PAGE_SIZE"])
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return {"items": items, "page": page, "per_page": per_page, "total": total}


def api_blueprint(name: str, import_name: str, description: str) -> Blueprint:
    """A flask-smorest blueprint whose every request needs a valid bearer token."""
    blp = Blueprint(name, import_name, description=description)
    blp.before_request(require_token)
    return blp


def require_token():
    from flask import request

    from pm.services.accounts import user_for_token

    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return envelope(401, "需要 API 令牌：Authorization: Bearer <token>")
    user = user_for_token(header[7:].strip())
    if user is None:
        return envelope(401, "API 令牌无效、已过期或已吊销")
    db.session.commit()  # persists last_used_at
    # flask-login reads g._login_user; setting it authenticates this request only (no session cookie).
    g._login_user = user
    g._pm_scope = Scope(user)
    return None


def api_scope() -> Scope:
    return g._pm_scope


def api_user():
    return g._login_user
