"""Deadlines of an appeal, from its category and urgency (DESIGN.md defaults).

Reply limits count from dispatch (派单/转办): urgent 2 clock hours, utilities 24
clock hours, ordinary 7 days, complex 15 days; acceptance within the category's
``accept_hours`` (2 h, 7×24). A category's own reply limit applies when the appeal
keeps the category's urgency; an appeal marked with another urgency takes that
urgency's default. Working days follow jingmin.core.calendar (holidays, 调休) and
end at the close of office hours. Every figure can be overridden in settings.

An appeal waiting for an operator (待分拨: no confident category, no route, or
returned by its handler) has a triage deadline (ADR 120): urgent 1 clock hour,
utilities 2 clock hours (7×24, like acceptance), ordinary and complex 4 office
hours on working days.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext as _

from jingmin.core.calendar import add_working_hours, working_days_deadline

from .models import Category, LimitUnit, Urgency

REPLY_DEFAULTS: dict[str, tuple[int, str]] = {
    Urgency.URGENT: (2, LimitUnit.HOURS),
    Urgency.UTILITIES: (24, LimitUnit.HOURS),
    Urgency.ORDINARY: (7, LimitUnit.DAYS),
    Urgency.COMPLEX: (15, LimitUnit.DAYS),
}
ACCEPT_HOURS = 2
WORKING_HOURS = "working_hours"  # office hours on working days (triage only)
TRIAGE_DEFAULTS: dict[str, tuple[int, str]] = {
    Urgency.URGENT: (1, LimitUnit.HOURS),
    Urgency.UTILITIES: (2, LimitUnit.HOURS),
    Urgency.ORDINARY: (4, WORKING_HOURS),
    Urgency.COMPLEX: (4, WORKING_HOURS),
}
OBJECTION_WORKING_DAYS = 5
INFO_WAIT_WORKING_DAYS = 5
CLOSE_WORKING_DAYS = 5


def _setting(name: str, default):
    return getattr(settings, name, default)


def reply_limit(category: Category | None, urgency: str) -> tuple[int, str]:
    """(amount, LimitUnit) of the reply deadline."""
    if category is not None and category.reply_limit and urgency == category.urgency:
        return category.reply_limit, category.reply_limit_unit
    defaults = _setting("APPEALS_REPLY_DEFAULTS", REPLY_DEFAULTS)
    amount, unit = defaults[urgency]
    return int(amount), unit


def limit_add(start: dt.datetime, amount: int, unit: str) -> dt.datetime:
    if unit == WORKING_HOURS:
        return add_working_hours(start, amount)
    if unit == LimitUnit.HOURS:
        return start + dt.timedelta(hours=amount)
    if unit == LimitUnit.DAYS:
        return start + dt.timedelta(days=amount)
    return working_days_deadline(start, amount)


def limit_label(amount: int, unit: str) -> str:
    if unit == LimitUnit.HOURS:
        return _("%(n)s小时") % {"n": amount}
    if unit == LimitUnit.DAYS:
        return _("%(n)s天") % {"n": amount}
    return _("%(n)s个工作日") % {"n": amount}


def triage_due(start: dt.datetime, urgency: str) -> dt.datetime:
    """By when an appeal waiting for triage since ``start`` must be routed."""
    defaults = _setting("APPEALS_TRIAGE_DEFAULTS", TRIAGE_DEFAULTS)
    amount, unit = defaults.get(urgency, defaults[Urgency.ORDINARY])
    return limit_add(start, int(amount), unit)


def accept_due(dispatched_at: dt.datetime, category: Category | None) -> dt.datetime:
    hours = (
        category.accept_hours
        if category
        else _setting("APPEALS_ACCEPT_HOURS", ACCEPT_HOURS)
    )
    return dispatched_at + dt.timedelta(hours=hours)


def reply_due(
    dispatched_at: dt.datetime, category: Category | None, urgency: str
) -> dt.datetime:
    return limit_add(dispatched_at, *reply_limit(category, urgency))


def close_due(reply_by: dt.datetime, category: Category | None) -> dt.datetime:
    days = (
        category.close_working_days
        if category
        else _setting("APPEALS_CLOSE_WORKING_DAYS", CLOSE_WORKING_DAYS)
    )
    return working_days_deadline(reply_by, days)


def objection_due(forwarded_at: dt.datetime) -> dt.datetime:
    return working_days_deadline(
        forwarded_at, _setting("APPEALS_OBJECTION_WORKING_DAYS", OBJECTION_WORKING_DAYS)
    )


def info_due(requested_at: dt.datetime) -> dt.datetime:
    return working_days_deadline(
        requested_at, _setting("APPEALS_INFO_WAIT_WORKING_DAYS", INFO_WAIT_WORKING_DAYS)
    )


def extended_due(current: dt.datetime, working_days: int) -> dt.datetime:
    return working_days_deadline(current, working_days)


def time_promise(category: Category | None, urgency: str) -> str:
    """The promise shown to the citizen, e.g. "2小时内签收，7天内答复"."""
    hours = category.accept_hours if category else ACCEPT_HOURS
    return _("%(a)s小时内签收，%(r)s内答复") % {
        "a": hours,
        "r": limit_label(*reply_limit(category, urgency)),
    }
