from django.contrib import admin

from jingmin.audit.admin_mixins import AuditedAdmin

from .models import IncidentType


@admin.register(IncidentType)
class IncidentTypeAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["code", "name", "is_active"]
    search_fields = ["code", "name"]
