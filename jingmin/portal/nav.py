"""Navigation of the public portal and the staff console.

Entries name URL patterns; an entry appears once its app defines the URL, so apps
join the navigation by naming their views as listed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.core.signals import setting_changed
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from jingmin.accounts.roles import Role


@dataclass(frozen=True)
class NavEntry:
    url_name: str
    label: str
    roles: frozenset[str] = frozenset()  # empty = every staff role


PUBLIC = [
    NavEntry("portal:home", _("首页")),
    NavEntry("catalogue:guide_list", _("办事指南")),
    NavEntry("appeals:submit", _("我要反映")),
    NavEntry("appeals:track", _("进度查询")),
    NavEntry("catalogue:appointment_book", _("预约办理")),
    NavEntry("hotspots:public_map", _("治安地图与防范提示")),
    NavEntry("appeals:public_results", _("办理结果公开")),
    NavEntry("catalogue:disclosure", _("警务公开")),
]

S = Role
CONSOLE = [
    NavEntry("portal:console", _("工作台")),
    NavEntry("appeals:triage", _("分拨队列"), frozenset({S.OPERATOR, S.SUPERVISOR})),
    NavEntry("appeals:intake", _("电话登记"), frozenset({S.OPERATOR, S.SUPERVISOR})),
    NavEntry(
        "appeals:console_list",
        _("诉求办理"),
        frozenset({S.OPERATOR, S.OFFICER, S.LEADER, S.SUPERVISOR, S.LIAISON}),
    ),
    NavEntry(
        "appeals:dashboard",
        _("三率统计"),
        frozenset({S.LEADER, S.SUPERVISOR, S.ANALYST}),
    ),
    NavEntry(
        "mediation:dispute_list",
        _("矛盾纠纷"),
        frozenset({S.OFFICER, S.LEADER, S.SUPERVISOR}),
    ),
    NavEntry("mediation:warnings", _("预警"), frozenset({S.LEADER, S.SUPERVISOR})),
    NavEntry(
        "hotspots:console",
        _("治安热点"),
        frozenset({S.ANALYST, S.LEADER, S.SUPERVISOR, S.OFFICER}),
    ),
    NavEntry(
        "catalogue:console",
        _("办事指南管理"),
        frozenset({S.ADMIN, S.LEADER, S.SUPERVISOR, S.OFFICER}),
    ),
    NavEntry("admin:index", _("系统管理"), frozenset({S.ADMIN, S.AUDITOR})),
]


LISTS = {"public": PUBLIC, "console": CONSOLE}


@lru_cache(maxsize=64)
def _resolved(
    which: str, role: str | None, language: str | None
) -> tuple[tuple[str, str], ...]:
    """Resolved once per process, list, role and language: the URLconf and the
    labels do not change while a process runs (docs/decisions/090)."""
    items = []
    for entry in LISTS[which]:
        if role is not None and entry.roles and role not in entry.roles:
            continue
        try:
            items.append((reverse(entry.url_name), str(entry.label)))
        except NoReverseMatch:
            continue
    return tuple(items)


def _forget(*, setting: str, **_kwargs: object) -> None:
    if setting in ("ROOT_URLCONF", "LANGUAGES", "LANGUAGE_CODE", "INSTALLED_APPS"):
        _resolved.cache_clear()


setting_changed.connect(_forget, dispatch_uid="portal.nav.forget")


def public_nav() -> list[tuple[str, str]]:
    return list(_resolved("public", None, get_language()))


def console_nav(role: str) -> list[tuple[str, str]]:
    return list(_resolved("console", role, get_language()))
