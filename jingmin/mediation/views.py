"""Staff console pages for disputes. Thin: validate a form, call one service or selector."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jingmin.accounts.decorators import staff_required
from jingmin.accounts.roles import Role
from jingmin.accounts.scoping import get_visible_or_404
from jingmin.core.csvsafe import safe_writer
from jingmin.core.exceptions import DomainError

from . import selectors, services, workflow
from .forms import (
    AgreementForm,
    ChecklistForm,
    DisputeEditForm,
    DisputeForm,
    EscalationForm,
    FilterForm,
    FollowUpAddForm,
    FollowUpDoneForm,
    MediatorReportForm,
    OverrideForm,
    PartyForm,
    PartyFormSet,
    ReasonForm,
    ReferralForm,
    SessionForm,
    StatsForm,
    ViolentFlagForm,
)
from .models import Dispute, FollowUp, Party, RiskFactor, RiskLevel
from .warnings import warnings_recompute

STAFF = (Role.OFFICER, Role.LEADER, Role.SUPERVISOR)
LEADERS = (Role.LEADER, Role.SUPERVISOR)


def _dispute(request, pk: int) -> Dispute:
    return get_visible_or_404(
        request.user, Dispute.objects.select_related("unit", "appeal"), pk=pk
    )


def _form_error(form, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc))


def _level_label(level: RiskLevel | None) -> str:
    """A default level's label is a msgid; a renamed one shows as written."""
    return _(level.label) if level is not None else "—"


def _back(dispute: Dispute):
    return redirect("mediation:dispute_detail", pk=dispute.pk)


@staff_required(*STAFF)
def dispute_list(request):
    form = FilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.dispute_search(request.user, filters)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "mediation/dispute_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "levels": selectors.level_styles(),
        },
    )


@staff_required(*STAFF)
def dispute_register(request):
    form = DisputeForm(request.POST or None)
    formset = PartyFormSet(request.POST or None, prefix="party")
    duplicates: list[Dispute] = []
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        parties = [p for p in (f.party() for f in formset.forms) if p]
        try:
            dispute = services.dispute_register(
                data=form.data_for(parties),
                unit=form.cleaned_data["unit"],
                actor=request.user,
                confirm_new=form.cleaned_data["confirm_new"],
                request=request,
            )
        except services.DuplicateSuspected as exc:
            duplicates = exc.candidates
            _form_error(form, exc)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request,
                _("已登记纠纷 %(n)s，风险等级：%(l)s")
                % {
                    "n": dispute,
                    "l": _level_label(selectors.level_styles().get(dispute.level)),
                },
            )
            return _back(dispute)
    return render(
        request,
        "mediation/dispute_form.html",
        {"form": form, "formset": formset, "duplicates": duplicates},
    )


@staff_required(*STAFF)
def dispute_detail(request, pk: int):
    dispute = _dispute(request, pk)
    return _detail(request, dispute, selectors.parties_masked(dispute))


@require_POST
@staff_required(*STAFF)
def parties_reveal(request, pk: int):
    """An explicit, audited read of the parties' names, phones and ID numbers."""
    dispute = _dispute(request, pk)
    try:
        parties = services.parties_reveal(
            dispute=dispute, actor=request.user, request=request
        )
    except DomainError as exc:
        raise PermissionDenied(str(exc)) from exc
    return _detail(request, dispute, parties)


def _detail(request, dispute: Dispute, parties: list) -> HttpResponse:
    levels = selectors.level_styles()
    today = timezone.localdate()
    return render(
        request,
        "mediation/dispute_detail.html",
        {
            "d": dispute,
            "parties": parties,
            "level": levels.get(dispute.level),
            "computed": levels.get(dispute.computed_level),
            "override_level": levels.get(dispute.override_level),
            "sessions": dispute.sessions.prefetch_related("mediators", "attendees"),
            "agreements": dispute.agreements.all(),
            "referrals": dispute.referrals.all(),
            "followups": dispute.followups.select_related("assigned_to"),
            "warnings": dispute.warnings.filter(resolved_at__isnull=True),
            "related": selectors.related_disputes(request.user, dispute),
            "levels": levels,
            "today": today,
            "checklist": ChecklistForm(
                initial={
                    "threats_violence": dispute.threats_violence,
                    "weapons": dispute.weapons,
                    "amount": dispute.amount,
                    "people_count": dispute.people_count,
                }
            ),
            "override_form": OverrideForm(initial={"level": dispute.override_level}),
            "party_form": PartyForm(),
            "followup_add_form": FollowUpAddForm(),
            "done_form": FollowUpDoneForm(initial={"done_on": today}),
            "reason_form": ReasonForm(),
            "edit_form": DisputeEditForm(
                initial={
                    "type": dispute.type,
                    "summary": dispute.summary,
                    "address": dispute.address,
                    "lon": dispute.lon,
                    "lat": dispute.lat,
                }
            ),
            "report_form": MediatorReportForm(),
            "appeal_url": _appeal_url(request, dispute),
            "escalation_form": EscalationForm(),
            "can": {a: workflow.allowed(dispute, a) for a in workflow.TRANSITIONS},
        },
    )


