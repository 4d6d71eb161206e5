"""Forms of the citizen portal and the staff console. They parse; services decide."""

from __future__ import annotations

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from jingmin.core.exceptions import DomainError
from jingmin.core.uploads import CleanImage, image_clean, limit_text
from jingmin.org.models import Department, Unit

from .models import Appeal, Category, FollowUp, Urgency
from .selectors import categories_for_form
from .services import BODY_MAX, MAX_PHOTOS, TITLE_MAX, AppealInput


def _interpolate(message: str, values: dict) -> str:
    return str(message) % values


# ``_("…") % {…}`` in a class body would translate once, at import, in the
# default language; this keeps the text lazy until a page renders it.
lazy_interpolate = lazy(_interpolate, str)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(PhotosField, self).clean(f, initial) for f in files]


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return obj.full_name


class AppealForm(forms.Form):
    kind = forms.ChoiceField(label=_("诉求类型"), choices=Appeal.Kind.choices)
    category = CategoryChoiceField(
        label=_("问题类别（不确定可不选）"),
        queryset=Category.objects.none(),
        required=False,
    )
    title = forms.CharField(label=_("标题"), max_length=TITLE_MAX, required=False)
    body = forms.CharField(
        label=_("具体内容"),
        max_length=BODY_MAX,
        widget=forms.Textarea,
        help_text=lazy_interpolate(
            _("请写明时间、地点、经过和诉求，最多 %(n)s 字"), {"n": BODY_MAX}
        ),
    )
    name = forms.CharField(label=_("姓名（可不填）"), max_length=40, required=False)
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=30,
        required=False,
        help_text=_("用于答复和回访；匿名举报可不填，但将无法收到答复"),
    )
    email = forms.EmailField(label=_("电子邮箱（可不填）"), required=False)
    address = forms.CharField(label=_("地点"), max_length=200, required=False)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    photos = PhotosField(
        label=lazy_interpolate(_("照片（可选，最多 %(n)s 张）"), {"n": MAX_PHOTOS}),
        required=False,
        help_text=limit_text,
    )
    form_token = forms.CharField(widget=forms.HiddenInput)

    source = Appeal.Source.WEB

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories_for_form()
        self.fields["photos"].widget.attrs["accept"] = (
            "image/jpeg,image/png,image/gif,image/webp"
        )

    def clean_photos(self) -> list[CleanImage]:
        files = self.cleaned_data.get("photos") or []
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("最多上传 %(n)s 张照片") % {"n": MAX_PHOTOS})
        cleaned = []
        for upload in files:
            try:
                cleaned.append(image_clean(upload))
            except DomainError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return cleaned

    def to_input(self) -> AppealInput:
        d = self.cleaned_data
        return AppealInput(
            kind=d["kind"],
            body=d["body"],
            title=d.get("title", ""),
            name=d.get("name", ""),
            phone=d.get("phone", ""),
            email=d.get("email", ""),
            lon=d.get("lon"),
            lat=d.get("lat"),
            address=d.get("address", ""),
            category=d.get("category"),
            urgency=d.get("urgency", ""),
            source=self.source,
        )

    def payload(self) -> dict:
        """What the idempotency check compares (photos by their digest)."""
        d = self.cleaned_data
        data = {
            k: d.get(k)
            for k in (
                "kind",
                "title",
                "body",
                "name",
                "phone",
                "email",
                "address",
                "lon",
                "lat",
                "urgency",
            )
        }
        data["category"] = d["category"].pk if d.get("category") else None
        data["photos"] = [p.sha256 for p in d.get("photos") or []]
        return data


class IntakeForm(AppealForm):
    """An operator enters a phone call: phone optional (caller may refuse)."""

    urgency = forms.ChoiceField(
        label=_("紧急程度"),
        choices=[("", _("按类别默认"))] + Urgency.choices,
        required=False,
    )
    source = Appeal.Source.PHONE


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("查询码"),
        max_length=80,
        required=False,
        help_text=_("受理时提供的完整查询码，例如 261129123456-abcd…"),
    )
    number = forms.CharField(label=_("或：诉求编号"), max_length=20, required=False)
    phone_tail = forms.CharField(
        label=_("联系电话后四位"), max_length=4, required=False
    )

    def clean(self):
        data = super().clean()
        if not data.get("code") and not (data.get("number") and data.get("phone_tail")):
            raise forms.ValidationError(
                _("请填写查询码，或填写诉求编号和联系电话后四位")
            )
        return data


