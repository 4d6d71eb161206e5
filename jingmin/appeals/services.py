"""Writes to appeals. Each service: one transaction, the row locked, the transition
checked against workflow.TRANSITIONS, one audit event, citizen notifications after
commit. Web views, the API, the CLI and the escalation job all call these.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from jingmin.accounts import scoping
from jingmin.accounts.roles import Role
from jingmin.audit.services import (
    atomic_chained,
    event_record,
    personal_data_read,
    personal_data_search,
)
from jingmin.core.crypto import blind_index
from jingmin.core.exceptions import Conflict, DomainError, NotFound, NotPermitted
from jingmin.core.geo import check_lon_lat
from jingmin.core.notify import Message, notify_on_commit
from jingmin.core.phones import mask_phone, validate_phone
from jingmin.core.text import normalize_text
from jingmin.core.uploads import CleanImage
from jingmin.org.models import Department, Unit

from . import deadlines, triage
from .classifier import predict_category, threshold
from .models import (
    Appeal,
    AppealEvent,
    Attachment,
    Category,
    Extension,
    FollowUp,
    LabelledText,
    ProblemOfMonth,
    Reply,
    Urgency,
)
from .workflow import SYSTEM, transition_check

S = Appeal.Status
T = Appeal.TriageClass
BODY_MAX = 4000
TITLE_MAX = 120
MAX_PHOTOS = 5


# --- tracking codes -------------------------------------------------------


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.strip().lower().encode()).hexdigest()


def tracking_code_new() -> tuple[str, str]:
    """(number, secret): a 12-digit number and 128 random bits in base32."""
    today = timezone.localdate().strftime("%y%m%d")
    number = today + f"{secrets.randbelow(10**6):06d}"
    secret = base64.b32encode(secrets.token_bytes(16)).decode().rstrip("=").lower()
    return number, secret


def tracking_code_split(code: str) -> tuple[str, str]:
    code = normalize_text(code).replace(" ", "")
    number, _sep, secret = code.partition("-")
    return number, secret


def tracking_code_matches(appeal: Appeal, secret: str) -> bool:
    return hmac.compare_digest(appeal.secret_digest, secret_digest(secret))


# --- helpers --------------------------------------------------------------


def _now() -> dt.datetime:
    return timezone.now()


def _label(actor: Any) -> str:
    """Who did it, as the citizen sees it: a unit or department, never a person."""
    if actor is None:
        return _("群众")
    if actor == SYSTEM:
        return _("系统")
    if getattr(actor, "role", "") == Role.LIAISON and actor.department_id:
        return actor.department.name
    if getattr(actor, "unit_id", None):
        return actor.unit.name
    return _("公安局")


def _staff(actor: Any) -> Any:
    return actor if actor not in (None, SYSTEM) else None


def _lock(appeal: Appeal) -> Appeal:
    return (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("category", "unit", "forwarded_to")
        .get(pk=appeal.pk)
    )


def _must_see(actor: Any, appeal: Appeal) -> None:
    """Staff act only on appeals they may see (a liaison on their department's)."""
    if actor in (None, SYSTEM):
        return
    if not scoping.may_see(actor, appeal):
        raise NotFound(_("诉求不存在"), code="not_found")


def _log(
    appeal: Appeal,
    action: str,
    actor: Any,
    *,
    status_from: str = "",
    status_to: str = "",
    public_text: str = "",
    note: str = "",
    public: bool = True,
    changes: dict | None = None,
    request: Any = None,
    now: dt.datetime | None = None,
) -> AppealEvent:
    event = AppealEvent.objects.create(
        appeal=appeal,
        action=action,
        status_from=status_from,
        status_to=status_to or appeal.status,
        public=public,
        public_text=public_text,
        note=note,
        actor=_staff(actor),
        actor_label=_label(actor),
        created_at=now or _now(),
    )
    event_record(
        actor=_staff(actor),
        actor_label="system" if actor == SYSTEM else "citizen",
        action=f"appeal.{action}",
        obj=appeal,
        changes={
            "status": [
                status_from or status_to or appeal.status,
                status_to or appeal.status,
            ],
            **(changes or {}),
        },
        request=request,
    )
    return event


def _save(appeal: Appeal, now: dt.datetime, *fields: str) -> None:
    appeal.updated_at = now
    appeal.save(update_fields=[*fields, "updated_at"])


def _notify(appeal: Appeal, subject: str, text: str) -> None:
    notify_on_commit(
        Message(
            subject=subject,
            text=text,
            phone=appeal.phone,
            email=appeal.email,
            reference=appeal.number,
        )
    )


def _clean_text(value: str, *, field: str, label: str, maximum: int) -> str:
    value = normalize_text(value or "")
    if len(value) > maximum:
        raise DomainError(
            _("%(label)s过长：最多 %(max)s 个字，现有 %(n)s 个字")
            % {"label": label, "max": maximum, "n": len(value)},
            code="too_long",
            field=field,
        )
    return value


def _required_text(value: str, *, field: str, label: str, maximum: int) -> str:
    value = _clean_text(value, field=field, label=label, maximum=maximum)
    if not value:
        raise DomainError(
            _("请填写%(label)s") % {"label": label}, code="required", field=field
        )
    return value


# --- intake ---------------------------------------------------------------


@dataclass
class AppealInput:
    kind: str
    body: str
    title: str = ""
    name: str = ""
    phone: str = ""
    email: str = ""
    lon: float | None = None
    lat: float | None = None
    address: str = ""
    category: Category | None = None
    urgency: str = ""
    source: str = Appeal.Source.WEB
    attributes: dict = field(default_factory=dict)


def appeal_input_clean(data: AppealInput) -> AppealInput:
    """Validate and normalise; DomainError names the field."""
    if data.kind not in Appeal.Kind.values:
        raise DomainError(
            _("诉求类型无效：%(v)s") % {"v": data.kind}, code="invalid", field="kind"
        )
    data.body = _required_text(
        data.body, field="body", label=_("诉求内容"), maximum=BODY_MAX
    )
    data.title = _clean_text(
        data.title, field="title", label=_("标题"), maximum=TITLE_MAX
    )
    data.name = _clean_text(data.name, field="name", label=_("姓名"), maximum=40)
    data.address = _clean_text(
        data.address, field="address", label=_("地址"), maximum=200
    )
    if data.phone:
        data.phone = validate_phone(data.phone)
    elif data.kind != Appeal.Kind.REPORT and data.source != Appeal.Source.PHONE:
        raise DomainError(
            _("请填写联系电话，以便答复和回访（匿名举报可不填）"),
            code="required",
            field="phone",
        )
    data.email = _clean_text(data.email, field="email", label=_("邮箱"), maximum=120)
    if data.email and "@" not in data.email:
        raise DomainError(_("电子邮箱格式无效"), code="invalid", field="email")
    if (data.lon is None) != (data.lat is None):
        raise DomainError(_("经度和纬度须同时填写"), code="invalid", field="lon")
    if data.lon is not None:
        try:
            check_lon_lat(float(data.lon), float(data.lat))
        except (TypeError, ValueError) as exc:
            raise DomainError(
                _("位置坐标无效：经度应在±180之间，纬度应在±90之间"),
                code="invalid",
                field="lon",
            ) from exc
        data.lon, data.lat = float(data.lon), float(data.lat)
    if data.category is not None and not data.category.active:
        raise DomainError(_("该类别已停用"), code="invalid", field="category")
    if data.urgency and data.urgency not in Urgency.values:
        raise DomainError(_("紧急程度无效"), code="invalid", field="urgency")
    return data


@dataclass(frozen=True)
class Submitted:
    appeal: Appeal
    tracking_code: str


@atomic_chained()
def appeal_submit(
    *,
    data: AppealInput,
    photos: Iterable[CleanImage] = (),
    actor: Any = None,
    request: Any = None,
) -> Submitted:
    """Receive an appeal from the web, the phone (operator) or the API, and route it."""
    data = appeal_input_clean(data)
    photos = list(photos)
    if len(photos) > MAX_PHOTOS:
        raise DomainError(
            _("最多上传 %(n)s 张照片") % {"n": MAX_PHOTOS},
            code="too_many",
            field="photos",
        )
    now = _now()
    predicted, confidence = (None, None)
    if data.category is None:
        predicted, confidence = predict_category(data.title, data.body)
    category = data.category or (
        predicted if confidence is not None and confidence >= threshold() else None
    )
    in_county = triage.point_in_county(data.lon, data.lat)
    urgency = data.urgency or (category.urgency if category else Urgency.ORDINARY)
    for _attempt in range(5):
        # one indexed look-up: cheaper than a savepoint around the insert
        number, secret = tracking_code_new()
        if not Appeal.objects.filter(number=number).exists():
            break
    appeal = Appeal(
        number=number,
        secret_digest=secret_digest(secret),
        kind=data.kind,
        title=data.title or data.body[:30],
        body=data.body,
        name=data.name,
        phone=data.phone,
        phone_index=blind_index(data.phone),
        email=data.email,
        lon=data.lon,
        lat=data.lat,
        address=data.address,
        outside_county=in_county is False,
        source=data.source,
        category=category,
        predicted_category=predicted,
        confidence=confidence,
        urgency=urgency,
        attributes=data.attributes or {},
        status=S.RECEIVED,
        created_at=now,
        updated_at=now,
    )
    # Routed before the row is written, so it is written once (ADR 141); the
    # events still tell both steps.
    route = triage.route_for(appeal)
    if route is None:
        transition_check(appeal, "queue", SYSTEM)
        appeal.status = S.TRIAGED
        appeal.triage_due = deadlines.triage_due(now, appeal.urgency)
    else:
        transition_check(appeal, "route", SYSTEM)
        text = _dispatch_fields(appeal, route, now=now)
    appeal.save(force_insert=True)
    for photo in photos:
        token = uuid.uuid4().hex
        attachment = Attachment(
            appeal=appeal,
            token=token,
            content_type=photo.content_type,
            extension=photo.extension,
            size=len(photo.content),
            width=photo.width,
            height=photo.height,
            sha256=photo.sha256,
            created_at=now,
        )
        attachment.file.save(
            f"{token}.{photo.extension}", ContentFile(photo.content), save=False
        )
        attachment.save()
    _log(
        appeal,
        "submit",
        actor,
        status_to=S.RECEIVED,
        public_text=_("您的诉求已受理，编号 %(n)s。") % {"n": appeal.number},
        changes={
            "source": appeal.source,
            "category": category.code if category else None,
            "confidence": confidence,
            "outside_county": appeal.outside_county,
            "photos": len(photos),
        },
        request=request,
        now=now,
    )
    if route is None:
        _log(
            appeal,
            "queue",
            SYSTEM,
            status_from=S.RECEIVED,
            public_text=_("正在确定承办单位。"),
            changes={"triage_due": appeal.triage_due.isoformat()},
            now=now,
        )
    else:
        _dispatch_log(appeal, route, text, actor=SYSTEM, action="route", now=now)
    return Submitted(appeal, f"{number}-{secret}")


DISPATCH_FIELDS = (
    "triage_class",
    "triage_due",
    "paused_at",
    "paused_seconds",
    "info_due",
    "dispatched_at",
    "accept_due",
    "reply_due",
    "close_due",
    "escalated_at",
    "accepted_at",
    "designated",
    "status",
    "forwarded_to",
    "unit",
    "objection_due",
    "triage_explanation",
)


def _dispatch(
    appeal: Appeal,
    route: triage.Route,
    *,
    actor: Any,
    action: str,
    now: dt.datetime,
    designated: bool | None = None,
    note: str = "",
    request: Any = None,
) -> None:
    """Send to a unit (派单) or a department (转办) and start the clocks."""
    status_from = appeal.status
    text = _dispatch_fields(appeal, route, now=now, designated=designated)
    _save(appeal, now, *DISPATCH_FIELDS)
    _dispatch_log(
        appeal,
        route,
        text,
        actor=actor,
        action=action,
        now=now,
        status_from=status_from,
        note=note,
        request=request,
    )


def _dispatch_fields(
    appeal: Appeal,
    route: triage.Route,
    *,
    now: dt.datetime,
    designated: bool | None = None,
) -> str:
    """Set what dispatching changes (DISPATCH_FIELDS); returns the explanation."""
    appeal.triage_class = route.triage_class
    appeal.triage_due = None
    if appeal.paused_at is not None:  # re-dispatched while waiting for the citizen
        appeal.paused_seconds += int((now - appeal.paused_at).total_seconds())
    appeal.paused_at = None
    appeal.info_due = None
    appeal.dispatched_at = now
    appeal.accept_due = deadlines.accept_due(now, appeal.category)
    appeal.reply_due = deadlines.reply_due(now, appeal.category, appeal.urgency)
    appeal.close_due = deadlines.close_due(appeal.reply_due, appeal.category)
    appeal.escalated_at = None
    appeal.accepted_at = None
    if designated is not None:
        appeal.designated = designated
    if route.department is not None:
        appeal.status = S.FORWARDED
        appeal.forwarded_to = route.department
        appeal.unit = None
        appeal.objection_due = deadlines.objection_due(now)
        text = triage.explanation(
            T.OTHER_DEPARTMENT,
            **triage.department_context(route.department, appeal.category),
        )
    else:
        appeal.status = S.ASSIGNED
        appeal.unit = route.unit
        appeal.forwarded_to = None
        appeal.objection_due = None
        text = triage.explanation(
            T.POLICE_DUTY,
            unit=route.unit.name,
            promise=deadlines.time_promise(appeal.category, appeal.urgency),
        )
    if appeal.outside_county:
        text += _("（您标注的位置不在本县范围内，已按问题类别安排办理。）")
    appeal.triage_explanation = text
    return text


def _dispatch_log(
    appeal: Appeal,
    route: triage.Route,
    text: str,
    *,
    actor: Any,
    action: str,
    now: dt.datetime,
    status_from: str = S.RECEIVED,
    note: str = "",
    request: Any = None,
) -> None:
    """The event of a dispatch (and the citizen's message when it is forwarded)."""
    _log(
        appeal,
        action,
        actor,
        status_from=status_from,
        public_text=text,
        note=note,
        changes={
            "unit": route.unit.code if route.unit else None,
            "department": route.department.code if route.department else None,
            "reply_due": appeal.reply_due.isoformat(),
        },
        request=request,
        now=now,
    )
    if route.department is not None:
        _notify(appeal, _("您的诉求已转办"), text)


def _store_label(appeal: Appeal, category: Category, now: dt.datetime) -> None:
    """The operator's decision becomes training data for the next model."""
    LabelledText.objects.create(
        title=appeal.title,
        body=appeal.body,
        category=category,
        origin=(
            LabelledText.Origin.CONFIRMATION
            if appeal.predicted_category_id == category.pk
            else LabelledText.Origin.CORRECTION
        ),
        appeal=appeal,
        predicted=appeal.predicted_category,
        created_at=now,
    )


@atomic_chained()
def appeal_triage(
    *,
    appeal: Appeal,
    actor: Any,
    triage_class: str,
    category: Category | None = None,
    reason: str = "",
    channel: str = "",
    contact: Department | None = None,
    original: Appeal | None = None,
    request: Any = None,
) -> Appeal:
    """An operator decides: confirm/correct the category and route, or close with
    the explanation of a statutory channel, an ongoing case, or non-acceptance."""
    appeal = _lock(appeal)
    _must_see(actor, appeal)
    transition_check(appeal, "route", actor)
    now = _now()
    status_from = appeal.status
    if category is not None:
        if appeal.category_id != category.pk:
            appeal.category = category
            appeal.urgency = category.urgency
        appeal.category_confirmed = True
        _save(appeal, now, "category", "urgency", "category_confirmed")
        _store_label(appeal, category, now)
    if triage_class in (T.POLICE_DUTY, T.OTHER_DEPARTMENT):
        if appeal.category is None:
            raise DomainError(_("请先选择诉求类别"), code="required", field="category")
        if appeal.category.is_police_duty != (triage_class == T.POLICE_DUTY):
            raise DomainError(
                _("类别“%(c)s”%(duty)s，与所选分拨结论不符")
                % {
                    "c": appeal.category.name,
                    "duty": _("属公安职责")
                    if appeal.category.is_police_duty
                    else _("不属公安职责"),
                },
                code="triage_mismatch",
                field="triage_class",
            )
        route = triage.route_for(appeal)
        if route is None:
            raise DomainError(
                _("类别“%(c)s”未配置主管部门，请由指挥中心指定承办")
                % {"c": appeal.category.name},
                code="no_route",
                field="category",
            )
        _dispatch(appeal, route, actor=actor, action="route", now=now, request=request)
        return appeal
    if triage_class == T.STATUTORY_CHANNEL:
        if not channel:
            raise DomainError(
                _("请说明应通过的法定途径（如诉讼、仲裁、信访）"),
                code="required",
                field="channel",
            )
        contact_text = (
            _("%(d)s，电话 %(p)s，地址 %(a)s。")
            % {
                "d": contact.name,
                "p": contact.contact_phone,
                "a": contact.contact_address or "—",
            }
            if contact
            else ""
        )
        text = triage.explanation(
            T.STATUTORY_CHANNEL, channel=channel, contact=contact_text
        )
    elif triage_class == T.ALREADY_HANDLED:
        if original is None or original.pk == appeal.pk:
            raise DomainError(
                _("请指明正在办理的原诉求编号"), code="required", field="original"
            )
        return _link_duplicate(appeal, original, actor, now, request, status_from)
    elif triage_class == T.NOT_ACCEPTABLE:
        if not reason:
            raise DomainError(
                _("请说明不予受理的理由"), code="required", field="reason"
            )
        text = triage.explanation(T.NOT_ACCEPTABLE, reason=reason)
    else:
        raise DomainError(_("分拨结论无效"), code="invalid", field="triage_class")
    appeal.triage_class = triage_class
    appeal.triage_explanation = text
    appeal.status = S.CLOSED
    appeal.closed_at = now
    appeal.triage_due = None
    _save(
        appeal,
        now,
        "triage_class",
        "triage_explanation",
        "status",
        "closed_at",
        "triage_due",
    )
    _log(
        appeal,
        "route",
        actor,
        status_from=status_from,
        public_text=text,
        note=reason,
        changes={"triage_class": triage_class},
        request=request,
        now=now,
    )
    _notify(appeal, _("您的诉求已处理"), text)
    return appeal


def _link_duplicate(
    appeal: Appeal,
    original: Appeal,
    actor: Any,
    now: dt.datetime,
    request: Any,
    status_from: str,
) -> Appeal:
    original = Appeal.objects.select_related("unit", "forwarded_to").get(pk=original.pk)
    _must_see(actor, original)
    if original.duplicate_of_id:
        original = original.duplicate_of
    handler = original.unit or original.forwarded_to
    appeal.duplicate_of = original
    appeal.triage_class = T.ALREADY_HANDLED
    appeal.unit = original.unit
    appeal.forwarded_to = original.forwarded_to
    appeal.category = appeal.category or original.category
    appeal.triage_explanation = triage.explanation(
        T.ALREADY_HANDLED,
        original=original.number,
        unit=handler.name if handler else "",
    )
    reply = original.replies.filter(status=Reply.Status.APPROVED).last()
    if reply is not None and original.status in (S.REPLIED, S.CLOSED):
        appeal.status = S.REPLIED
        appeal.replied_at = now
        appeal.replied_on_time = True
    else:
        appeal.status = original.status if original.status != S.CLOSED else S.ACCEPTED
        if appeal.status == S.TRIAGED:
            appeal.status = S.RECEIVED
    # waits with the original (its clock), or is handled with it (no clock)
    appeal.triage_due = (
        original.triage_due if appeal.status in (S.RECEIVED, S.TRIAGED) else None
    )
    appeal.accept_due = original.accept_due
    appeal.reply_due = original.reply_due
    appeal.close_due = original.close_due
    appeal.accepted_at = original.accepted_at
    appeal.dispatched_at = original.dispatched_at
    _save(
        appeal,
        now,
        "duplicate_of",
        "triage_class",
        "unit",
        "forwarded_to",
        "category",
        "triage_explanation",
        "status",
        "replied_at",
        "replied_on_time",
        "triage_due",
        "accept_due",
        "reply_due",
        "close_due",
        "accepted_at",
        "dispatched_at",
    )
    _log(
        appeal,
        "link_duplicate",
        actor,
        status_from=status_from,
        public_text=appeal.triage_explanation,
        changes={"duplicate_of": original.number},
        request=request,
        now=now,
    )
    if appeal.status == S.REPLIED:
        _copy_reply(appeal, reply, now)
    return appeal


@atomic_chained()
def appeal_link_duplicate(
    *, appeal: Appeal, original: Appeal, actor: Any, request: Any = None
) -> Appeal:
    """Link a near-duplicate to the appeal being handled: one reply serves both."""
    appeal = _lock(appeal)
    _must_see(actor, appeal)
    transition_check(appeal, "link_duplicate", actor)
    if original.pk == appeal.pk:
        raise DomainError(_("不能与自身合并"), code="invalid", field="original")
    return _link_duplicate(appeal, original, actor, _now(), request, appeal.status)


def _copy_reply(appeal: Appeal, reply: Reply, now: dt.datetime) -> None:
    copy = Reply.objects.create(
        appeal=appeal,
        body=reply.body,
        status=Reply.Status.APPROVED,
        by_department=reply.by_department,
        author=reply.author,
        approved_by=reply.approved_by,
        approved_at=now,
    )
    _notify(appeal, _("您的诉求已答复"), copy.body)


def _route_target(unit: Unit | None, department: Department | None) -> triage.Route:
    if (unit is None) == (department is None):
        raise DomainError(
            _("请选择一个承办单位或一个转办部门"), code="required", field="unit"
        )
    if unit is not None:
        return triage.Route(T.POLICE_DUTY, unit=unit)
    return triage.Route(T.OTHER_DEPARTMENT, department=department)


def _hand_to(
    appeal: Appeal,
    action: str,
    *,
    actor: Any,
    unit: Unit | None,
    department: Department | None,
    note: str,
    request: Any,
    designated: bool | None = None,
) -> Appeal:
    """Designate or re-dispatch: same locking, check and dispatch; only a
    designation marks the handler as unable to return it (None keeps the flag)."""
    appeal = _lock(appeal)
    transition_check(appeal, action, actor)
    _dispatch(
        appeal,
        _route_target(unit, department),
        actor=actor,
        action=action,
        now=_now(),
        designated=designated,
        note=note,
        request=request,
    )
    return appeal


@atomic_chained()
def appeal_designate(
    *,
    appeal: Appeal,
    actor: Any,
    unit: Unit | None = None,
    department: Department | None = None,
    note: str = "",
    request: Any = None,
) -> Appeal:
    """The command centre designates a handler, who can no longer return it."""
    return _hand_to(
        appeal,
        "designate",
        actor=actor,
        unit=unit,
        department=department,
        note=note,
        request=request,
        designated=True,
    )


@atomic_chained()
def appeal_redispatch(
    *,
    appeal: Appeal,
    actor: Any,
    unit: Unit | None = None,
    department: Department | None = None,
    note: str = "",
    request: Any = None,
) -> Appeal:
    """The supervisor moves any open appeal to another handler; clocks restart."""
    return _hand_to(
        appeal,
        "redispatch",
        actor=actor,
        unit=unit,
        department=department,
        note=note,
        request=request,
    )


# --- handling -------------------------------------------------------------


@atomic_chained()
def appeal_accept(*, appeal: Appeal, actor: Any, request: Any = None) -> Appeal:
    """签收: the unit (or the department's liaison) takes the appeal on."""
    appeal = _lock(appeal)
    _must_see(actor, appeal)
    transition_check(appeal, "accept", actor)
    if appeal.status == S.FORWARDED and actor.role not in (
        Role.LIAISON,
        Role.SUPERVISOR,
    ):
        raise NotPermitted(_("转办诉求由部门联络员签收"), code="role_not_allowed")
    now = _now()
    status_from = appeal.status
    appeal.status = S.ACCEPTED
    appeal.accepted_at = now
    if appeal.accepted_on_time is None:
        appeal.accepted_on_time = appeal.accept_due is None or now <= appeal.accept_due
    _save(appeal, now, "status", "accepted_at", "accepted_on_time")
    _log(
        appeal,
        "accept",
        actor,
        status_from=status_from,
        public_text=_("%(h)s已签收，正在办理。") % {"h": _label(actor)},
        request=request,
        now=now,
    )
    return appeal


@atomic_chained()
def appeal_object(
    *, appeal: Appeal, actor: Any, reason: str, request: Any = None
) -> Appeal:
    """退回: "not ours", with a reason, within 5 working days; back to triage."""
    appeal = _lock(appeal)
    _must_see(actor, appeal)
    transition_check(appeal, "object", actor)
    reason = _required_text(reason, field="reason", label=_("退回理由"), maximum=1000)
    if appeal.designated:
        raise NotPermitted(_("该诉求由指挥中心指定承办，不能退回"), code="designated")
    now = _now()
    if appeal.objection_due and now > appeal.objection_due:
        raise Conflict(
            _("已超过退回期限（%(d)s）")
            % {
                "d": timezone.localtime(appeal.objection_due).strftime("%Y-%m-%d %H:%M")
            },
            code="objection_late",
        )
    status_from = appeal.status
    previous = appeal.forwarded_to or appeal.unit
    # Back in the triage queue: nothing of the returned dispatch stays true (the
    # explanation naming the handler, its clocks); the triage clock starts.
    reset = {
        "triage_class": appeal.triage_class,
        "dispatched_at": appeal.dispatched_at,
        "accept_due": appeal.accept_due,
        "reply_due": appeal.reply_due,
        "close_due": appeal.close_due,
        "objection_due": appeal.objection_due,
        "escalated_at": appeal.escalated_at,
    }
    appeal.status = S.TRIAGED
    appeal.unit = None
    appeal.forwarded_to = None
    appeal.triage_class = ""
    for name in reset:
        if name != "triage_class":
            setattr(appeal, name, None)
    appeal.triage_due = deadlines.triage_due(now, appeal.urgency)
    text = _(
        "%(h)s认为您反映的问题不属其职责，已退回。公安机关正在重新确定承办单位，"
        "确定后将告知您办理单位和答复期限。"
    ) % {"h": previous}
    appeal.triage_explanation = text
    _save(
        appeal,
        now,
        "status",
        "unit",
        "forwarded_to",
        "triage_explanation",
        "triage_due",
        *reset,
    )
    _log(
        appeal,
        "object",
        actor,
        status_from=status_from,
        public_text=text,
        note=reason,
        changes={
            "from": str(previous),
            "reason": reason,
            "reset": {
                k: v.isoformat() if isinstance(v, dt.datetime) else v
                for k, v in reset.items()
            },
            "triage_due": appeal.triage_due.isoformat(),
        },
        request=request,
        now=now,
    )
    return appeal


@atomic_chained()
def appeal_request_info(
    *, appeal: Appeal, actor: Any, question: str, request: Any = None
) -> Appeal:
    """Ask the citizen for more information; the clocks pause, up to a limit."""
    appeal = _lock(appeal)
    _must_see(actor, appeal)
    transition_check(appeal, "request_info", actor)
    question = _required_text(
        question, field="question", label=_("需补充的内容"), maximum=1000
    )
    if not (appeal.phone or appeal.email):
        raise Conflict(
            _("该诉求没有留下联系方式，无法请群众补充材料"), code="no_contact"
        )
    now = _now()
    status_from = appeal.status
    appeal.status = S.INFO_REQUESTED
    appeal.paused_at = now
    appeal.info_due = deadlines.info_due(now)
    _save(appeal, now, "status", "paused_at", "info_due")
    text = _("请补充以下内容（请于 %(d)s 前在进度查询页补充）：%(q)s") % {
        "d": timezone.localtime(appeal.info_due).strftime("%Y-%m-%d %H:%M"),
        "q": question,
    }
    _log(
        appeal,
        "request_info",
        actor,
        status_from=status_from,
        public_text=text,
        request=request,
        now=now,
    )
    _notify(appeal, _("请补充诉求材料"), text)
    return appeal


@atomic_chained()
def appeal_provide_info(
    *, appeal: Appeal, text: str, actor: Any = None, request: Any = None
) -> Appeal:
    """The citizen answers; the clocks resume, moved on by the paused time."""
    appeal = _lock(appeal)
    _must_see(actor, appeal)
    transition_check(appeal, "provide_info", actor)
    text = _required_text(text, field="text", label=_("补充内容"), maximum=BODY_MAX)
    now = _now()
    resume = (
        appeal.events.filter(action="request_info")
        .order_by("-created_at", "-pk")
        .first()
    )
    paused = now - (appeal.paused_at or now)
    appeal.status = resume.status_from if resume else S.ACCEPTED
    appeal.paused_seconds += int(paused.total_seconds())
    appeal.paused_at = None
    appeal.info_due = None
    for name in ("accept_due", "reply_due", "close_due"):
        value = getattr(appeal, name)
        if value is not None and not (name == "accept_due" and appeal.accepted_at):
            setattr(appeal, name, value + paused)
    _save(
        appeal,
        now,
        "status",
        "paused_seconds",
        "paused_at",
        "info_due",
        "accept_due",
        "reply_due",
        "close_due",
    )
    _log(
        appeal,
        "provide_info",
        actor,
        status_from=S.INFO_REQUESTED,
        public_text=_("已补充材料，继续办理。"),
        note=text,
        request=request,
        now=now,
    )
    return appeal


# --- replies --------------------------------------------------------------


@atomic_chained()
def reply_submit(
    *, appeal: Appeal, actor: Any, body: str, submit: bool = True, request: Any = None
) -> Reply:
    """An officer saves a draft reply (``submit=False``) or submits it for the
    leader's approval; the appeal keeps one draft, updated in place."""
    appeal = _lock(appeal)
    _must_see(actor, appeal)
    transition_check(appeal, "reply_submit", actor)
    if appeal.forwarded_to_id and appeal.unit_id is None:
        raise NotPermitted(_("转办诉求由部门答复"), code="role_not_allowed")
    body = _required_text(body, field="body", label=_("答复内容"), maximum=BODY_MAX)
    if submit:
        appeal.replies.filter(status=Reply.Status.SUBMITTED).update(
            status=Reply.Status.RETURNED, review_note=_("已被新的答复稿替代")
        )
    status = Reply.Status.SUBMITTED if submit else Reply.Status.DRAFT
    reply = appeal.replies.filter(status=Reply.Status.DRAFT).last()
    if reply is None:
        reply = Reply.objects.create(
            appeal=appeal, body=body, status=status, author=actor
        )
    else:
        reply.body, reply.status, reply.author = body, status, actor
        reply.save(update_fields=["body", "status", "author"])
    _log(
        appeal,
        "reply_submit" if submit else "reply_draft",
        actor,
        status_from=appeal.status,
        public=False,
        changes={"reply": reply.pk},
        request=request,
    )
    return reply


def _publish_reply(
    appeal: Appeal,
    reply: Reply,
    actor: Any,
    action: str,
    now: dt.datetime,
    request: Any,
) -> None:
    status_from = appeal.status
    appeal.status = S.REPLIED
    appeal.replied_at = now
    if appeal.replied_on_time is None:
        appeal.replied_on_time = appeal.reply_due is None or now <= appeal.reply_due
    if appeal.accepted_at is None:
        appeal.accepted_at = now
        appeal.accepted_on_time = appeal.accept_due is None or now <= appeal.accept_due
    appeal.close_due = deadlines.close_due(now, appeal.category)
    _save(
        appeal,
        now,
        "status",
        "replied_at",
        "replied_on_time",
        "accepted_at",
        "accepted_on_time",
        "close_due",
    )
    _log(
        appeal,
        action,
        actor,
        status_from=status_from,
        public_text=reply.body,
        changes={"reply": reply.pk},
        request=request,
        now=now,
    )
    _notify(
        appeal,
        _("您的诉求已答复"),
        _("您的诉求 %(n)s 已答复，请凭查询码查看并评价。") % {"n": appeal.number},
    )
    for duplicate in appeal.duplicates.select_for_update().exclude(
        status__in=[S.REPLIED, S.CLOSED]
    ):
        duplicate_from = duplicate.status
        duplicate.status = S.REPLIED
        duplicate.replied_at = now
        duplicate.replied_on_time = (
            duplicate.reply_due is None or now <= duplicate.reply_due
        )
        duplicate.close_due = appeal.close_due
        _save(duplicate, now, "status", "replied_at", "replied_on_time", "close_due")
        _copy_reply(duplicate, reply, now)
        _log(
            duplicate,
            "reply_shared",
            SYSTEM,
            status_from=duplicate_from,
            public_text=reply.body,
            changes={"original": appeal.number},
            now=now,
        )


@atomic_chained()
def reply_approve(
    *, reply: Reply, actor: Any, body: str = "", request: Any = None
) -> Reply:
    """The unit's leader approves (optionally edits) the reply; the citizen sees it."""
    appeal = _lock(reply.appeal)
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    _must_see(actor, appeal)
    transition_check(appeal, "reply_approve", actor)
    if reply.status != Reply.Status.SUBMITTED:
        raise Conflict(_("该答复不在待审批状态"), code="bad_state")
    now = _now()
    if body:
        reply.body = _required_text(
            body, field="body", label=_("答复内容"), maximum=BODY_MAX
        )
    reply.status = Reply.Status.APPROVED
    reply.approved_by = actor
    reply.approved_at = now
    reply.save(update_fields=["body", "status", "approved_by", "approved_at"])
    _publish_reply(appeal, reply, actor, "reply_approve", now, request)
    return reply


@atomic_chained()
def reply_return(*, reply: Reply, actor: Any, note: str, request: Any = None) -> Reply:
    appeal = _lock(reply.appeal)
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    _must_see(actor, appeal)
    transition_check(appeal, "reply_return", actor)
    if reply.status != Reply.Status.SUBMITTED:
        raise Conflict(_("该答复不在待审批状态"), code="bad_state")
    reply.status = Reply.Status.RETURNED
    reply.review_note = _required_text(
        note, field="note", label=_("退回意见"), maximum=1000
    )
    reply.save(update_fields=["status", "review_note"])
    _log(
        appeal,
        "reply_return",
        actor,
        status_from=appeal.status,
        public=False,
        note=reply.review_note,
        request=request,
    )
    return reply


@atomic_chained()
def department_answer(
    *, appeal: Appeal, actor: Any, body: str, request: Any = None
) -> Reply:
    """The liaison answers inside the platform; it goes straight to the citizen."""
    appeal = _lock(appeal)
    _must_see(actor, appeal)
    transition_check(appeal, "department_answer", actor)
    body = _required_text(body, field="body", label=_("答复内容"), maximum=BODY_MAX)
    now = _now()
    reply = Reply.objects.create(
        appeal=appeal,
        body=body,
        status=Reply.Status.APPROVED,
        by_department=actor.department,
        author=actor,
        approved_by=actor,
        approved_at=now,
    )
    _publish_reply(appeal, reply, actor, "department_answer", now, request)
    return reply


# --- follow-up ------------------------------------------------------------


@atomic_chained()
def appeal_rate(
    *,
    appeal: Appeal,
    resolved: bool,
    satisfaction: str,
    comment: str = "",
    actor: Any = None,
    request: Any = None,
) -> FollowUp:
    """回访: resolved yes/no and satisfaction; unresolved reopens to the same handler."""
    appeal = _lock(appeal)
    _must_see(actor, appeal)
    transition_check(appeal, "rate", actor)
    if satisfaction not in FollowUp.Satisfaction.values:
        raise DomainError(_("请选择满意程度"), code="required", field="satisfaction")
    reply = appeal.replies.filter(status=Reply.Status.APPROVED).last()
    if reply is None:
        raise Conflict(_("该诉求没有可评价的答复"), code="nothing_to_rate")
    if appeal.followups.filter(reply=reply).exists():
        raise Conflict(_("该答复已评价过"), code="already_rated")
    comment = _clean_text(comment, field="comment", label=_("意见"), maximum=1000)
    now = _now()
    followup = FollowUp.objects.create(
        appeal=appeal,
        reply=reply,
        resolved=resolved,
        satisfaction=satisfaction,
        comment=comment,
        channel=FollowUp.Channel.WEB if actor is None else FollowUp.Channel.PHONE,
        recorded_by=_staff(actor),
        created_at=now,
    )
    status_from = appeal.status
    appeal.resolved = resolved
    appeal.satisfaction = satisfaction
    _save(appeal, now, "resolved", "satisfaction")
    if resolved:
        appeal.status = S.CLOSED
        appeal.closed_at = now
        _save(appeal, now, "status", "closed_at")
        _log(
            appeal,
            "rate",
            actor,
            status_from=status_from,
            public_text=_("感谢您的评价，诉求已办结。"),
            changes={"resolved": True, "satisfaction": satisfaction},
            request=request,
            now=now,
        )
        return followup
    appeal.status = S.REOPENED
    appeal.reopen_count += 1
    appeal.closed_at = None
    appeal.dispatched_at = now
    appeal.accepted_at = None
    appeal.escalated_at = None
    appeal.accept_due = deadlines.accept_due(now, appeal.category)
    appeal.reply_due = deadlines.reply_due(now, appeal.category, appeal.urgency)
    appeal.close_due = deadlines.close_due(appeal.reply_due, appeal.category)
    _save(
        appeal,
        now,
        "status",
        "reopen_count",
        "closed_at",
        "dispatched_at",
        "accepted_at",
        "escalated_at",
        "accept_due",
        "reply_due",
        "close_due",
    )
    _log(
        appeal,
        "rate",
        actor,
        status_from=status_from,
        public_text=_("您反映问题未解决，已交回%(h)s重新办理（重办）。")
        % {"h": (appeal.unit or appeal.forwarded_to)},
        changes={"resolved": False, "satisfaction": satisfaction, "reopen": True},
        request=request,
        now=now,
    )
    return followup


# --- deadlines ------------------------------------------------------------


@atomic_chained()
def extension_request(
    *,
    appeal: Appeal,
    actor: Any,
    reason: str,
    working_days: int,
    request: Any = None,
) -> Extension:
    appeal = _lock(appeal)
    _must_see(actor, appeal)
    transition_check(appeal, "extend", actor)
    reason = _required_text(reason, field="reason", label=_("延期理由"), maximum=1000)
    if not 1 <= int(working_days) <= 30:
        raise DomainError(
            _("延长天数应在 1 到 30 个工作日之间"),
            code="invalid",
            field="working_days",
        )
    if appeal.extensions.filter(status=Extension.Status.PENDING).exists():
        raise Conflict(_("已有待审批的延期申请"), code="pending_extension")
    extension = Extension.objects.create(
        appeal=appeal,
        reason=reason,
        working_days=int(working_days),
        requested_by=actor,
        previous_due=appeal.reply_due,
    )
    _log(
        appeal,
        "extend",
        actor,
        status_from=appeal.status,
        public=False,
        note=reason,
        changes={"working_days": int(working_days)},
        request=request,
    )
    return extension


@atomic_chained()
def extension_decide(
    *,
    extension: Extension,
    actor: Any,
    approve: bool,
    note: str = "",
    request: Any = None,
) -> Extension:
    """A leader of the handling unit (or the supervisor) decides; approval moves
    the reply deadline by the working days asked for."""
    appeal = _lock(extension.appeal)
    extension = Extension.objects.select_for_update().get(pk=extension.pk)
    _must_see(actor, appeal)
    transition_check(appeal, "extend_decide", actor)
    if extension.status != Extension.Status.PENDING:
        raise Conflict(_("该延期申请已审批"), code="bad_state")
    if extension.requested_by_id == actor.pk:
        raise NotPermitted(_("不能审批本人的延期申请"), code="own_request")
    now = _now()
    extension.status = (
        Extension.Status.APPROVED if approve else Extension.Status.REJECTED
    )
    extension.decided_by = actor
    extension.decided_at = now
    public_text = ""
    if approve:
        base = appeal.reply_due or now
        extension.new_due = deadlines.extended_due(base, extension.working_days)
        appeal.reply_due = extension.new_due
        appeal.close_due = deadlines.close_due(appeal.reply_due, appeal.category)
        appeal.escalated_at = None
        _save(appeal, now, "reply_due", "close_due", "escalated_at")
        public_text = _("经审批，答复期限延长至 %(d)s。理由：%(r)s") % {
            "d": timezone.localtime(extension.new_due).strftime("%Y-%m-%d %H:%M"),
            "r": extension.reason,
        }
    extension.save(update_fields=["status", "decided_by", "decided_at", "new_due"])
    _log(
        appeal,
        "extend_decide",
        actor,
        status_from=appeal.status,
        public=approve,
        public_text=public_text,
        note=note,
        changes={"approved": approve},
        request=request,
        now=now,
    )
    return extension


@dataclass
class EscalationResult:
    escalated: int = 0
    info_closed: int = 0
    closed_unrated: int = 0


def appeals_escalate(*, now: dt.datetime | None = None) -> EscalationResult:
    """Flag overdue appeals for the supervisor, close stale ones. Idempotent:
    an appeal is flagged once per deadline (the flag clears on re-dispatch,
    reopening, an objection or an approved extension). Appeals waiting for
    triage past their triage deadline are flagged too (ADR 120)."""
    now = now or _now()
    result = EscalationResult()
    in_hand = [S.ASSIGNED, S.FORWARDED, S.ACCEPTED, S.REOPENED]
    waiting = [S.RECEIVED, S.TRIAGED]
    overdue_ids = (
        set(
            Appeal.objects.filter(
                status__in=[S.ASSIGNED, S.FORWARDED, S.REOPENED],
                accept_due__lt=now,
                escalated_at__isnull=True,
            ).values_list("pk", flat=True)
        )
        | set(
            Appeal.objects.filter(
                status__in=in_hand, reply_due__lt=now, escalated_at__isnull=True
            ).values_list("pk", flat=True)
        )
        | set(
            Appeal.objects.filter(
                status__in=waiting, triage_due__lt=now, escalated_at__isnull=True
            ).values_list("pk", flat=True)
        )
    )
    for pk in sorted(overdue_ids):
        with atomic_chained():
            appeal = Appeal.objects.select_for_update().get(pk=pk)
            if appeal.escalated_at is not None:
                continue
            if appeal.status in waiting:
                if not (appeal.triage_due and appeal.triage_due < now):
                    continue
                what = "triage"
            elif appeal.status not in in_hand:
                continue
            elif appeal.reply_due and appeal.reply_due < now:
                what = "reply"
            else:
                what = "accept"
            appeal.escalated_at = now
            _save(appeal, now, "escalated_at")
            _log(
                appeal,
                "escalate",
                SYSTEM,
                status_from=appeal.status,
                public=False,
                changes={"overdue": what},
                now=now,
            )
            result.escalated += 1
    for pk in Appeal.objects.filter(
        status=S.INFO_REQUESTED, info_due__lt=now
    ).values_list("pk", flat=True):
        with atomic_chained():
            appeal = Appeal.objects.select_for_update().get(pk=pk)
            if appeal.status != S.INFO_REQUESTED:
                continue
            transition_check(appeal, "info_timeout", SYSTEM)
            appeal.status = S.CLOSED
            appeal.closed_at = now
            _save(appeal, now, "status", "closed_at")
            _log(
                appeal,
                "info_timeout",
                SYSTEM,
                status_from=S.INFO_REQUESTED,
                public_text=_(
                    "逾期未补充材料，本诉求已办结；如需继续反映，请重新提交。"
                ),
                now=now,
            )
            result.info_closed += 1
    for pk in Appeal.objects.filter(status=S.REPLIED, close_due__lt=now).values_list(
        "pk", flat=True
    ):
        with atomic_chained():
            appeal = Appeal.objects.select_for_update().get(pk=pk)
            if appeal.status != S.REPLIED:
                continue
            appeal.status = S.CLOSED
            appeal.closed_at = now
            _save(appeal, now, "status", "closed_at")
            _log(
                appeal,
                "close_unrated",
                SYSTEM,
                status_from=S.REPLIED,
                public_text=_("回访期满，诉求已办结。"),
                now=now,
            )
            result.closed_unrated += 1
    return result


# --- personal data --------------------------------------------------------


@atomic_chained()
def appeal_contact_reveal(
    *, appeal: Appeal, actor: Any, request: Any = None
) -> dict[str, str]:
    """The citizen's contact details, unmasked, for a role that needs them; audited."""
    if not scoping.may_see_personal_data(actor, appeal):
        raise NotPermitted(_("您无权查看群众联系方式"), code="forbidden")
    fields = ["name", "phone", "email", "address"]
    personal_data_read(actor=actor, obj=appeal, fields=fields, request=request)
    return {f: getattr(appeal, f) for f in fields}


# --- problem of the month -------------------------------------------------


@atomic_chained()
def problem_create(
    *,
    actor: Any,
    month: dt.date,
    title: str,
    owner_unit: Unit,
    plan: str,
    category: Category | None = None,
    place: str = "",
    appeals: Iterable[Appeal] = (),
    request: Any = None,
) -> ProblemOfMonth:
    if getattr(actor, "role", "") != Role.SUPERVISOR:
        raise NotPermitted(_("每月一题由指挥中心确定"), code="role_not_allowed")
    problem = ProblemOfMonth.objects.create(
        month=month.replace(day=1),
        title=_required_text(title, field="title", label=_("题目"), maximum=120),
        owner_unit=owner_unit,
        plan=_required_text(plan, field="plan", label=_("工作方案"), maximum=4000),
        category=category,
        place=_clean_text(place, field="place", label=_("地点"), maximum=200),
        created_by=actor,
    )
    problem.appeals.set(list(appeals))
    event_record(
        actor=actor,
        action="problem.create",
        obj=problem,
        changes={"title": problem.title, "owner": owner_unit.code},
        request=request,
    )
    return problem


@atomic_chained()
def problem_update(
    *,
    problem: ProblemOfMonth,
    actor: Any,
    public_result: str,
    done: bool,
    request: Any = None,
) -> ProblemOfMonth:
    if getattr(actor, "role", "") != Role.SUPERVISOR and not (
        getattr(actor, "role", "") == Role.LEADER
        and actor.unit_id == problem.owner_unit_id
    ):
        raise NotPermitted(_("只有牵头单位领导或指挥中心可以更新"), code="forbidden")
    problem = ProblemOfMonth.objects.select_for_update().get(pk=problem.pk)
    problem.public_result = _clean_text(
        public_result, field="public_result", label=_("整改结果"), maximum=4000
    )
    problem.status = ProblemOfMonth.Status.DONE if done else ProblemOfMonth.Status.OPEN
    problem.save(update_fields=["public_result", "status"])
    event_record(
        actor=actor,
        action="problem.update",
        obj=problem,
        changes={"status": problem.status},
        request=request,
    )
    return problem


def phone_search_record(*, actor: Any, q: str, request: Any = None) -> None:
    """A staff search by a phone number is a look-up of a person: audited, the
    number masked (QA: such searches left no trace)."""
    from .selectors import phone_query  # selectors imports this module

    digits = phone_query(q)
    if digits:
        personal_data_search(
            actor=actor,
            object_type="appeals.appeal",
            query=mask_phone(digits),
            request=request,
        )
