from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Open311Client, Submission
from .services import client_issue, client_rekey, client_revoke


def _show_key(request, client: Open311Client, raw: str) -> None:
    messages.warning(
        request,
        _("%(name)s 的 API 密钥（只显示这一次，请立即交给对方）：%(key)s")
        % {"name": client.name, "key": raw},
    )


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "key_prefix",
        "rate_per_minute",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    fields = [
        "name",
        "contact",
        "rate_per_minute",
        "key_prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    readonly_fields = ["key_prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke", "rekey"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        client, raw = client_issue(
            actor=request.user,
            name=obj.name,
            contact=obj.contact,
            rate_per_minute=obj.rate_per_minute,
            request=request,
        )
        obj.pk, obj.key_prefix, obj.created_at = (
            client.pk,
            client.key_prefix,
            client.created_at,
        )
        obj._state.adding = False
        _show_key(request, client, raw)

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: submissions keep pointing at their client

    @admin.action(description=gettext_lazy("吊销所选客户端的 API 密钥"))
    def revoke(self, request, queryset):
        for client in queryset:
            client_revoke(actor=request.user, client=client, request=request)
        messages.success(request, _("已吊销 %(n)s 个客户端") % {"n": queryset.count()})

    @admin.action(description=gettext_lazy("为所选客户端重新签发 API 密钥"))
    def rekey(self, request, queryset):
        for client in queryset:
            client, raw = client_rekey(
                actor=request.user, client=client, request=request
            )
            _show_key(request, client, raw)


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["appeal", "client", "created_at"]
    list_filter = ["client"]
    readonly_fields = [
        "appeal",
        "client",
        "device_id",
        "account_id",
        "media_url",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
