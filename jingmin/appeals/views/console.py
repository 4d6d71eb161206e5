"""Staff console: triage queue, phone intake, scoped list, detail with actions,
dashboard. Every query goes through selectors (accounts.scoping); every change
through one service."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import secrets
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.session import SessionStorage
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models.signals import post_delete, post_save
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jingmin.accounts import scoping
from jingmin.accounts.decorators import staff_required
from jingmin.accounts.roles import Role
from jingmin.core.csvsafe import safe_writer
from jingmin.core.exceptions import DomainError, NotFound
from jingmin.core.idempotency import idempotent
from jingmin.org.models import Unit
from jingmin.portal.pagecache import CSRF_INPUT, stamp_bump, stamp_get

from .. import metrics, selectors, services
from ..forms import (
    ApproveForm,
    DashboardForm,
    DecideForm,
    DispatchForm,
    DuplicateForm,
    ExtensionForm,
    IntakeForm,
    ListFilterForm,
    ProblemForm,
    ProblemResultForm,
    RateForm,
    ReasonForm,
    ReplyForm,
    TextForm,
    TriageForm,
)
from ..models import (
    Appeal,
    Attachment,
    Category,
    Extension,
    FollowUp,
    ProblemOfMonth,
    RateFormula,
    Reply,
)

R = Role
TRIAGE_ROLES = (R.OPERATOR, R.SUPERVISOR)
LIST_ROLES = (R.OPERATOR, R.OFFICER, R.LEADER, R.SUPERVISOR, R.LIAISON)
DASHBOARD_ROLES = (R.LEADER, R.SUPERVISOR, R.ANALYST)
PAGE_SIZE = 30
CSV_LIMIT = 50_000
COUNT_CAP = 1_000


class CappedPaginator(Paginator):
    """Counts at most ``cap`` rows (``SELECT COUNT(*)`` of a ``LIMIT cap + 1``
    subquery) instead of every match of a million-row table; beyond it the page
    shows "1000+" and pages reach the first ``cap`` rows (ADR 098)."""

    def __init__(self, *args, cap: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap
        self.capped = False

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if hasattr(rows, "order_by"):
            rows = rows.order_by()  # which rows are counted does not matter
        found = rows[: self.cap + 1].count()
        self.capped = found > self.cap
        return min(found, self.cap)


@staff_required(*TRIAGE_ROLES)
def triage(request: HttpRequest) -> HttpResponse:
    queue = selectors.triage_queue_for(viewer=request.user)
    page = CappedPaginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "appeals/console/triage.html", {"page": page})


@staff_required(*TRIAGE_ROLES)
def intake(request: HttpRequest) -> HttpResponse:
    """An operator records a phone call; the code is read back to the caller."""
    form = IntakeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:

            def create() -> tuple[int, dict]:
                done = services.appeal_submit(
                    data=form.to_input(),
                    photos=form.cleaned_data["photos"],
                    actor=request.user,
                    request=request,
                )
                return 201, {"pk": done.appeal.pk, "code": done.tracking_code}

            outcome = idempotent(
                scope="appeals.intake",
                key=form.cleaned_data["form_token"],
                payload=form.payload(),
                handler=create,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(
                request,
                _("已登记。请向来电群众读出查询码：%(code)s")
                % {"code": outcome.body["code"]},
            )
            return redirect("appeals:console_detail", pk=outcome.body["pk"])
    if not form.is_bound:
        form = IntakeForm(initial={"form_token": uuid.uuid4().hex, "kind": "help"})
    return render(request, "appeals/console/intake.html", {"form": form})


def _filters(form: ListFilterForm) -> selectors.AppealFilters:
    if not form.is_valid():
        return selectors.AppealFilters()
    d = form.cleaned_data
    return selectors.AppealFilters(
        status=d.get("status") or "",
        kind=d.get("kind") or "",
        category=d["category"].pk if d.get("category") else None,
        unit=d["unit"].pk if d.get("unit") else None,
        department=d["department"].pk if d.get("department") else None,
        q=d.get("q") or "",
        overdue=bool(d.get("overdue")),
        escalated=bool(d.get("escalated")),
        date_from=d.get("date_from"),
        date_to=d.get("date_to"),
    )


@staff_required(*LIST_ROLES)
def console_list(request: HttpRequest) -> HttpResponse:
    form = ListFilterForm(request.GET or None)
    filters = _filters(form)
    qs = selectors.appeal_list_for(viewer=request.user, filters=filters)
    services.phone_search_record(actor=request.user, q=filters.q, request=request)
    if request.GET.get("format") == "csv":
        return _csv(qs)
    page = CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "appeals/console/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "now": timezone.now(),
        },
    )


def _csv(qs) -> HttpResponse:
    """Exports carry no personal data: numbers, categories, handlers, dates."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="appeals.csv"'
    response.write("\ufeff")
    writer = safe_writer(response)
    writer.writerow(
        [
            _("编号"),
            _("类型"),
            _("类别"),
            _("状态"),
            _("承办单位"),
            _("转办部门"),
            _("提交时间"),
            _("答复期限"),
            _("答复时间"),
            _("按时答复"),
            _("是否解决"),
            _("满意度"),
        ]
    )
    for a in qs[:CSV_LIMIT]:
        writer.writerow(
            [
                a.number,
                a.get_kind_display(),
                a.category.name if a.category else "",
                a.get_status_display(),
                a.unit.name if a.unit else "",
                a.forwarded_to.name if a.forwarded_to else "",
                _fmt(a.created_at),
                _fmt(a.reply_due),
                _fmt(a.replied_at),
                _yes_no(a.replied_on_time),
                _yes_no(a.resolved),
                _satisfaction_label(a.satisfaction),
            ]
        )
    return response


