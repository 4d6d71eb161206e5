"""The public service catalogue (警务公开): guides, their published versions, the
search index, applications against a guide, appointment slots and the disclosure list.

A ServiceGuide is the stable identity (code, area); its content lives in a draft
(JSON, edited by staff) and in immutable GuideVersion rows made by publishing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingmin.accounts.roles import Role
from jingmin.accounts.scoping import ScopePolicy
from jingmin.core.crypto import EncryptedTextField


class Area(models.TextChoices):
    HUKOU = "hukou", _("户籍")
    EXIT_ENTRY = "exit_entry", _("出入境")
    PUBLIC_ORDER = "public_order", _("治安")
    TRAFFIC = "traffic", _("交通管理")
    CYBER = "cyber", _("网络安全")
    OTHER = "other", _("其他部门办理")


class ServiceGuide(models.Model):
    code = models.SlugField(_("事项编码"), max_length=60, unique=True)
    area = models.CharField(_("业务领域"), max_length=20, choices=Area.choices)
    responsible_department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_guides",
        verbose_name=_("办理部门"),
        help_text=_("已划转其他部门办理的事项：群众应当去找的部门"),
    )
    responsible_text = models.CharField(
        _("办理部门（文字说明）"), max_length=200, blank=True
    )
    draft = models.JSONField(_("草稿"), default=dict, blank=True)
    draft_changed = models.BooleanField(_("草稿有未发布修改"), default=True)
    draft_updated_at = models.DateTimeField(_("草稿修改时间"), null=True, blank=True)
    current_version = models.OneToOneField(
        "GuideVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("现行版本"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Bureau-wide content: leaders read drafts; only admin/supervisor edit (views).
    scope = ScopePolicy(
        global_roles=frozenset({Role.ADMIN, Role.SUPERVISOR, Role.LEADER})
    )

    class Meta:
        ordering = ["area", "code"]
        verbose_name = _("办事指南")
        verbose_name_plural = _("办事指南")

    def __str__(self) -> str:
        if self.current_version_id:
            return self.current_version.name
        return self.draft.get("name") or self.code

    @property
    def handled_elsewhere(self) -> bool:
        return bool(self.responsible_department_id or self.responsible_text)


class GuideVersion(models.Model):
    """One published version. Never updated: a change is a new version."""

    guide = models.ForeignKey(
        ServiceGuide, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("版本号"))
    name = models.CharField(_("事项名称"), max_length=120)
    keywords = models.CharField(_("俗称/关键词"), max_length=300, blank=True)
    legal_basis = models.JSONField(_("办事依据"), default=list)
    applicants = models.TextField(_("申请对象"))
    conditions = models.TextField(_("办理条件"))
    materials = models.JSONField(_("申请材料"), default=list)
    steps = models.JSONField(_("办理程序"), default=list)
    result_document = models.CharField(_("办理结果"), max_length=200)
    result_delivery = models.CharField(_("送达方式"), max_length=200)
    time_promise_days = models.PositiveSmallIntegerField(_("承诺时限（工作日）"))
    fees = models.CharField(_("收费标准"), max_length=300)
    offices = models.JSONField(_("办理地点和时间"), default=list)
    max_visits = models.PositiveSmallIntegerField(_("最多跑几次"))
    complaint = models.TextField(_("投诉方法"))
    accountability = models.TextField(_("责任追究"))
    faqs = models.JSONField(_("常见问题"), default=list, blank=True)
    change_summary = models.TextField(_("修改说明"))
    effective_date = models.DateField(_("施行日期"))
    published_at = models.DateTimeField(_("发布时间"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发布人"),
    )

    scope = ServiceGuide.scope

    class Meta:
        ordering = ["guide", "number"]
        verbose_name = _("指南版本")
        verbose_name_plural = _("指南版本")
        constraints = [
            models.UniqueConstraint(
                fields=["guide", "number"], name="guide_version_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(time_promise_days__gt=0),
                name="guide_version_promise_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("a published GuideVersion is immutable")
        super().save(*args, **kwargs)


class SearchToken(models.Model):
    """Inverted index of the current versions: one row per (guide, token, field)."""

    guide = models.ForeignKey(
        ServiceGuide, on_delete=models.CASCADE, related_name="search_tokens"
    )
    token = models.CharField(max_length=64, db_index=True)
    field = models.CharField(max_length=20)
    weight = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["token", "guide"])]

    def __str__(self) -> str:
        return self.token


class Application(models.Model):
    """One application (办件) against a guide at a unit; no personal data kept."""

    class Source(models.TextChoices):
        FORM = "form", _("手工登记")
        IMPORT = "import", _("业务系统导入")

    guide = models.ForeignKey(
        ServiceGuide,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("办理事项"),
    )
    unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        related_name="service_applications",
        verbose_name=_("办理单位"),
    )
    received_on = models.DateField(_("受理日期"))
    completed_on = models.DateField(_("办结日期"), null=True, blank=True)
    visits = models.PositiveSmallIntegerField(_("群众跑动次数"), default=1)
    source = models.CharField(max_length=10, choices=Source.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ScopePolicy(
        unit="unit", global_roles=frozenset({Role.SUPERVISOR, Role.ADMIN})
    )

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(completed_on__isnull=True)
                | models.Q(completed_on__gte=models.F("received_on")),
                name="application_completed_after_received",
            )
        ]

    def __str__(self) -> str:
        return f"{self.guide.code} @ {self.unit.code} {self.received_on}"


class ApplicationStep(models.Model):
    """Working days one step of an application took (to find the slow steps)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="step_timings"
    )
    name = models.CharField(_("环节"), max_length=60)
    working_days = models.PositiveSmallIntegerField(_("用时（工作日）"))

    scope = ScopePolicy(
        unit="application__unit",
        global_roles=frozenset({Role.SUPERVISOR, Role.ADMIN}),
    )

    def __str__(self) -> str:
        return f"{self.name}: {self.working_days}"


