"""Configuration classes, read from environment variables."""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("PM_INSTANCE_DIR", BASE_DIR / "instance"))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Defaults for development: embedded SQLite under instance/."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'pm.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    INSTANCE_DIR = str(INSTANCE_DIR)
    UPLOAD_DIR = os.environ.get("PM_UPLOAD_DIR", os.path.join(INSTANCE_DIR, "uploads"))

    # Uploads: a registry workbook of a large compound is a few MB; anything bigger is refused with 413.
    MAX_CONTENT_LENGTH = int(os.environ.get("PM_MAX_UPLOAD_MB", "16")) * 1024 * 1024
    IMPORT_MAX_ROWS = 50_000
    IMPORT_ASYNC = True  # run imports in a background thread so the browser can show progress
    IMPORT_MAX_RUNNING = int(os.environ.get("PM_IMPORT_MAX_RUNNING", "2"))  # imports reading or writing at once, across all workers (more: 503, try again)
    IMPORT_PLAN_TTL = timedelta(minutes=30)  # an import preview not confirmed by then expires

    # Sessions and cookies (reliability.md: flask defaults to change).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("PM_SECURE_COOKIES", False)
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _bool("PM_SECURE_COOKIES", False)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    # The session cookie is sent when the session changes (login, logout, a flash, the CSRF token), not again with
    # every response: a response still in flight when the browser lost its cookies (cleared, or logged out in
    # another tab) would put them back. A login's lifetime is the server's (LoginSession.expires_at).
    SESSION_REFRESH_EACH_REQUEST = False
    SESSION_IDLE_MINUTES_OFFICIAL = 30
    SESSION_IDLE_MINUTES_RESIDENT = 7 * 24 * 60  # residents (often elderly) keep a longer session: documented choice

    # Login throttling (pm/services/accounts/throttle.py), counted in the database (works across gunicorn
    # workers): after 5 failures of an account (20 of a client address) each next try waits 1, 2, 4 … s, at most
    # 15 minutes; failures are forgotten after a day without one.
    LOGIN_FREE_FAILURES = 5
    LOGIN_FREE_FAILURES_ADDRESS = 20
    LOGIN_DELAY_CAP_SECONDS = 900
    LOGIN_FAILURE_MEMORY_HOURS = 24
    # How many reverse proxies in front of the app append to X-Forwarded-For (0: trust no header; the client
    # address is the socket's). Behind one nginx: PM_TRUSTED_PROXIES=1.
    TRUSTED_PROXIES = int(os.environ.get("PM_TRUSTED_PROXIES", "0"))
    PASSWORD_MIN_LENGTH_OFFICIAL = 12
    PASSWORD_MIN_LENGTH_RESIDENT = 8
    # werkzeug's method for new password hashes (pm.services.accounts.passwords); slow on purpose.
    PASSWORD_HASH_METHOD = "scrypt"

    WTF_CSRF_TIME_LIMIT = None  # token lives as long as the session

    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh_CN": "中文", "en": "English"}
    TIMEZONE = "Asia/Shanghai"

    BOOTSTRAP_SERVE_LOCAL = True  # no CDN: Bootstrap is served from the package's static files

    API_TITLE = "老旧小区长效管理平台 API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    # Swagger UI is served by our own page (pm/blueprints/apidocs) from local files, not flask-smorest's CDN page.
    OPENAPI_SWAGGER_UI_PATH = None
    API_SPEC_OPTIONS = {
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}
        },
        "security": [{"bearerAuth": []}],
    }
    API_MAX_PAGE_SIZE = 200

    SCHEDULER_EMBEDDED = False  # `make run` sets PM_EMBED_SCHEDULER=1 for a one-machine set-up
    # Text messages (invitation and password-reset codes): pm/services/sms.py. "console" logs them (development,
    # tests); "http" posts them to an SMS gateway; "package.module:Class" plugs in any other provider.
    SMS_SENDER = os.environ.get("PM_SMS_SENDER", "console")
    SMS_HTTP_URL = os.environ.get("PM_SMS_HTTP_URL", "")
    SMS_HTTP_TOKEN = os.environ.get("PM_SMS_HTTP_TOKEN", "")
    SMS_SIGNATURE = os.environ.get("PM_SMS_SIGNATURE", "老旧小区长效管理平台")
    # One-time codes for owners and residents (pm/services/accounts/claims.py).
    CLAIM_LETTER_DAYS = 14
    CLAIM_SMS_MINUTES = 15
    CLAIM_MAX_ATTEMPTS = 5


class DevelopmentConfig(Config):
    SCHEDULER_EMBEDDED = _bool("PM_EMBED_SCHEDULER", False)


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing"
    WTF_CSRF_ENABLED = False
    PROPAGATE_UNHANDLED = True
    STRICT_SAFE_METHODS = True  # a GET that writes fails the test (pm/transactions.py)
    IMPORT_ASYNC = False
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    # A cheap hash: tests log in and create accounts hundreds of times (scrypt costs ~0.3 s each).
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = _bool("PM_SECURE_COOKIES", True)
    REMEMBER_COOKIE_SECURE = _bool("PM_SECURE_COOKIES", True)

    def __init__(self) -> None:
        if self.SECRET_KEY == "dev-only-not-secret":
            raise RuntimeError("SECRET_KEY must be set in production")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
