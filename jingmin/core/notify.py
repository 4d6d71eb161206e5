"""Citizen notifications (SMS / e-mail) through a pluggable backend.

settings.NOTIFICATION_BACKEND names the class: ConsoleBackend (development: logs
the message with a masked number), FileBackend (one JSON file per message in
settings.NOTIFICATION_FILE_DIR, for tests and for a gateway that collects files),
or SmsBackend, which hands the text to the object named by settings.SMS_GATEWAY
(any class with ``send_sms(phone, text) -> str``). A full phone number is never
logged or written by the built-in backends; only SmsBackend passes it on, to the
gateway that needs it.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .phones import mask_phone

logger = logging.getLogger("jingmin.notify")


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    phone: str = ""
    email: str = ""
    reference: str = ""  # e.g. the appeal number, for the operator's search


class SmsGateway(Protocol):
    def send_sms(self, phone: str, text: str) -> str: ...


def _mask_email(value: str) -> str:
    if "@" not in value:
        return ""
    local, domain = value.split("@", 1)
    return f"{local[:1]}***@{domain}"


def _public_view(message: Message) -> dict:
    data = asdict(message)
    data["phone"] = mask_phone(message.phone)
    data["email"] = _mask_email(message.email)
    return data


class BaseBackend:
    def send(self, message: Message) -> None:
        raise NotImplementedError


class NullBackend(BaseBackend):
    """Drops every message (demo seeding, load tests)."""

    def send(self, message: Message) -> None:
        return None


class ConsoleBackend(BaseBackend):
    def send(self, message: Message) -> None:
        view = _public_view(message)
        logger.info(
            "notify %s to %s %s: %s",
            view["reference"],
            view["phone"],
            view["email"],
            message.subject,
        )


class FileBackend(BaseBackend):
    def send(self, message: Message) -> None:
        folder = Path(settings.NOTIFICATION_FILE_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{timezone.now():%Y%m%dT%H%M%S}-{secrets.token_hex(4)}.json"
        (folder / name).write_text(
            json.dumps(_public_view(message), ensure_ascii=False, indent=1),
            encoding="utf-8",
        )


class SmsBackend(BaseBackend):
    def send(self, message: Message) -> None:
        if not message.phone:
            return
        gateway: SmsGateway = import_string(settings.SMS_GATEWAY)()
        ref = gateway.send_sms(message.phone, message.text)
        logger.info(
            "sms %s to %s: %s", message.reference, mask_phone(message.phone), ref
        )


@lru_cache(maxsize=4)
def _backend(path: str) -> BaseBackend:
    return import_string(path)()


def notify_send(message: Message) -> None:
    """Send now; a failing backend is logged, never raised into the caller."""
    if not (message.phone or message.email):
        return
    try:
        _backend(settings.NOTIFICATION_BACKEND).send(message)
    except Exception:
        logger.exception("notification %s could not be sent", message.reference)


def notify_on_commit(message: Message) -> None:
    """Send once the surrounding transaction commits (never for a rolled-back change)."""
    transaction.on_commit(lambda: notify_send(message))
