"""Staff console of the catalogue. Guides are bureau-wide: admin and supervisor
edit and publish, leaders read; applications and appointments are scoped by unit."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from jingmin.accounts.decorators import staff_required
from jingmin.accounts.roles import Role
from jingmin.accounts.scoping import get_visible_or_404, may_see_personal_data
from jingmin.audit.services import personal_data_read
from jingmin.core import csvread
from jingmin.core.exceptions import DomainError, ImportFailed
from jingmin.core.masking import mask_name, mask_phone
from jingmin.org.models import Unit

from . import selectors, services
from .access import (
    CONSOLE,
    DAY_LIST,
    EDITORS,
    IMPORTERS,
    READERS,
    RECORDERS,
    SLOT_OPENERS,
)
from .forms import (
    PERIODS,
    ApplicationForm,
    GuideForm,
    ImportForm,
    SlotsForm,
    period_start,
)
from .models import ServiceGuide


@staff_required(*CONSOLE)
def console(request):
    return render(
        request,
        "catalogue/console/home.html",
        {
            "guides": selectors.console_guides(request.user),
            "may_edit": request.user.role in EDITORS,
            "may_import": request.user.role in IMPORTERS,
            "may_see_stats": request.user.role in READERS,
            "may_see_day": request.user.role in DAY_LIST,
            "may_open_slots": request.user.role in SLOT_OPENERS,
        },
    )


def _save_guide(request, form: GuideForm, guide: ServiceGuide | None) -> ServiceGuide:
    data = form.cleaned_data
    if guide is None:
        return services.guide_create(
            code=data["code"],
            area=data["area"],
            responsible_department=data["responsible_department"],
            responsible_text=data["responsible_text"],
            content=data["draft"],
            actor=request.user,
            request=request,
        )
    return services.guide_draft_save(
        guide=guide,
        content=data["draft"],
        area=data["area"],
        responsible_department=data["responsible_department"],
        responsible_text=data["responsible_text"],
        actor=request.user,
        request=request,
    )


@staff_required(*EDITORS)
def guide_edit(request, code: str | None = None):
    guide = None
    if code is not None:
        guide = get_visible_or_404(request.user, ServiceGuide.objects.all(), code=code)
    form = GuideForm(request.POST or None, guide=guide)
    problems: list[tuple[str, str]] = []
    if request.method == "POST" and form.is_valid():
        try:
            guide = _save_guide(request, form, guide)
            if "publish" in request.POST:
                version = services.guide_publish(
                    guide=guide, actor=request.user, request=request
                )
                messages.success(
                    request,
                    _("已发布第%(n)d版") % {"n": version.number},
                )
            else:
                messages.success(request, _("草稿已保存"))
            return redirect("catalogue:console_guide_edit", code=guide.code)
        except services.PublishRefused as exc:
            # The draft was saved; show it as the saved guide's edit form.
            form = GuideForm(request.POST, guide=guide)
            form.is_valid()
            problems = exc.problems
            for field, message in problems:
                form.add_error(field if field in form.fields else None, message)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
    return render(
        request,
        "catalogue/console/guide_edit.html",
        {"form": form, "guide": guide, "problems": problems},
        status=400 if form.errors else 200,
    )


def _recording_units(user):
    if user.role in (Role.OFFICER, Role.LEADER):
        return Unit.objects.filter(pk=user.unit_id)
    return Unit.objects.filter(is_active=True)


@staff_required(*RECORDERS)
def application_new(request):
    form = ApplicationForm(request.POST or None, units=_recording_units(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.application_record(
                guide=data["guide"],
                unit=data["unit"],
                received_on=data["received_on"],
                completed_on=data["completed_on"],
                visits=data["visits"],
                steps=data["steps"],
                actor=request.user,
                request=request,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, _("办件已登记"))
            return redirect("catalogue:console_application_new")
    return render(
        request,
        "catalogue/console/application_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@staff_required(*IMPORTERS)
def application_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            text = csvread.decode(upload.read(), upload.name)
            count = services.applications_import(
                text=text, actor=request.user, filename=upload.name, request=request
            )
        except csvread.UnreadableFile as exc:
            form.add_error("file", str(exc.message))
        except ImportFailed as exc:
            form.add_error(None, str(exc.message))
            errors = exc.errors
        else:
            messages.success(request, _("已导入%(n)d条办件") % {"n": count})
            return redirect("catalogue:console_application_import")
    return render(
        request,
        "catalogue/console/application_import.html",
        {"form": form, "errors": errors},
        status=400 if form.errors else 200,
    )


@staff_required(*READERS)
def promise_stats(request):
    months, since = period_start(request)
    stats = selectors.staff_promise_stats(request.user, since)
    selectors.label(stats["by_unit"])
    selectors.label(stats["slowest_steps"])
    return render(
        request,
        "catalogue/console/promise_stats.html",
        {"stats": stats, "months": months, "periods": PERIODS},
    )


@staff_required(*SLOT_OPENERS)
def slots_open(request):
    form = SlotsForm(request.POST or None, units=_recording_units(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = services.slots_create(
                unit=data["unit"],
                guide=data["guide"],
                window=data["window"],
                first_day=data["first_day"],
                days=data["days"],
                times=data["times"],
                capacity=data["capacity"],
                actor=request.user,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, _("已开放%(n)d个预约时段") % {"n": made})
            return redirect("catalogue:console_slots")
    return render(
        request,
        "catalogue/console/slots_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@staff_required(*DAY_LIST)
def appointments_day(request):
    try:
        day = dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = timezone.localdate()
    reveal = request.GET.get("reveal") == "1"
    rows = []
    for appointment in selectors.day_list(request.user, day):
        unmasked = reveal and may_see_personal_data(request.user, appointment)
        if unmasked:
            personal_data_read(
                actor=request.user,
                obj=appointment,
                fields=["name", "phone"],
                request=request,
            )
        rows.append(
            {
                "appointment": appointment,
                "name": appointment.name if unmasked else mask_name(appointment.name),
                "phone": appointment.phone
                if unmasked
                else mask_phone(appointment.phone),
            }
        )
    return render(
        request,
        "catalogue/console/appointments_day.html",
        {
            "day": day,
            "rows": rows,
            "previous": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1),
            "revealed": reveal,
        },
    )
