"""登录 pages: login, logout, language, password and API tokens."""
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from pm.access import current_scope
from pm.blueprints.auth.forms import LoginForm, PasswordForm, TokenForm
from pm.errors import DomainError, Forbidden
from pm.extensions import db
from pm.models.accounts import PERSON_ROLES
from pm.services.accounts import login as logins
from pm.services.accounts import passwords, sessions, throttle
from pm.services.accounts import tokens as api_tokens
from pm.transactions import keep_changes_on_error

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after login (no open redirect)."""
    if not target:
        return url_for("dashboard.dashboard")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("dashboard.dashboard")
    return target


def _begin_session(user, *, remember: bool) -> None:
    """A new login: a fresh session (nothing of the anonymous one survives but the language) carrying the id of
    a new login session row, so a session fixed before login is worthless."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    sessions.start_login(user, remember=remember)
    login_user(user, remember=remember)
    session.permanent = True


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = logins.authenticate(form.username.data, form.password.data, address=request.remote_addr,
                                       device=throttle.read_device_cookie(request.cookies.get(throttle.DEVICE_COOKIE)))
        except DomainError as err:
            keep_changes_on_error()  # the failure is counted even though the answer is an error
            for field, messages in err.fields.items():
                getattr(form, field).errors.extend(messages)
            throttled = isinstance(err, throttle.TooManyAttempts)
            response = make_response(render_template("auth/login.html", form=form), 429 if throttled else 400)
            if throttled:
                response.headers["Retry-After"] = str(err.retry_after)
            return response
        _begin_session(user, remember=bool(form.remember.data))
        response = redirect(_safe_next(request.args.get("next")))
        # This browser has logged in to this account: its tries are counted apart from an attacker's.
        response.set_cookie(throttle.DEVICE_COOKIE, throttle.device_cookie(user),
                            max_age=throttle.DEVICE_COOKIE_DAYS * 86400, httponly=True, samesite="Lax",
                            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")), path=url_for("auth.login"))
        return response
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    """End this login for good: its row in the database (so a copied session or remember-me cookie is dead
    too), the session, and the remember-me cookie in this browser."""
    if current_user.is_authenticated:
        sessions.end_login(current_user._get_current_object(), "logout")
    lang = session.get("lang")
    session.clear()
    logout_user()  # after clear(): it marks the remember-me cookie for deletion in this response
    if lang:
        session["lang"] = lang
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    if code not in ("zh_CN", "en"):
        abort(404)
    session["lang"] = code
    return redirect(_safe_next(request.form.get("next") or request.referrer and urlsplit(request.referrer).path))


TEXT_SIZE_COOKIE = "pm_text"
TEXT_SIZE_MAX_AGE = 5 * 365 * 24 * 3600  # a phone keeps its large text across logins and logouts


@bp.route("/text-size", methods=["POST"])
def set_text_size():
    """大字模式: switch large text on or off for this browser (a cookie, kept across logins), then go back."""
    size = request.form.get("size")
    if size not in ("large", "normal"):
        abort(400)
    response = redirect(_safe_next(request.form.get("next") or request.referrer and urlsplit(request.referrer).path))
    if size == "large":
        response.set_cookie(TEXT_SIZE_COOKIE, "large", max_age=TEXT_SIZE_MAX_AGE, samesite="Lax", httponly=True,
                            secure=request.is_secure)
    else:
        response.delete_cookie(TEXT_SIZE_COOKIE, samesite="Lax", httponly=True, secure=request.is_secure)
    return response


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            passwords.set_password(current_user, form.new_password.data, scope=current_scope(), actor=current_user,
                                   old_password=form.old_password.data)
        except DomainError as err:
            db.session.rollback()
            for field, messages in err.fields.items():
                target = "new_password" if field == "password" else field
                getattr(form, target).errors.extend(messages)
            return render_template("auth/password.html", form=form), 400
        # Every login of the account ended (and its API tokens were revoked): this browser gets a new one.
        user = current_user._get_current_object()
        _begin_session(user, remember=bool(user.login_session and user.login_session.remember))
        flash(_("密码已修改，其他设备上的登录已失效"), "success")
        return redirect(url_for("dashboard.dashboard"))
    return render_template("auth/password.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    if current_user.role in PERSON_ROLES:
        raise Forbidden("业主和住户的账号不能创建 API 令牌")
    form = TokenForm()
    raw = None
    if form.validate_on_submit():
        try:
            _token, raw = api_tokens.create_api_token(current_user, form.name.data, scope=current_scope(),
                                                      actor=current_user)
        except DomainError as err:
            db.session.rollback()
            form.name.errors.extend(err.fields.get("name", [err.message]))
        else:
            form = TokenForm(formdata=None)
    return render_template("auth/tokens.html", form=form, items=api_tokens.tokens_of(current_user), raw=raw)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    token = api_tokens.own_token(current_user, token_id)
    if token is None:
        abort(404)
    api_tokens.revoke_api_token(token, scope=current_scope(), actor=current_user)
    flash(_("令牌已吊销"), "success")
    return redirect(url_for("auth.tokens"))