def _post_action(request, dispute: Dispute, form_class, call) -> Any:
    """Validate ``form_class`` from POST and run ``call(cleaned_data)``; errors become messages."""
    form = form_class(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
        return _back(dispute)
    try:
        call(form.cleaned_data)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已保存"))
    return _back(dispute)


def _appeal_url(request, dispute: Dispute) -> str:
    """The linked appeal's console page, when the appeals app has one."""
    if not dispute.appeal_id:
        return ""
    try:
        return reverse("appeals:console_detail", args=[dispute.appeal_id])
    except NoReverseMatch:
        return ""


def _dispute_action(name: str, form_class, service, *fields: str):
    """A POST from a dispute's page: validate ``form_class`` and pass its ``fields``
    to ``service(dispute=…, actor=…, request=…)``; back to the page either way."""

    @require_POST
    @staff_required(*STAFF)
    def view(request, pk: int) -> HttpResponse:
        dispute = _dispute(request, pk)
        return _post_action(
            request,
            dispute,
            form_class,
            lambda c: service(
                dispute=dispute,
                **{f: c[f] for f in fields},
                actor=request.user,
                request=request,
            ),
        )

    view.__name__ = view.__qualname__ = name
    return view


dispute_edit = _dispute_action(
    "dispute_edit",
    DisputeEditForm,
    services.dispute_update,
    "type",
    "summary",
    "address",
    "lon",
    "lat",
)
dispute_report = _dispute_action(
    "dispute_report",
    MediatorReportForm,
    services.dispute_mediator_report,
    "reporter",
)
dispute_checklist = _dispute_action(
    "dispute_checklist",
    ChecklistForm,
    services.dispute_checklist_update,
    "threats_violence",
    "weapons",
    "amount",
    "people_count",
)
dispute_override = _dispute_action(
    "dispute_override", OverrideForm, services.dispute_override, "level", "reason"
)
dispute_reopen = _dispute_action(
    "dispute_reopen", ReasonForm, services.dispute_reopen, "reason"
)
dispute_escalate = _dispute_action(
    "dispute_escalate",
    EscalationForm,
    services.dispute_escalation_record,
    "kind",
    "note",
)


@require_POST
@staff_required(*STAFF)
def party_add(request, pk: int):
    dispute = _dispute(request, pk)

    def call(c):
        data = services.PartyData(
            name=c["name"],
            kind=c["kind"],
            side=c["side"],
            phone=c["phone"],
            id_number=c["id_number"],
            is_minor=c["is_minor"],
            vulnerable=c["vulnerable"],
        )
        services.party_add(
            dispute=dispute, data=data, actor=request.user, request=request
        )

    return _post_action(request, dispute, PartyForm, call)


@require_POST
@staff_required(*STAFF)
def party_flag(request, pk: int, party_id: int):
    dispute = _dispute(request, pk)
    party = get_visible_or_404(
        request.user,
        Party.objects.select_related("dispute"),
        pk=party_id,
        dispute=dispute,
    )
    return _post_action(
        request,
        dispute,
        ViolentFlagForm,
        lambda c: services.party_flag_violent(
            party=party,
            flag=c["flag"],
            reason=c["reason"],
            actor=request.user,
            request=request,
        ),
    )


def _party_choices(dispute: Dispute) -> list[tuple[str, str]]:
    return [
        (
            str(v.party.pk),
            f"{v.party.get_side_display()} {v.name}"
            + (_("（未成年）") if v.party.is_minor else ""),
        )
        for v in selectors.parties_masked(dispute)
    ]


@staff_required(*STAFF)
def session_add(request, pk: int):
    dispute = _dispute(request, pk)
    choices = _party_choices(dispute)
    form = SessionForm(request.POST or None, party_choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_record(
                dispute=dispute,
                data=form.data_obj(),
                actor=request.user,
                request=request,
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("已记录调解"))
            if session.outcome == session.Outcome.AGREED:
                url = reverse("mediation:agreement_add", args=[dispute.pk])
                return redirect(f"{url}?session={session.pk}")
            return _back(dispute)
    return render(request, "mediation/session_form.html", {"d": dispute, "form": form})


@staff_required(*STAFF)
def agreement_add(request, pk: int):
    dispute = _dispute(request, pk)
    session = None
    session_id = request.GET.get("session") or request.POST.get("session")
    if session_id and session_id.isdigit():
        session = dispute.sessions.filter(pk=int(session_id)).first()
    form = AgreementForm(
        request.POST or None, initial={"signed_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            agreement = services.agreement_create(
                dispute=dispute,
                terms=c["terms"],
                performance=c["performance"],
                signed_on=c["signed_on"],
                session=session,
                actor=request.user,
                request=request,
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request, _("已生成调解协议 %(n)s，回访已排期") % {"n": agreement}
            )
            return _back(dispute)
    return render(
        request,
        "mediation/agreement_form.html",
        {"d": dispute, "form": form, "session": session},
    )


@staff_required(*STAFF)
def agreement_print(request, pk: int, agreement_id: int):
    dispute = _dispute(request, pk)
    agreement = (
        dispute.agreements.filter(pk=agreement_id).select_related("session").first()
    )
    if agreement is None:
        raise Http404
    try:
        parties = services.parties_reveal(
            dispute=dispute, actor=request.user, request=request
        )
    except DomainError as exc:
        raise PermissionDenied(str(exc)) from exc
    mediators = agreement.session.mediators.all() if agreement.session else []
    return render(
        request,
        "mediation/agreement_print.html",
        {"d": dispute, "a": agreement, "parties": parties, "mediators": mediators},
    )


@staff_required(*STAFF)
def referral_add(request, pk: int):
    dispute = _dispute(request, pk)
    form = ReferralForm(
        request.POST or None, initial={"referred_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            services.referral_create(
                dispute=dispute,
                target=c["target"],
                body=c["body"],
                reason=c["reason"],
                referred_on=c["referred_on"],
                actor=request.user,
                request=request,
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("已移交，回访已排期"))
            return _back(dispute)
    return render(request, "mediation/referral_form.html", {"d": dispute, "form": form})


@require_POST
@staff_required(*STAFF)
def followup_add(request, pk: int):
    dispute = _dispute(request, pk)
    return _post_action(
        request,
        dispute,
        FollowUpAddForm,
        lambda c: services.followup_add(
            dispute=dispute,
            due_on=c["due_on"],
            channel=c["channel"],
            assigned_to=request.user if request.user.role == Role.OFFICER else None,
            actor=request.user,
            request=request,
        ),
    )


@require_POST
@staff_required(*STAFF)
def followup_done(request, pk: int, followup_id: int):
    dispute = _dispute(request, pk)
    followup = get_visible_or_404(
        request.user,
        FollowUp.objects.select_related("dispute"),
        pk=followup_id,
        dispute=dispute,
    )
    return _post_action(
        request,
        dispute,
        FollowUpDoneForm,
        lambda c: services.followup_complete(
            followup=followup,
            done_on=c["done_on"],
            outcome=c["outcome"],
            notes=c["notes"],
            actor=request.user,
            request=request,
        ),
    )


@require_POST
@staff_required(*STAFF)
def dispute_close(request, pk: int):
    dispute = _dispute(request, pk)
    try:
        services.dispute_close(dispute=dispute, actor=request.user, request=request)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("纠纷已化解办结"))
    return _back(dispute)


def _appeal(request, appeal_id: int):
    appeal_model = apps.get_model("appeals", "Appeal")
    return get_visible_or_404(request.user, appeal_model.objects.all(), pk=appeal_id)


@require_POST
@staff_required(*STAFF)
def dispute_from_appeal(request, appeal_id: int):
    """One click on an appeal's page: register the dispute, or offer to link a duplicate."""
    appeal = _appeal(request, appeal_id)
    existing = appeal.disputes.order_by("-created_at").first()
    if existing is not None and not request.POST.get("confirm_new"):
        messages.info(request, _("该诉求已登记为纠纷 %(n)s") % {"n": existing})
        return _back(existing)
    try:
        dispute = services.dispute_register_from_appeal(
            appeal=appeal,
            actor=request.user,
            confirm_new=bool(request.POST.get("confirm_new")),
            request=request,
        )
    except services.DuplicateSuspected as exc:
        return render(
            request,
            "mediation/from_appeal_duplicate.html",
            {"appeal": appeal, "candidates": exc.candidates, "error": str(exc)},
            status=409,
        )
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("mediation:dispute_list")
    messages.success(
        request,
        _("已由诉求 %(a)s 登记纠纷 %(n)s，请核对类型和当事人")
        % {"a": appeal, "n": dispute},
    )
    return _back(dispute)


@require_POST
@staff_required(*STAFF)
def appeal_link(request, appeal_id: int, pk: int):
    appeal = _appeal(request, appeal_id)
    dispute = _dispute(request, pk)
    try:
        services.dispute_link_appeal(
            dispute=dispute, appeal=appeal, actor=request.user, request=request
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已将诉求关联到纠纷 %(n)s") % {"n": dispute})
    return _back(dispute)


@staff_required(*STAFF)
def followups(request):
    """Due list: an officer's own (and unassigned) follow-ups; leaders see the unit's."""
    officers = selectors.followup_officers(request.user)
    officer = None
    if request.user.role != Role.OFFICER and request.GET.get("officer", "").isdigit():
        officer = next(
            (o for o in officers if o.pk == int(request.GET["officer"])), None
        )
    rows = selectors.followups_due(request.user, officer=officer)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "mediation/followups.html",
        {
            "page": page,
            "today": timezone.localdate(),
            "officers": officers,
            "officer": officer,
            "query": f"officer={officer.pk}" if officer else "",
        },
    )


@staff_required(*LEADERS)
def warnings(request):
    if request.method == "POST":
        counts = warnings_recompute(actor=request.user)
        messages.success(
            request,
            _("预警已更新：新增%(new)s，更新%(updated)s，解除%(resolved)s") % counts,
        )
        return redirect("mediation:warnings")
    show_all = bool(request.GET.get("all"))
    rows = selectors.warnings_for(request.user, include_resolved=show_all)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "mediation/warnings.html",
        {"page": page, "show_all": show_all, "levels": selectors.level_styles()},
    )


@staff_required(*STAFF)
def stats(request):
    form = StatsForm(request.GET or None)
    c = form.cleaned_data if form.is_valid() else {}
    group_by = c.get("group_by") or "type"
    rows = selectors.stats_rows(
        request.user, group_by=group_by, since=c.get("since"), until=c.get("until")
    )
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="mediation-stats-{group_by}.csv"'
        )
        response.write("\ufeff")
        writer = safe_writer(response)
        writer.writerow(
            [_("分组")]
            + [str(label) for _k, label in selectors.METRICS]
            + [_("协议中位天数")]
        )
        for r in rows:
            writer.writerow(
                [r["key"]]
                + [r[k] for k, _label in selectors.METRICS]
                + [r["median_days"] if r["median_days"] is not None else ""]
            )
        return response
    query = request.GET.copy()
    query["format"] = "csv"
    return render(
        request,
        "mediation/stats.html",
        {
            "form": form,
            "rows": rows,
            "metrics": selectors.METRICS,
            "csv_query": query.urlencode(),
        },
    )


@staff_required(*STAFF)
def notifications(request):
    if request.method == "POST":
        services.notifications_mark_read(user=request.user)
        return redirect("mediation:notifications")
    rows = selectors.notifications_for(request.user)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "mediation/notifications.html", {"page": page})


@staff_required(*STAFF)
def rules(request):
    return render(
        request,
        "mediation/rules.html",
        {
            "factors": RiskFactor.objects.all(),
            "levels": RiskLevel.objects.order_by("-rank"),
        },
    )
