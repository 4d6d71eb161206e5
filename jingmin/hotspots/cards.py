"""The hot-spot card on the console front page."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from jingmin.accounts.scoping import has_role
from jingmin.core.dashboard import Card

from .views import VIEW_ROLES


def cards(user: Any) -> list[Card]:
    if not has_role(user, *VIEW_ROLES):
        return []
    from .selectors import analysis_list, campaign_list

    running = analysis_list(user).filter(status__in=["queued", "running"]).count()
    return [
        Card(
            title=_("治安热点分析"),
            value=analysis_list(user).count(),
            url=reverse("hotspots:console"),
            note=_("%(n)s 项正在运行") % {"n": running} if running else "",
        ),
        Card(
            title=_("整治行动"),
            value=campaign_list(user).count(),
            url=reverse("hotspots:console"),
        ),
    ]
