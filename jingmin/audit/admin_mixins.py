"""Django-admin edits of domain objects go into the audit trail (ADR 102).

``AuditedAdmin`` (a ModelAdmin mixin) records one event per object created,
changed or deleted through the admin — in the change form, the list's editable
columns, inline rows and the "delete selected" action — with the fields that
changed and their values before and after. The admin runs each of these in a
transaction, so the event and the change commit together or not at all.

Actions are ``<app>.<model>_create|update|delete`` (``appeals.category_update``),
the same shape as the services' actions (``audit_action_prefix`` keeps an older
name). Fields named in ``audit_exclude_fields``, and any field with "password" or
"secret" in its name, are listed as changed without their values.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction

from .services import event_record

MAX_TEXT = 200
EXCLUDED = "[omitted]"


def _value(value: Any) -> Any:
    """A JSON-friendly, bounded form of a form value."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet | list | tuple | set):
        return sorted((_value(v) for v in value), key=str)
    if isinstance(value, dt.date | dt.time | decimal.Decimal | dt.timedelta):
        return str(value)
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return value[:MAX_TEXT] + "…"
    if value is None or isinstance(value, bool | int | float | str | dict):
        return value
    return str(value)[:MAX_TEXT]


class AuditedAdmin:
    """Mix into a ModelAdmin (before admin.ModelAdmin) to audit every admin edit."""

    audit_exclude_fields: Iterable[str] = ()
    audit_action_prefix: str = ""  # default "<app_label>.<model_name>"

    def _excluded(self, name: str) -> bool:
        return (
            name in set(self.audit_exclude_fields)
            or "password" in name
            or "secret" in name
        )

    def _audit_changes(self, form: Any, change: bool) -> dict[str, Any]:
        """{"fields": [...], "values": {field: [before, after]}} (just the value
        when created); a field the form calls changed but whose value is equal
        (e.g. JSON re-serialised) is left out."""
        values: dict[str, Any] = {}
        for name in sorted(getattr(form, "changed_data", []) or []):
            if self._excluded(name):
                values[name] = EXCLUDED
                continue
            after = _value(form.cleaned_data.get(name))
            if not change:
                values[name] = after
                continue
            before = _value(form.initial.get(name))
            if before != after:
                values[name] = [before, after]
        return {"fields": sorted(values), "values": values}

    def _audit(self, request: Any, obj: models.Model, verb: str, changes: dict) -> None:
        meta = obj._meta
        prefix = self.audit_action_prefix
        if not prefix or meta.model is not getattr(self, "model", None):
            prefix = f"{meta.app_label}.{meta.model_name}"  # inline rows: their own
        event_record(
            actor=request.user,
            action=f"{prefix}_{verb}",
            obj=obj,
            changes=changes,
            request=request,
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        changes = self._audit_changes(form, change)
        if change and not changes["fields"]:
            return  # saved without edits: nothing happened
        self._audit(request, obj, "update" if change else "create", changes)

    def delete_model(self, request, obj):
        self._audit(request, obj, "delete", {"label": str(obj)[:MAX_TEXT]})
        super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request, queryset):
        with transaction.atomic(using=queryset.db):
            for obj in queryset:
                self._audit(request, obj, "delete", {"label": str(obj)[:MAX_TEXT]})
            super().delete_queryset(request, queryset)  # type: ignore[misc]

    def save_formset(self, request, form, formset, change):
        """Inline rows: one event per row added, changed or deleted."""
        deleting = [
            f.instance for f in getattr(formset, "deleted_forms", []) if f.instance.pk
        ]
        for obj in deleting:
            self._audit(request, obj, "delete", {"label": str(obj)[:MAX_TEXT]})
        super().save_formset(request, form, formset, change)  # type: ignore[misc]
        forms = {id(f.instance): f for f in formset.forms}
        for obj in getattr(formset, "new_objects", []):
            row = forms.get(id(obj))
            changes = self._audit_changes(row, False) if row else {}
            self._audit(request, obj, "create", changes)
        for obj, fields in getattr(formset, "changed_objects", []):
            row = forms.get(id(obj))
            changes = self._audit_changes(row, True) if row else {"fields": fields}
            if changes["fields"]:
                self._audit(request, obj, "update", changes)
