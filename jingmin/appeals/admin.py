from django.contrib import admin

from jingmin.audit.admin_mixins import AuditedAdmin

from .models import Category, ClassifierModel, RateFormula


@admin.register(Category)
class CategoryAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "parent",
        "is_police_duty",
        "business_area",
        "default_unit",
        "urgency",
        "reply_limit",
        "reply_limit_unit",
        "is_public",
        "is_confidential",
        "active",
    )
    list_filter = ("is_police_duty", "is_public", "is_confidential", "active", "parent")
    search_fields = ("code", "name", "keywords")


@admin.register(RateFormula)
class RateFormulaAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("version", "name", "active", "created_at")


@admin.register(ClassifierModel)
class ClassifierModelAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = (
        "version",
        "algorithm",
        "n_samples",
        "accuracy",
        "macro_f1",
        "active",
    )
    readonly_fields = [
        f.name for f in ClassifierModel._meta.fields if f.name != "active"
    ]