def _yes_no(value: bool | None) -> str:
    return "" if value is None else str(_("是") if value else _("否"))


def _satisfaction_label(value: str) -> str:
    """The label the page shows (满意…), not the stored code (satisfied…)."""
    choices = dict(FollowUp.Satisfaction.choices)
    return str(choices.get(value, value))


def _fmt(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _mediation_url(appeal: Appeal) -> str:
    try:
        return reverse("mediation:dispute_from_appeal", args=[appeal.pk])
    except NoReverseMatch:
        return ""


def _reply_start(detail: selectors.StaffDetail) -> str:
    """The saved draft, else the category's reply template."""
    draft = next(
        (r for r in reversed(detail.replies) if r.status == Reply.Status.DRAFT), None
    )
    if draft is not None:
        return draft.body
    category = detail.appeal.category
    return category.reply_template if category else ""


def _detail_context(request: HttpRequest, pk: int, **extra) -> dict:
    detail = selectors.appeal_detail_for(viewer=request.user, pk=pk)
    appeal = detail.appeal
    disputes = getattr(appeal, "disputes", None)
    return {
        "d": detail,
        "appeal": appeal,
        "now": timezone.now(),
        "mediation_url": _mediation_url(appeal)
        if request.user.role in (R.OFFICER, R.LEADER, R.SUPERVISOR)
        else "",
        "disputes": list(scoping.visible(request.user, disputes.all()))
        if disputes is not None
        else [],
        "forms": {
            "triage": TriageForm(initial={"category": appeal.category_id}),
            "dispatch": DispatchForm(),
            "reason": ReasonForm(),
            "reply": ReplyForm(initial={"body": _reply_start(detail)}),
            "approve": ApproveForm(
                initial={
                    "reply": detail.pending_reply.pk if detail.pending_reply else None,
                    "body": detail.pending_reply.body if detail.pending_reply else "",
                }
            ),
            "text": TextForm(),
            "rate": RateForm(),
            "extension": ExtensionForm(),
            "duplicate": DuplicateForm(),
        },
        "pending_extensions": [
            e for e in detail.extensions if e.status == Extension.Status.PENDING
        ],
        **extra,
    }


@staff_required(*LIST_ROLES)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "appeals/console/detail.html", _detail_context(request, pk))


