"""Console front-page cards for appeals (registered in AppConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jingmin.accounts import scoping
from jingmin.accounts.roles import Role
from jingmin.core.dashboard import Card

from .models import Appeal, Extension, Reply

S = Appeal.Status
OPEN = [s for s in S.values if s != S.CLOSED]


def appeal_cards(user: Any) -> list[Card]:
    role = getattr(user, "role", "")
    if role not in (
        Role.OPERATOR,
        Role.OFFICER,
        Role.LEADER,
        Role.SUPERVISOR,
        Role.LIAISON,
    ):
        return []
    now = timezone.now()
    # every card counts open appeals: the partial index on them (ADR 096) keeps
    # this to the few per cent of a grown table that are not closed
    qs = scoping.visible(user, Appeal.objects.exclude(status=S.CLOSED))
    counts = qs.aggregate(
        waiting=Count("pk", filter=Q(status__in=[S.ASSIGNED, S.FORWARDED, S.REOPENED])),
        triage=Count("pk", filter=Q(status__in=[S.RECEIVED, S.TRIAGED])),
        overdue=Count(
            "pk", filter=Q(status__in=OPEN, replied_at__isnull=True, reply_due__lt=now)
        ),
        escalated=Count("pk", filter=Q(status__in=OPEN, escalated_at__isnull=False)),
    )
    base = reverse("appeals:console_list")
    cards = []
    if role in (Role.OPERATOR, Role.SUPERVISOR):
        cards.append(Card(_("分拨队列"), counts["triage"], reverse("appeals:triage")))
    if role in (Role.OFFICER, Role.LEADER, Role.LIAISON, Role.SUPERVISOR):
        cards.append(Card(_("待签收诉求"), counts["waiting"], base))
    cards.append(
        Card(
            _("超期未答复"),
            counts["overdue"],
            f"{base}?overdue=on",
            alert=bool(counts["overdue"]),
        )
    )
    if role == Role.SUPERVISOR:
        cards.append(
            Card(
                _("升级督办"),
                counts["escalated"],
                f"{base}?escalated=on",
                alert=bool(counts["escalated"]),
            )
        )
    if role == Role.LEADER:
        replies = scoping.visible(
            user, Reply.objects.filter(status=Reply.Status.SUBMITTED)
        )
        extensions = scoping.visible(
            user, Extension.objects.filter(status=Extension.Status.PENDING)
        )
        cards.append(Card(_("待审批答复"), replies.count(), base))
        cards.append(Card(_("待审批延期"), extensions.count(), base))
    return cards
