from __future__ import annotations

from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingmin.org.models import Unit

from .models import (
    Dispute,
    FollowUp,
    MediationSession,
    Mediator,
    Party,
    Referral,
    RiskLevel,
)
from .services import DisputeData, PartyData, SessionData

DATE = forms.DateInput(attrs={"type": "date"})


class DisputeForm(forms.Form):
    type = forms.ChoiceField(
        label=_("纠纷类型"),
        choices=[("", "—")] + list(Dispute.Type.choices),
        required=False,
    )
    unit = forms.ModelChoiceField(
        label=_("承办单位"),
        queryset=Unit.objects.filter(kind=Unit.Kind.STATION, is_active=True),
        required=False,
        help_text=_("留空：按位置所在辖区，或本人所在单位"),
    )
    source = forms.ChoiceField(
        label=_("来源"),
        choices=[c for c in Dispute.Source.choices if c[0] != Dispute.Source.IMPORT],
        initial=Dispute.Source.STATION,
    )
    reporter = forms.CharField(
        label=_("报告人（调解员报告时填写）"), max_length=100, required=False
    )
    summary = forms.CharField(
        label=_("简要情况"), widget=forms.Textarea, required=False
    )
    address = forms.CharField(label=_("发生地址"), max_length=200, required=False)
    lon = forms.FloatField(label=_("经度"), required=False)
    lat = forms.FloatField(label=_("纬度"), required=False)
    amount = forms.DecimalField(
        label=_("涉及金额（元）"), required=False, max_digits=14, decimal_places=2
    )
    people_count = forms.IntegerField(label=_("涉及人数"), min_value=1, initial=2)
    threats_violence = forms.BooleanField(label=_("已有威胁或暴力行为"), required=False)
    weapons = forms.BooleanField(label=_("涉及刀具、枪支等凶器"), required=False)
    confirm_new = forms.BooleanField(
        label=_("确认这是一起新的纠纷（不是重复登记）"), required=False
    )

    def data_for(self, parties: list[PartyData]) -> DisputeData:
        c = self.cleaned_data
        return DisputeData(
            type=c["type"],
            summary=c["summary"],
            parties=parties,
            address=c["address"],
            lon=c["lon"],
            lat=c["lat"],
            source=c["source"],
            reporter=c["reporter"],
            amount=c["amount"],
            people_count=c["people_count"],
            threats_violence=c["threats_violence"],
            weapons=c["weapons"],
        )


class PartyForm(forms.Form):
    name = forms.CharField(label=_("姓名/名称"), max_length=100, required=False)
    kind = forms.ChoiceField(label=_("类别"), choices=Party.Kind.choices)
    side = forms.ChoiceField(label=_("身份"), choices=Party.Side.choices)
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    id_number = forms.CharField(
        label=_("身份证号（可选）"), max_length=18, required=False
    )
    is_minor = forms.BooleanField(label=_("未成年人"), required=False)
    vulnerable = forms.BooleanField(label=_("弱势群体"), required=False)

    def party(self) -> PartyData | None:
        c = self.cleaned_data
        if not c.get("name", "").strip():
            return None
        return PartyData(
            name=c["name"],
            kind=c["kind"],
            side=c["side"],
            phone=c["phone"],
            id_number=c["id_number"],
            is_minor=c["is_minor"],
            vulnerable=c["vulnerable"],
        )


PartyFormSet = formset_factory(PartyForm, extra=3, max_num=8)


class DisputeEditForm(forms.Form):
    type = forms.ChoiceField(label=_("纠纷类型"), choices=Dispute.Type.choices)
    summary = forms.CharField(label=_("简要情况"), widget=forms.Textarea)
    address = forms.CharField(label=_("发生地址"), max_length=200, required=False)
    lon = forms.FloatField(label=_("经度"), required=False)
    lat = forms.FloatField(label=_("纬度"), required=False)


class MediatorReportForm(forms.Form):
    reporter = forms.CharField(label=_("报告人（调解员及所在调委会）"), max_length=100)


class ChecklistForm(forms.Form):
    threats_violence = forms.BooleanField(label=_("已有威胁或暴力行为"), required=False)
    weapons = forms.BooleanField(label=_("涉及刀具、枪支等凶器"), required=False)
    amount = forms.DecimalField(
        label=_("涉及金额（元）"), required=False, max_digits=14, decimal_places=2
    )
    people_count = forms.IntegerField(label=_("涉及人数"), min_value=1)


