"""The ``site`` context of every page: the bureau's name and phone, the navigation.

It runs on every rendered page, so it must not query the database each time
(docs/decisions/090): the bureau's name and phone are kept in the cache (shared
by the processes when REDIS_URL is set) and dropped whenever the bureau is saved
or deleted; the navigation is resolved once per process and language (nav.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest

from jingmin.accounts.scoping import is_staff_member
from jingmin.org.models import Bureau

from .nav import console_nav, public_nav

SITE_KEY = "portal:site:bureau"
SITE_SECONDS = 3600  # a bureau changed outside the ORM shows within the hour


@dataclass(frozen=True)
class SiteBureau:
    """What a page shows of the bureau (a plain value, safe to keep)."""

    name: str
    phone: str


def site_bureau() -> SiteBureau | None:
    kept = cache.get(SITE_KEY)
    if kept is not None:
        return kept or None  # () = there is no bureau
    row = Bureau.objects.values_list("name", "phone").order_by("pk").first()
    bureau = SiteBureau(*row) if row else None
    cache.set(SITE_KEY, bureau or (), SITE_SECONDS)
    return bureau


def site_forget(**_kwargs: Any) -> None:
    """Drop the kept bureau (connected to the bureau's save and delete)."""
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
