from django.contrib import admin

from .models import Bureau, BusinessArea, Department, Unit


@admin.register(Bureau)
class BureauAdmin(admin.ModelAdmin):
    list_display = ["name", "county", "phone"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "phone", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name", "address"]


class BusinessAreaInline(admin.TabularInline):
    model = BusinessArea
    extra = 0


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "contact_phone", "is_active"]
    search_fields = ["code", "name"]
    inlines = [BusinessAreaInline]


@admin.register(BusinessArea)
class BusinessAreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "department"]
    list_filter = ["department"]