@require_POST
@staff_required(*LIST_ROLES)
def reveal_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """An explicit, audited read of the citizen's contact details."""
    appeal = scoping.get_visible_or_404(request.user, Appeal.objects.all(), pk=pk)
    try:
        contact = services.appeal_contact_reveal(
            appeal=appeal, actor=request.user, request=request
        )
    except DomainError as exc:
        raise PermissionDenied(str(exc)) from exc
    return render(
        request,
        "appeals/console/detail.html",
        _detail_context(request, pk, revealed=contact),
    )


def _visible_appeal(request: HttpRequest, pk: int) -> Appeal:
    return scoping.get_visible_or_404(request.user, Appeal.objects.all(), pk=pk)


def _by_number(request: HttpRequest, number: str) -> Appeal:
    try:
        return scoping.get_visible_or_404(
            request.user, Appeal.objects.all(), number=number.strip()
        )
    except Http404 as exc:
        raise DomainError(
            _("找不到编号为 %(n)s 的诉求") % {"n": number}, field="original"
        ) from exc


def _reply_of(appeal: Appeal, reply_pk: int) -> Reply:
    reply = Reply.objects.filter(pk=reply_pk, appeal=appeal).first()
    if reply is None:
        raise NotFound(_("答复不存在"))
    return reply


def _act_triage(request, appeal, post):
    form = TriageForm(post)
    form.is_valid() or _invalid(form)
    d = form.cleaned_data
    services.appeal_triage(
        appeal=appeal,
        actor=request.user,
        triage_class=d["triage_class"],
        category=d.get("category"),
        reason=d.get("reason", ""),
        channel=d.get("channel", ""),
        contact=d.get("contact"),
        original=_by_number(request, d["original"]) if d.get("original") else None,
        request=request,
    )


def _invalid(form) -> None:
    errors = "; ".join(
        f"{form.fields[f].label if f in form.fields else ''}: {' '.join(e)}"
        for f, e in form.errors.items()
    )
    raise DomainError(errors or _("输入有误"))


def _dispatch_args(post) -> dict:
    form = DispatchForm(post)
    form.is_valid() or _invalid(form)
    d = form.cleaned_data
    return {
        "unit": d.get("unit"),
        "department": d.get("department"),
        "note": d.get("note", ""),
    }


def _reason(post) -> str:
    form = ReasonForm(post)
    form.is_valid() or _invalid(form)
    return form.cleaned_data["reason"]


def _text(post) -> str:
    form = TextForm(post)
    form.is_valid() or _invalid(form)
    return form.cleaned_data["text"]


def _body(post) -> str:
    form = ReplyForm(post)
    form.is_valid() or _invalid(form)
    return form.cleaned_data["body"]


def _act_approve(request, appeal, post):
    form = ApproveForm(post)
    form.is_valid() or _invalid(form)
    reply = _reply_of(appeal, form.cleaned_data["reply"])
    if form.cleaned_data["decision"] == "approve":
        services.reply_approve(
            reply=reply,
            actor=request.user,
            body=form.cleaned_data["body"],
            request=request,
        )
    else:
        services.reply_return(
            reply=reply,
            actor=request.user,
            note=form.cleaned_data["note"],
            request=request,
        )


def _act_rate(request, appeal, post):
    form = RateForm(post)
    form.is_valid() or _invalid(form)
    services.appeal_rate(
        appeal=appeal,
        resolved=form.cleaned_data["resolved"],
        satisfaction=form.cleaned_data["satisfaction"],
        comment=form.cleaned_data["comment"],
        actor=request.user,
        request=request,
    )


