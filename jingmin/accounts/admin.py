from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from jingmin.audit.admin_mixins import AuditedAdmin

from .models import User


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
    fieldsets = BaseUserAdmin.fieldsets + (
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
                )
            },
        ),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("岗位"), {"fields": ("role", "display_name", "unit", "department")}),
    )
