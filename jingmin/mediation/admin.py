from django.contrib import admin

from jingmin.audit.admin_mixins import AuditedAdmin

from .models import RiskFactor, RiskLevel


@admin.register(RiskFactor)
class RiskFactorAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("code", "weight", "param", "is_active")
    list_editable = ("weight", "param", "is_active")


@admin.register(RiskLevel)
class RiskLevelAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = (
        "code",
        "label",
        "rank",
        "min_score",
        "followup_interval_days",
        "followup_count",
        "followup_channel",
        "notify",
    )