def _act_extend(request, appeal, post):
    form = ExtensionForm(post)
    form.is_valid() or _invalid(form)
    services.extension_request(
        appeal=appeal,
        actor=request.user,
        reason=form.cleaned_data["reason"],
        working_days=form.cleaned_data["working_days"],
        request=request,
    )


def _act_extend_decide(request, appeal, post):
    form = DecideForm(post)
    form.is_valid() or _invalid(form)
    extension = Extension.objects.filter(
        pk=form.cleaned_data["extension"], appeal=appeal
    ).first()
    if extension is None:
        raise NotFound(_("延期申请不存在"))
    services.extension_decide(
        extension=extension,
        actor=request.user,
        approve=form.cleaned_data["approve"],
        note=form.cleaned_data["note"],
        request=request,
    )


def _act_duplicate(request, appeal, post):
    form = DuplicateForm(post)
    form.is_valid() or _invalid(form)
    services.appeal_link_duplicate(
        appeal=appeal,
        original=_by_number(request, form.cleaned_data["original"]),
        actor=request.user,
        request=request,
    )


ACTIONS: dict[str, Callable] = {
    "route": _act_triage,
    "accept": lambda r, a, p: services.appeal_accept(appeal=a, actor=r.user, request=r),
    "object": lambda r, a, p: services.appeal_object(
        appeal=a, actor=r.user, reason=_reason(p), request=r
    ),
    "designate": lambda r, a, p: services.appeal_designate(
        appeal=a, actor=r.user, request=r, **_dispatch_args(p)
    ),
    "redispatch": lambda r, a, p: services.appeal_redispatch(
        appeal=a, actor=r.user, request=r, **_dispatch_args(p)
    ),
    "request_info": lambda r, a, p: services.appeal_request_info(
        appeal=a, actor=r.user, question=_text(p), request=r
    ),
    "provide_info": lambda r, a, p: services.appeal_provide_info(
        appeal=a, actor=r.user, text=_text(p), request=r
    ),
    "reply_submit": lambda r, a, p: services.reply_submit(
        appeal=a, actor=r.user, body=_body(p), submit=p.get("submit") != "0", request=r
    ),
    "reply_approve": _act_approve,
    "department_answer": lambda r, a, p: services.department_answer(
        appeal=a, actor=r.user, body=_body(p), request=r
    ),
    "rate": _act_rate,
    "extend": _act_extend,
    "extend_decide": _act_extend_decide,
    "link_duplicate": _act_duplicate,
}


@require_POST
@staff_required(*LIST_ROLES)
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One POST per workflow action; the service checks role, scope and state."""
    appeal = _visible_appeal(request, pk)
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404
    try:
        handler(request, appeal, request.POST)
    except DomainError as exc:
        if exc.status == 403:
            raise PermissionDenied(str(exc)) from exc
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, str(exc))
    else:
        messages.success(request, _("操作成功"))
    if not scoping.may_see(request.user, appeal):
        return redirect("appeals:console_list")  # e.g. after a liaison's objection
    return redirect("appeals:console_detail", pk=pk)


@staff_required(*LIST_ROLES)
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    item = scoping.get_visible_or_404(request.user, Attachment.objects.all(), pk=pk)
    return FileResponse(item.file.open("rb"), content_type=item.content_type)


# --- dashboard ------------------------------------------------------------


def _dashboard_params(form: DashboardForm) -> tuple[str, dict]:
    data = form.cleaned_data if form.is_valid() else {}
    group_by = data.get("group_by") or "unit"
    today = timezone.localdate()
    month_from = data.get("month_from") or today.replace(day=1) - dt.timedelta(days=365)
    month_to = data.get("month_to") or today
    return group_by, {"month_from": month_from, "month_to": month_to}


def _dashboard_rows(form: DashboardForm) -> tuple[str, list[metrics.Figures], dict]:
    """The county's table, computed now (publishing freezes it)."""
    group_by, filters = _dashboard_params(form)
    rows = metrics.metrics_table(group_by=group_by, **filters)
    return group_by, rows, filters


