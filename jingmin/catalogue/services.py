"""Writes of the catalogue. Each service is one transaction with one audit event."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingmin.audit.services import diff, event_record
from jingmin.core.calendar import SHANGHAI, is_workday
from jingmin.core.crypto import blind_index
from jingmin.core.exceptions import Conflict, DomainError, ImportFailed
from jingmin.core.phones import validate_phone
from jingmin.core.text import normalize_text
from jingmin.org.models import Department, Unit

from . import content as gc
from . import search
from .models import (
    Application,
    ApplicationStep,
    Appointment,
    AppointmentSlot,
    Area,
    GuideVersion,
    SearchToken,
    ServiceGuide,
)
from .selectors import next_free_slots

SYSTEM = "system"  # label of events without a staff actor (demo, CLI)
CANCEL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class PublishRefused(DomainError):
    """A draft missing required parts; ``problems`` is [(field, message)]."""

    code = "publish_incomplete"

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__(
            _("不能发布，缺少或有误的部分：%(list)s")
            % {"list": "；".join(m for _f, m in problems)}
        )
        self.problems = problems


class SlotFull(Conflict):
    """The slot has no place left; ``alternatives`` are the next free slots."""

    code = "slot_full"

    def __init__(self, message: str, alternatives: list[AppointmentSlot]):
        super().__init__(message)
        self.alternatives = alternatives


# ------------------------------------------------------------------ guides


@transaction.atomic
def guide_create(
    *,
    code: str,
    area: str,
    actor: Any,
    responsible_department: Department | None = None,
    responsible_text: str = "",
    content: dict[str, Any] | None = None,
    request: Any = None,
) -> ServiceGuide:
    if area not in Area.values:
        raise DomainError(_("业务领域无效：%(a)s") % {"a": area}, field="area")
    if ServiceGuide.objects.filter(code=code).exists():
        raise DomainError(
            _("事项编码“%(code)s”已被使用") % {"code": code}, field="code"
        )
    draft = dict(content or {})
    gc.check_values(draft)
    guide = ServiceGuide.objects.create(
        code=code,
        area=area,
        responsible_department=responsible_department,
        responsible_text=responsible_text,
        draft=draft,
        draft_updated_at=timezone.now(),
    )
    event_record(
        actor=actor,
        actor_label=SYSTEM,
        action="catalogue.guide_create",
        obj=guide,
        changes={"code": code, "area": area},
        request=request,
    )
    return guide


@transaction.atomic
def guide_draft_save(
    *,
    guide: ServiceGuide,
    content: dict[str, Any],
    actor: Any,
    area: str | None = None,
    responsible_department: Department | None = None,
    responsible_text: str | None = None,
    request: Any = None,
) -> ServiceGuide:
    guide = ServiceGuide.objects.select_for_update().get(pk=guide.pk)
    gc.check_values(content)
    changes = diff(guide.draft, content)
    guide.draft = content
    guide.draft_changed = True
    guide.draft_updated_at = timezone.now()
    if area is not None:
        guide.area = area
    if responsible_text is not None:
        guide.responsible_department = responsible_department
        guide.responsible_text = responsible_text
    guide.save()
    event_record(
        actor=actor,
        actor_label=SYSTEM,
        action="catalogue.draft_save",
        obj=guide,
        changes={"fields": sorted(changes)},
        request=request,
    )
    return guide


def _resolve_offices(
    offices: list[dict[str, Any]], problems: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    """Snapshot name, address and hours of each unit into the version."""
    units = Unit.objects.in_bulk([o["unit"] for o in offices], field_name="code")
    resolved = []
    for office in offices:
        unit = units.get(office["unit"])
        if unit is None:
            problems.append(
                (
                    "offices",
                    _("办理地点：没有代码为“%(code)s”的单位")
                    % {"code": office["unit"]},
                )
            )
            continue
        resolved.append(
            {
                "unit": unit.code,
                "name": unit.name,
                "address": unit.address,
                "hours": office.get("hours") or unit.office_hours,
                "phone": unit.phone,
            }
        )
    return resolved


@transaction.atomic
def guide_publish(
    *,
    guide: ServiceGuide,
    actor: Any,
    request: Any = None,
    published_at: dt.datetime | None = None,
) -> GuideVersion:
    """Publish the draft as the next version; refuse naming every missing part."""
    guide = ServiceGuide.objects.select_for_update().get(pk=guide.pk)
    draft = guide.draft
    gc.check_values(draft)
    problems = gc.publish_problems(draft, handled_elsewhere=guide.handled_elsewhere)
    offices = _resolve_offices(draft.get("offices") or [], problems)
    if problems:
        raise PublishRefused(problems)
    last = guide.versions.order_by("-number").first()
    version = GuideVersion(
        guide=guide,
        number=(last.number + 1) if last else 1,
        name=draft["name"],
        keywords=draft.get("keywords", ""),
        legal_basis=draft["legal_basis"],
        applicants=draft["applicants"],
        conditions=draft["conditions"],
        materials=draft.get("materials") or [],
        steps=draft.get("steps") or [],
        result_document=draft["result_document"],
        result_delivery=draft["result_delivery"],
        time_promise_days=int(draft["time_promise_days"]),
        fees=draft["fees"],
        offices=offices,
        max_visits=int(draft["max_visits"]),
        complaint=draft["complaint"],
        accountability=draft["accountability"],
        faqs=draft.get("faqs") or [],
        change_summary=draft["change_summary"],
        effective_date=gc.parse_date(draft["effective_date"]),
        published_at=published_at or timezone.now(),
        published_by=actor if getattr(actor, "pk", None) else None,
    )
    version.save()
    guide.current_version = version
    guide.draft_changed = False
    guide.save(update_fields=["current_version", "draft_changed"])
    search_reindex(guide=guide, version=version)
    event_record(
        actor=actor,
        actor_label=SYSTEM,
        action="catalogue.guide_publish",
        obj=guide,
        changes={
            "version": version.number,
            "effective_date": version.effective_date.isoformat(),
            "summary": version.change_summary,
        },
        request=request,
    )
    return version


def search_reindex(*, guide: ServiceGuide, version: GuideVersion) -> None:
    """Replace the guide's search tokens with those of ``version`` (called inside
    the publishing transaction, so the index never shows an unpublished text)."""
    SearchToken.objects.filter(guide=guide).delete()
    SearchToken.objects.bulk_create(
        SearchToken(guide=guide, token=token, field=field, weight=weight)
        for token, field, weight in search.document_tokens(
            search.version_fields(version)
        )
    )


# ------------------------------------------------------------ applications


def _check_application(
    received_on: dt.date, completed_on: dt.date | None, visits: int
) -> None:
    if completed_on is not None and completed_on < received_on:
        raise DomainError(
            _("办结日期不能早于受理日期"), code="dates", field="completed_on"
        )
    if visits < 0:
        raise DomainError(_("跑动次数不能为负数"), field="visits")


@transaction.atomic
def application_record(
    *,
    guide: ServiceGuide,
    unit: Unit,
    received_on: dt.date,
    completed_on: dt.date | None,
    visits: int,
    actor: Any,
    steps: list[tuple[str, int]] | None = None,
    request: Any = None,
) -> Application:
    _check_application(received_on, completed_on, visits)
    if guide.current_version_id is None:
        raise DomainError(_("该事项尚未发布，不能登记办件"), field="guide")
    application = Application.objects.create(
        guide=guide,
        unit=unit,
        received_on=received_on,
        completed_on=completed_on,
        visits=visits,
        source=Application.Source.FORM,
        recorded_by=actor,
    )
    ApplicationStep.objects.bulk_create(
        ApplicationStep(application=application, name=name, working_days=days)
        for name, days in steps or []
    )
    event_record(
        actor=actor,
        actor_label=SYSTEM,
        action="catalogue.application_record",
        obj=application,
        changes={"guide": guide.code, "unit": unit.code},
        request=request,
    )
    return application


def parse_steps(text: str) -> list[tuple[str, int]]:
    """``受理:0;审核:3`` → [("受理", 0), ("审核", 3)]."""
    steps = []
    for part in normalize_text(text or "").replace("；", ";").split(";"):
        if not part.strip():
            continue
        name, sep, days = part.replace("：", ":").rpartition(":")
        if not sep or not name.strip() or not days.strip().isdigit():
            raise ValueError(part)
        steps.append((name.strip()[:60], int(days)))
    return steps


def _parse_day(value: str) -> dt.date:
    value = normalize_text(value)
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return dt.datetime.strptime(value.replace("/", "-")[:10], "%Y-%m-%d").date()


@transaction.atomic
def applications_import(
    *, text: str, actor: Any, filename: str = "", request: Any = None
) -> int:
    """Import applications from CSV (service, received, completed, unit[, visits,
    steps]); any bad row refuses the whole file."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"service", "received", "completed", "unit"} - set(
        reader.fieldnames or []
    )
    if missing:
        raise ImportFailed(
            _("CSV缺少列：%(cols)s") % {"cols": ", ".join(sorted(missing))},
            [("header", col, _("缺少该列")) for col in sorted(missing)],
        )
    guides: dict[str, ServiceGuide] = {}
    for guide in ServiceGuide.objects.select_related("current_version").filter(
        current_version__isnull=False
    ):
        guides[guide.code] = guide
        guides[guide.current_version.name] = guide
    units: dict[str, Unit] = {}
    for unit in Unit.objects.all():
        units[unit.code] = unit
        units[unit.name] = unit
    errors: list[tuple[str, str, str]] = []
    parsed = []
    for number, row in enumerate(reader, start=2):
        record = _("第%(n)d行") % {"n": number}
        service = normalize_text(row.get("service") or "")
        guide = guides.get(service)
        if guide is None:
            errors.append(
                (record, "service", _("未知的办事事项“%(s)s”") % {"s": service})
            )
        unit = units.get(normalize_text(row.get("unit") or ""))
        if unit is None:
            errors.append(
                (record, "unit", _("未知的单位“%(u)s”") % {"u": row.get("unit")})
            )
        try:
            received = _parse_day(row.get("received") or "")
        except ValueError:
            received = None
            errors.append((record, "received", _("受理日期无效，应为YYYY-MM-DD")))
        completed = None
        if (row.get("completed") or "").strip():
            try:
                completed = _parse_day(row["completed"])
            except ValueError:
                errors.append((record, "completed", _("办结日期无效，应为YYYY-MM-DD")))
        visits_text = (row.get("visits") or "1").strip()
        visits = int(visits_text) if visits_text.isdigit() else None
        if visits is None:
            errors.append((record, "visits", _("跑动次数应为非负整数")))
        try:
            steps = parse_steps(row.get("steps") or "")
        except ValueError as exc:
            steps = []
            errors.append(
                (
                    record,
                    "steps",
                    _("环节用时格式应为“环节:天数;…”：%(p)s") % {"p": exc},
                )
            )
        if received and completed and completed < received:
            errors.append((record, "completed", _("办结日期早于受理日期")))
        parsed.append((guide, unit, received, completed, visits, steps))
    if errors:
        raise ImportFailed(_("导入失败，没有保存任何记录"), errors)
    for guide, unit, received, completed, visits, steps in parsed:
        application = Application.objects.create(
            guide=guide,
            unit=unit,
            received_on=received,
            completed_on=completed,
            visits=visits,
            source=Application.Source.IMPORT,
            recorded_by=actor if getattr(actor, "pk", None) else None,
        )
        ApplicationStep.objects.bulk_create(
            ApplicationStep(application=application, name=name, working_days=days)
            for name, days in steps
        )
    event_record(
        actor=actor,
        actor_label="import",
        action="catalogue.applications_import",
        changes={"rows": len(parsed), "file": filename},
        request=request,
        object_type="catalogue.application",
    )
    return len(parsed)


