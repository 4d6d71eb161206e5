"""Writes to staff accounts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from jingmin.audit.services import event_record

from .models import User
from .roles import Role


def role_flags_apply(user: User) -> None:
    """Django's admin flags follow the role, never a checkbox: only the system
    administrator is a superuser, and only the two administrators enter /admin/."""
    user.is_staff = user.role in {Role.ADMIN, Role.AUDITOR}
    user.is_superuser = user.role == Role.ADMIN


@transaction.atomic
def staff_create(
    *,
    username: str,
    password: str | None,
    role: str,
    actor: Any,
    validate: bool = True,
    **fields: Any,
) -> User:
    if password and validate:
        validate_password(password, User(username=username, **fields))
    user = User(username=username, role=role, **fields)
    role_flags_apply(user)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    event_record(
        actor=actor,
        action="staff.create",
        obj=user,
        changes={"role": role, "unit": user.unit_id, "department": user.department_id},
    )
    return user


@transaction.atomic
def staff_deactivate(*, user: User, actor: Any) -> None:
    """ASVS 7.4.2: a disabled account's sessions end at once."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
    event_record(actor=actor, action="staff.deactivate", obj=user)
