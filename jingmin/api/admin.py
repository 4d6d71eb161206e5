from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import ServiceToken, WebhookAttempt, WebhookDelivery, WebhookSubscription
from .services import token_issue, token_revoke
from .webhooks import subscription_create, subscription_revoke


@admin.register(ServiceToken)
class ServiceTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "user",
        "prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "user"] if obj else self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            from django.contrib.auth import get_user_model

            kwargs["queryset"] = get_user_model().objects.filter(
                is_service_account=True, is_active=True
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, raw = token_issue(
            actor=request.user, user=obj.user, name=obj.name, request=request
        )
        obj.pk, obj.prefix, obj.created_at = token.pk, token.prefix, token.created_at
        obj._state.adding = False
        messages.warning(
            request, _("接口令牌（只显示这一次，请立即保存）：%(t)s") % {"t": raw}
        )

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("吊销所选令牌"))
    def revoke(self, request, queryset):
        for token in queryset:
            token_revoke(actor=request.user, token=token, request=request)


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["name", "department", "url", "created_at", "revoked_at"]
    list_filter = ["department"]
    fields = ["department", "name", "url", "created_by", "created_at", "revoked_at"]
    readonly_fields = ["created_by", "created_at", "revoked_at"]
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        sub, secret = subscription_create(
            actor=request.user,
            department=obj.department,
            name=obj.name,
            url=obj.url,
            request=request,
        )
        obj.pk, obj.secret, obj.created_at = sub.pk, sub.secret, sub.created_at
        obj._state.adding = False
        messages.warning(
            request,
            _("签名密钥（只显示这一次，请交给部门系统）：%(s)s") % {"s": secret},
        )

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("停用所选订阅"))
    def revoke(self, request, queryset):
        for sub in queryset:
            subscription_revoke(actor=request.user, subscription=sub, request=request)


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["attempted_at", "response_status", "error", "duration_ms"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "event_type",
        "subscription",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "subscription"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    inlines = [AttemptInline]
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=gettext_lazy("立即重试所选投递"))
    def retry_now(self, request, queryset):
        count = queryset.exclude(status=WebhookDelivery.Status.DELIVERED).update(
            status=WebhookDelivery.Status.PENDING, next_attempt_at=timezone.now()
        )
        messages.success(request, _("已安排 %(n)s 条投递重试") % {"n": count})
