"""The mediation app's cards on the console front page."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jingmin.accounts.roles import Role
from jingmin.core.dashboard import Card

from .models import RiskLevel
from .selectors import disputes_visible, followups_due, notifications_for, warnings_for
from .workflow import IN_MEDIATION

ROLES = {Role.OFFICER, Role.LEADER, Role.SUPERVISOR}


def console_cards(user: Any) -> list[Card]:
    if getattr(user, "role", "") not in ROLES:
        return []
    today = timezone.localdate()
    open_disputes = disputes_visible(user).filter(status__in=IN_MEDIATION)
    overdue = followups_due(user, until=today - timezone.timedelta(days=1)).count()
    top = RiskLevel.objects.order_by("-rank").first()
    note = ""
    if top is not None:
        note = _("%(level)s %(n)s 起") % {
            "level": _(top.label),
            "n": open_disputes.filter(level=top.code).count(),
        }
    cards = [
        Card(
            _("在调纠纷"),
            open_disputes.count(),
            reverse("mediation:dispute_list"),
            note,
        ),
        Card(
            _("逾期回访"),
            overdue,
            reverse("mediation:followups"),
            alert=bool(overdue),
        ),
    ]
    unread = notifications_for(user, unread_only=True).count()
    if unread:
        cards.append(
            Card(_("纠纷通知"), unread, reverse("mediation:notifications"), alert=True)
        )
    if user.role in {Role.LEADER, Role.SUPERVISOR}:
        n = warnings_for(user).count()
        cards.append(
            Card(_("纠纷预警"), n, reverse("mediation:warnings"), alert=bool(n))
        )
    return cards