# The parts of the dashboard that are the same for everyone who sees them are kept
# rendered (ADR 130) and fetched from the cache together (one round trip with
# Redis): the figures (title, filters, cards, chart, table) under the figures' own
# cache key (generation, formula, grouping, months, scope, language) and the query
# string; the trends and the overdue list a minute per scope of appeals; the
# problem-of-the-month form per language until a category or a unit changes.
PAGE_SECONDS = metrics.FIGURES_CACHE_SECONDS
CHOICES_STAMP = "appeals:stamp:form-choices"
PROBLEMS_STAMP = "appeals:stamp:problems"
PROBLEMS_KEY = "appeals:dashboard:problems"


def _choices_changed(**_kwargs) -> None:
    stamp_bump(CHOICES_STAMP)


def _problems_changed(**_kwargs) -> None:
    stamp_bump(PROBLEMS_STAMP)


def _formula_changed(**_kwargs) -> None:
    stamp_bump(metrics.FIGURES_STAMP)


for _model, _receiver in (
    (RateFormula, _formula_changed),
    (Category, _choices_changed),
    (Unit, _choices_changed),
    (Unit, _problems_changed),  # a card names its unit
    (ProblemOfMonth, _problems_changed),
):
    _uid = f"appeals-dashboard-{_receiver.__name__}-{_model.__name__}"
    post_save.connect(_receiver, sender=_model, dispatch_uid=_uid)
    post_delete.connect(_receiver, sender=_model, dispatch_uid=_uid)


def _cache_is_shared() -> bool:
    """One cache for every process (Redis): a stamp replaced by one process is
    seen by all, so what a user has just changed can be kept."""
    return not isinstance(caches["default"], LocMemCache | DummyCache)


# what the overdue list shows (not the citizen's contact details: no decryption)
OVERDUE_FIELDS = (
    "pk",
    "number",
    "title",
    "reply_due",
    "created_at",
    "unit__name",
    "forwarded_to__name",
)
# what a problem-of-the-month card shows (not the unit's jurisdiction polygon)
PROBLEM_FIELDS = (
    "month",
    "title",
    "place",
    "plan",
    "public_result",
    "status",
    "owner_unit__name",
)


def _figures_parts(
    form: DashboardForm, figures: metrics.DashboardFigures, query: str
) -> tuple[str, str, list[metrics.Figures], metrics.Figures]:
    """(the figures part of the page, the publish form's hidden fields, rows,
    total): nothing in them depends on who asks beyond the scope of the figures."""
    rows, total = figures.rows, figures.total
    top = max((r.volume for r in rows), default=0) or 1
    html = render_to_string(
        "appeals/console/_dashboard_figures.html",
        {
            "form": form,
            "rows": rows,
            "bars": [
                {
                    "label": r.label,
                    "volume": r.volume,
                    "width": round(300 * r.volume / top),
                    "y": 22 * i,
                    "ty": 22 * i + 14,
                }
                for i, r in enumerate(rows[:20])
            ],
            "chart_height": 22 * min(len(rows), 20) + 4,
            "total": total,
            "formula": figures.formula,
            "query": query,
        },
    )
    hidden = "".join(field.as_hidden() for field in form)
    return html, hidden, rows, total


def _recent_key(viewer) -> str:
    """Viewers who see the same appeals share this week's rising problems and the
    overdue list (the analyst: the county's trends, no appeal)."""
    return ":".join(
        (
            "appeals:dashboard:recent",
            scoping.visible_key(viewer, Appeal),
            "county-trends" if viewer.role == R.ANALYST else "",
            translation.get_language() or "",
            str(timezone.localdate()),
        )
    )


