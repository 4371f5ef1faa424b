"""文字与电话: the one check of typed text (trimmed, no control characters, length) and the one phone rule."""
from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext

from pm.errors import DomainError


def N_(message: str) -> str:
    """Mark a msgid for extraction (`make messages` passes -k N_); it is translated where it is shown."""
    return message


E_NOT_TEXT = N_("%(label)s必须是文字")
E_REQUIRED = N_("请填写%(label)s")
E_TOO_SHORT = N_("请填写%(label)s（至少 %(min)s 个字）")
E_TOO_LONG = N_("%(label)s不能超过 %(max)s 个字")
E_CONTROL = N_("%(label)s不能包含控制字符")
E_PHONE = N_("手机号/电话号码格式不正确")
E_PHONE_REQUIRED = N_("请填写电话号码")
E_MOBILE = N_("请填写 11 位手机号码")

ALLOWED_CONTROLS = frozenset("\t\n\r")

# 手机号: 11 digits from 13x to 19x. 固定电话: a trunk 0, a 2–3 digit area code and a 7–8 digit number.
MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
LANDLINE = re.compile(r"^0[1-9][0-9]{8,10}$")
_SEPARATORS = re.compile(r"[\s\-()（）]")
_COUNTRY = re.compile(r"^(?:\+86|0086)")


def _message(msgid: str, **params) -> str:
    """A msgid with its named placeholders filled in (translated when a request asks for English)."""
    return gettext(msgid, **params)


def check_text(value, *, field: str, label: str, max_len: int, required: bool = True, min_len: int = 0) -> str | None:
    """Typed text, stripped: refused if not a string, blank when required, shorter than min_len, longer than
    max_len, or holding control characters (tab and line breaks are allowed). Blank and optional → None."""
    shown = gettext(str(label))
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise DomainError(_message(E_NOT_TEXT, label=shown), field=field)
    value = value.strip()
    if not value:
        if required or min_len > 0:
            raise DomainError(_message(E_TOO_SHORT if min_len > 1 else E_REQUIRED, label=shown, min=min_len),
                              field=field)
        return None
    if len(value) < min_len:
        raise DomainError(_message(E_TOO_SHORT, label=shown, min=min_len), field=field)
    if len(value) > max_len:
        raise DomainError(_message(E_TOO_LONG, label=shown, max=max_len), field=field)
    if any(unicodedata.category(ch) == "Cc" and ch not in ALLOWED_CONTROLS for ch in value):
        raise DomainError(_message(E_CONTROL, label=shown), field=field)
    return value


def normalise_phone(raw: str | int | None) -> str | None:
    """A phone number as digits only: "138 0000 1111" → "13800001111", "+86 138-0000-1111" → "13800001111",
    "0532-12345678" → "053212345678", "+86 532 1234 5678" → "053212345678". Blank → None.

    Accepted: a mainland mobile number, or a landline with its area code, optionally after +86/0086 (or a bare
    86 before a mobile number), written with spaces, hyphens or brackets. Anything else is a DomainError.
    """
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise DomainError(E_PHONE, field="phone")
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    if not text:
        return None
    text = _SEPARATORS.sub("", text)
    international = _COUNTRY.match(text)
    if international:
        text = text[international.end():]
    if not text.isascii() or not text.isdigit():
        raise DomainError(E_PHONE, field="phone")
    if not international and len(text) == 13 and text.startswith("86") and MOBILE.match(text[2:]):
        text = text[2:]
    if MOBILE.match(text):
        return text
    if international and not text.startswith("0"):
        text = "0" + text  # +86 drops the trunk 0 of an area code
    if LANDLINE.match(text):
        return text
    raise DomainError(E_PHONE, field="phone")


def is_mobile(phone: str | None) -> bool:
    """Whether a normalised phone number is a mobile number (11 digits, 13x–19x)."""
    return bool(phone) and MOBILE.match(phone) is not None


def check_phone(raw: str | int | None, *, field: str = "phone", required: bool = False,
                mobile_only: bool = False) -> str | None:
    """normalise_phone() with the caller's field name; `required` refuses a blank; `mobile_only` refuses a
    landline (the public repair page, which calls back and rate-limits by mobile number)."""
    try:
        phone = normalise_phone(raw)
    except DomainError:
        raise DomainError(E_MOBILE if mobile_only else E_PHONE, field=field) from None
    if phone is None:
        if required:
            raise DomainError(E_MOBILE if mobile_only else E_PHONE_REQUIRED, field=field)
        return None
    if mobile_only and not is_mobile(phone):
        raise DomainError(E_MOBILE, field=field)
    return phone