class AppointmentSlot(models.Model):
    unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        related_name="appointment_slots",
        verbose_name=_("办理单位"),
    )
    guide = models.ForeignKey(
        ServiceGuide,
        on_delete=models.PROTECT,
        related_name="appointment_slots",
        verbose_name=_("办理事项"),
    )
    window = models.CharField(_("窗口"), max_length=40)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveSmallIntegerField(_("可预约人数"))

    scope = ScopePolicy(
        unit="unit", global_roles=frozenset({Role.SUPERVISOR, Role.ADMIN})
    )

    class Meta:
        ordering = ["starts_at", "unit", "window"]
        verbose_name = _("预约时段")
        verbose_name_plural = _("预约时段")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "guide", "window", "starts_at"],
                name="appointment_slot_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__gt=0), name="slot_capacity_positive"
            ),
        ]

    def __str__(self) -> str:
        # local (Asia/Shanghai) time, as everywhere a slot is shown: the stored
        # value is UTC, and "06:00" for a 14:00 slot misleads citizens and staff
        start = timezone.localtime(self.starts_at)
        return f"{self.unit} {self.window} {start:%Y-%m-%d %H:%M}"


class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", _("已预约")
        CANCELLED = "cancelled", _("已取消")

    slot = models.ForeignKey(
        AppointmentSlot, on_delete=models.PROTECT, related_name="appointments"
    )
    name = EncryptedTextField(_("姓名"))
    phone = EncryptedTextField(_("手机号"))
    phone_index = models.CharField(max_length=32, db_index=True)
    cancel_digest = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.BOOKED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    scope = ScopePolicy(unit="slot__unit", global_roles=frozenset({Role.SUPERVISOR}))

    class Meta:
        ordering = ["slot__starts_at", "pk"]
        verbose_name = _("预约")
        verbose_name_plural = _("预约")

    def __str__(self) -> str:
        return f"{_('预约')} #{self.pk}"


class DisclosureItem(models.Model):
    """An entry of the enforcement-transparency page (执法公开)."""

    class Kind(models.TextChoices):
        RULE = "rule", _("执法依据")
        PROCEDURE = "procedure", _("执法程序")
        COMPLAINT = "complaint", _("监督投诉渠道")
        DISCRETION = "discretion", _("行政处罚裁量基准")

    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    source = models.CharField(_("出处"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    scope = ScopePolicy(global_roles=frozenset({Role.ADMIN, Role.SUPERVISOR}))

    class Meta:
        ordering = ["kind", "position", "pk"]
        verbose_name = _("公开事项")
        verbose_name_plural = _("公开事项")

    def __str__(self) -> str:
        return self.title
