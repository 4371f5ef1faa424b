"""短信: one small interface for sending a text message, and the senders behind it.

`send_sms(phone, text)` hands the message to the sender named by the config key SMS_SENDER (env PM_SMS_SENDER):

- ``console`` (development and tests): logs the message and keeps it in ``outbox()`` (the app's list of sent
  messages, which tests read). Nothing leaves the machine.
- ``http``: POSTs ``{"phone", "text", "signature"}`` as JSON to SMS_HTTP_URL with ``Authorization: Bearer
  SMS_HTTP_TOKEN`` — the shape of a small in-house gateway in front of a provider (Aliyun SMS, Tencent Cloud
  SMS, ...), which holds the provider's keys and templates.
- ``package.module:ClassName``: any class with ``send(phone, text)``, built with the app's config, for a
  provider's own SDK.

A sender raises SmsError when the message could not be handed over; callers turn it into a clear message.
"""
from __future__ import annotations

import importlib
import json
import logging
import urllib.request
from typing import Protocol

from flask import current_app

from pm.errors import DomainError
from pm.services.text import N_

logger = logging.getLogger(__name__)


class SmsError(DomainError):
    """The message could not be handed to the SMS provider."""

    status = 503


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class ConsoleSender:
    """Development and tests: log the message and keep it in the app's outbox."""

    def __init__(self, config) -> None:
        self.config = config

    def send(self, phone: str, text: str) -> None:
        outbox().append({"phone": phone, "text": text})
        logger.info("SMS to %s: %s", phone, text)


class HttpSender:
    """Production: POST the message to an SMS gateway (SMS_HTTP_URL, SMS_HTTP_TOKEN)."""

    def __init__(self, config) -> None:
        self.url = config.get("SMS_HTTP_URL") or ""
        self.token = config.get("SMS_HTTP_TOKEN") or ""
        self.signature = config.get("SMS_SIGNATURE") or ""
        if not self.url:
            raise SmsError(N_("短信网关未配置，请联系系统管理员"))

    def send(self, phone: str, text: str) -> None:
        body = json.dumps({"phone": phone, "text": text, "signature": self.signature}).encode()
        req = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310 (configured https URL)
                if response.status >= 300:
                    raise SmsError(N_("短信发送失败，请稍后再试"))
        except OSError as err:
            logger.error("SMS gateway %s failed: %s", self.url, err)
            raise SmsError(N_("短信发送失败，请稍后再试")) from None


SENDERS = {"console": ConsoleSender, "http": HttpSender}


def sender() -> SmsSender:
    """The configured sender (SMS_SENDER: console, http, or package.module:Class)."""
    name = current_app.config.get("SMS_SENDER") or "console"
    if name in SENDERS:
        return SENDERS[name](current_app.config)
    module, _sep, attr = name.partition(":")
    if not attr:
        raise RuntimeError(f"SMS_SENDER must be console, http or package.module:Class, not {name!r}")
    return getattr(importlib.import_module(module), attr)(current_app.config)


def send_sms(phone: str, text: str) -> None:
    sender().send(phone, text)


def outbox() -> list[dict]:
    """Messages the console sender 'sent' in this app (tests read the last one)."""
    return current_app.extensions.setdefault("pm_sms_outbox", [])