class RateForm(forms.Form):
    resolved = forms.TypedChoiceField(
        label=_("问题是否解决"),
        choices=[("1", _("已解决")), ("0", _("未解决"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    satisfaction = forms.ChoiceField(
        label=_("对办理结果是否满意"),
        choices=FollowUp.Satisfaction.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("意见建议（可不填）"),
        max_length=1000,
        required=False,
        widget=forms.Textarea,
    )


class TextForm(forms.Form):
    text = forms.CharField(label=_("内容"), max_length=BODY_MAX, widget=forms.Textarea)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=1000, widget=forms.Textarea)


class TriageForm(forms.Form):
    triage_class = forms.ChoiceField(
        label=_("分拨结论"), choices=Appeal.TriageClass.choices
    )
    category = CategoryChoiceField(
        label=_("类别"), queryset=Category.objects.none(), required=False
    )
    channel = forms.CharField(
        label=_("法定途径（如：民事诉讼、劳动仲裁、信访）"),
        max_length=100,
        required=False,
    )
    contact = forms.ModelChoiceField(
        label=_("途径联系部门"), queryset=Department.objects.none(), required=False
    )
    original = forms.CharField(
        label=_("正在办理的原诉求编号"), max_length=20, required=False
    )
    reason = forms.CharField(label=_("不予受理理由"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories_for_form()
        self.fields["contact"].queryset = Department.objects.filter(is_active=True)


class DispatchForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("承办单位"), queryset=Unit.objects.none(), required=False
    )
    department = forms.ModelChoiceField(
        label=_("或转办部门"), queryset=Department.objects.none(), required=False
    )
    note = forms.CharField(label=_("说明"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(is_active=True)
        self.fields["department"].queryset = Department.objects.filter(is_active=True)


class ExtensionForm(forms.Form):
    working_days = forms.IntegerField(label=_("延长工作日"), min_value=1, max_value=30)
    reason = forms.CharField(
        label=_("延期理由"), max_length=1000, widget=forms.Textarea
    )


class DecideForm(forms.Form):
    extension = forms.IntegerField(widget=forms.HiddenInput)
    approve = forms.TypedChoiceField(
        label=_("审批结果"),
        choices=[("1", _("批准")), ("0", _("不批准"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label=_("意见"), max_length=500, required=False)


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("答复内容"), max_length=BODY_MAX, widget=forms.Textarea
    )


class ApproveForm(forms.Form):
    reply = forms.IntegerField(widget=forms.HiddenInput)
    body = forms.CharField(
        label=_("答复内容（可修改）"),
        max_length=BODY_MAX,
        widget=forms.Textarea,
        required=False,
    )
    decision = forms.ChoiceField(
        label=_("审批结果"),
        choices=[("approve", _("批准发布")), ("return", _("退回修改"))],
    )
    note = forms.CharField(label=_("审批意见"), max_length=1000, required=False)


class DuplicateForm(forms.Form):
    original = forms.CharField(label=_("原诉求编号"), max_length=20)


class ProblemForm(forms.Form):
    month = forms.DateField(label=_("月份（任一日期）"))
    title = forms.CharField(label=_("题目"), max_length=120)
    category = CategoryChoiceField(
        label=_("类别"), queryset=Category.objects.none(), required=False
    )
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    owner_unit = forms.ModelChoiceField(
        label=_("牵头单位"), queryset=Unit.objects.none()
    )
    plan = forms.CharField(label=_("工作方案"), max_length=4000, widget=forms.Textarea)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories_for_form()
        self.fields["owner_unit"].queryset = Unit.objects.filter(is_active=True)


class ProblemResultForm(forms.Form):
    problem = forms.IntegerField(widget=forms.HiddenInput)
    public_result = forms.CharField(
        label=_("公开的整改结果"), max_length=4000, widget=forms.Textarea
    )
    done = forms.BooleanField(label=_("已完成"), required=False)


class DashboardForm(forms.Form):
    group_by = forms.ChoiceField(
        label=_("维度"),
        choices=[
            ("unit", _("单位")),
            ("department", _("部门")),
            ("category", _("类别")),
            ("month", _("月份")),
        ],
        required=False,
    )
    month_from = forms.DateField(label=_("起始月"), required=False)
    month_to = forms.DateField(label=_("截止月"), required=False)


class ListFilterForm(forms.Form):
    q = forms.CharField(
        label=_("搜索（编号/内容/电话）"), required=False, max_length=100
    )
    status = forms.ChoiceField(
        label=_("状态"),
        choices=[("", _("全部"))] + Appeal.Status.choices,
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("类型"), choices=[("", _("全部"))] + Appeal.Kind.choices, required=False
    )
    category = forms.ModelChoiceField(
        label=_("类别"), queryset=Category.objects.none(), required=False
    )
    unit = forms.ModelChoiceField(
        label=_("单位"), queryset=Unit.objects.none(), required=False
    )
    department = forms.ModelChoiceField(
        label=_("转办部门"), queryset=Department.objects.none(), required=False
    )
    overdue = forms.BooleanField(label=_("已超期"), required=False)
    escalated = forms.BooleanField(label=_("已升级督办"), required=False)
    date_from = forms.DateField(label=_("起"), required=False)
    date_to = forms.DateField(label=_("止"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(active=True)
        self.fields["unit"].queryset = Unit.objects.filter(is_active=True)
        if "department" in self.fields:
            self.fields["department"].queryset = Department.objects.filter(
                is_active=True
            )
