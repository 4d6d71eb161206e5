"""The logged-in user of each request from a shared cache (ADR 132).

Django's ``ModelBackend.get_user`` reads the user's row on every request. When the
cache is shared by every process (Redis), ``KeptUserBackend`` keeps the row there
instead — without the password hash: the entry holds the other fields and the
session hash (an HMAC of the password hash under SECRET_KEY, what the session is
checked against), and the user is rebuilt with the password deferred, so saving it
can never write an empty password. Any save or delete of a user deletes the entry
(at once and again at commit) in every process, as the receivers are connected in
``AccountsConfig.ready``; entries also expire after ``USER_SECONDS``. With a cache
per process a change in one worker would not reach the others: the row is read from
the database as before.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import router, transaction

USER_SECONDS = 300


def cache_is_shared() -> bool:
    """One cache for every process (Redis): a key deleted by one is gone for all."""
    return not isinstance(caches["default"], LocMemCache | DummyCache)


def user_key(user_id: Any) -> str:
    return f"accounts:user:{user_id}"


def forget_user(user_id: Any) -> None:
    """Delete the kept user now and once the transaction commits (a request that
    read the row between the change and the commit may have kept the old one)."""
    key = user_key(user_id)
    cache.delete(key)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: cache.delete(key))


def user_changed(sender, instance, **_kwargs) -> None:
    forget_user(instance.pk)


class KeptUserBackend(ModelBackend):
    """``ModelBackend`` whose ``get_user`` reads a shared cache first."""

    def get_user(self, user_id: Any) -> Any:
        if not cache_is_shared():
            return super().get_user(user_id)
        from .models import User

        key = user_key(user_id)
        kept = cache.get(key)
        if kept is None:
            try:
                user = User._default_manager.get(pk=user_id)
            except User.DoesNotExist:
                return None
            fields = {
                f.attname: getattr(user, f.attname)
                for f in User._meta.concrete_fields
                if f.attname != "password"
            }
            kept = (fields, user.get_session_auth_hash())
            cache.set(key, kept, USER_SECONDS)
        else:
            fields, session_hash = kept
            db = router.db_for_read(User)
            user = User.from_db(db, list(fields), list(fields.values()))
            user.__dict__["_kept_session_hash"] = session_hash
        return user if self.user_can_authenticate(user) else None
