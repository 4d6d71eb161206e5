from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One entry of the append-only, hash-chained trail.

    The trail is several chains (``chain``, docs/decisions/140): within one chain
    ``seq`` counts from 1 in commit order and ``hash`` is SHA-256 over the previous
    event's hash and this event's canonical content (see hashing.py); on PostgreSQL
    a trigger refuses UPDATE and DELETE.
    """

    chain = models.PositiveSmallIntegerField(_("链"), default=1)
    seq = models.BigIntegerField(_("序号"))
    created_at = models.DateTimeField(_("时间"))
    actor_id = models.BigIntegerField(_("操作人ID"), null=True, blank=True)
    actor_label = models.CharField(_("操作人"), max_length=150)
    actor_role = models.CharField(_("角色"), max_length=30, blank=True)
    ip = models.CharField(_("来源地址"), max_length=45, blank=True)
    action = models.CharField(_("动作"), max_length=80, db_index=True)
    object_type = models.CharField(
        _("对象类型"), max_length=80, blank=True, db_index=True
    )
    object_id = models.CharField(_("对象ID"), max_length=64, blank=True, db_index=True)
    object_label = models.CharField(_("对象"), max_length=200, blank=True)
    changes = models.JSONField(_("变更"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["created_at", "chain", "seq"]
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        indexes = [models.Index(fields=["object_type", "object_id", "seq"])]
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq")
        ]

    def __str__(self) -> str:
        return f"#{self.chain}.{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """The end of one chain (``id`` is the chain's number). A writer locks one head
    until its commit, so each chain has one order on every database; writers that
    find a head locked take another (docs/decisions/140)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("审计链头")

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"
