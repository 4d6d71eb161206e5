import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jingmin.accounts.roles import Role
from jingmin.accounts.scoping import ScopePolicy
from jingmin.core.crypto import EncryptedTextField


class ServiceToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("账号"),
    )
    name = models.CharField(_("用途"), max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("前缀"), max_length=8)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def new_raw() -> str:
        return "jm_" + secrets.token_urlsafe(32)


class WebhookSubscription(models.Model):
    """A department's own system, told about the appeals forwarded to that department.

    The secret signs every delivery (HMAC-SHA256). It is needed in clear to sign, so it
    is stored encrypted, not hashed, and shown once when the subscription is created.
    """

    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        related_name="webhooks",
        verbose_name=_("部门"),
    )
    name = models.CharField(_("名称"), max_length=100)
    url = models.URLField(_("接收地址"), max_length=500)
    secret = EncryptedTextField(_("签名密钥"), editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    scope = ScopePolicy(department="department", global_roles=frozenset({Role.ADMIN}))

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("事件订阅")
        verbose_name_plural = _("事件订阅")

    def __str__(self) -> str:
        return f"{self.department} · {self.name}"

    @staticmethod
    def new_secret() -> str:
        return "whsec_" + secrets.token_urlsafe(32)


class WebhookDelivery(models.Model):
    """One event for one subscription, retried with exponential backoff until it lands."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待投递")
        DELIVERED = "delivered", _("已送达")
        FAILED = "failed", _("已放弃")

    subscription = models.ForeignKey(
        WebhookSubscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("订阅"),
    )
    event_id = models.UUIDField(_("事件ID"), unique=True)
    event_type = models.CharField(_("事件类型"), max_length=80)
    audit_chain = models.PositiveSmallIntegerField(_("审计链"), default=1)
    audit_seq = models.BigIntegerField(_("审计序号"))
    payload = models.JSONField(_("内容"))
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), db_index=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    scope = ScopePolicy(
        department="subscription__department", global_roles=frozenset({Role.ADMIN})
    )

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("事件投递")
        verbose_name_plural = _("事件投递")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "audit_chain", "audit_seq"],
                name="webhook_once_per_chain_event",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.subscription}"


class WebhookAttempt(models.Model):
    """The delivery log: every POST made, with what came back."""

    delivery = models.ForeignKey(
        WebhookDelivery,
        on_delete=models.CASCADE,
        related_name="log",
        verbose_name=_("投递"),
    )
    attempted_at = models.DateTimeField(_("时间"))
    response_status = models.PositiveSmallIntegerField(
        _("响应状态"), null=True, blank=True
    )
    error = models.CharField(_("错误"), max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), default=0)

    class Meta:
        ordering = ["attempted_at"]
        verbose_name = _("投递记录")
        verbose_name_plural = _("投递记录")

    def __str__(self) -> str:
        return f"{self.attempted_at:%Y-%m-%d %H:%M:%S} {self.response_status or self.error}"


class WebhookCursor(models.Model):
    """How far one audit chain (``id`` is its number) has been turned into
    deliveries: each chain is in commit order, the trail as a whole is not."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    audit_seq = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"#{self.audit_seq}"
