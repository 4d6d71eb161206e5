from django.contrib import admin

from .models import DisclosureItem


@admin.register(DisclosureItem)
class DisclosureItemAdmin(admin.ModelAdmin):
    """The disclosure list is short reference text kept by the administrator."""

    list_display = ["title", "kind", "position", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["title", "body"]
