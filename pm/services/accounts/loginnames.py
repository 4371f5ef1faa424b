"""登录名: usernames and phones kept apart, so that a typed login name always means one account.

The rule (checked whenever an account gets a username or a phone):
- the phone follows the one phone rule (pm.services.text) and is stored as digits;
- a username that is a phone number is the account's own phone: stored as digits, and the account's phone
  when it has none; so no username ever looks like the phone of another account;
- a username is used by one account; a phone is neither another account's phone nor its username.
Login (pm.services.accounts.login.find_account) then looks up the username first, and the phone only when
exactly one account has it (accounts made before this rule may share one: such a phone logs in nobody).
"""
from __future__ import annotations

from sqlalchemy import func, select

from pm.errors import DomainError
from pm.extensions import db
from pm.models import User
from pm.services.text import N_, check_phone, check_text, normalise_phone

USERNAME_MAX = 64


def _phone_like(username: str) -> str | None:
    try:
        return normalise_phone(username)
    except DomainError:
        return None


def _others(user_id: int | None):
    return User.id != user_id if user_id is not None else True


def check_login_names(username, phone, *, user_id: int | None = None) -> tuple[str, str | None]:
    """The username and phone an account (`user_id`, or a new one) may have, normalised; DomainError on the
    field that breaks the rule."""
    username = check_text(username, field="username", label=N_("用户名"), max_len=USERNAME_MAX)
    phone = check_phone(phone)
    as_phone = _phone_like(username)
    if as_phone is not None:
        if phone is not None and phone != as_phone:
            raise DomainError("用户名是手机号时，必须是本账号的手机号", field="username")
        username = phone = as_phone
    others = _others(user_id)
    if db.session.scalar(select(func.count()).select_from(User).where(User.username == username, others)):
        raise DomainError("该用户名已被使用", field="username")
    if phone is not None:
        if db.session.scalar(select(func.count()).select_from(User).where(User.phone == phone, others)):
            raise DomainError("该手机号已绑定其他账号", field="phone")
        if db.session.scalar(select(func.count()).select_from(User).where(User.username == phone, others)):
            raise DomainError("该手机号已是其他账号的用户名", field="phone")
    return username, phone