def _recent_html(viewer, key: str) -> str:
    overdue = (
        selectors.overdue_for(viewer=viewer)
        .select_related(None)
        .select_related("unit", "forwarded_to")
        .only(*OVERDUE_FIELDS)[:20]
    )
    html = render_to_string(
        "appeals/console/_dashboard_recent.html",
        {
            "trends": selectors.trends_weekly(viewer=viewer, cached=True),
            "overdue": list(overdue),
        },
    )
    cache.set(key, html, selectors.TRENDS_CACHE_SECONDS)
    return html


def _problems(found: dict, shared: bool) -> list[ProblemOfMonth]:
    """The last twelve problems of the month. Kept under a stamp that any change
    of a problem or a unit replaces, but only in a shared cache: with a cache per
    process the worker that answers after a save might not have seen the stamp
    change, and the supervisor would not find what was just saved."""
    rows = ProblemOfMonth.objects.select_related("owner_unit").only(*PROBLEM_FIELDS)
    if not shared:
        return list(rows[:12])
    stamp = found.get(PROBLEMS_STAMP)
    kept = found.get(PROBLEMS_KEY)
    if stamp is not None and kept is not None and kept[0] == stamp:
        return kept[1]
    stamp = stamp or stamp_get(PROBLEMS_STAMP)  # read before the rows
    problems = list(rows[:12])
    cache.set(PROBLEMS_KEY, (stamp, problems), PAGE_SECONDS)
    return problems


def _problem_form_key() -> str:
    return f"appeals:dashboard:problem-form:{translation.get_language()}"


def _problem_form_html(found: dict) -> str:
    """The fields of an empty problem-of-the-month form (two long selects), kept
    with the stamp of the categories and units it was made under."""
    stamp = found.get(CHOICES_STAMP)
    kept = found.get(_problem_form_key())
    if stamp is not None and kept is not None and kept[0] == stamp:
        return kept[1]
    stamp = stamp or stamp_get(CHOICES_STAMP)
    html = render_to_string("appeals/_field.html", {"form": ProblemForm()})
    cache.set(_problem_form_key(), (stamp, html), PAGE_SECONDS)
    return html


# --- the whole page kept per scope, role and unit (shared cache only) ---------
# Viewers with the same scope of appeals, role and unit see the same dashboard but
# for their name in the header, the CSRF token of its forms and the CSP nonce:
# with a shared cache the page is kept with those three cut out and put back for
# each viewer (as the public pages are, ADR 091), for SHELL_SECONDS, and only while
# the problems and the form's choices are unchanged; the figures' key (generation,
# formula, months, scope) is still read from the database on every look.
SHELL_SECONDS = 30


class _NamedAs:
    """The viewer, printed as a mark (the header's name is put in per viewer)."""

    def __init__(self, user: Any, mark: str) -> None:
        self._user, self._mark = user, mark

    def __getattr__(self, name: str) -> Any:
        return getattr(self._user, name)

    def __str__(self) -> str:
        return self._mark


def _messages_waiting(request: HttpRequest) -> bool:
    return CookieStorage.cookie_name in request.COOKIES or (
        SessionStorage.session_key in request.session
    )


SHELL_STAMPS = (metrics.FIGURES_STAMP, PROBLEMS_STAMP, CHOICES_STAMP)


def _shell_key(
    request: HttpRequest, scope: dict, filters: dict, recent_key: str
) -> str:
    viewer = request.user
    parts = [
        json.dumps(sorted(scope.items())),  # the figures' scope
        json.dumps(filters, default=str),  # the months (the default ones move)
        recent_key,  # scope of appeals, language, day
        viewer.role,  # navigation, publish and problem forms
        str(viewer.unit_id or ""),  # a leader's problem forms
        request.get_full_path(),  # filters, the language switch's return address
    ]
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:40]
    return f"appeals:dashboard:shell:{digest}"