# ------------------------------------------------------------ appointments


@transaction.atomic
def slots_create(
    *,
    unit: Unit,
    guide: ServiceGuide,
    window: str,
    first_day: dt.date,
    days: int,
    times: list[tuple[dt.time, dt.time]],
    capacity: int,
    actor: Any,
) -> int:
    """Open slots on the working days of the period (existing ones are kept)."""
    if capacity < 1:
        raise DomainError(_("每个时段可预约人数应大于0"), field="capacity")
    created = 0
    for offset in range(days):
        day = first_day + dt.timedelta(days=offset)
        if not is_workday(day):
            continue
        for start, end in times:
            _slot, made = AppointmentSlot.objects.get_or_create(
                unit=unit,
                guide=guide,
                window=window,
                starts_at=dt.datetime.combine(day, start, tzinfo=SHANGHAI),
                defaults={
                    "ends_at": dt.datetime.combine(day, end, tzinfo=SHANGHAI),
                    "capacity": capacity,
                },
            )
            created += made
    if created:
        event_record(
            actor=actor,
            actor_label="system",
            action="catalogue.slots_create",
            changes={"unit": unit.code, "guide": guide.code, "slots": created},
            object_type="catalogue.appointmentslot",
        )
    return created


def cancel_digest(code: str) -> str:
    return hashlib.sha256(normalize_text(code).upper().encode()).hexdigest()


