from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from jingmin.org.models import Unit

from .models import Analysis, IncidentType


def _types():
    return IncidentType.objects.filter(is_active=True)


class IncidentFilterForm(forms.Form):
    type = forms.ModelChoiceField(
        queryset=_types(), required=False, to_field_name="code", label=_("类型")
    )
    date_from = forms.DateField(
        required=False, label=_("自"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label=_("至"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = _types()


class AnalysisForm(forms.Form):
    kind = forms.ChoiceField(choices=Analysis.Kind.choices, label=_("分析"))
    types = forms.ModelMultipleChoiceField(
        queryset=_types(),
        required=False,
        to_field_name="code",
        label=_("警情类型"),
        help_text=_("不选表示全部类型"),
    )
    date_from = forms.DateField(
        required=False, label=_("自"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label=_("至"), widget=forms.DateInput(attrs={"type": "date"})
    )
    cell = forms.FloatField(initial=250, min_value=1, label=_("网格（米）"))
    neighbourhood = forms.CharField(
        initial="queen", label=_("邻域"), help_text=_("queen 或 distance:米数")
    )
    space_bands = forms.CharField(
        initial="100,200,300,400", required=False, label=_("空间带（米）")
    )
    time_bands = forms.CharField(
        initial="7,14,21,28", required=False, label=_("时间带（天）")
    )
    permutations = forms.IntegerField(
        initial=99, min_value=0, max_value=9999, required=False, label=_("模拟次数")
    )
    convention = forms.ChoiceField(
        choices=[
            ("standard", _("按标签（0–7 天含第 7 天）")),
            ("nrc", _("与 Near Repeat Calculator 相同")),
        ],
        required=False,
        label=_("分带规则"),
    )
    coverage = forms.FloatField(
        initial=0.02,
        min_value=0.001,
        max_value=0.5,
        required=False,
        label=_("预测面积占比"),
    )
    held_out = forms.IntegerField(
        initial=12, min_value=1, max_value=60, required=False, label=_("检验月数")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["types"].queryset = _types()

    def _bands(self, name):
        text = self.cleaned_data.get(name) or ""
        try:
            values = [float(v) for v in text.replace("，", ",").split(",") if v.strip()]
        except ValueError:
            values = []
        if not values or values != sorted(values) or values[0] <= 0:
            raise forms.ValidationError(_("须为递增的正数，用逗号分隔"))
        return values

    def clean_space_bands(self):
        return (
            self._bands("space_bands")
            if self.data.get("kind") == Analysis.Kind.KNOX
            else None
        )

    def clean_time_bands(self):
        return (
            self._bands("time_bands")
            if self.data.get("kind") == Analysis.Kind.KNOX
            else None
        )

    def params(self) -> dict:
        d = self.cleaned_data
        base = {
            "types": [t.code for t in d["types"]],
            "date_from": d["date_from"],
            "date_to": d["date_to"],
        }
        if d["kind"] == Analysis.Kind.HOTSPOT:
            return {**base, "cell": d["cell"], "neighbourhood": d["neighbourhood"]}
        if d["kind"] == Analysis.Kind.KNOX:
            return {
                **base,
                "space_bands": d["space_bands"],
                "time_bands": d["time_bands"],
                "permutations": d["permutations"],
                "convention": d["convention"] or "standard",
            }
        return {
            **base,
            "cell": d["cell"],
            "coverage": d["coverage"],
            "held_out": d["held_out"],
        }


class GeoJSONField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return json.loads(value)
        except ValueError as exc:
            raise forms.ValidationError(_("不是有效的 GeoJSON")) from exc


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=120, label=_("名称"))
    incident_types = forms.ModelMultipleChoiceField(
        queryset=_types(), required=False, label=_("针对的警情类型")
    )
    units = forms.ModelMultipleChoiceField(
        queryset=Unit.objects.filter(is_active=True), label=_("参与单位")
    )
    starts_on = forms.DateField(
        label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    actions = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=_("措施"))
    buffer_m = forms.IntegerField(
        initial=500, min_value=0, max_value=5000, label=_("缓冲区宽度（米）")
    )
    area = GeoJSONField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("目标区域（GeoJSON）"),
        help_text=_("在地图上点两下画矩形，或从分析结果中勾选热点网格"),
    )
    comparison_area = GeoJSONField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("对照区域（GeoJSON，可不填）"),
    )
    analysis = forms.IntegerField(required=False, widget=forms.HiddenInput)
    cells = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["incident_types"].queryset = _types()
        self.fields["units"].queryset = Unit.objects.filter(is_active=True)

    def picked_cells(self) -> list[tuple[int, int]]:
        out = []
        for part in (self.cleaned_data.get("cells") or "").split(";"):
            if "," in part:
                r, c = part.split(",", 1)
                if r.strip().isdigit() and c.strip().isdigit():
                    out.append((int(r), int(c)))
        return out
