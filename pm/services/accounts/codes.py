"""一次性验证码: making, hashing, finding and spending the one-time codes of invitations and password resets.

A letter's code is 12 characters (4 public + 8 secret, shown as ABCD-EFGH-JKMN): the public half finds the row,
the secret half is checked against a keyed hash. An SMS code is 6 digits, checked against the newest live code
sent to that phone. Every check counts an attempt first (an atomic UPDATE … WHERE attempts < limit, so parallel
guesses cannot exceed the limit); a wrong code raises WrongCode, whose attempt the caller keeps (the page calls
keep_changes_on_error()). After CLAIM_MAX_ATTEMPTS the code is dead. A code is spent by a guarded UPDATE
(… WHERE used_at IS NULL), so of two parallel uses exactly one wins.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from flask import current_app
from sqlalchemy import select, update

from pm.errors import Conflict, DomainError
from pm.extensions import db
from pm.models import ClaimCode, ClaimMethod, ClaimPurpose
from pm.services.text import N_, normalise_phone

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by elderly owners
LOOKUP_LEN, SECRET_LEN = 4, 8


def _hash(secret: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"pm-claim-code:{secret}".encode(), hashlib.sha256).hexdigest()


def new_letter_code() -> tuple[str, str, str]:
    """(lookup, secret hash, the code as printed)."""
    lookup = "".join(secrets.choice(ALPHABET) for _ in range(LOOKUP_LEN))
    secret = "".join(secrets.choice(ALPHABET) for _ in range(SECRET_LEN))
    shown = f"{lookup}-{secret[:4]}-{secret[4:]}"
    return lookup, _hash(secret), shown


def new_sms_code() -> tuple[str, str]:
    """(secret hash, the 6-digit code)."""
    code = f"{secrets.randbelow(10 ** 6):06d}"
    return _hash(code), code


def unique_lookup() -> tuple[str, str, str]:
    """A letter code whose public half is not in use yet."""
    while True:
        lookup, hashed, shown = new_letter_code()
        if db.session.scalar(select(ClaimCode.id).where(ClaimCode.lookup == lookup)) is None:
            return lookup, hashed, shown


def is_live(code: ClaimCode, now: datetime) -> bool:
    return code.used_at is None and code.revoked_at is None and code.expires_at > now


class WrongCode(DomainError):
    """A code that does not match: its counted attempt must be kept although the request fails."""


def _count_attempt(code_id: int, limit: int) -> bool:
    """Count one attempt (an atomic guarded UPDATE that also locks the row); False when none is left."""
    result = db.session.execute(update(ClaimCode).where(ClaimCode.id == code_id, ClaimCode.attempts < limit)
                                .values(attempts=ClaimCode.attempts + 1).execution_options(synchronize_session=False))
    return result.rowcount == 1


def _letter_row(typed: str) -> tuple[ClaimCode | None, str]:
    text = "".join(ch for ch in typed.upper() if ch.isalnum())
    if len(text) != LOOKUP_LEN + SECRET_LEN:
        return None, ""
    row = db.session.scalar(select(ClaimCode).where(ClaimCode.lookup == text[:LOOKUP_LEN],
                                                    ClaimCode.method == ClaimMethod.LETTER))
    return row, text[LOOKUP_LEN:]


def _sms_row(typed: str, phone: str | None, purpose: ClaimPurpose, now: datetime) -> tuple[ClaimCode | None, str]:
    digits = "".join(ch for ch in typed if ch.isdigit())
    try:
        phone = normalise_phone(phone)
    except DomainError:
        phone = None
    if not phone or len(digits) != 6:
        return None, ""
    row = db.session.scalar(
        select(ClaimCode).where(ClaimCode.phone == phone, ClaimCode.method == ClaimMethod.SMS,
                                ClaimCode.purpose == purpose, ClaimCode.used_at.is_(None),
                                ClaimCode.revoked_at.is_(None), ClaimCode.expires_at > now)
        .order_by(ClaimCode.id.desc()).limit(1))
    return row, digits


def check_code(typed: str | None, *, purpose: ClaimPurpose, phone: str | None, now: datetime) -> ClaimCode:
    """The live code the person typed (a letter's, or the SMS code sent to `phone`), an attempt counted; else a
    DomainError on field "code" that says no more than it must."""
    typed = (typed or "").strip()
    if not typed:
        raise DomainError("请输入验证码", field="code")
    if any(ch.isalpha() for ch in typed):
        row, secret = _letter_row(typed)
    else:
        row, secret = _sms_row(typed, phone, purpose, now)
    if row is None or row.purpose != purpose or not is_live(row, now):
        raise DomainError("验证码不正确或已失效", field="code")
    limit = current_app.config["CLAIM_MAX_ATTEMPTS"]
    if not _count_attempt(row.id, limit):
        raise DomainError("验证码输错次数过多，已失效；请联系工作人员重新发放", field="code")
    db.session.refresh(row)
    if not hmac.compare_digest(row.secret_hash, _hash(secret)):
        left = max(0, limit - row.attempts)
        if left == 0:
            raise WrongCode(N_("验证码输错次数过多，已失效；请联系工作人员重新发放"), field="code")
        raise WrongCode(N_("验证码不正确，还可以再试 %(left)s 次"), field="code", left=left)
    return row


def spend(code: ClaimCode, now: datetime) -> None:
    """Mark the code used; of two parallel uses exactly one gets here (the other gets a Conflict)."""
    result = db.session.execute(
        update(ClaimCode).where(ClaimCode.id == code.id, ClaimCode.used_at.is_(None), ClaimCode.revoked_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict("该验证码已经使用过", field="code")
    db.session.refresh(code)
