"""Field encryption for personal data (phones, ID numbers), with key rotation.

FIELD_ENCRYPTION_KEYS is a comma-separated list of Fernet keys, newest first:
values are encrypted with the first and decrypted with any, so a rotation adds a
key in front, runs `jingmin core reencrypt`, then drops the old key. A blind index
(HMAC-SHA256 under BLIND_INDEX_KEY, which is not rotated with the others) lets the
database find equal values without decrypting them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "enc1:"


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is empty: personal data cannot be stored"
        )
    return MultiFernet(
        [
            Fernet(
                k.encode()
                if len(k) == 44
                else base64.urlsafe_b64encode(hashlib.sha256(k.encode()).digest())
            )
            for k in keys
        ]
    )


def _keys() -> tuple[str, ...]:
    return tuple(settings.FIELD_ENCRYPTION_KEYS)


def encrypt(value: str) -> str:
    if value in (None, ""):
        return value
    return PREFIX + _fernet(_keys()).encrypt(value.encode()).decode()


def decrypt(value: str) -> str:
    if not value or not value.startswith(PREFIX):
        return value
    try:
        return _fernet(_keys()).decrypt(value[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "a personal-data field cannot be decrypted with FIELD_ENCRYPTION_KEYS"
        ) from exc


def rotate(value: str) -> str:
    """Re-encrypt a stored value under the newest key."""
    if not value or not value.startswith(PREFIX):
        return encrypt(value) if value else value
    return PREFIX + _fernet(_keys()).rotate(value[len(PREFIX) :].encode()).decode()


def blind_index(value: str) -> str:
    """Deterministic, keyed digest for equality lookups (e.g. same phone, same ID)."""
    if not value:
        return ""
    key = hashlib.sha256(
        b"jingmin-blind-index|" + settings.BLIND_INDEX_KEY.encode()
    ).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


class EncryptedTextField(models.TextField):
    """Stores ``enc1:<fernet token>``; Python code sees the clear value.

    Equality lookups on this column cannot work (tokens are randomised); keep a
    ``blind_index`` column beside it for that.
    """

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value is not None else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "" or str(value).startswith(PREFIX):
            return value
        return encrypt(str(value))
