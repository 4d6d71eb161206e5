"""Console cards: drafts waiting to be published, today's appointments."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jingmin.core.dashboard import Card

from .access import DAY_LIST, EDITORS


def cards(user: Any) -> list[Card]:
    from . import selectors

    out = []
    if user.role in EDITORS:
        drafts = selectors.console_guides(user).filter(draft_changed=True).count()
        out.append(
            Card(
                _("待发布的指南草稿"),
                drafts,
                url=reverse("catalogue:console"),
            )
        )
    if user.role in DAY_LIST:
        today = selectors.day_list(user, timezone.localdate())
        out.append(
            Card(
                _("今日预约"),
                today.filter(status="booked").count(),
                url=reverse("catalogue:console_appointments"),
            )
        )
    return out