def _render_and_keep(
    request: HttpRequest, context: dict, key: str, stamps: tuple
) -> HttpResponse:
    viewer = request.user
    name_mark = f"jm-name-{secrets.token_hex(12)}"
    request.user = _NamedAs(viewer, name_mark)
    try:
        response = render(request, "appeals/console/dashboard.html", context)
    finally:
        request.user = viewer
    html = response.content.decode(response.charset)
    nonce_mark = f"jm-nonce-{secrets.token_hex(12)}"
    csrf_mark = f"jm-csrf-{secrets.token_hex(12)}"
    nonce = getattr(request, "_csp_nonce", None)
    shell = (
        html.replace(nonce, nonce_mark) if isinstance(nonce, str) and nonce else html
    )
    shell = CSRF_INPUT.sub(lambda m: m.group(1) + csrf_mark + m.group(3), shell)
    if response.status_code == 200 and not response.cookies:
        entry = (
            stamps,
            shell,
            response["Content-Type"],
            name_mark,
            nonce_mark,
            csrf_mark,
        )
        cache.set(key, entry, SHELL_SECONDS)
    response.content = html.replace(name_mark, escape(str(viewer)))
    return response


def _from_shell(request: HttpRequest, entry: tuple) -> HttpResponse:
    _stamps, html, content_type, name_mark, nonce_mark, csrf_mark = entry
    html = html.replace(name_mark, escape(str(request.user)))
    if nonce_mark in html:
        html = html.replace(nonce_mark, str(request.csp_nonce))
    if csrf_mark in html:
        html = html.replace(csrf_mark, get_token(request))
    return HttpResponse(html, content_type=content_type)


