"""Public pages of the catalogue: guides, history, diff, feed, open data,
time-promise statistics, appointments and the enforcement-transparency page."""

from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingmin.audit.services import client_ip
from jingmin.core.exceptions import DomainError
from jingmin.core.ratelimit import rate_limit_hit
from jingmin.org.models import Unit
from jingmin.portal.pagecache import cached_page

from . import selectors, services
from .forms import PERIODS, BookingForm, CancelForm, SearchForm, period_start
from .models import DisclosureItem, GuideVersion, ServiceGuide

PAGE_SIZE = 20


LIST_PARAMS = {"q", "area", "visits", "page"}


def guide_list(request):
    """Kept rendered per search and language for anonymous visitors (decision 091)."""
    if set(request.GET) <= LIST_PARAMS and len(request.get_full_path()) <= 300:
        return cached_page(
            request,
            name="catalogue.list",
            key=request.get_full_path(),
            stamp_key=selectors.STAMP_KEY,
            render=lambda: _guide_list(request),
        )
    return _guide_list(request)


def _guide_list(request):
    form = SearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    found = selectors.guide_search_kept(
        query=data.get("q", ""),
        area=data.get("area", ""),
        visits=data.get("visits", ""),
    )
    page = Paginator(found["guides"], PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "catalogue/guide_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "searching": bool(data.get("q")),
            "updated_at": found["updated_at"],
        },
    )


def _published_guide(code: str) -> ServiceGuide:
    return get_object_or_404(selectors.published_guides(), code=code)


def guide_detail(request, code: str, number: int | None = None):
    """Kept rendered per guide, version, day and language for anonymous visitors
    (decision 091); the data is kept for everybody else."""
    today = timezone.localdate()
    if request.GET:
        return _guide_detail(request, code, number, today)
    return cached_page(
        request,
        name="catalogue.guide",
        key=f"{code}:{number}:{today}",
        stamp_key=selectors.STAMP_KEY,
        render=lambda: _guide_detail(request, code, number, today),
    )


def _guide_detail(request, code: str, number: int | None, today: dt.date):
    try:
        context = selectors.guide_page(code, number, today)
    except selectors.GuideNotFound as exc:
        raise Http404 from exc
    return render(request, "catalogue/guide_detail.html", context)


def guide_history(request, code: str):
    guide = _published_guide(code)
    return render(
        request,
        "catalogue/guide_history.html",
        {"guide": guide, "versions": selectors.guide_versions(guide)},
    )


def _version_number(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError as exc:
        raise Http404 from exc


def guide_diff(request, code: str):
    guide = _published_guide(code)
    current = guide.current_version.number
    old_number = _version_number(request.GET.get("from"), max(current - 1, 1))
    new_number = _version_number(request.GET.get("to"), current)
    versions = {v.number: v for v in guide.versions.all()}
    if old_number not in versions or new_number not in versions:
        raise Http404
    old, new = versions[old_number], versions[new_number]
    return render(
        request,
        "catalogue/guide_diff.html",
        {
            "guide": guide,
            "old": old,
            "new": new,
            "rows": selectors.version_diff(old, new),
            "numbers": sorted(versions),
        },
    )


class ChangesFeed(Feed):
    feed_type = Atom1Feed
    title = gettext_lazy("办事指南变更")
    subtitle = gettext_lazy("办事指南每次发布新版本的修改说明")

    def link(self):
        return reverse("catalogue:guide_list")

    def items(self):
        return selectors.latest_versions(50)

    def item_title(self, item: GuideVersion) -> str:
        return _("%(name)s 第%(n)d版") % {"name": item.name, "n": item.number}

    def item_description(self, item: GuideVersion) -> str:
        return _("%(summary)s（%(date)s起施行）") % {
            "summary": item.change_summary,
            "date": item.effective_date.isoformat(),
        }

    def item_link(self, item: GuideVersion) -> str:
        return reverse("catalogue:guide_version", args=[item.guide.code, item.number])

    def item_pubdate(self, item: GuideVersion) -> dt.datetime:
        return item.published_at

    def item_updateddate(self, item: GuideVersion) -> dt.datetime:
        return item.published_at


def open_data_json(request):
    body = json.dumps(selectors.catalogue_export(), ensure_ascii=False, indent=1)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="service-guides.json"'
    return response


def open_data_csv(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="service-guides.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
    selectors.write_csv(response, selectors.catalogue_export())
    return response


def disclosure(request):
    items = list(DisclosureItem.objects.all())
    sections = []
    for kind, label in DisclosureItem.Kind.choices:
        entries = [i for i in items if i.kind == kind]
        sections.append({"kind": kind, "label": label, "items": entries})
    return render(
        request,
        "catalogue/disclosure.html",
        {
            "sections": sections,
            "catalogue_updated_at": selectors.catalogue_updated_at(),
            "guide_count": selectors.published_guides().count(),
        },
    )


def promise_stats(request):
    months, since = period_start(request)
    stats = selectors.public_promise_stats(since)
    selectors.label(stats["by_guide"])
    selectors.label(stats["by_unit"])
    selectors.label(stats["slowest_steps"])
    return render(
        request,
        "catalogue/promise_stats.html",
        {"stats": stats, "months": months, "periods": PERIODS},
    )


def booking_rate() -> str:
    return getattr(settings, "CATALOGUE_BOOKING_RATE", "10/h")


def appointment_book(request):
    guides = selectors.bookable_guides()
    guide = None
    code = request.GET.get("guide") or request.POST.get("guide")
    if code:
        guide = guides.filter(code=code).first()
    unit = None
    unit_code = request.GET.get("unit")
    if unit_code:
        unit = Unit.objects.filter(code=unit_code).first()
    form = BookingForm(request.POST or None)
    problem = None
    alternatives = []
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            # Bookings hold places others need: one address may not fill a window.
            rate_limit_hit("catalogue.book", client_ip(request), booking_rate())
            appointment, cancel_code = services.appointment_book(
                slot_id=form.cleaned_data["slot"],
                name=form.cleaned_data["name"],
                phone=form.cleaned_data["phone"],
                request=request,
            )
        except services.SlotFull as exc:
            problem, alternatives, status = str(exc), exc.alternatives, 409
        except DomainError as exc:
            problem, status = str(exc), exc.status
        else:
            return render(
                request,
                "catalogue/appointment_done.html",
                {"appointment": appointment, "code": cancel_code},
            )
    slots = []
    units = []
    if guide is not None:
        units = selectors.slot_units(guide)
        slots = list(selectors.free_slots(guide=guide, unit=unit)[:60])
    return render(
        request,
        "catalogue/appointment_book.html",
        {
            "guides": guides,
            "guide": guide,
            "unit": unit,
            "units": units,
            "slots": slots,
            "form": form,
            "problem": problem,
            "alternatives": alternatives,
        },
        status=status,
    )


def appointment_cancel_view(request):
    form = CancelForm(request.POST or None)
    done = None
    problem = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            # Guessing cancel codes is slowed down per address.
            rate_limit_hit("catalogue.cancel", client_ip(request), "20/h")
            done = services.appointment_cancel(
                code=form.cleaned_data["code"], request=request
            )
        except DomainError as exc:
            problem, status = str(exc), exc.status
    return render(
        request,
        "catalogue/appointment_cancel.html",
        {"form": form, "done": done, "problem": problem},
        status=status,
    )
