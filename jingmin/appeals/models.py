"""Appeals (诉求): categories, the appeal and its history, replies, follow-ups, metrics.

Personal data (name, phone, e-mail) is encrypted at rest; ``phone_index`` is a
blind index so repeated callers can be found without decrypting. The tracking
code a citizen holds is ``<number>-<secret>``: the number is short and may be read
over the phone or shown publicly (Open311 ``service_request_id``); only the
SHA-256 of the 128-bit secret is stored (see docs/decisions/010).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jingmin.accounts.roles import Role
from jingmin.accounts.scoping import ScopePolicy
from jingmin.core.crypto import EncryptedTextField

APPEAL_SCOPE = ScopePolicy(
    unit="unit",
    department="forwarded_to",
    global_roles=frozenset({Role.SUPERVISOR, Role.OPERATOR}),
)
CHILD_SCOPE = ScopePolicy(
    unit="appeal__unit",
    department="appeal__forwarded_to",
    global_roles=frozenset({Role.SUPERVISOR, Role.OPERATOR}),
)


class Urgency(models.TextChoices):
    URGENT = "urgent", _("紧急")
    UTILITIES = "utilities", _("水电气暖")
    ORDINARY = "ordinary", _("一般")
    COMPLEX = "complex", _("复杂")


class LimitUnit(models.TextChoices):
    HOURS = "hours", _("小时（自然时）")
    DAYS = "days", _("自然日")
    WORKING_DAYS = "working_days", _("工作日")


class Category(models.Model):
    """A node of the two-level taxonomy; leaves are what appeals are filed under."""

    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级类别"),
    )
    code = models.SlugField(_("代码"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    description = models.TextField(_("内部说明"), blank=True)
    description_public = models.TextField(_("公开说明"), blank=True)
    is_police_duty = models.BooleanField(_("属公安职责"), default=True)
    business_area = models.ForeignKey(
        "org.BusinessArea",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeal_categories",
        verbose_name=_("业务领域（非警务类的主管部门）"),
    )
    default_unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("默认承办单位"),
    )
    urgency = models.CharField(
        _("默认紧急程度"),
        max_length=20,
        choices=Urgency.choices,
        default=Urgency.ORDINARY,
    )
    accept_hours = models.PositiveIntegerField(_("签收时限（小时）"), default=2)
    reply_limit = models.PositiveIntegerField(
        _("答复时限"),
        null=True,
        blank=True,
        help_text=_("留空则按紧急程度取默认值"),
    )
    reply_limit_unit = models.CharField(
        _("答复时限单位"),
        max_length=20,
        choices=LimitUnit.choices,
        default=LimitUnit.WORKING_DAYS,
    )
    close_working_days = models.PositiveIntegerField(
        _("回访办结时限（工作日）"), default=5
    )
    is_public = models.BooleanField(_("对外公开（Open311 服务）"), default=True)
    is_confidential = models.BooleanField(
        _("保密类别"),
        default=False,
        help_text=_("举报、家庭纠纷等：不在任何公开列表中出现"),
    )
    keywords = models.TextField(_("关键词"), blank=True)
    questions = models.JSONField(
        _("附加问题"),
        default=list,
        blank=True,
        help_text=_(
            '列表：{"code", "label", "datatype": string|text|number|datetime|'
            'singlevaluelist|multivaluelist, "required", "values": [{"key", "name"}]}'
        ),
    )
    reply_template = models.TextField(_("答复模板"), blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("诉求类别")
        verbose_name_plural = _("诉求类别")

    def __str__(self) -> str:
        return self.name

    @property
    def full_name(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name


class Appeal(models.Model):
    class Kind(models.TextChoices):
        COMPLAINT = "complaint", _("投诉")
        REPORT = "report", _("举报")
        HELP = "help", _("求助")
        CONSULTATION = "consultation", _("咨询")
        SUGGESTION = "suggestion", _("建议")

    class Source(models.TextChoices):
        WEB = "web", _("网站")
        PHONE = "phone", _("电话")
        API = "api", _("接口")
        OPEN311 = "open311", _("Open311")

    class TriageClass(models.TextChoices):
        POLICE_DUTY = "police_duty", _("公安职责")
        OTHER_DEPARTMENT = "other_department", _("其他部门职责")
        STATUTORY_CHANNEL = "statutory_channel", _("应通过法定途径解决")
        ALREADY_HANDLED = "already_handled", _("正在办理中")
        NOT_ACCEPTABLE = "not_acceptable", _("不予受理")

    class Status(models.TextChoices):
        RECEIVED = "received", _("已受理")
        TRIAGED = "triaged", _("待分拨")
        ASSIGNED = "assigned", _("已派单")
        FORWARDED = "forwarded", _("已转办")
        ACCEPTED = "accepted", _("办理中")
        INFO_REQUESTED = "info_requested", _("待补充材料")
        REPLIED = "replied", _("已答复")
        REOPENED = "reopened", _("重办")
        CLOSED = "closed", _("已办结")

    number = models.CharField(_("编号"), max_length=20, unique=True)
    secret_digest = models.CharField(max_length=64, unique=True, editable=False)
    kind = models.CharField(_("诉求类型"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=120, blank=True)
    body = models.TextField(_("内容"))
    name = EncryptedTextField(_("姓名"), blank=True, default="")
    phone = EncryptedTextField(_("电话"), blank=True, default="")
    phone_index = models.CharField(max_length=32, blank=True, db_index=True)
    email = EncryptedTextField(_("电子邮箱"), blank=True, default="")
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    outside_county = models.BooleanField(_("位置在县外"), default=False)
    source = models.CharField(
        _("来源"), max_length=20, choices=Source.choices, default=Source.WEB
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
        verbose_name=_("类别"),
    )
    predicted_category = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("模型预测类别"),
    )
    confidence = models.FloatField(_("分类置信度"), null=True, blank=True)
    category_confirmed = models.BooleanField(_("类别已人工确认"), default=False)
    urgency = models.CharField(
        _("紧急程度"), max_length=20, choices=Urgency.choices, default=Urgency.ORDINARY
    )
    triage_class = models.CharField(
        _("分拨结论"), max_length=30, choices=TriageClass.choices, blank=True
    )
    triage_explanation = models.TextField(_("分拨说明（群众可见）"), blank=True)
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=Status.choices,
        default=Status.RECEIVED,
        db_index=True,
    )
    unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
        verbose_name=_("承办单位"),
    )
    forwarded_to = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
        verbose_name=_("转办部门"),
    )
    designated = models.BooleanField(_("指定承办（不得退回）"), default=False)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("重复于"),
    )
    # while it waits for an operator (待分拨): the time by which it must be routed
    triage_due = models.DateTimeField(_("分拨期限"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    accept_due = models.DateTimeField(_("签收期限"), null=True, blank=True)
    reply_due = models.DateTimeField(_("答复期限"), null=True, blank=True)
    close_due = models.DateTimeField(_("办结期限"), null=True, blank=True)
    objection_due = models.DateTimeField(_("退回期限"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    accepted_on_time = models.BooleanField(_("按时签收"), null=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    replied_on_time = models.BooleanField(_("按时答复"), null=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    paused_at = models.DateTimeField(_("暂停计时于"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("累计暂停秒数"), default=0)
    info_due = models.DateTimeField(_("补充材料期限"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("超期升级时间"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    # The latest follow-up's answers, copied here so metrics need no subquery.
    resolved = models.BooleanField(_("最近回访：是否解决"), null=True)
    satisfaction = models.CharField(_("最近回访：满意度"), max_length=20, blank=True)
    attributes = models.JSONField(_("附加信息"), default=dict, blank=True)
    created_at = models.DateTimeField(_("提交时间"), db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), db_index=True)

    scope = APPEAL_SCOPE

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        indexes = [
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["forwarded_to", "status"]),
            models.Index(fields=["status", "reply_due"]),
            models.Index(fields=["category", "created_at"]),
            # open appeals only (a few per cent of a grown table): overdue filter,
            # console cards; escalated and open: the dashboard's list (ADR 096)
            models.Index(
                fields=["reply_due"],
                condition=~models.Q(status="closed"),
                name="appeal_open_reply_due",
            ),
            models.Index(
                fields=["-created_at", "-id"],
                condition=models.Q(escalated_at__isnull=False)
                & ~models.Q(status="closed"),
                name="appeal_escalated_open",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED


class AppealEvent(models.Model):
    """One step of an appeal's history; ``public`` steps are shown to the citizen."""

    appeal = models.ForeignKey(
        Appeal, on_delete=models.CASCADE, related_name="events", verbose_name=_("诉求")
    )
    action = models.CharField(_("动作"), max_length=40)
    status_from = models.CharField(max_length=20, blank=True)
    status_to = models.CharField(max_length=20, blank=True)
    public = models.BooleanField(_("群众可见"), default=True)
    public_text = models.TextField(_("公开说明"), blank=True)
    note = models.TextField(_("内部备注"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("办理方"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("时间"), db_index=True)

    scope = CHILD_SCOPE

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")

    def __str__(self) -> str:
        return f"{self.appeal_id}:{self.action}"

    @property
    def action_label(self) -> str:
        from .workflow import action_label  # workflow imports this module

        return action_label(self.action)


class Reply(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审批")
        APPROVED = "approved", _("已发布")
        RETURNED = "returned", _("退回修改")

    appeal = models.ForeignKey(
        Appeal, on_delete=models.CASCADE, related_name="replies", verbose_name=_("诉求")
    )
    body = models.TextField(_("答复内容"))
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    by_department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("答复部门"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("撰写人"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审批人"),
    )
    review_note = models.TextField(_("审批意见"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    approved_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    scope = CHILD_SCOPE

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("答复")
        verbose_name_plural = _("答复")

    def __str__(self) -> str:
        return f"{self.appeal_id}:{self.get_status_display()}"


class FollowUp(models.Model):
    """回访: the citizen's (or a phone operator's record of the citizen's) rating."""

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        BASICALLY = "basically", _("基本满意")
        DISSATISFIED = "dissatisfied", _("不满意")

    class Channel(models.TextChoices):
        WEB = "web", _("网上评价")
        PHONE = "phone", _("电话回访")

    appeal = models.ForeignKey(
        Appeal,
        on_delete=models.CASCADE,
        related_name="followups",
        verbose_name=_("诉求"),
    )
    reply = models.ForeignKey(
        Reply, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved = models.BooleanField(_("问题是否解决"), null=True)
    satisfaction = models.CharField(
        _("满意度"), max_length=20, choices=Satisfaction.choices, blank=True
    )
    comment = models.TextField(_("意见"), blank=True)
    channel = models.CharField(_("方式"), max_length=10, choices=Channel.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("时间"), db_index=True)

    scope = CHILD_SCOPE

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("回访评价")
        verbose_name_plural = _("回访评价")

    def __str__(self) -> str:
        return f"{self.appeal_id}:{self.satisfaction}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # Never the user's filename (ASVS 5.3.2): a random name and our own extension.
    return f"appeals/{instance.created_at:%Y/%m}/{instance.token}.{instance.extension}"


class Attachment(models.Model):
    appeal = models.ForeignKey(
        Appeal,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("诉求"),
    )
    token = models.CharField(max_length=40, unique=True)
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200)
    content_type = models.CharField(max_length=40)
    extension = models.CharField(max_length=8)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(null=True)
    height = models.PositiveIntegerField(null=True)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    scope = CHILD_SCOPE

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.token


class Extension(models.Model):
    """A request to move the reply deadline: needs a reason and a leader's approval."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未批准")

    appeal = models.ForeignKey(
        Appeal,
        on_delete=models.CASCADE,
        related_name="extensions",
        verbose_name=_("诉求"),
    )
    reason = models.TextField(_("延期理由"))
    working_days = models.PositiveSmallIntegerField(_("延长工作日"))
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    previous_due = models.DateTimeField(null=True)
    new_due = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    scope = CHILD_SCOPE

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")

    def __str__(self) -> str:
        return f"{self.appeal_id}:{self.working_days}"


class LabelledText(models.Model):
    """Training data for the classifier: imported history and operators' corrections."""

    class Origin(models.TextChoices):
        IMPORT = "import", _("历史导入")
        CORRECTION = "correction", _("人工更正")
        CONFIRMATION = "confirmation", _("人工确认")

    title = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="labelled_texts"
    )
    origin = models.CharField(max_length=20, choices=Origin.choices)
    appeal = models.ForeignKey(
        Appeal, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    predicted = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    address = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("分类样本")
        verbose_name_plural = _("分类样本")

    def __str__(self) -> str:
        return self.title or self.body[:20]


class ClassifierModel(models.Model):
    """A trained, versioned model file under VAR_DIR/models/."""

    version = models.PositiveIntegerField(unique=True)
    path = models.CharField(max_length=300)
    algorithm = models.CharField(max_length=100)
    n_samples = models.PositiveIntegerField()
    n_classes = models.PositiveIntegerField()
    accuracy = models.FloatField()
    macro_f1 = models.FloatField()
    train_seconds = models.FloatField()
    sha256 = models.CharField(max_length=64)
    active = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("分类模型")
        verbose_name_plural = _("分类模型")

    def __str__(self) -> str:
        return f"v{self.version}"


class RateFormula(models.Model):
    """A versioned definition of the three rates (and the other figures).

    ``definition`` holds weights, e.g. {"satisfaction": {"satisfied": 1,
    "basically": 0.5, "dissatisfied": 0}, "response_on_time_only": true}.
    """

    version = models.PositiveIntegerField(unique=True)
    name = models.CharField(_("名称"), max_length=100)
    definition = models.JSONField(_("口径"))
    active = models.BooleanField(_("当前口径"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("统计口径")
        verbose_name_plural = _("统计口径")

    def __str__(self) -> str:
        return f"v{self.version} {self.name}"


class MonthlyAggregate(models.Model):
    """Raw counts per month × unit × department × category, refreshed incrementally.

    Rates are never stored here: they are computed from these counts with a
    RateFormula, so a new formula needs no recount.
    """

    key = models.CharField(max_length=60, unique=True)
    """``YYYY-MM|unit|department|category`` (ids, empty for none): one row per cell."""
    month = models.DateField(db_index=True)
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.CASCADE, null=True, related_name="+"
    )
    department = models.ForeignKey(
        "org.Department", on_delete=models.CASCADE, null=True, related_name="+"
    )
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, null=True, related_name="+"
    )
    received = models.PositiveIntegerField(default=0)
    due_accept = models.PositiveIntegerField(default=0)
    accepted_on_time = models.PositiveIntegerField(default=0)
    replied = models.PositiveIntegerField(default=0)
    replied_on_time = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    rated = models.PositiveIntegerField(default=0)
    resolved_yes = models.PositiveIntegerField(default=0)
    resolved_no = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    basically = models.PositiveIntegerField(default=0)
    dissatisfied = models.PositiveIntegerField(default=0)
    reply_hours = models.JSONField(default=dict)
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("月度汇总")
        verbose_name_plural = _("月度汇总")
        # MAX(refreshed_at) names the dashboard's cached figures (ADR 097)
        indexes = [models.Index(fields=["refreshed_at"], name="aggregate_refreshed")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class PublishedFigure(models.Model):
    """A figure released to the public or to leaders, frozen with its formula."""

    period = models.CharField(_("期间"), max_length=20)
    scope_label = models.CharField(_("范围"), max_length=100)
    values = models.JSONField(_("数值"))
    formula = models.ForeignKey(
        RateFormula, on_delete=models.PROTECT, related_name="figures"
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_at"]
        verbose_name = _("发布数据")
        verbose_name_plural = _("发布数据")

    def __str__(self) -> str:
        return f"{self.period} {self.scope_label}"


class ProblemOfMonth(models.Model):
    """每月一题: a recurring problem the supervisor takes on for a month."""

    class Status(models.TextChoices):
        OPEN = "open", _("推进中")
        DONE = "done", _("已完成")

    month = models.DateField(_("月份"))
    title = models.CharField(_("题目"), max_length=120)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("类别"),
    )
    place = models.CharField(_("地点"), max_length=200, blank=True)
    owner_unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("牵头单位"),
    )
    plan = models.TextField(_("工作方案"))
    public_result = models.TextField(_("公开的整改结果"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    appeals = models.ManyToManyField(Appeal, blank=True, related_name="problems")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month", "pk"]
        verbose_name = _("每月一题")
        verbose_name_plural = _("每月一题")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.title}"


class RateBucket(models.Model):
    """Token bucket rows for jingmin.core.ratelimit (hosted here, see ADR 011)."""

    key = models.CharField(max_length=120, unique=True)
    tokens = models.FloatField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("限流计数")
        verbose_name_plural = _("限流计数")

    def __str__(self) -> str:
        return self.key


class IdempotencyRecord(models.Model):
    """Stored responses for jingmin.core.idempotency (hosted here, see ADR 011)."""

    scope = models.CharField(max_length=60)
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response = models.JSONField(null=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "key"], name="appeals_idempotency_scope_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"
