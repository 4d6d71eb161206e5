from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingmin.core.exceptions import DomainError
from jingmin.org.models import Department, Unit

from . import content as gc
from .models import Area, ServiceGuide
from .selectors import published_guides

PERIODS = (3, 6, 12)


def period_start(request: Any) -> tuple[int, dt.date]:
    """``?months=3|6|12`` (default 12) → (months, first day counted)."""
    months = request.GET.get("months", "12")
    months = int(months) if months.isdigit() and int(months) in PERIODS else 12
    return months, timezone.localdate() - dt.timedelta(days=round(months * 30.44))


LIST_HELP = {
    "legal_basis": _(
        "每行一条：法律法规名称 | 条款，如：《中华人民共和国居民身份证法》 | 第十一条"
    ),
    "materials": _(
        "每行一项：材料名称 | 原件/复印件/原件及复印件 | 份数 | 可否网上提交（是/否）"
    ),
    "steps": _("每行一步：环节 | 办理地点 | 时限"),
    "offices": _("每行一个单位：单位代码 | 办公时间（空则用单位的办公时间）"),
    "faqs": _("每行一问：问题 | 回答"),
}


class SearchForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    area = forms.ChoiceField(
        label=_("业务领域"),
        required=False,
        choices=[("", _("全部"))] + list(Area.choices),
    )
    visits = forms.ChoiceField(
        label=_("跑动次数"),
        required=False,
        choices=[("", _("不限")), ("online", _("全程网办")), ("one", _("最多跑一次"))],
    )


class GuideForm(forms.Form):
    """The whole draft of a guide; list fields are typed one item per line."""

    code = forms.SlugField(label=_("事项编码"), max_length=60)
    area = forms.ChoiceField(label=_("业务领域"), choices=Area.choices)
    responsible_department = forms.ModelChoiceField(
        label=_("办理部门（已划转其他部门的事项）"),
        queryset=Department.objects.filter(is_active=True),
        required=False,
    )
    responsible_text = forms.CharField(
        label=_("办理部门（文字说明）"), max_length=200, required=False
    )

    def __init__(self, *args: Any, guide: ServiceGuide | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.guide = guide
        for spec in gc.FIELDS:
            if spec.kind == "int":
                field = forms.IntegerField(label=spec.label, required=False)
            elif spec.kind == "date":
                field = forms.DateField(
                    label=spec.label,
                    required=False,
                    widget=forms.DateInput(attrs={"type": "date"}),
                )
            elif spec.kind == "list" or spec.key in {
                "conditions",
                "applicants",
                "complaint",
                "accountability",
                "change_summary",
            }:
                field = forms.CharField(
                    label=spec.label,
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 4}),
                    help_text=LIST_HELP.get(spec.key, ""),
                )
            else:
                field = forms.CharField(label=spec.label, required=False)
            self.fields[spec.key] = field
        if guide is not None:
            self.fields["code"].disabled = True
            self.initial.update(
                {
                    "code": guide.code,
                    "area": guide.area,
                    "responsible_department": guide.responsible_department_id,
                    "responsible_text": guide.responsible_text,
                }
            )
            for spec in gc.FIELDS:
                value = guide.draft.get(spec.key)
                if spec.kind == "list":
                    value = gc.format_lines(spec.key, value or [])
                self.initial[spec.key] = value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        draft: dict[str, Any] = {}
        for spec in gc.FIELDS:
            value = data.get(spec.key)
            try:
                if spec.kind == "list":
                    value = gc.parse_lines(spec.key, value or "")
                elif spec.kind == "date":
                    value = value.isoformat() if value else ""
                draft[spec.key] = value if value is not None else ""
            except DomainError as exc:
                self.add_error(spec.key, str(exc))
        if not self.errors:
            try:
                gc.check_values(draft)
            except DomainError as exc:
                self.add_error(exc.field, str(exc))
        data["draft"] = draft
        return data


class ApplicationForm(forms.Form):
    guide = forms.ModelChoiceField(
        label=_("办理事项"), queryset=ServiceGuide.objects.none()
    )
    unit = forms.ModelChoiceField(label=_("办理单位"), queryset=Unit.objects.none())
    received_on = forms.DateField(
        label=_("受理日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    completed_on = forms.DateField(
        label=_("办结日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    visits = forms.IntegerField(label=_("群众跑动次数"), min_value=0, initial=1)
    steps = forms.CharField(
        label=_("环节用时"),
        required=False,
        help_text=_("如：受理:0;审核:3;制证:5（工作日）"),
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["guide"].queryset = published_guides().order_by("area", "code")
        self.fields["unit"].queryset = units

    def clean_steps(self) -> list[tuple[str, int]]:
        from .services import parse_steps

        try:
            return parse_steps(self.cleaned_data.get("steps") or "")
        except ValueError as exc:
            raise forms.ValidationError(
                _("环节用时格式应为“环节:天数;…”，无法识别：%(p)s") % {"p": exc}
            ) from exc


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV文件"),
        help_text=_(
            "列：service, received, completed, unit（可选 visits, steps）；UTF-8 或 GBK 编码"
        ),
    )


class BookingForm(forms.Form):
    slot = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("姓名"), max_length=40)
    phone = forms.CharField(label=_("手机号"), max_length=20)


class CancelForm(forms.Form):
    code = forms.CharField(label=_("取消码"), max_length=20)


class SlotsForm(forms.Form):
    guide = forms.ModelChoiceField(
        label=_("办理事项"), queryset=ServiceGuide.objects.none()
    )
    unit = forms.ModelChoiceField(label=_("办理单位"), queryset=Unit.objects.none())
    window = forms.CharField(label=_("窗口"), max_length=40)
    first_day = forms.DateField(
        label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    days = forms.IntegerField(label=_("天数"), min_value=1, max_value=62, initial=14)
    times = forms.CharField(
        label=_("时段"),
        initial="09:00-10:00, 10:00-11:00, 14:00-15:00, 15:00-16:00",
        help_text=_("用逗号分隔，如 09:00-10:00, 14:00-15:00；非工作日自动跳过"),
    )
    capacity = forms.IntegerField(label=_("每个时段可预约人数"), min_value=1, initial=4)

    def __init__(self, *args: Any, units: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["guide"].queryset = published_guides().order_by("area", "code")
        self.fields["unit"].queryset = units

    def clean_times(self) -> list[tuple[dt.time, dt.time]]:
        times = []
        for part in self.cleaned_data["times"].replace("，", ",").split(","):
            if not part.strip():
                continue
            try:
                start, end = (
                    dt.time.fromisoformat(t.strip()) for t in part.split("-", 1)
                )
            except ValueError as exc:
                raise forms.ValidationError(
                    _("无法识别的时段“%(p)s”，应为 09:00-10:00") % {"p": part.strip()}
                ) from exc
            if end <= start:
                raise forms.ValidationError(
                    _("时段“%(p)s”的结束时间应晚于开始时间") % {"p": part.strip()}
                )
            times.append((start, end))
        if not times:
            raise forms.ValidationError(_("请至少填写一个时段"))
        return times
