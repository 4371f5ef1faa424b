"""系统消息: text the system writes for people to read later (notifications, timeline notes) is stored as a msgid
and its parameters and rendered in the reader's language when shown, never stored translated. What people typed
(a description, a reason) is a parameter and stays as typed."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from flask import current_app, has_app_context
from flask_babel import force_locale, gettext, ngettext

from pm.services.labels import label, label_of, labelled_enum

__all__ = ["Message", "Term", "counted", "render", "stored", "platform_text", "platform_texts", "event_note"]


@dataclass(frozen=True)
class Message:
    """A msgid (marked with N_ where it is written) and its parameters; `plural` makes it an ngettext entry
    counted by params["num"]."""

    msgid: str
    params: Mapping = field(default_factory=dict)
    plural: str | None = None

    def as_json(self) -> dict:
        out = {"msgid": self.msgid, "params": {k: _encode(v) for k, v in self.params.items()}}
        if self.plural:
            out["plural"] = self.plural
        return out

    def __str__(self) -> str:
        return render(self.as_json())


@dataclass(frozen=True)
class Term:
    """A name that may be a code of a registered vocabulary (e.g. a shipped assessment item's name): shown with the
    vocabulary's label in the reader's language, or as stored if it is not one of its codes (a typed name)."""

    vocabulary: str
    code: str


def counted(singular: str, plural: str, num: int, **params) -> Message:
    """A message with plural forms, counted by `num` (`make messages` extracts it as a plural entry)."""
    return Message(singular, {"num": num, **params}, plural)


def _encode(value):
    """A parameter as JSON: text and numbers as they are, a date as ISO, an enum as its class and value (labelled
    when shown), a list as a list (joined with the reader's list separator)."""
    if isinstance(value, Enum):
        return {"enum": type(value).__name__, "value": value.value}
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return {"list": [_encode(v) for v in value]}
    if isinstance(value, Message):
        return {"message": value.as_json()}
    if isinstance(value, Term):
        return {"vocabulary": value.vocabulary, "code": value.code}
    if value is None or isinstance(value, (str, int)):
        return value
    return str(value)


def _decode(value):
    if isinstance(value, dict):
        if "enum" in value:
            member = labelled_enum(value["enum"], value["value"])
            return label(member) if member is not None else value["value"]
        if "vocabulary" in value:
            return label_of(value["vocabulary"], value["code"])
        if "list" in value:
            return gettext("、").join(str(_decode(v)) for v in value["list"])
        if "message" in value:
            return render(value["message"])
    return "" if value is None else value


def render(data: Mapping | None, fallback: str | None = None) -> str | None:
    """A stored message in the current language (the fallback — e.g. the text stored before messages — if none)."""
    if not data:
        return fallback
    params = {k: _decode(v) for k, v in (data.get("params") or {}).items()}
    singular, plural = data["msgid"], data.get("plural")
    if plural:
        return ngettext(singular, plural, int(params.pop("num", 0)), **params)
    return gettext(singular, **params) if params else gettext(singular)


def platform_text(text) -> str | None:
    """A Message in the platform's language (zh_CN), or plain text as it is: what a text column keeps for the API
    and for readers without a message."""
    if not isinstance(text, Message):
        return text
    if not has_app_context():
        return text.msgid
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return str(text)


def platform_texts(texts) -> list[str | None]:
    """platform_text() of many texts under one switch of locale (each switch re-resolves the locale in Babel, about
    a millisecond: a month's 40,000 score lines rendered one by one spent most of the computation there)."""
    texts = list(texts)
    if not has_app_context():
        return [t.msgid if isinstance(t, Message) else t for t in texts]
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return [str(t) if isinstance(t, Message) else t for t in texts]


def stored(text) -> dict | None:
    """The JSON to store for a Message (None for plain, typed text)."""
    return text.as_json() if isinstance(text, Message) else None


def event_note(note: str | None, data: Mapping | None) -> str | None:
    """A timeline step's note as the API has always given it: the system's words in the platform's language, then
    what the actor typed ("运维队 · 张三：请带梯子")."""
    if not data:
        return note
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        said = render(data)
        return f"{said}：{note}" if note else said
