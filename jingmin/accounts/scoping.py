"""The one choke point for what a staff member may see.

Every staff query for a scoped model goes through ``visible``; every reveal of
personal data asks ``may_see_personal_data``. Models declare their policy as a
``scope = ScopePolicy(...)`` class attribute. Branches are one rule per line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import models
from django.http import Http404

from .roles import PERSONAL_DATA_ROLES, UNIT_ROLES, Role

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class ScopePolicy:
    unit: str | None = None
    """Lookup path to the handling Unit (officers and leaders see their unit's rows)."""
    department: str | None = None
    """Lookup path to the Department a row was forwarded to (liaisons see those)."""
    global_roles: frozenset[str] = field(
        default_factory=lambda: frozenset({Role.SUPERVISOR})
    )
    """Roles that see every row."""
    unit_roles: frozenset[str] = UNIT_ROLES
    personal_data_roles: frozenset[str] = PERSONAL_DATA_ROLES
    liaison_sees_personal_data: bool = True


def _policy(model: type[models.Model]) -> ScopePolicy:
    policy = getattr(model, "scope", None)
    if not isinstance(policy, ScopePolicy):
        raise TypeError(
            f"{model.__name__} has no ScopePolicy: it cannot be shown to staff"
        )
    return policy


def is_staff_member(user: Any) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and getattr(user, "role", "")
    )


def _rule(user: Any, policy: ScopePolicy) -> tuple[str, Any]:
    """Which rows of a model with ``policy`` the user sees: ("all", None), ("unit",
    unit id), ("department", department id) or ("none", None)."""
    if not is_staff_member(user):
        return "none", None
    if user.role in policy.global_roles:
        return "all", None
    if user.role in policy.unit_roles and policy.unit and user.unit_id:
        return "unit", user.unit_id
    if user.role == Role.LIAISON and policy.department and user.department_id:
        return "department", user.department_id
    return "none", None


def visible(user: Any, queryset: models.QuerySet[M]) -> models.QuerySet[M]:
    """Rows of ``queryset`` that ``user`` may see."""
    policy = _policy(queryset.model)
    kind, value = _rule(user, policy)
    if kind == "all":
        return queryset
    if kind == "unit":
        return queryset.filter(**{policy.unit: value})
    if kind == "department":
        return queryset.filter(**{policy.department: value})
    return queryset.none()


def visible_key(user: Any, model: type[models.Model]) -> str:
    """Names the rows of ``model`` that ``visible`` lets ``user`` see, without
    building a query (e.g. "appeals.appeal:unit:7"): users with the same key see the
    same rows, so whatever is kept for one of them under it may be shown to another
    (ADR 130)."""
    kind, value = _rule(user, _policy(model))
    return f"{model._meta.label_lower}:{kind}" + (f":{value}" if value else "")


def get_visible_or_404(user: Any, queryset: models.QuerySet[M], **lookup: Any) -> M:
    """A row the user may see; 404 (not 403) otherwise so ids reveal nothing."""
    try:
        return visible(user, queryset).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc


def may_see(user: Any, obj: models.Model) -> bool:
    return visible(user, type(obj)._default_manager.filter(pk=obj.pk)).exists()


def may_see_personal_data(user: Any, obj: models.Model) -> bool:
    """Unmasked personal data: only roles that need it, and only on rows they may see."""
    policy = _policy(type(obj))
    if not is_staff_member(user):
        return False
    if user.role == Role.LIAISON:
        return policy.liaison_sees_personal_data and may_see(user, obj)
    if user.role not in policy.personal_data_roles:
        return False
    return may_see(user, obj)


def has_role(user: Any, *roles: str) -> bool:
    return is_staff_member(user) and user.role in roles
