from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _


class Open311Client(models.Model):
    """A civic app, hotline or other system allowed to POST requests.

    Only the SHA-256 of the API key is stored; the key is shown once when issued.
    """

    name = models.CharField(_("客户端名称"), max_length=100, unique=True)
    contact = models.CharField(_("联系人及联系方式"), max_length=200, blank=True)
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(_("密钥前缀"), max_length=12, editable=False)
    rate_per_minute = models.PositiveIntegerField(
        _("每分钟请求上限"),
        default=30,
        help_text=_("超过后返回 403，直到令牌桶恢复"),
    )
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Open311 客户端")
        verbose_name_plural = _("Open311 客户端")

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def new_raw_key() -> str:
        return "o311_" + secrets.token_urlsafe(24)


class CatalogueVersion(models.Model):
    """When the public service catalogue last changed (discovery's ``changeset``).

    Categories carry no timestamp, so a fingerprint of them is kept here and the
    time moves only when the fingerprint does.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    digest = models.CharField(max_length=64)
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("服务目录版本")
        verbose_name_plural = _("服务目录版本")

    def __str__(self) -> str:
        return f"{self.changed_at:%Y-%m-%d %H:%M:%S} {self.digest[:12]}"


class Submission(models.Model):
    """Which client filed an appeal through Open311, and what the spec carries besides.

    ``device_id`` and ``account_id`` identify the citizen in the client's own system,
    so they are never shown in a GET; ``media_url`` only for public categories.
    """

    appeal = models.OneToOneField(
        "appeals.Appeal",
        on_delete=models.CASCADE,
        related_name="open311_submission",
        verbose_name=_("诉求"),
    )
    client = models.ForeignKey(
        Open311Client,
        on_delete=models.PROTECT,
        related_name="submissions",
        verbose_name=_("客户端"),
    )
    device_id = models.CharField(_("设备标识"), max_length=100, blank=True)
    account_id = models.CharField(_("客户端账号"), max_length=100, blank=True)
    media_url = models.URLField(_("媒体链接"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("Open311 提交记录")
        verbose_name_plural = _("Open311 提交记录")

    def __str__(self) -> str:
        return f"{self.client} → {self.appeal_id}"
