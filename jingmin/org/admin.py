from django.contrib import admin

from jingmin.audit.admin_mixins import AuditedAdmin

from .models import Bureau, BusinessArea, Department, Unit


@admin.register(Bureau)
class BureauAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["name", "county", "phone"]


@admin.register(Unit)
class UnitAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["code", "name", "kind", "phone", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name", "address"]


class BusinessAreaInline(admin.TabularInline):
    model = BusinessArea
    extra = 0


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["code", "name", "contact_phone", "is_active"]
    search_fields = ["code", "name"]
    inlines = [BusinessAreaInline]


@admin.register(BusinessArea)
class BusinessAreaAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["code", "name", "department"]
    list_filter = ["department"]
