"""Domain errors raised by services, and the one JSON error envelope of the API.

Every API error has the shape flask-smorest uses for validation errors:
``{"code": 422, "status": "Unprocessable Entity", "message": "...", "errors": {"json": {"field": ["reason"]}}}``
"""
from __future__ import annotations

import logging

from flask import Flask, has_request_context, jsonify, render_template, request
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from pm.extensions import db

logger = logging.getLogger(__name__)


def _localise(message: str, params: dict) -> str:
    """The message in the request's language (outside a request: as written), with its %(name)s filled in."""
    if has_request_context():
        return _(message, **params) if params else _(message)
    return message % params if params else message


class DomainError(Exception):
    """A business rule was broken; the message is for the user. Maps to 422 (or `status`).

    The message is a constant Chinese msgid (extracted by `make messages`); values go in as named
    parameters, never into an f-string (which would never match the catalogue)::

        raise DomainError("密码至少需要 %(minimum)s 个字符", field="password", minimum=12)
    """

    status = 422

    def __init__(self, message: str, *, field: str | None = None, fields: dict | None = None, **params):
        message = _localise(message, params)
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})
        if field:
            self.fields.setdefault(field, []).append(message)


class RowsRejected(DomainError):
    """A file with bad rows, of which nothing was kept: `problems` lists every one ({row, column, message});
    `message_id` (a msgid with %(n)d, set by each kind of file) counts them."""

    message_id: str

    def __init__(self, problems: list[dict]):
        super().__init__(self.message_id, field="file", n=len(problems))
        self.problems = problems


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json"
    )


def envelope(status: int, message: str, fields: dict | None = None):
    body = {"code": status, "status": HTTP_STATUS_CODES.get(status, "Error"), "message": message}
    if fields:
        body["errors"] = {"json": fields}
    return jsonify(body), status


def _rollback() -> None:
    """A failed request leaves nothing half-written, even before the session is torn down."""
    try:
        db.session.rollback()
    except Exception:  # a broken connection must not hide the original error
        logger.exception("rollback after an error failed")


def _api_message(status: int) -> str | None:
    """The Chinese message of the API's common HTTP errors (werkzeug's are English)."""
    return {
        400: _("请求格式有误（例如 JSON 无效）"),
        404: _("不存在，或不在您的权限范围内"),
        405: _("不支持该请求方法"),
        413: _("上传的文件太大"),
        422: _("输入有误"),
    }.get(status)


def register_errors(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain(err: DomainError):
        _rollback()
        if wants_json():
            return envelope(err.status, err.message, err.fields)
        return render_template("errors/error.html", code=err.status, message=err.message), err.status

    @app.errorhandler(ValidationError)
    def handle_validation(err: ValidationError):
        _rollback()
        messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
        if wants_json():
            return envelope(422, _("输入有误"), messages)
        return render_template("errors/error.html", code=422, message=str(messages)), 422

    @app.errorhandler(HTTPException)
    def handle_http(err: HTTPException):
        status = err.code or 500
        _rollback()
        if wants_json():
            # flask-smorest attaches webargs messages to err.data for 422s
            data = getattr(err, "data", None) or {}
            messages = data.get("messages")
            fields = None
            if isinstance(messages, dict):
                fields = {}
                for location, errs in messages.items():
                    if isinstance(errs, dict):
                        fields.update(errs)
                    else:
                        fields[location] = errs
            message = data.get("message") or _api_message(status) or err.description or err.name
            return envelope(status, message, fields)
        if status == 413:
            message = _("上传的文件太大")
        elif status == 404:
            message = _("页面不存在，或您无权查看")
        elif status == 403:
            message = _("您无权进行此操作")
        else:
            message = err.description or err.name
        return render_template("errors/error.html", code=status, message=message), status

    @app.errorhandler(IntegrityError)
    def handle_integrity(err: IntegrityError):
        """A unique key lost a race with a parallel request (the service checked first): a 409, not a 500."""
        _rollback()
        logger.warning("integrity error on %s: %s", request.path, err.orig)
        message = _("数据冲突：可能有人同时提交了相同的记录，请刷新后重试")
        if wants_json():
            return envelope(409, message)
        return render_template("errors/error.html", code=409, message=message), 409

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def handle_out_of_range(err: Exception):
        """A value the database cannot hold (a number beyond its column, a NUL byte in text) that slipped past
        the input checks: the input was bad, so a 422 (web: 400), never a 500. Logged, since a check is missing."""
        _rollback()
        logger.warning("value out of range on %s: %s", request.path, err)
        message = _("输入的数值或文字超出允许的范围")
        if wants_json():
            return envelope(422, message)
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(Exception)
    def handle_unexpected(err: Exception):
        if app.config.get("PROPAGATE_UNHANDLED"):
            raise err  # tests see the traceback instead of a 500 page
        logger.exception("unhandled error on %s", request.path)
        _rollback()
        if wants_json():
            return envelope(500, _("服务器内部错误"))
        return render_template("errors/error.html", code=500, message=_("服务器内部错误")), 500
