"""老旧小区长效管理平台: the application factory."""
from __future__ import annotations

import logging
import os
from decimal import Decimal

from flask import Flask, flash, g, has_request_context, request, session
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

import pm.models  # noqa: F401  (every model on the metadata)
from config import CONFIGS
from pm.access import can, current_scope, load_domain_rules
from pm.blueprints import register_all
from pm.cli import register_commands
from pm.errors import register_errors
from pm.extensions import api, babel, bootstrap, csrf, db, login_manager, migrate
from pm.guards import clean_request_id, register_converters, register_guards
from pm.services.accounts.login import TERM_ENDED
from pm.services.accounts.sessions import load_login
from pm.services.labels import label, label_of, place_label
from pm.services.money import format_fen
from pm.services.messages import render as render_message
from pm.services.notifications import body_of, title_of, unread_count
from pm.services.stations.teams import team_name
from pm.timeutil import to_local
from pm.transactions import PMFlask

logger = logging.getLogger(__name__)


def create_app(config_name: str | None = None, **overrides) -> Flask:
    """Build the app. No tables are created here (migrations do that), no scheduler is started."""
    app = PMFlask(__name__, instance_path=os.environ.get("PM_INSTANCE_DIR") or None)
    name = config_name or os.environ.get("PM_CONFIG", "development")
    app.config.from_object(CONFIGS[name]())
    app.config.update(overrides)
    os.makedirs(app.config["INSTANCE_DIR"], exist_ok=True)
    os.makedirs(app.config["UPLOAD_DIR"], exist_ok=True)
    if app.config.get("TRUSTED_PROXIES"):
        # X-Forwarded-For is believed only from the configured number of proxies (PM_TRUSTED_PROXIES).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"])
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    register_extensions(app)
    register_converters(app)  # before the blueprints' routes bind them
    register_blueprints(app)
    register_request_hooks(app)
    register_guards(app)  # NUL bytes refused, no-store for signed-in users (pm/guards.py)
    register_template_helpers(app)
    register_errors(app)  # after api.init_app so our JSON envelope wins
    register_commands(app)
    return app


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: enforce foreign keys, use WAL so readers do not block the writer."""
    module = type(dbapi_connection).__module__
    if "sqlite" not in module:
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def select_locale() -> str:
    if not has_request_context():  # CLI commands and scheduled jobs speak the default language
        return "zh_CN"
    lang = session.get("lang")
    if lang in ("zh_CN", "en"):
        return lang
    return "zh_CN"


def register_extensions(app: Flask) -> None:
    load_domain_rules()  # every domain registers its scope rules and capabilities

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Shanghai")
    bootstrap.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(token: str):
        # A login session id (from the session or the remember-me cookie), checked against the database on
        # every request: logout, the idle timeout, expiry and revocation end it (pm.services.accounts.sessions).
        why: dict = {}
        user = load_login(token, why=why)
        if "term_ended" in why:  # tell the member why the login stopped (pm.services.accounts.terms)
            flash(gettext(TERM_ENDED, date=why["term_ended"].isoformat()), "error")
        return user

    api.init_app(app)


def register_blueprints(app: Flask) -> None:
    register_all(app)


def register_request_hooks(app: Flask) -> None:
    @app.before_request
    def assign_request_id():
        g.request_id = clean_request_id(request.headers.get("X-Request-Id"))

    @app.after_request
    def security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        response.headers.setdefault("X-Request-Id", g.get("request_id", ""))
        return response


def register_template_helpers(app: Flask) -> None:

    @app.template_filter("local_dt")
    def local_dt(value, fmt: str = "%Y-%m-%d %H:%M"):
        value = to_local(value)
        return value.strftime(fmt) if value else ""

    app.template_filter("yuan")(format_fen)  # integer fen as yuan with two decimals, exactly (no float)

    @app.template_filter("area")
    def area(value):
        if value is None:
            return ""
        return f"{Decimal(value):.2f}"

    @app.template_filter("area_grouped")
    def area_grouped(value):
        """A large area with thousands separators: 287,571.37."""
        if value is None:
            return ""
        return f"{Decimal(value):,.2f}"

    def _unread() -> int:
        return unread_count(current_user) if current_user.is_authenticated else 0

    @app.context_processor
    def inject_helpers():
        return {
            "can": lambda capability: can(current_user, capability),
            "current_locale": select_locale(),
            "languages": app.config["LANGUAGES"],
            "scope": current_scope,
            "label": label,
            "place_label": place_label,
            "label_of": label_of,  # label_of("assessment_names", name): shipped names translated, typed ones as typed
            "has_endpoint": lambda name: name in app.view_functions,
            "unread_notifications": _unread,
            "note_title": title_of,
            "note_body": body_of,
            "team_name": team_name,
            "render_message": render_message,
        }