@staff_required(*DASHBOARD_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    """Figures limited to the viewer's scope (a leader sees the own unit only),
    cached per scope under the aggregates' generation (ADR 097), kept rendered
    (ADR 130)."""
    viewer = request.user
    form = DashboardForm(request.GET or None)
    group_by, filters = _dashboard_params(form)
    fmt = request.GET.get("format")
    shell_key, stamps = None, (None, None, None)
    scope = metrics.figures_scope(viewer)
    if (
        fmt is None
        and scope is not None
        and _cache_is_shared()
        and not _messages_waiting(request)
    ):
        # the kept page, checked against stamps only: no database read at all
        recent_key = _recent_key(viewer)
        shell_key = _shell_key(
            request, scope, {"group_by": group_by, **filters}, recent_key
        )
        found = cache.get_many([shell_key, *SHELL_STAMPS])
        stamps = tuple(found.get(k) for k in SHELL_STAMPS)
        entry = found.get(shell_key)
        if entry is not None and None not in stamps and entry[0] == stamps:
            return _from_shell(request, entry)
        stamps = tuple(  # read before the data the page shows
            stamp or stamp_get(key)
            for stamp, key in zip(stamps, SHELL_STAMPS, strict=True)
        )
    named = metrics.figures_key(viewer=viewer, group_by=group_by, **filters)
    if fmt in ("csv", "xlsx"):
        figures = metrics.dashboard_figures(
            viewer=viewer, group_by=group_by, **filters, named=named
        )
        return _export(figures.rows, fmt, group_by, figures.formula)
    query = request.GET.copy()
    query.pop("format", None)
    query_string = query.urlencode()
    supervisor = viewer.role == R.SUPERVISOR
    figures_key = None
    if named.key is not None:
        digest = hashlib.sha256(query_string.encode()).hexdigest()[:32]
        figures_key = f"{named.key}:html:{digest}"
    recent_key = _recent_key(viewer)
    wanted = [recent_key, *([figures_key] if figures_key else [])]
    if supervisor:
        wanted += [CHOICES_STAMP, _problem_form_key()]
    shared = _cache_is_shared()
    if shared:
        wanted += [PROBLEMS_STAMP, PROBLEMS_KEY]
    found = cache.get_many(wanted)
    kept = found.get(figures_key) if figures_key else None
    if kept is None:
        figures = metrics.dashboard_figures(
            viewer=viewer, group_by=group_by, **filters, named=named
        )
        kept = _figures_parts(form, figures, query_string)
        if figures_key:
            cache.set(figures_key, kept, PAGE_SECONDS)
    figures_html, hidden_html, rows, total = kept
    recent_html = found.get(recent_key) or _recent_html(viewer, recent_key)
    context = {
        "figures_html": mark_safe(figures_html),  # noqa: S308 (rendered above)
        "hidden_html": mark_safe(hidden_html),  # noqa: S308
        "rows": rows,
        "total": total,
        "formula": named.formula,
        "group_by": group_by,
        "recent_html": mark_safe(recent_html),  # noqa: S308
        "problems": _problems(found, shared),
        "problem_form_html": mark_safe(_problem_form_html(found))  # noqa: S308
        if supervisor
        else None,
    }
    if not shell_key or not figures_key:
        return render(request, "appeals/console/dashboard.html", context)
    return _render_and_keep(request, context, shell_key, stamps)


HEADERS = [
    ("label", "名称"),
    ("volume", "诉求量"),
    ("response_rate", "响应率"),
    ("resolution_rate", "解决率"),
    ("satisfaction_rate", "满意率"),
    ("on_time_rate", "按时答复率"),
    ("overdue", "超期数"),
    ("median_reply_hours", "答复用时中位数（小时）"),
]


def _export(
    rows: list[metrics.Figures], fmt: str, group_by: str, formula: RateFormula
) -> HttpResponse:
    values = [[r.as_dict()[k] for k, _h in HEADERS] for r in rows]
    note = f"口径 v{formula.version}：{formula.name}"
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="appeals-{group_by}.csv"'
        )
        response.write("\ufeff")
        writer = safe_writer(response)
        writer.writerow([h for _k, h in HEADERS])
        writer.writerows(values)
        writer.writerow([note])
        return response
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "三率"
    sheet.append([h for _k, h in HEADERS])
    for row in values:
        sheet.append(row)
    for cells in sheet.iter_cols(min_col=3, max_col=6, min_row=2):
        for cell in cells:
            cell.number_format = "0.0%"
    sheet.append([note])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return FileResponse(
        buffer,
        as_attachment=True,
        filename=f"appeals-{group_by}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@require_POST
@staff_required(R.SUPERVISOR)
def publish(request: HttpRequest) -> HttpResponse:
    form = DashboardForm(request.POST)
    group_by, rows, filters = _dashboard_rows(form)
    period = f"{filters['month_from']:%Y-%m}~{filters['month_to']:%Y-%m}"
    metrics.figures_publish(
        actor=request.user,
        period=period,
        scope_label=group_by,
        figures=rows,
        request=request,
    )
    messages.success(request, _("已发布，口径随数据一并保存"))
    return redirect("appeals:dashboard")


@require_POST
@staff_required(R.SUPERVISOR, R.LEADER)
def problem(request: HttpRequest) -> HttpResponse:
    """Create a problem of the month (supervisor) or record its public result."""
    try:
        if "problem" in request.POST:
            form = ProblemResultForm(request.POST)
            form.is_valid() or _invalid(form)
            item = ProblemOfMonth.objects.filter(
                pk=form.cleaned_data["problem"]
            ).first()
            if item is None:
                raise Http404
            services.problem_update(
                problem=item,
                actor=request.user,
                public_result=form.cleaned_data["public_result"],
                done=form.cleaned_data["done"],
                request=request,
            )
        else:
            form = ProblemForm(request.POST)
            form.is_valid() or _invalid(form)
            d = form.cleaned_data
            services.problem_create(
                actor=request.user,
                month=d["month"],
                title=d["title"],
                owner_unit=d["owner_unit"],
                plan=d["plan"],
                category=d.get("category"),
                place=d.get("place", ""),
                request=request,
            )
    except DomainError as exc:
        if exc.status == 403:
            raise PermissionDenied(str(exc)) from exc
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已保存"))
    return redirect("appeals:dashboard")
