from django.contrib import admin

from jingmin.audit.admin_mixins import AuditedAdmin

from .models import DisclosureItem


@admin.register(DisclosureItem)
class DisclosureItemAdmin(AuditedAdmin, admin.ModelAdmin):
    """The disclosure list is short reference text kept by the administrator;
    every edit is audited (catalogue.disclosure_create/update/delete)."""

    list_display = ["title", "kind", "position", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["title", "body"]
    audit_action_prefix = "catalogue.disclosure"
