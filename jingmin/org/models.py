from django.db import models
from django.utils.translation import gettext_lazy as _


class Bureau(models.Model):
    """The county public-security bureau: the one tenant of an installation."""

    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    county = models.CharField(_("县（区）"), max_length=60)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    boundary = models.JSONField(_("辖区边界（GeoJSON）"), null=True, blank=True)

    class Meta:
        verbose_name = _("公安局")
        verbose_name_plural = _("公安局")

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    class Kind(models.TextChoices):
        STATION = "station", _("派出所")
        TRAFFIC = "traffic", _("交警大队")
        EXIT_ENTRY = "exit_entry", _("出入境管理大队")
        SERVICE_HALL = "service_hall", _("政务服务窗口")
        COMMAND = "command", _("指挥中心")
        INSPECTION = "inspection", _("督察大队")
        OTHER = "other", _("其他")

    bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, related_name="units", verbose_name=_("公安局")
    )
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    office_hours = models.CharField(_("办公时间"), max_length=200, blank=True)
    jurisdiction = models.JSONField(_("辖区（GeoJSON 几何）"), null=True, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("单位")
        verbose_name_plural = _("单位")

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """Another government department that appeals outside police duty go to."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    contact_phone = models.CharField(_("联系电话"), max_length=40)
    contact_address = models.CharField(_("办公地址"), max_length=200, blank=True)
    contact_hours = models.CharField(_("办公时间"), max_length=100, blank=True)
    website = models.CharField(_("网站"), max_length=200, blank=True)
    description = models.TextField(_("职责说明"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("政府部门")
        verbose_name_plural = _("政府部门")

    def __str__(self) -> str:
        return self.name


class BusinessArea(models.Model):
    """An area of government business (城乡建设, 环境保护 …) and the department that owns it."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60, unique=True)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="business_areas",
        verbose_name=_("主管部门"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("业务领域")
        verbose_name_plural = _("业务领域")

    def __str__(self) -> str:
        return self.name
