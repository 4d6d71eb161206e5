"""Staff accounts in Django's admin, under 三权分立 (等保 8.1.4.2 d, ADR 110): the
system administrator manages accounts but can neither touch the audit
administrator's account nor make anyone an audit administrator; that account is
created and reset on the server (`jingmin createadmin --auditor`,
`jingmin changepassword`). The admin flags follow the role, never a checkbox."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin as BaseTOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from jingmin.audit.admin_mixins import AuditedAdmin
from jingmin.audit.services import event_record

from .models import User
from .roles import Role
from .services import role_flags_apply


def _guards_audit_account(request, user) -> bool:
    """True when ``user`` is an audit administrator's account and the one asking
    is not that same person."""
    return (
        user is not None
        and user.role == Role.AUDITOR
        and getattr(request.user, "pk", None) != user.pk
    )


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    list_display = [
        "username",
        "display_name",
        "role",
        "unit",
        "department",
        "is_active",
    ]
    list_filter = ["role", "unit", "department", "is_active"]
    search_fields = ["username", "display_name", "police_number"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("岗位"),
            {
                "fields": (
                    "role",
                    "display_name",
                    "police_number",
                    "unit",
                    "department",
                    "is_service_account",
                    "is_active",
                )
            },
        ),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ["last_login", "date_joined"]
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("岗位"), {"fields": ("role", "display_name", "unit", "department")}),
    )

    def has_change_permission(self, request, obj=None):
        if _guards_audit_account(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if _guards_audit_account(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role":
            kwargs["choices"] = [c for c in Role.choices if c[0] != Role.AUDITOR]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        role_flags_apply(obj)
        super().save_model(request, obj, form, change)

    def delete_queryset(self, request, queryset):
        # "Delete selected" skips has_delete_permission(obj): keep auditors out.
        super().delete_queryset(request, queryset.exclude(role=Role.AUDITOR))

    def user_change_password(self, request, id, form_url=""):
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            changed = (
                request.method == "POST"
                and response.status_code == 302
                and response.url != request.get_full_path()
            )
            if changed:
                user = self.get_object(request, id)
                event_record(
                    actor=request.user,
                    action="staff.password_set",
                    obj=user,
                    changes={"usable": user.has_usable_password()},
                    request=request,
                )
        return response


admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(AuditedAdmin, BaseTOTPDeviceAdmin):
    """A lost phone is re-enrolled through here; the audit administrator's second
    factor is out of the system administrator's reach, like the account."""

    audit_exclude_fields = ("key",)

    def has_view_permission(self, request, obj=None):
        if obj is not None and _guards_audit_account(request, obj.user):
            return False
        return super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        if obj is not None and _guards_audit_account(request, obj.user):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and _guards_audit_account(request, obj.user):
            return False
        return super().has_delete_permission(request, obj)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if getattr(request.user, "role", "") != Role.AUDITOR:
            queryset = queryset.exclude(user__role=Role.AUDITOR)
        return queryset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and getattr(request.user, "role", "") != (
            Role.AUDITOR
        ):
            kwargs["queryset"] = User.objects.exclude(role=Role.AUDITOR)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