@transaction.atomic
def appointment_book(
    *, slot_id: int, name: str, phone: str, request: Any = None
) -> tuple[Appointment, str]:
    """Book one place; returns the appointment and its cancel code (shown once).

    The slot row is locked and the places counted in the same transaction, so two
    citizens racing for the last place cannot both get it."""
    name = normalize_text(name)
    if not name or len(name) > 40:
        raise DomainError(_("请填写姓名（不超过40个字）"), field="name")
    phone = validate_phone(phone, mobile_only=True)
    guide_id = (
        AppointmentSlot.objects.filter(pk=slot_id)
        .values_list("guide_id", flat=True)
        .first()
    )
    if guide_id is None:
        raise DomainError(_("预约时段不存在"), field="slot")
    # The service's row first (as publishing does), then the slot: one phone's two
    # bookings of different slots of one service are serialised, so the
    # one-open-appointment rule below holds under races too.
    list(ServiceGuide.objects.select_for_update().filter(pk=guide_id).values("pk"))
    slot = (
        AppointmentSlot.objects.select_for_update()
        .select_related("unit", "guide")
        .get(pk=slot_id)
    )
    local_start = slot.starts_at.astimezone(SHANGHAI)
    if slot.starts_at <= timezone.now() or not is_workday(local_start.date()):
        raise DomainError(_("该时段已不可预约"), code="slot_closed", field="slot")
    booked = slot.appointments.filter(status=Appointment.Status.BOOKED)
    phone_key = blind_index(phone)
    if booked.filter(phone_index=phone_key).exists():
        raise Conflict(_("该手机号已预约这个时段"), field="phone")
    if Appointment.objects.filter(
        slot__guide_id=slot.guide_id,
        slot__starts_at__gt=timezone.now(),
        phone_index=phone_key,
        status=Appointment.Status.BOOKED,
    ).exists():
        # one open appointment per phone and service: no one holds every slot;
        # which slot is not said (whoever types a phone number would learn it)
        raise Conflict(
            _(
                "该手机号已预约本事项，同一事项只能保留一个预约；如需改约，请先取消原预约"
            ),
            code="phone_has_appointment",
            field="phone",
        )
    if booked.count() >= slot.capacity:
        raise SlotFull(
            _("%(slot)s 已约满，请选择其他时段") % {"slot": slot},
            next_free_slots(guide=slot.guide, unit=slot.unit, after=slot.starts_at),
        )
    code = "".join(secrets.choice(CANCEL_ALPHABET) for _i in range(10))
    appointment = Appointment.objects.create(
        slot=slot,
        name=name,
        phone=phone,
        phone_index=phone_key,
        cancel_digest=cancel_digest(code),
    )
    event_record(
        actor=None,
        actor_label="citizen",
        action="catalogue.appointment_book",
        obj=appointment,
        changes={"slot": slot.pk},
        request=request,
    )
    return appointment, code


@transaction.atomic
def appointment_cancel(*, code: str, request: Any = None) -> Appointment:
    try:
        appointment = (
            Appointment.objects.select_for_update()
            .select_related("slot")
            .get(cancel_digest=cancel_digest(code))
        )
    except Appointment.DoesNotExist as exc:
        raise DomainError(_("取消码不正确"), code="cancel_code", field="code") from exc
    if appointment.status == Appointment.Status.CANCELLED:
        raise Conflict(_("该预约已经取消"), field="code")
    appointment.status = Appointment.Status.CANCELLED
    appointment.cancelled_at = timezone.now()
    appointment.save(update_fields=["status", "cancelled_at"])
    event_record(
        actor=None,
        actor_label="citizen",
        action="catalogue.appointment_cancel",
        obj=appointment,
        changes={"slot": appointment.slot_id},
        request=request,
    )
    return appointment
