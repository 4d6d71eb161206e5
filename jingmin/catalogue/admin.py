from django.contrib import admin

from jingmin.audit.services import event_record

from .models import DisclosureItem


@admin.register(DisclosureItem)
class DisclosureItemAdmin(admin.ModelAdmin):
    """The disclosure list is short reference text kept by the administrator.
    The admin's change views run in a transaction, so the event joins it."""

    list_display = ["title", "kind", "position", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["title", "body"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        event_record(
            actor=request.user,
            action="catalogue.disclosure_update"
            if change
            else "catalogue.disclosure_create",
            obj=obj,
            changes={"fields": sorted(form.changed_data)},
            request=request,
        )

    def delete_model(self, request, obj):
        event_record(
            actor=request.user,
            action="catalogue.disclosure_delete",
            obj=obj,
            changes={"title": obj.title},
            request=request,
        )
        super().delete_model(request, obj)
