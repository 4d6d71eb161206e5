"""The ``site`` context of every page: the bureau's name and phone, the navigation.

It runs on every rendered page, so it must not query the database each time
(docs/decisions/090): the bureau's name and phone are kept in the cache (shared
by the processes when REDIS_URL is set) and dropped whenever the bureau is saved
or deleted; the navigation is resolved once per process and language (nav.py).
With a shared cache each process also keeps its copy for ``LOCAL_SECONDS`` (no
round trip per page; a change shows in the other processes within that time,
docs/decisions/124).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest

from jingmin.accounts.scoping import is_staff_member
from jingmin.org.models import Bureau

from .nav import console_nav, public_nav

SITE_KEY = "portal:site:bureau"
SITE_SECONDS = 3600  # a bureau changed outside the ORM shows within the hour
LOCAL_SECONDS = 10.0
_local: dict[str, tuple[float, Any]] = {}


@dataclass(frozen=True)
class SiteBureau:
    """What a page shows of the bureau (a plain value, safe to keep)."""

    name: str
    phone: str


def site_bureau() -> SiteBureau | None:
    shared = not isinstance(caches["default"], LocMemCache)
    if shared:
        copy = _local.get(SITE_KEY)
        if copy is not None and copy[0] > time.monotonic():
            return copy[1] or None
    kept = cache.get(SITE_KEY)
    if kept is None:
        row = Bureau.objects.values_list("name", "phone").order_by("pk").first()
        kept = SiteBureau(*row) if row else ()  # () = there is no bureau
        cache.set(SITE_KEY, kept, SITE_SECONDS)
    if shared:
        _local[SITE_KEY] = (time.monotonic() + LOCAL_SECONDS, kept)
    return kept or None


def site_forget(**_kwargs: Any) -> None:
    """Drop the kept bureau (connected to the bureau's save and delete)."""
    _local.pop(SITE_KEY, None)
    cache.delete(SITE_KEY)


post_save.connect(site_forget, sender=Bureau, dispatch_uid="portal.site_forget.save")
post_delete.connect(site_forget, sender=Bureau, dispatch_uid="portal.site_forget.del")


def site(request: HttpRequest | None) -> dict[str, Any]:
    bureau = site_bureau() if request is not None else None
    user = getattr(request, "user", None)
    staff = is_staff_member(user)
    return {
        "bureau": bureau,
        "site_name": (bureau.name if bureau else settings.JINGMIN_BUREAU_NAME)
        or "警民通",
        "public_nav": public_nav(),
        "console_nav": console_nav(user.role) if staff else [],
        "is_staff_member": staff,
    }