class OverrideForm(forms.Form):
    level = forms.ChoiceField(label=_("调整为"), required=False)
    reason = forms.CharField(
        label=_("调整理由（必填）"), widget=forms.Textarea, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [("", _("恢复评估等级"))] + [
            (lvl.code, _(lvl.label)) for lvl in RiskLevel.objects.order_by("-rank")
        ]


class ViolentFlagForm(forms.Form):
    flag = forms.BooleanField(label=_("有暴力前科"), required=False)
    reason = forms.CharField(label=_("标注依据"), max_length=200, required=False)


class SessionForm(forms.Form):
    held_on = forms.DateField(label=_("调解日期"), widget=DATE)
    kind = forms.ChoiceField(label=_("调解方式"), choices=MediationSession.Kind.choices)
    place = forms.CharField(label=_("调解地点"), max_length=100, required=False)
    mediator1 = forms.CharField(label=_("调解员1"), max_length=50, required=False)
    mediator1_kind = forms.ChoiceField(label=_("身份"), choices=Mediator.Kind.choices)
    mediator2 = forms.CharField(label=_("调解员2"), max_length=50, required=False)
    mediator2_kind = forms.ChoiceField(label=_("身份"), choices=Mediator.Kind.choices)
    mediator3 = forms.CharField(label=_("调解员3"), max_length=50, required=False)
    mediator3_kind = forms.ChoiceField(label=_("身份"), choices=Mediator.Kind.choices)
    attendees = forms.MultipleChoiceField(
        label=_("到场当事人"), widget=forms.CheckboxSelectMultiple, required=False
    )
    other_attendees = forms.CharField(
        label=_("其他到场人员"), max_length=200, required=False
    )
    guardian_present = forms.BooleanField(label=_("监护人到场"), required=False)
    guardian_name = forms.CharField(
        label=_("监护人姓名"), max_length=50, required=False
    )
    outcome = forms.ChoiceField(
        label=_("调解结果"), choices=MediationSession.Outcome.choices
    )
    notes = forms.CharField(label=_("调解情况"), widget=forms.Textarea, required=False)

    def __init__(self, *args, party_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].choices = party_choices
        self.fields["held_on"].initial = timezone.localdate()

    def data_obj(self) -> SessionData:
        c = self.cleaned_data
        return SessionData(
            held_on=c["held_on"],
            kind=c["kind"],
            outcome=c["outcome"],
            mediators=[
                (c[f"mediator{i}"], c[f"mediator{i}_kind"])
                for i in (1, 2, 3)
                if c[f"mediator{i}"].strip()
            ],
            attendee_ids=[int(x) for x in c["attendees"]],
            place=c["place"],
            other_attendees=c["other_attendees"],
            guardian_present=c["guardian_present"],
            guardian_name=c["guardian_name"],
            notes=c["notes"],
        )


class AgreementForm(forms.Form):
    terms = forms.CharField(label=_("协议内容（双方约定事项）"), widget=forms.Textarea)
    performance = forms.CharField(
        label=_("履行方式和期限"), max_length=200, required=False
    )
    signed_on = forms.DateField(label=_("签订日期"), widget=DATE)


class ReferralForm(forms.Form):
    target = forms.ChoiceField(label=_("移交对象"), choices=Referral.Target.choices)
    body = forms.CharField(label=_("接收机构"), max_length=100)
    reason = forms.CharField(label=_("移交理由"), widget=forms.Textarea)
    referred_on = forms.DateField(label=_("移交日期"), widget=DATE)


class FollowUpAddForm(forms.Form):
    due_on = forms.DateField(label=_("应回访日期"), widget=DATE)
    channel = forms.ChoiceField(label=_("方式"), choices=RiskLevel.Channel.choices)


class FollowUpDoneForm(forms.Form):
    done_on = forms.DateField(label=_("回访日期"), widget=DATE)
    outcome = forms.ChoiceField(label=_("回访结果"), choices=FollowUp.Outcome.choices)
    notes = forms.CharField(label=_("回访情况"), widget=forms.Textarea, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("情况说明"), widget=forms.Textarea, required=False)


class EscalationForm(forms.Form):
    kind = forms.ChoiceField(label=_("案件类别"), choices=Dispute.CaseKind.choices)
    note = forms.CharField(label=_("案件编号或说明"), max_length=200, required=False)


class FilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False)
    status = forms.ChoiceField(
        label=_("状态"),
        choices=[("", _("全部"))] + list(Dispute.Status.choices),
        required=False,
    )
    level = forms.ChoiceField(label=_("风险"), required=False)
    type = forms.ChoiceField(
        label=_("类型"),
        choices=[("", _("全部"))] + list(Dispute.Type.choices),
        required=False,
    )
    unit = forms.ChoiceField(label=_("单位"), required=False)
    since = forms.DateField(label=_("登记自"), required=False, widget=DATE)
    until = forms.DateField(label=_("至"), required=False, widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [("", _("全部"))] + [
            (lvl.code, _(lvl.label)) for lvl in RiskLevel.objects.order_by("-rank")
        ]
        self.fields["unit"].choices = [("", _("全部"))] + [
            (u.code, u.name)
            for u in Unit.objects.filter(kind=Unit.Kind.STATION).order_by("code")
        ]


class StatsForm(forms.Form):
    group_by = forms.ChoiceField(
        label=_("分组"),
        choices=[("type", _("按类型")), ("unit", _("按单位")), ("month", _("按月份"))],
        required=False,
    )
    since = forms.DateField(label=_("登记自"), required=False, widget=DATE)
    until = forms.DateField(label=_("至"), required=False, widget=DATE)
