"""The citizen's pages: submit, track (POST only, rate-limited), rate, results."""

from __future__ import annotations

import math
import uuid

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from jingmin.audit.services import client_ip, event_record
from jingmin.core.exceptions import DomainError
from jingmin.core.idempotency import idempotent
from jingmin.core.ratelimit import RateLimited, rate_limit_hit, rate_limit_take
from jingmin.org.selectors import bureau_get

from .. import metrics, selectors, services
from ..forms import AppealForm, RateForm, TextForm, TrackForm
from ..models import Appeal, ProblemOfMonth

SESSION_CODE = "appeals_last_code"
SESSION_TRACK = "appeals_tracking"


def _form_error(form, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc))


@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    """The one-time form token is the idempotency key: a double click, a reload
    after POST or a retry on a bad line all yield the same single appeal."""
    form = AppealForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            rate_limit_hit("appeals.submit", client_ip(request), "20/h")

            def create() -> tuple[int, dict]:
                done = services.appeal_submit(
                    data=form.to_input(),
                    photos=form.cleaned_data["photos"],
                    request=request,
                )
                return 201, {"number": done.appeal.number, "code": done.tracking_code}

            outcome = idempotent(
                scope="appeals.web",
                key=form.cleaned_data["form_token"],
                payload=form.payload(),
                handler=create,
            )
        except RateLimited as exc:
            form.add_error(None, str(exc))
        except DomainError as exc:
            _form_error(form, exc)
        else:
            request.session[SESSION_CODE] = outcome.body["code"]
            return redirect("appeals:submitted")
    if not form.is_bound:
        form = AppealForm(initial={"form_token": uuid.uuid4().hex})
    bureau = bureau_get()
    return render(
        request,
        "appeals/public/submit.html",
        {
            "form": form,
            "boundary": bureau.boundary if bureau else None,
            "map_tile_url": settings.MAP_TILE_URL,
        },
    )


def submitted(request: HttpRequest) -> HttpResponse:
    code = request.session.pop(SESSION_CODE, None)  # shown once
    if not code:
        return redirect("appeals:track")
    appeal = selectors.appeal_by_tracking_code(code)
    request.session[SESSION_TRACK] = code
    return render(
        request,
        "appeals/public/submitted.html",
        {"code": code, "view": selectors.public_view(appeal) if appeal else None},
    )


# Number + last four phone digits is the weak form (10^4 guesses): per number.
PHONE_TAIL_RATE = "5/h"


