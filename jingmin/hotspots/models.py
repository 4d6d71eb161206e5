"""Incidents, analyses and campaigns of the hot-spot module (治安热点整治).

Coordinates are WGS-84 lon/lat floats (no PostGIS, see docs/decisions/004); every
analysis projects them to a local metric CRS at run time (analysis/grid.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jingmin.accounts.roles import Role
from jingmin.accounts.scoping import ScopePolicy
from jingmin.org.models import Unit

ANALYST_ROLES = frozenset({Role.ANALYST, Role.SUPERVISOR})
"""Roles that see every incident, analysis and campaign of the county."""


class IncidentType(models.Model):
    """A kind of public-order incident (data, not code): 电动车盗窃, 入室盗窃 …"""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60, unique=True)
    description = models.TextField(_("说明"), blank=True)
    prevention_tip = models.TextField(
        _("防范提示"), blank=True, help_text=_("在该类案件高发区域向群众展示")
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("警情类型")
        verbose_name_plural = _("警情类型")

    def __str__(self) -> str:
        return self.name


class Incident(models.Model):
    class Source(models.TextChoices):
        MANUAL = "manual", _("录入")
        IMPORT = "import", _("导入")
        DEMO = "demo", _("演示数据")

    type = models.ForeignKey(
        IncidentType,
        on_delete=models.PROTECT,
        related_name="incidents",
        verbose_name=_("类型"),
    )
    occurred_from = models.DateTimeField(_("发生时间（起）"))
    occurred_to = models.DateTimeField(
        _("发生时间（止）"),
        null=True,
        blank=True,
        help_text=_("只知道时间段时填写，例如夜间停放被盗"),
    )
    # null when only an address is known: counted by unit and time, not mapped
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name=_("所属单位"),
    )
    source = models.CharField(
        _("来源"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )
    batch = models.CharField(_("导入批次"), max_length=40, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ScopePolicy(unit="unit", global_roles=ANALYST_ROLES)

    class Meta:
        ordering = ["-occurred_from", "-pk"]
        verbose_name = _("警情")
        verbose_name_plural = _("警情")
        indexes = [
            models.Index(fields=["type", "occurred_from"]),
            models.Index(fields=["unit", "occurred_from"]),
            models.Index(fields=["occurred_from"]),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.occurred_from:%Y-%m-%d}"


class Analysis(models.Model):
    class Kind(models.TextChoices):
        HOTSPOT = "hotspot", _("热点分析（网格、Gi*、核密度、时间分布）")
        KNOX = "knox", _("近重复分析（Knox 检验）")
        FORECAST = "forecast", _("热点预测（PAI 检验）")

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("运行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=120)
    params = models.JSONField(_("参数"), default=dict)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("限定单位"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    message = models.TextField(_("说明"), blank=True)
    result = models.JSONField(_("结果"), null=True, blank=True)
    runs = models.PositiveIntegerField(_("运行次数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    scope = ScopePolicy(unit="unit", global_roles=ANALYST_ROLES)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("分析")
        verbose_name_plural = _("分析")

    def __str__(self) -> str:
        return self.title


class Campaign(models.Model):
    """整治行动: a target area, a period, the actions and the units involved."""

    name = models.CharField(_("名称"), max_length=120)
    incident_types = models.ManyToManyField(
        IncidentType,
        blank=True,
        related_name="campaigns",
        verbose_name=_("针对的警情类型"),
        help_text=_("不选表示全部类型"),
    )
    area = models.JSONField(_("目标区域（GeoJSON）"))
    comparison_area = models.JSONField(
        _("对照区域（GeoJSON）"),
        null=True,
        blank=True,
        help_text=_("不填则为全县除目标区和缓冲区以外的区域"),
    )
    buffer_m = models.PositiveIntegerField(_("缓冲区宽度（米）"), default=500)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    actions = models.TextField(_("措施"))
    units = models.ManyToManyField(
        Unit, related_name="campaigns", verbose_name=_("参与单位")
    )
    source_analysis = models.ForeignKey(
        Analysis,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name=_("依据的分析"),
    )
    evaluation = models.JSONField(_("评估"), null=True, blank=True)
    evaluated_at = models.DateTimeField(_("评估时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ScopePolicy(unit="units", global_roles=ANALYST_ROLES)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("整治行动")
        verbose_name_plural = _("整治行动")

    def __str__(self) -> str:
        return self.name
