from django.contrib import admin

from jingmin.audit.admin_mixins import AuditedAdmin

from .models import CalendarDay


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["date", "is_workday", "name"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"
    search_fields = ["name"]