class PhoneTailLimited(RateLimited):
    """The phone-tail form is used up for this number (perhaps by someone else):
    the full tracking code still works, so say so."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.message = _(
            "该编号用电话后四位查询的次数已达上限，请 %(s)s 秒后再试，或凭完整查询码查询"
        ) % {"s": retry_after}


def track_rate_limit(
    ip: str, address_rate: str, *, phone_tail_number: str | None = None
) -> None:
    """The limits on a tracking look-up (web page and API alike; raises RateLimited).

    Every look-up counts against the client's address. Only the phone-tail form
    also counts against the appeal's number, in its own bucket: the number is
    public (Open311's service_request_id), so a per-number limit on full codes
    would let anyone lock a citizen out of their own appeal by failing on purpose,
    and a full code's 128-bit secret needs no per-number limit (ADR 111)."""
    rate_limit_hit("appeals.track", ip, address_rate)
    if phone_tail_number is not None:
        wait = rate_limit_take("appeals.track.tail", phone_tail_number, PHONE_TAIL_RATE)
        if wait > 0:
            raise PhoneTailLimited(max(1, math.ceil(wait)))


def _lookup(request: HttpRequest, form: TrackForm) -> tuple[int, dict] | None:
    """(appeal id, its public view) for the form's code or number and phone tail."""
    data = form.cleaned_data
    track_rate_limit(
        client_ip(request),
        settings.TRACK_RATE_PER_ADDRESS,
        phone_tail_number=None if data.get("code") else data["number"],
    )
    if data.get("code"):
        found = selectors.status_by_tracking_code(data["code"])
    else:
        appeal = selectors.appeal_by_number_and_phone(
            data["number"], data["phone_tail"]
        )
        found = (appeal.pk, selectors.public_view(appeal)) if appeal else None
    if found is None:
        event_record(
            actor=None,
            action="appeal.track_failed",
            request=request,
            object_type="appeals.appeal",
            object_id=(data.get("number") or "")[:20],
        )
    return found


def _status_page(
    request: HttpRequest,
    pk: int,
    view: dict,
    *,
    remember: TrackForm | None = None,
    **extra,
) -> HttpResponse:
    if remember is not None:
        _remember(request, pk, remember, view)
    context = {"view": view, **extra}
    # the forms only when the page shows them
    if view["can_rate"] and "rate_form" not in context:
        context["rate_form"] = RateForm()
    if view["info_requested"] and "info_form" not in context:
        context["info_form"] = TextForm()
    return render(request, "appeals/public/status.html", context)


def _remember(request: HttpRequest, pk: int, form: TrackForm, view: dict) -> None:
    """Keep the looked-up appeal in the session only when the page offers a form
    that posts back for it (rate, provide information): a look-up that only
    reads the status writes no session row and sets no cookie (decision 093)."""
    if view["can_rate"] or view["info_requested"]:
        request.session[SESSION_TRACK] = form.cleaned_data.get("code") or f"#{pk}"
    elif settings.SESSION_COOKIE_NAME in request.COOKIES:
        # a form from an earlier look-up must not act on that earlier appeal
        request.session.pop(SESSION_TRACK, None)


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Tracking codes travel in POST bodies only, never in URLs (ASVS 14.2.1)."""
    form = TrackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            found = _lookup(request, form)
        except RateLimited as exc:
            form.add_error(None, str(exc))
            return render(
                request, "appeals/public/track.html", {"form": form}, status=429
            )
        if found is None:
            form.add_error(None, _("未找到该诉求：请核对查询码或编号与电话后四位"))
        else:
            return _status_page(request, *found, remember=form)
    return render(request, "appeals/public/track.html", {"form": form})


def _session_appeal(request: HttpRequest) -> Appeal | None:
    """The appeal this browser looked up last (the tracking code is not resent)."""
    token = request.session.get(SESSION_TRACK, "")
    if token.startswith("#"):
        return Appeal.objects.filter(pk=int(token[1:])).first()
    return selectors.appeal_by_tracking_code(token) if token else None


@require_POST
def rate(request: HttpRequest) -> HttpResponse:
    appeal = _session_appeal(request)
    if appeal is None:
        return redirect("appeals:track")
    form = RateForm(request.POST)
    if form.is_valid():
        try:
            services.appeal_rate(
                appeal=appeal,
                resolved=form.cleaned_data["resolved"],
                satisfaction=form.cleaned_data["satisfaction"],
                comment=form.cleaned_data["comment"],
                request=request,
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("感谢您的评价"))
            appeal.refresh_from_db()
            return _status_page(request, appeal.pk, selectors.public_view(appeal))
    return _status_page(
        request, appeal.pk, selectors.public_view(appeal), rate_form=form
    )


@require_POST
def provide_info(request: HttpRequest) -> HttpResponse:
    appeal = _session_appeal(request)
    if appeal is None:
        return redirect("appeals:track")
    form = TextForm(request.POST)
    if form.is_valid():
        try:
            services.appeal_provide_info(
                appeal=appeal, text=form.cleaned_data["text"], request=request
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已收到您补充的材料"))
            appeal.refresh_from_db()
            return _status_page(request, appeal.pk, selectors.public_view(appeal))
    return _status_page(
        request, appeal.pk, selectors.public_view(appeal), info_form=form
    )


def public_results(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "appeals/public/results.html",
        {
            "results": metrics.public_results(),
            "problems": ProblemOfMonth.objects.select_related("owner_unit")[:12],
        },
    )
