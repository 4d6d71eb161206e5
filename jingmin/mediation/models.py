"""Disputes (矛盾纠纷): registration, risk grading, mediation, follow-up, warnings.

Parties' names, phones and ID numbers are encrypted at rest; ``*_index`` columns
are blind indexes so the same person can be found across disputes (and appeals,
whose ``phone_index`` uses the same key) without decrypting anything.
Risk factors and levels are rows an administrator edits, so the checklist stays
transparent: every grading stores the reasons that produced it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jingmin.accounts.roles import Role
from jingmin.accounts.scoping import ScopePolicy
from jingmin.core.crypto import EncryptedTextField

DISPUTE_SCOPE = ScopePolicy(unit="unit", global_roles=frozenset({Role.SUPERVISOR}))
CHILD_SCOPE = ScopePolicy(
    unit="dispute__unit", global_roles=frozenset({Role.SUPERVISOR})
)


class RiskLevel(models.Model):
    """One level of the scale (default red / orange / yellow / blue)."""

    class Channel(models.TextChoices):
        VISIT = "visit", _("上门回访")
        PHONE = "phone", _("电话回访")

    code = models.SlugField(_("代码"), max_length=20, unique=True)
    label = models.CharField(_("名称"), max_length=20)
    rank = models.PositiveSmallIntegerField(
        _("严重程度"), unique=True, help_text=_("数字越大越严重")
    )
    min_score = models.PositiveSmallIntegerField(_("最低分值"), default=0)
    css = models.CharField(
        _("显示颜色"),
        max_length=20,
        default="blue",
        help_text=_("red/orange/yellow/blue"),
    )
    followup_interval_days = models.PositiveSmallIntegerField(
        _("回访间隔（天）"), default=30
    )
    followup_count = models.PositiveSmallIntegerField(_("回访次数"), default=1)
    followup_channel = models.CharField(
        _("回访方式"), max_length=10, choices=Channel.choices, default=Channel.PHONE
    )
    notify = models.BooleanField(_("立即通知所领导和指挥中心"), default=False)

    class Meta:
        ordering = ["-rank"]
        verbose_name = _("风险等级")
        verbose_name_plural = _("风险等级")

    def __str__(self) -> str:
        return str(self.label)


class RiskFactor(models.Model):
    """One item of the grading checklist; ``code`` names the rule in grading.py."""

    class Code(models.TextChoices):
        THREATS_VIOLENCE = "threats_violence", _("已有威胁或暴力行为")
        WEAPONS = "weapons", _("涉及刀具、枪支等凶器")
        REPEAT_CALLS = "repeat_calls", _("同一当事人反复报警或反映")
        VULNERABLE = "vulnerable", _("涉及未成年人或其他弱势群体")
        LARGE_SUM = "large_sum", _("涉及金额较大")
        MANY_PEOPLE = "many_people", _("涉及人数较多")
        MEDIATION_FAILED = "mediation_failed", _("此前调解未成功")
        PRIOR_VIOLENT = "prior_violent", _("一方有暴力前科（民警标注）")

    code = models.CharField(_("规则"), max_length=30, choices=Code.choices, unique=True)
    weight = models.PositiveSmallIntegerField(_("分值"))
    param = models.FloatField(
        _("阈值"),
        null=True,
        blank=True,
        help_text=_("金额（元）、人数或反映次数的门槛；其他规则不用"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["-weight", "code"]
        verbose_name = _("风险评估项")
        verbose_name_plural = _("风险评估项")

    def __str__(self) -> str:
        return self.get_code_display()


class Dispute(models.Model):
    class Type(models.TextChoices):
        NEIGHBOUR = "neighbour", _("邻里纠纷")
        FAMILY = "family", _("婚姻家庭纠纷")
        LAND_PROPERTY = "land_property", _("土地山林房产纠纷")
        LABOUR_WAGES = "labour_wages", _("劳资纠纷")
        CONSUMER = "consumer", _("消费纠纷")
        TRAFFIC = "traffic", _("交通事故赔偿纠纷")
        DEBT = "debt", _("债务纠纷")
        OTHER = "other", _("其他纠纷")

    class Source(models.TextChoices):
        STATION = "station", _("派出所登记")
        APPEAL = "appeal", _("群众诉求")
        IMPORT = "import", _("批量导入")
        MEDIATOR_REPORT = "mediator_report", _("调解员报告（可能激化）")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("已登记")
        MEDIATING = "mediating", _("调解中")
        AGREED = "agreed", _("已达成协议")
        REFERRED = "referred", _("已移交")
        REOPENED = "reopened", _("重新激化")
        CLOSED = "closed", _("已化解办结")

    class CaseKind(models.TextChoices):
        CRIMINAL = "criminal", _("转为刑事案件")
        ADMINISTRATIVE = "administrative", _("转为行政（治安）案件")

    number = models.CharField(_("编号"), max_length=20, unique=True, null=True)
    unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        related_name="disputes",
        verbose_name=_("承办单位"),
    )
    type = models.CharField(_("纠纷类型"), max_length=20, choices=Type.choices)
    summary = models.TextField(_("简要情况"))
    address = models.CharField(_("发生地址"), max_length=200, blank=True)
    address_key = models.CharField(max_length=200, blank=True, db_index=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    source = models.CharField(
        _("来源"), max_length=20, choices=Source.choices, default=Source.STATION
    )
    reporter = models.CharField(_("报告人（调解员/单位）"), max_length=100, blank=True)
    mediator_reported = models.BooleanField(
        _("调解员报告可能激化为刑事案件"), default=False
    )
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=Status.choices,
        default=Status.REGISTERED,
        db_index=True,
    )
    amount = models.DecimalField(
        _("涉及金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    people_count = models.PositiveIntegerField(_("涉及人数"), default=2)
    threats_violence = models.BooleanField(_("已有威胁或暴力行为"), default=False)
    weapons = models.BooleanField(_("涉及凶器"), default=False)

    risk_score = models.PositiveSmallIntegerField(_("风险分值"), default=0)
    computed_level = models.CharField(_("评估等级"), max_length=20, blank=True)
    risk_reasons = models.JSONField(_("评估依据"), default=list, blank=True)
    override_level = models.CharField(_("人工调整等级"), max_length=20, blank=True)
    override_reason = models.TextField(_("调整理由"), blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("调整人"),
    )
    override_at = models.DateTimeField(_("调整时间"), null=True, blank=True)
    level = models.CharField(
        _("风险等级"), max_length=20, blank=True, db_index=True
    )  # the override if any, else the computed level: what lists filter on

    escalated_to_case = models.CharField(
        _("转为案件"), max_length=20, choices=CaseKind.choices, blank=True
    )
    escalation_note = models.CharField(_("案件说明"), max_length=200, blank=True)
    escalated_at = models.DateTimeField(_("转案时间"), null=True, blank=True)

    appeal = models.ForeignKey(
        "appeals.Appeal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="disputes",
        verbose_name=_("来源诉求"),
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    created_at = models.DateTimeField(_("登记时间"), db_index=True)
    agreed_at = models.DateTimeField(_("达成协议时间"), null=True, blank=True)
    referred_at = models.DateTimeField(_("移交时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重新激化次数"), default=0)
    reopened_at = models.DateTimeField(_("最近激化时间"), null=True, blank=True)
    last_session_on = models.DateField(_("最近调解日期"), null=True, blank=True)

    scope = DISPUTE_SCOPE

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("矛盾纠纷")
        verbose_name_plural = _("矛盾纠纷")
        indexes = [
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["level", "status"]),
            models.Index(fields=["type", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED


class Party(models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", _("个人")
        ORGANISATION = "organisation", _("单位")

    class Side(models.TextChoices):
        A = "a", _("甲方")
        B = "b", _("乙方")
        OTHER = "other", _("其他关系人")

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="parties"
    )
    kind = models.CharField(
        _("类别"), max_length=20, choices=Kind.choices, default=Kind.PERSON
    )
    side = models.CharField(
        _("身份"), max_length=10, choices=Side.choices, default=Side.A
    )
    name = EncryptedTextField(_("姓名/名称"))
    phone = EncryptedTextField(_("联系电话"), blank=True, default="")
    phone_index = models.CharField(max_length=32, blank=True, db_index=True)
    id_number = EncryptedTextField(_("身份证号"), blank=True, default="")
    id_index = models.CharField(max_length=32, blank=True, db_index=True)
    is_minor = models.BooleanField(_("未成年人"), default=False)
    vulnerable = models.BooleanField(
        _("弱势群体"), default=False, help_text=_("老年、残疾、重病、孕妇等")
    )
    prior_violent = models.BooleanField(_("有暴力前科"), default=False)
    prior_violent_reason = models.CharField(_("标注依据"), max_length=200, blank=True)
    prior_violent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    prior_violent_at = models.DateTimeField(null=True, blank=True)

    scope = CHILD_SCOPE

    class Meta:
        ordering = ["side", "pk"]
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")

    def __str__(self) -> str:
        return f"{self.dispute} {self.get_side_display()}"


class MediationSession(models.Model):
    class Kind(models.TextChoices):
        PUBLIC_ORDER = "public_order", _("治安调解")
        PEOPLES = "peoples", _("人民调解")
        JOINT = "joint", _("联合调解")

    class Outcome(models.TextChoices):
        AGREED = "agreed", _("达成协议")
        FAILED = "failed", _("调解不成")
        ADJOURNED = "adjourned", _("择期再调")

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="sessions"
    )
    held_on = models.DateField(_("调解日期"))
    kind = models.CharField(_("调解方式"), max_length=20, choices=Kind.choices)
    place = models.CharField(_("调解地点"), max_length=100, blank=True)
    attendees = models.ManyToManyField(
        Party, related_name="sessions", verbose_name=_("到场当事人")
    )
    other_attendees = models.CharField(_("其他到场人员"), max_length=200, blank=True)
    guardian_present = models.BooleanField(_("监护人到场"), default=False)
    guardian_name = models.CharField(_("监护人姓名"), max_length=50, blank=True)
    outcome = models.CharField(_("调解结果"), max_length=20, choices=Outcome.choices)
    notes = models.TextField(_("调解情况"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope = CHILD_SCOPE

    class Meta:
        ordering = ["held_on", "pk"]
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")

    def __str__(self) -> str:
        return f"{self.dispute} {self.held_on}"


class Mediator(models.Model):
    class Kind(models.TextChoices):
        POLICE = "police", _("民警")
        COMMITTEE = "committee", _("人民调解委员会")
        LAWYER = "lawyer", _("律师")
        COMMUNITY = "community", _("村（社区）干部")

    session = models.ForeignKey(
        MediationSession, on_delete=models.CASCADE, related_name="mediators"
    )
    name = models.CharField(_("调解员"), max_length=50)
    kind = models.CharField(_("身份"), max_length=20, choices=Kind.choices)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("调解员")
        verbose_name_plural = _("调解员")

    def __str__(self) -> str:
        return self.name


class Agreement(models.Model):
    """调解协议: the terms the parties signed; printed from a template."""

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="agreements"
    )
    session = models.ForeignKey(
        MediationSession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agreements",
    )
    number = models.CharField(_("协议编号"), max_length=30, unique=True)
    terms = models.TextField(_("协议内容"))
    performance = models.CharField(_("履行方式和期限"), max_length=200, blank=True)
    signed_on = models.DateField(_("签订日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope = CHILD_SCOPE

    class Meta:
        ordering = ["-signed_on", "-pk"]
        verbose_name = _("调解协议")
        verbose_name_plural = _("调解协议")

    def __str__(self) -> str:
        return self.number


class Referral(models.Model):
    class Target(models.TextChoices):
        COURT = "court", _("人民法院")
        COMMITTEE = "committee", _("人民调解委员会")

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="referrals"
    )
    target = models.CharField(_("移交对象"), max_length=20, choices=Target.choices)
    body = models.CharField(_("接收机构"), max_length=100)
    reason = models.TextField(_("移交理由"))
    referred_on = models.DateField(_("移交日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    scope = CHILD_SCOPE

    class Meta:
        ordering = ["-referred_on", "-pk"]
        verbose_name = _("移交记录")
        verbose_name_plural = _("移交记录")

    def __str__(self) -> str:
        return f"{self.dispute} → {self.body}"


class FollowUp(models.Model):
    """回访 scheduled by the risk level after an agreement or referral."""

    class Outcome(models.TextChoices):
        STABLE = "stable", _("稳定，无反复")
        UNSTABLE = "unstable", _("有反复迹象")
        UNREACHABLE = "unreachable", _("未能联系")

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="followups"
    )
    due_on = models.DateField(_("应回访日期"), db_index=True)
    channel = models.CharField(
        _("方式"), max_length=10, choices=RiskLevel.Channel.choices
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mediation_followups",
        verbose_name=_("责任民警"),
    )
    done_on = models.DateField(_("回访日期"), null=True, blank=True)
    outcome = models.CharField(
        _("回访结果"), max_length=20, choices=Outcome.choices, blank=True
    )
    notes = models.TextField(_("回访情况"), blank=True)
    cancelled = models.BooleanField(_("已取消"), default=False)

    scope = CHILD_SCOPE

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("回访")
        verbose_name_plural = _("回访")

    def __str__(self) -> str:
        return f"{self.dispute} {self.due_on}"

    @property
    def is_pending(self) -> bool:
        return self.done_on is None and not self.cancelled


class Warning(models.Model):  # noqa: A001 - the domain word (预警)
    class Kind(models.TextChoices):
        REPEAT_PARTIES = "repeat_parties", _("同一当事人多次纠纷或诉求")
        REPEAT_ADDRESS = "repeat_address", _("同一地址多次纠纷或诉求")
        REOPENED = "reopened", _("达成协议后重新激化")
        RED_IDLE = "red_idle", _("红色纠纷久未调解")

    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="mediation_warnings"
    )
    dispute = models.ForeignKey(
        Dispute,
        on_delete=models.CASCADE,
        related_name="warnings",
        verbose_name=_("纠纷"),
    )
    kind = models.CharField(_("预警类型"), max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=100, unique=True)
    reason = models.CharField(_("预警原因"), max_length=300)
    count = models.PositiveIntegerField(_("次数"), default=1)
    created_at = models.DateTimeField(_("发出时间"))
    updated_at = models.DateTimeField(_("更新时间"))
    resolved_at = models.DateTimeField(_("解除时间"), null=True, blank=True)

    scope = ScopePolicy(unit="unit", global_roles=frozenset({Role.SUPERVISOR}))

    class Meta:
        ordering = ["resolved_at", "-updated_at"]
        verbose_name = _("预警")
        verbose_name_plural = _("预警")

    def __str__(self) -> str:
        return str(self.reason)


class Notification(models.Model):
    """In-app message to a staff member (red disputes, new warnings)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="mediation_notifications",
    )
    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.CharField(_("内容"), max_length=300)
    created_at = models.DateTimeField(_("时间"))
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        ordering = ["read_at", "-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"])]
        verbose_name = _("纠纷通知")
        verbose_name_plural = _("纠纷通知")

    def __str__(self) -> str:
        return self.text
