"""密码散列: password hashes made with the configured method (PASSWORD_HASH_METHOD)."""
from __future__ import annotations

from functools import lru_cache

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash


def hash_password(password: str) -> str:
    """A salted hash of `password` with the app's PASSWORD_HASH_METHOD (scrypt in production)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    return generate_password_hash("not-a-real-password", method=method)


def check_against_dummy(password: str) -> None:
    """Do the work of one password check for a username that does not exist.

    The dummy hash uses the configured method, so an unknown username costs what a known one costs
    (a fast test hash does not make unknown users slow, nor scrypt in production make them fast).
    """
    check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
