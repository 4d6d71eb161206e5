"""Console cards: drafts waiting to be published, today's appointments."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jingmin.accounts.roles import Role
from jingmin.core.dashboard import Card


def cards(user: Any) -> list[Card]:
    from . import selectors

    out = []
    if user.role in (Role.ADMIN, Role.SUPERVISOR):
        drafts = selectors.console_guides(user).filter(draft_changed=True).count()
        out.append(
            Card(
                _("待发布的指南草稿"),
                drafts,
                url=reverse("catalogue:console"),
            )
        )
    if user.role in (Role.OFFICER, Role.LEADER, Role.SUPERVISOR):
        today = selectors.day_list(user, timezone.localdate())
        out.append(
            Card(
                _("今日预约"),
                today.filter(status="booked").count(),
                url=reverse("catalogue:console_appointments"),
            )
        )
    return out
