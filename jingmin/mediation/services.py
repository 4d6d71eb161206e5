"""Writes of the mediation app. Each service is one transaction with one audit event.

Audit events record ids, levels and counts, never a party's name, phone or ID
number: the trail is kept for years and read by auditors without personal-data
rights.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jingmin.accounts.roles import Role
from jingmin.accounts.scoping import may_see, may_see_personal_data
from jingmin.audit.services import event_record, personal_data_read
from jingmin.core.calendar import is_workday, working_days_between
from jingmin.core.crypto import blind_index
from jingmin.core.exceptions import Conflict, DomainError, NotPermitted
from jingmin.core.geo import check_lon_lat
from jingmin.core.identity import validate_id_number
from jingmin.core.notify import Message, notify_on_commit
from jingmin.core.phones import validate_phone
from jingmin.core.text import normalize_text
from jingmin.org.models import Unit
from jingmin.org.selectors import command_centre, unit_for_point

from . import conf, grading, workflow
from .models import (
    Agreement,
    Dispute,
    FollowUp,
    MediationSession,
    Mediator,
    Notification,
    Party,
    Referral,
    RiskLevel,
)
from .selectors import PartyView

User = get_user_model()


class DuplicateSuspected(Conflict):
    """Same type and a shared party within MEDIATION_DUPLICATE_DAYS; ``candidates`` lists them."""

    code = "duplicate"

    def __init__(self, candidates: list[Dispute]):
        super().__init__(
            _(
                "疑似重复登记：%(days)s天内已有同类型、同当事人的纠纷 %(numbers)s。"
                "可关联到已有纠纷，或确认是新的纠纷后再登记。"
            )
            % {
                "days": conf.get("DUPLICATE_DAYS"),
                "numbers": "、".join(str(d) for d in candidates),
            }
        )
        self.candidates = candidates


@dataclass
class PartyData:
    name: str
    kind: str = Party.Kind.PERSON
    side: str = Party.Side.A
    phone: str = ""
    id_number: str = ""
    is_minor: bool = False
    vulnerable: bool = False


@dataclass
class DisputeData:
    type: str
    summary: str
    parties: list[PartyData] = field(default_factory=list)
    address: str = ""
    lon: float | None = None
    lat: float | None = None
    source: str = Dispute.Source.STATION
    reporter: str = ""
    amount: Decimal | None = None
    people_count: int = 2
    threats_violence: bool = False
    weapons: bool = False


def address_key(address: str) -> str:
    """Addresses compare equal regardless of width, spaces and punctuation. Only an
    address with a number (house, building, room) is a place: "迎宾大道" alone would
    lump a whole road together, so it gets no key."""
    key = re.sub(r"[\s,，.。、#号\-—]", "", normalize_text(address))[:200]
    return key if re.search(r"\d", key) else ""


def _today() -> dt.date:
    return timezone.localdate()


def _check_actor(dispute: Dispute, actor: Any) -> None:
    if actor is not None and not may_see(actor, dispute):
        raise NotPermitted(_("无权办理纠纷 %(n)s") % {"n": dispute})


def _locked(dispute: Dispute) -> Dispute:
    return Dispute.objects.select_for_update().get(pk=dispute.pk)


# --- registration -----------------------------------------------------------


def party_clean(data: PartyData, record: str = "") -> dict[str, Any]:
    """Validated party fields; DomainError naming the record and field otherwise."""
    prefix = f"{record}：" if record else ""
    name = normalize_text(data.name).strip()
    if not name:
        raise DomainError(prefix + _("当事人姓名或名称不能为空"), field="name")
    if data.kind not in Party.Kind.values:
        raise DomainError(prefix + _("当事人类别无效"), field="kind")
    if data.side not in Party.Side.values:
        raise DomainError(prefix + _("当事人身份无效"), field="side")
    phone = ""
    if data.phone.strip():
        try:
            phone = validate_phone(data.phone)
        except DomainError as exc:
            raise DomainError(prefix + str(exc), field="phone") from exc
    id_number = ""
    if data.id_number.strip():
        if data.kind == Party.Kind.ORGANISATION:
            raise DomainError(prefix + _("单位当事人不填身份证号"), field="id_number")
        try:
            id_number = validate_id_number(data.id_number)
        except DomainError as exc:
            raise DomainError(prefix + str(exc), field="id_number") from exc
    return {
        "name": name[:100],
        "kind": data.kind,
        "side": data.side,
        "phone": phone,
        "phone_index": blind_index(phone),
        "id_number": id_number,
        "id_index": blind_index(id_number),
        "is_minor": bool(data.is_minor) and data.kind == Party.Kind.PERSON,
        "vulnerable": bool(data.vulnerable),
    }


def dispute_clean(data: DisputeData) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    if not data.type:
        raise DomainError(_("请选择纠纷类型"), field="type")
    if data.type not in Dispute.Type.values:
        raise DomainError(_("纠纷类型“%(t)s”无效") % {"t": data.type}, field="type")
    summary = data.summary.strip()  # free text keeps its full-width punctuation
    if not summary:
        raise DomainError(_("请填写纠纷简要情况"), field="summary")
    if not data.parties:
        raise DomainError(_("纠纷至少要有一方当事人"), field="parties")
    if data.source not in Dispute.Source.values:
        raise DomainError(_("来源无效"), field="source")
    if data.source == Dispute.Source.MEDIATOR_REPORT and not data.reporter.strip():
        raise DomainError(_("调解员报告须填写报告人"), field="reporter")
    if (data.lon is None) != (data.lat is None):
        raise DomainError(_("经度和纬度须同时填写"), field="lon")
    if data.lon is not None:
        try:
            check_lon_lat(data.lon, data.lat)
        except ValueError as exc:
            raise DomainError(_("经纬度超出范围"), field="lon") from exc
    if data.amount is not None and data.amount < 0:
        raise DomainError(_("涉及金额不能为负数"), field="amount")
    if data.people_count < 1:
        raise DomainError(_("涉及人数至少为1"), field="people_count")
    parties = [
        party_clean(p, _("第%(n)s个当事人") % {"n": i})
        for i, p in enumerate(data.parties, 1)
    ]
    fields = {
        "type": data.type,
        "summary": summary,
        "address": normalize_text(data.address).strip()[:200],
        "address_key": address_key(data.address),
        "lon": data.lon,
        "lat": data.lat,
        "source": data.source,
        "reporter": data.reporter.strip()[:100],
        "mediator_reported": data.source == Dispute.Source.MEDIATOR_REPORT,
        "amount": data.amount,
        "people_count": data.people_count,
        "threats_violence": data.threats_violence,
        "weapons": data.weapons,
    }
    return fields, parties


def duplicates_find(
    *, type: str, parties: list[dict[str, Any]], exclude_pk: int | None = None
) -> list[Dispute]:
    keys = {p[k] for p in parties for k in ("phone_index", "id_index") if p[k]}
    if not keys:
        return []
    since = timezone.now() - dt.timedelta(days=conf.get("DUPLICATE_DAYS"))
    qs = (
        Dispute.objects.filter(type=type, created_at__gte=since)
        .filter(Q(parties__phone_index__in=keys) | Q(parties__id_index__in=keys))
        .distinct()
        .order_by("-created_at")
    )
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return list(qs[:5])


def _handling_unit(unit: Unit | None, data: DisputeData, actor: Any) -> Unit:
    if unit is None and data.lon is not None:
        unit = unit_for_point(data.lon, data.lat)
    if unit is None and actor is not None and actor.role != Role.SUPERVISOR:
        unit = actor.unit
    if unit is None:
        raise DomainError(_("请指定承办单位，或填写县内的位置"), field="unit")
    if actor is not None and actor.role != Role.SUPERVISOR and actor.unit_id != unit.pk:
        raise NotPermitted(_("只能为本单位登记纠纷"))
    return unit


def _notify_recipients(dispute: Dispute) -> list:
    centre = command_centre()
    q = Q(role=Role.LEADER, unit=dispute.unit)
    q |= Q(role=Role.SUPERVISOR, unit=centre) if centre else Q(role=Role.SUPERVISOR)
    return list(User.objects.filter(q, is_active=True))


def _apply_grade(dispute: Dispute) -> dict[str, Any]:
    """Recompute the grade in place; notify at once when the level becomes a notifying one."""
    before = (dispute.computed_level, dispute.level, dispute.risk_score)
    result = grading.grade(dispute)
    dispute.risk_score = result.score
    dispute.computed_level = result.level
    dispute.risk_reasons = result.reasons
    dispute.level = dispute.override_level or result.level
    dispute.save(
        update_fields=["risk_score", "computed_level", "risk_reasons", "level"]
    )
    if dispute.level != before[1]:
        _notify_if_needed(dispute)
    return {
        "score": [before[2], result.score],
        "computed_level": [before[0], result.level],
        "level": [before[1], dispute.level],
        "reasons": [r["code"] for r in result.reasons],
    }


def _notify_if_needed(dispute: Dispute) -> None:
    level = RiskLevel.objects.filter(code=dispute.level).first()
    if not level or not level.notify:
        return
    text = _("%(unit)s 纠纷 %(n)s 评为%(level)s，请立即关注：%(type)s") % {
        "unit": dispute.unit.name,
        "n": dispute,
        "level": level.label,
        "type": dispute.get_type_display(),
    }
    now = timezone.now()
    recipients = _notify_recipients(dispute)
    Notification.objects.bulk_create(
        Notification(recipient=u, dispute=dispute, text=text[:300], created_at=now)
        for u in recipients
    )
    for user in recipients:
        if user.email:
            notify_on_commit(
                Message(
                    subject=_("红色纠纷预警"),
                    text=text,
                    email=user.email,
                    reference=str(dispute),
                )
            )


@transaction.atomic
def dispute_register(
    *,
    data: DisputeData,
    actor: Any,
    unit: Unit | None = None,
    appeal: Any = None,
    confirm_new: bool = False,
    created_at: dt.datetime | None = None,
    request: Any = None,
) -> Dispute:
    """Register a dispute with its parties and grade it. Refuses a probable duplicate
    unless ``confirm_new`` (the form offers to link to the existing one instead)."""
    if actor is not None and actor.role not in workflow.STAFF:
        raise NotPermitted(_("您的角色不能登记纠纷"))
    fields, parties = dispute_clean(data)
    unit = _handling_unit(unit, data, actor)
    if not confirm_new:
        candidates = duplicates_find(type=fields["type"], parties=parties)
        if candidates:
            raise DuplicateSuspected(candidates)
    dispute = Dispute.objects.create(
        unit=unit,
        appeal=appeal,
        registered_by=actor,
        created_at=created_at or timezone.now(),
        **fields,
    )
    dispute.number = f"JF{timezone.localtime(dispute.created_at):%Y}{dispute.pk:06d}"
    dispute.save(update_fields=["number"])
    Party.objects.bulk_create(Party(dispute=dispute, **p) for p in parties)
    graded = _apply_grade(dispute)
    event_record(
        actor=actor,
        action="dispute.register",
        obj=dispute,
        changes={
            "unit": unit.code,
            "type": dispute.type,
            "source": dispute.source,
            "parties": len(parties),
            "appeal": appeal.pk if appeal is not None else None,
            "confirmed_not_duplicate": confirm_new,
            **graded,
        },
        request=request,
        actor_label="system",
    )
    return dispute


TYPE_KEYWORDS = [
    (Dispute.Type.FAMILY, ("家庭", "婚姻", "夫妻", "家暴", "离婚", "赡养")),
    (Dispute.Type.NEIGHBOUR, ("邻里", "邻居", "楼上", "噪音", "漏水")),
    (Dispute.Type.LAND_PROPERTY, ("土地", "山林", "宅基地", "房屋", "房产", "物业")),
    (Dispute.Type.LABOUR_WAGES, ("工资", "欠薪", "劳资", "工钱", "讨薪")),
    (Dispute.Type.CONSUMER, ("消费", "商家", "退款", "售后")),
    (Dispute.Type.TRAFFIC, ("交通事故", "车祸", "剐蹭", "赔偿")),
    (Dispute.Type.DEBT, ("欠款", "借款", "债务", "借钱", "还钱")),
]


def type_guess(text: str) -> str:
    for dispute_type, words in TYPE_KEYWORDS:
        if any(w in text for w in words):
            return dispute_type
    return Dispute.Type.OTHER


@transaction.atomic
def dispute_register_from_appeal(
    *,
    appeal: Any,
    actor: Any,
    confirm_new: bool = False,
    request: Any = None,
) -> Dispute:
    """One click from an appeal: its text, place and caller become the dispute's."""
    category = appeal.category.name if appeal.category_id else ""
    text = f"{category} {appeal.title} {appeal.body}"
    unit = appeal.unit if appeal.unit_id else None
    if unit is None and actor.role != Role.SUPERVISOR:
        unit = actor.unit
    data = DisputeData(
        type=type_guess(text),
        summary=(
            appeal.body
            if not appeal.title or appeal.body.startswith(appeal.title)
            else f"{appeal.title}\n{appeal.body}"
        ),
        parties=[PartyData(name=appeal.name or _("诉求人"), phone=appeal.phone or "")],
        address=appeal.address,
        lon=appeal.lon,
        lat=appeal.lat,
        source=Dispute.Source.APPEAL,
    )
    return dispute_register(
        data=data,
        actor=actor,
        unit=unit,
        appeal=appeal,
        confirm_new=confirm_new,
        request=request,
    )


@transaction.atomic
def dispute_link_appeal(
    *, dispute: Dispute, appeal: Any, actor: Any, request: Any = None
) -> Dispute:
    """Link an appeal to a dispute already registered (the duplicate offer)."""
    _check_actor(dispute, actor)
    dispute = _locked(dispute)
    if dispute.appeal_id and dispute.appeal_id != appeal.pk:
        raise Conflict(
            _("纠纷 %(n)s 已关联诉求 %(a)s") % {"n": dispute, "a": dispute.appeal}
        )
    dispute.appeal = appeal
    dispute.save(update_fields=["appeal"])
    event_record(
        actor=actor,
        action="dispute.link_appeal",
        obj=dispute,
        changes={"appeal": appeal.pk},
        request=request,
    )
    return dispute


@transaction.atomic
def dispute_update(
    *,
    dispute: Dispute,
    type: str,
    summary: str,
    address: str,
    lon: float | None,
    lat: float | None,
    actor: Any,
    request: Any = None,
) -> Dispute:
    """Correct the type, summary or place (e.g. after a one-click registration from an
    appeal, whose type is only guessed). The handling unit does not change."""
    _check_actor(dispute, actor)
    dispute = _locked(dispute)
    workflow.check(dispute, "edit", actor)
    probe = DisputeData(
        type=type,
        summary=summary,
        parties=[PartyData(name="-")],
        address=address,
        lon=lon,
        lat=lat,
    )
    fields, _parties = dispute_clean(probe)
    names = ["type", "summary", "address", "address_key", "lon", "lat"]
    before = {n: getattr(dispute, n) for n in names}
    for n in names:
        setattr(dispute, n, fields[n])
    dispute.save(update_fields=names)
    graded = _apply_grade(dispute)
    changed = [n for n in names if before[n] != fields[n] and n != "address_key"]
    event_record(
        actor=actor,
        action="dispute.update",
        obj=dispute,
        # the summary may name people: record that it changed, not the text
        changes={
            "fields": changed,
            "type": [before["type"], dispute.type],
            **graded,
        },
        request=request,
    )
    return dispute


# --- grading ----------------------------------------------------------------


@transaction.atomic
def dispute_mediator_report(
    *, dispute: Dispute, reporter: str, actor: Any, request: Any = None
) -> Dispute:
    """A mediator reports that the dispute may turn criminal (人民调解法 art. 25):
    the dispute is graded at least MEDIATION_REPORT_MIN_LEVEL from now on."""
    _check_actor(dispute, actor)
    reporter = normalize_text(reporter).strip()
    if not reporter:
        raise DomainError(_("调解员报告须填写报告人"), field="reporter")
    dispute = _locked(dispute)
    workflow.check(dispute, "grade", actor)
    dispute.mediator_reported = True
    dispute.reporter = reporter[:100]
    dispute.save(update_fields=["mediator_reported", "reporter"])
    graded = _apply_grade(dispute)
    event_record(
        actor=actor,
        action="dispute.mediator_report",
        obj=dispute,
        changes={"reporter": dispute.reporter, **graded},
        request=request,
    )
    return dispute


@transaction.atomic
def dispute_checklist_update(
    *,
    dispute: Dispute,
    threats_violence: bool,
    weapons: bool,
    amount: Decimal | None,
    people_count: int,
    actor: Any,
    request: Any = None,
) -> Dispute:
    _check_actor(dispute, actor)
    dispute = _locked(dispute)
    workflow.check(dispute, "grade", actor)
    if amount is not None and amount < 0:
        raise DomainError(_("涉及金额不能为负数"), field="amount")
    if people_count < 1:
        raise DomainError(_("涉及人数至少为1"), field="people_count")
    before = {
        "threats_violence": dispute.threats_violence,
        "weapons": dispute.weapons,
        "amount": dispute.amount,
        "people_count": dispute.people_count,
    }
    dispute.threats_violence = threats_violence
    dispute.weapons = weapons
    dispute.amount = amount
    dispute.people_count = people_count
    dispute.save(update_fields=list(before))
    graded = _apply_grade(dispute)
    event_record(
        actor=actor,
        action="dispute.grade",
        obj=dispute,
        changes={
            "inputs": [before, {k: getattr(dispute, k) for k in before}],
            **graded,
        },
        request=request,
    )
    return dispute


@transaction.atomic
def dispute_regrade(
    *, dispute: Dispute, actor: Any = None, request: Any = None
) -> Dispute:
    """Grade again (after the checklist configuration or the history changed)."""
    dispute = _locked(dispute)
    if dispute.status == Dispute.Status.CLOSED:
        return dispute
    graded = _apply_grade(dispute)
    if (
        graded["level"][0] != graded["level"][1]
        or graded["score"][0] != graded["score"][1]
    ):
        event_record(
            actor=actor,
            action="dispute.grade",
            obj=dispute,
            changes=graded,
            request=request,
            actor_label="system",
        )
    return dispute


def disputes_regrade(*, actor: Any = None) -> int:
    """Grade every open dispute again (after the checklist changed, or new appeals
    arrived from the same phones); returns how many changed level."""
    changed = 0
    for dispute in Dispute.objects.exclude(status=Dispute.Status.CLOSED).only("pk"):
        before = Dispute.objects.values_list("level", flat=True).get(pk=dispute.pk)
        if dispute_regrade(dispute=dispute, actor=actor).level != before:
            changed += 1
    return changed


@transaction.atomic
def dispute_override(
    *, dispute: Dispute, level: str, reason: str, actor: Any, request: Any = None
) -> Dispute:
    """Set the level by hand; a written reason is required and audited.
    An empty ``level`` returns the dispute to its computed level."""
    _check_actor(dispute, actor)
    reason = normalize_text(reason).strip()
    if len(reason) < 4:
        raise DomainError(
            _("调整风险等级必须写明理由（至少4个字）：纠纷 %(n)s") % {"n": dispute},
            field="reason",
        )
    if level and not RiskLevel.objects.filter(code=level).exists():
        raise DomainError(_("风险等级“%(l)s”不存在") % {"l": level}, field="level")
    dispute = _locked(dispute)
    workflow.check(dispute, "grade", actor)
    before = {"override_level": dispute.override_level, "level": dispute.level}
    dispute.override_level = level
    dispute.override_reason = reason
    dispute.override_by = actor
    dispute.override_at = timezone.now()
    dispute.level = level or dispute.computed_level
    dispute.save(
        update_fields=[
            "override_level",
            "override_reason",
            "override_by",
            "override_at",
            "level",
        ]
    )
    if dispute.level != before["level"]:
        _notify_if_needed(dispute)
    event_record(
        actor=actor,
        action="dispute.override",
        obj=dispute,
        changes={
            "override_level": [before["override_level"], level],
            "level": [before["level"], dispute.level],
            "computed_level": dispute.computed_level,
            "reason": reason,
        },
        request=request,
    )
    return dispute


# --- parties ----------------------------------------------------------------


@transaction.atomic
def party_add(
    *, dispute: Dispute, data: PartyData, actor: Any, request: Any = None
) -> Party:
    _check_actor(dispute, actor)
    dispute = _locked(dispute)
    workflow.check(dispute, "edit", actor)
    party = Party.objects.create(dispute=dispute, **party_clean(data))
    graded = _apply_grade(dispute)
    event_record(
        actor=actor,
        action="dispute.party_add",
        obj=dispute,
        changes={"party": party.pk, "kind": party.kind, **graded},
        request=request,
    )
    return party


@transaction.atomic
def party_flag_violent(
    *, party: Party, flag: bool, reason: str, actor: Any, request: Any = None
) -> Party:
    """Staff mark (or unmark) a prior violent record; the reason is required."""
    _check_actor(party.dispute, actor)
    reason = normalize_text(reason).strip()
    if flag and len(reason) < 4:
        raise DomainError(_("标注暴力前科必须写明依据（至少4个字）"), field="reason")
    party = Party.objects.select_for_update().get(pk=party.pk)
    party.prior_violent = flag
    party.prior_violent_reason = reason[:200] if flag else ""
    party.prior_violent_by = actor if flag else None
    party.prior_violent_at = timezone.now() if flag else None
    party.save(
        update_fields=[
            "prior_violent",
            "prior_violent_reason",
            "prior_violent_by",
            "prior_violent_at",
        ]
    )
    dispute = _locked(party.dispute)
    workflow.check(dispute, "edit", actor)
    graded = _apply_grade(dispute)
    event_record(
        actor=actor,
        action="party.flag_violent",
        obj=dispute,
        changes={"party": party.pk, "prior_violent": flag, "reason": reason, **graded},
        request=request,
    )
    return party


# --- mediation --------------------------------------------------------------


@dataclass
class SessionData:
    held_on: dt.date
    kind: str
    outcome: str
    mediators: list[tuple[str, str]]
    attendee_ids: list[int]
    place: str = ""
    other_attendees: str = ""
    guardian_present: bool = False
    guardian_name: str = ""
    notes: str = ""


def _check_date(dispute: Dispute, day: dt.date, field_name: str, what: str) -> None:
    registered = timezone.localtime(dispute.created_at).date()
    if day < registered:
        raise DomainError(
            _("%(what)s（%(day)s）早于纠纷 %(n)s 的登记日期（%(reg)s）")
            % {"what": what, "day": day, "n": dispute, "reg": registered},
            field=field_name,
        )


def _check_not_future(day: dt.date, field_name: str, what: str) -> None:
    if day > _today():
        raise DomainError(_("%(what)s不能晚于今天") % {"what": what}, field=field_name)


def _check_second_session(dispute: Dispute, data: SessionData) -> None:
    """Public-order mediation (治安调解): at most two sessions, the second within
    MEDIATION_SECOND_SESSION_WORKING_DAYS working days of a failed first one."""
    if data.kind != MediationSession.Kind.PUBLIC_ORDER:
        return
    earlier = dispute.sessions.filter(kind=MediationSession.Kind.PUBLIC_ORDER)
    if dispute.reopened_at:
        earlier = earlier.filter(
            held_on__gte=timezone.localtime(dispute.reopened_at).date()
        )
    earlier = list(earlier.order_by("held_on", "pk"))
    if not earlier:
        return
    limit = conf.get("SECOND_SESSION_WORKING_DAYS")
    if len(earlier) >= 2:
        raise DomainError(
            _(
                "纠纷 %(n)s 已进行两次治安调解仍未达成协议，不能再次治安调解："
                "请移交人民调解委员会或告知当事人向法院起诉"
            )
            % {"n": dispute},
            code="second_session_used",
            field="kind",
        )
    first = earlier[0]
    if data.held_on < first.held_on:
        raise DomainError(
            _("第二次调解日期不能早于第一次（%(d)s）") % {"d": first.held_on},
            field="held_on",
        )
    used = working_days_between(first.held_on, data.held_on)
    if used > limit:
        raise DomainError(
            _(
                "第一次治安调解（%(d)s）未成功的，第二次调解须在%(limit)s个工作日内进行；"
                "%(day)s 已是第%(used)s个工作日"
            )
            % {"d": first.held_on, "limit": limit, "day": data.held_on, "used": used},
            code="second_session_late",
            field="held_on",
        )


@transaction.atomic
def session_record(
    *, dispute: Dispute, data: SessionData, actor: Any, request: Any = None
) -> MediationSession:
    _check_actor(dispute, actor)
    dispute = _locked(dispute)
    target = workflow.check(dispute, "session", actor)
    if data.kind not in MediationSession.Kind.values:
        raise DomainError(_("请选择调解方式"), field="kind")
    if data.outcome not in MediationSession.Outcome.values:
        raise DomainError(_("请选择调解结果"), field="outcome")
    _check_date(dispute, data.held_on, "held_on", _("调解日期"))
    _check_not_future(data.held_on, "held_on", _("调解日期"))
    mediators = [(n.strip(), k) for n, k in data.mediators if n.strip()]
    if not mediators:
        raise DomainError(_("请至少填写一名调解员"), field="mediators")
    for _name, kind in mediators:
        if kind not in Mediator.Kind.values:
            raise DomainError(_("调解员身份无效"), field="mediators")
    attendees = list(dispute.parties.filter(pk__in=data.attendee_ids))
    if not attendees or len(attendees) != len(set(data.attendee_ids)):
        raise DomainError(_("请选择本纠纷到场的当事人"), field="attendees")
    minors = [p for p in attendees if p.is_minor]
    if minors and not (data.guardian_present and data.guardian_name.strip()):
        raise DomainError(
            _("有未成年当事人到场调解，必须有监护人到场并填写监护人姓名"),
            code="guardian_required",
            field="guardian_name",
        )
    _check_second_session(dispute, data)
    session = MediationSession.objects.create(
        dispute=dispute,
        held_on=data.held_on,
        kind=data.kind,
        place=data.place.strip()[:100],
        other_attendees=data.other_attendees.strip()[:200],
        guardian_present=data.guardian_present,
        guardian_name=data.guardian_name.strip()[:50],
        outcome=data.outcome,
        notes=data.notes.strip(),
        recorded_by=actor,
    )
    session.attendees.set(attendees)
    Mediator.objects.bulk_create(
        Mediator(session=session, name=n[:50], kind=k) for n, k in mediators
    )
    before = dispute.status
    dispute.status = target
    if not dispute.last_session_on or data.held_on > dispute.last_session_on:
        dispute.last_session_on = data.held_on
    dispute.save(update_fields=["status", "last_session_on"])
    graded = _apply_grade(dispute)
    event_record(
        actor=actor,
        action="dispute.session",
        obj=dispute,
        changes={
            "session": session.pk,
            "kind": session.kind,
            "outcome": session.outcome,
            "status": [before, target],
            "mediators": [k for _n, k in mediators],
            **graded,
        },
        request=request,
    )
    return session


def next_workday(day: dt.date) -> dt.date:
    while not is_workday(day):
        day += dt.timedelta(days=1)
    return day


def followup_plan(level: RiskLevel, start: dt.date) -> list[dt.date]:
    """Due dates: every interval days after ``start``, each moved to a working day."""
    dates: list[dt.date] = []
    for k in range(1, max(level.followup_count, 1) + 1):
        due = next_workday(start + dt.timedelta(days=level.followup_interval_days * k))
        if dates and due <= dates[-1]:
            due = next_workday(dates[-1] + dt.timedelta(days=1))
        dates.append(due)
    return dates


def _default_officer(dispute: Dispute, actor: Any) -> Any:
    for user in (actor, dispute.registered_by):
        if (
            user is not None
            and getattr(user, "role", "") == Role.OFFICER
            and user.unit_id == dispute.unit_id
        ):
            return user
    return None


def _schedule_followups(
    dispute: Dispute, start: dt.date, assigned_to: Any
) -> list[FollowUp]:
    level = RiskLevel.objects.filter(code=dispute.level).first()
    if level is None:
        return []
    return FollowUp.objects.bulk_create(
        FollowUp(
            dispute=dispute,
            due_on=due,
            channel=level.followup_channel,
            assigned_to=assigned_to,
        )
        for due in followup_plan(level, start)
    )


@transaction.atomic
def agreement_create(
    *,
    dispute: Dispute,
    terms: str,
    signed_on: dt.date,
    actor: Any,
    performance: str = "",
    session: MediationSession | None = None,
    assigned_to: Any = None,
    request: Any = None,
) -> Agreement:
    """Record the 调解协议, mark the dispute agreed and schedule the follow-ups."""
    _check_actor(dispute, actor)
    dispute = _locked(dispute)
    target = workflow.check(dispute, "agree", actor)
    terms = terms.strip()
    if not terms:
        raise DomainError(_("请填写协议内容"), field="terms")
    _check_date(dispute, signed_on, "signed_on", _("协议签订日期"))
    _check_not_future(signed_on, "signed_on", _("协议签订日期"))
    if session is not None and session.dispute_id != dispute.pk:
        raise DomainError(_("调解记录不属于本纠纷"), field="session")
    count = Agreement.objects.filter(dispute=dispute).count()
    agreement = Agreement.objects.create(
        dispute=dispute,
        session=session,
        number=f"{dispute.number}-X{count + 1}",
        terms=terms,
        performance=performance.strip()[:200],
        signed_on=signed_on,
        created_by=actor,
    )
    officer = assigned_to or _default_officer(dispute, actor)
    followups = _schedule_followups(dispute, signed_on, officer)
    before = dispute.status
    dispute.status = target
    dispute.agreed_at = timezone.now()
    dispute.save(update_fields=["status", "agreed_at"])
    event_record(
        actor=actor,
        action="dispute.agree",
        obj=dispute,
        changes={
            "agreement": agreement.number,
            "status": [before, target],
            "followups": [str(f.due_on) for f in followups],
        },
        request=request,
    )
    return agreement


@transaction.atomic
def referral_create(
    *,
    dispute: Dispute,
    target: str,
    body: str,
    reason: str,
    referred_on: dt.date,
    actor: Any,
    assigned_to: Any = None,
    request: Any = None,
) -> Referral:
    """Mediation failed: hand the dispute to a court or a people's mediation committee."""
    _check_actor(dispute, actor)
    dispute = _locked(dispute)
    new_status = workflow.check(dispute, "refer", actor)
    if target not in Referral.Target.values:
        raise DomainError(_("请选择移交对象"), field="target")
    if not body.strip():
        raise DomainError(_("请填写接收机构"), field="body")
    if not reason.strip():
        raise DomainError(_("请填写移交理由"), field="reason")
    if not dispute.sessions.filter(outcome=MediationSession.Outcome.FAILED).exists():
        raise DomainError(
            _("纠纷 %(n)s 尚无调解不成的记录：先记录调解，调解不成再移交")
            % {"n": dispute},
            code="no_failed_session",
        )
    _check_date(dispute, referred_on, "referred_on", _("移交日期"))
    _check_not_future(referred_on, "referred_on", _("移交日期"))
    referral = Referral.objects.create(
        dispute=dispute,
        target=target,
        body=body.strip()[:100],
        reason=reason.strip(),
        referred_on=referred_on,
        created_by=actor,
    )
    officer = assigned_to or _default_officer(dispute, actor)
    followups = _schedule_followups(dispute, referred_on, officer)
    before = dispute.status
    dispute.status = new_status
    dispute.referred_at = timezone.now()
    dispute.save(update_fields=["status", "referred_at"])
    event_record(
        actor=actor,
        action="dispute.refer",
        obj=dispute,
        changes={
            "target": target,
            "body": referral.body,
            "status": [before, new_status],
            "followups": [str(f.due_on) for f in followups],
        },
        request=request,
    )
    return referral


# --- follow-up and closing --------------------------------------------------


@transaction.atomic
def followup_add(
    *,
    dispute: Dispute,
    due_on: dt.date,
    channel: str,
    actor: Any,
    assigned_to: Any = None,
    request: Any = None,
) -> FollowUp:
    _check_actor(dispute, actor)
    dispute = _locked(dispute)
    workflow.check(dispute, "followup", actor)
    _check_date(dispute, due_on, "due_on", _("回访日期"))
    if channel not in RiskLevel.Channel.values:
        raise DomainError(_("回访方式无效"), field="channel")
    if assigned_to is not None and assigned_to.unit_id != dispute.unit_id:
        raise DomainError(_("责任民警须是承办单位的民警"), field="assigned_to")
    followup = FollowUp.objects.create(
        dispute=dispute, due_on=due_on, channel=channel, assigned_to=assigned_to
    )
    event_record(
        actor=actor,
        action="followup.add",
        obj=dispute,
        changes={"followup": followup.pk, "due_on": str(due_on)},
        request=request,
    )
    return followup


@transaction.atomic
def followup_complete(
    *,
    followup: FollowUp,
    done_on: dt.date,
    outcome: str,
    notes: str,
    actor: Any,
    request: Any = None,
) -> FollowUp:
    dispute = followup.dispute
    _check_actor(dispute, actor)
    workflow.check(_locked(dispute), "followup", actor)
    followup = FollowUp.objects.select_for_update().get(pk=followup.pk)
    if not followup.is_pending:
        raise Conflict(_("该回访已完成或已取消"))
    if outcome not in FollowUp.Outcome.values:
        raise DomainError(_("请选择回访结果"), field="outcome")
    _check_date(dispute, done_on, "done_on", _("回访日期"))
    _check_not_future(done_on, "done_on", _("回访日期"))
    followup.done_on = done_on
    followup.outcome = outcome
    followup.notes = notes.strip()
    if followup.assigned_to_id is None and getattr(actor, "role", "") == Role.OFFICER:
        followup.assigned_to = actor
    followup.save(update_fields=["done_on", "outcome", "notes", "assigned_to"])
    event_record(
        actor=actor,
        action="followup.complete",
        obj=dispute,
        changes={
            "followup": followup.pk,
            "due_on": str(followup.due_on),
            "done_on": str(done_on),
            "outcome": outcome,
        },
        request=request,
    )
    return followup


@transaction.atomic
def dispute_close(*, dispute: Dispute, actor: Any, request: Any = None) -> Dispute:
    """Close only after the last follow-up: none pending and at least one done."""
    _check_actor(dispute, actor)
    dispute = _locked(dispute)
    target = workflow.check(dispute, "close", actor)
    pending = dispute.followups.filter(done_on__isnull=True, cancelled=False)
    if pending.exists():
        raise Conflict(
            _("纠纷 %(n)s 还有%(k)s次回访未完成，最后一次回访后才能办结")
            % {"n": dispute, "k": pending.count()},
            code="followups_pending",
        )
    if not dispute.followups.filter(done_on__isnull=False).exists():
        raise Conflict(
            _("纠纷 %(n)s 尚未回访，不能办结") % {"n": dispute},
            code="followups_pending",
        )
    before = dispute.status
    dispute.status = target
    dispute.closed_at = timezone.now()
    dispute.save(update_fields=["status", "closed_at"])
    event_record(
        actor=actor,
        action="dispute.close",
        obj=dispute,
        changes={"status": [before, target]},
        request=request,
    )
    return dispute


@transaction.atomic
def dispute_reopen(
    *, dispute: Dispute, reason: str, actor: Any, request: Any = None
) -> Dispute:
    """The dispute flared up again after agreement or referral: mediate anew."""
    _check_actor(dispute, actor)
    reason = normalize_text(reason).strip()
    if not reason:
        raise DomainError(_("请说明重新激化的情况"), field="reason")
    dispute = _locked(dispute)
    target = workflow.check(dispute, "reopen", actor)
    cancelled = dispute.followups.filter(done_on__isnull=True, cancelled=False).update(
        cancelled=True
    )
    before = dispute.status
    dispute.status = target
    dispute.reopen_count += 1
    dispute.reopened_at = timezone.now()
    dispute.closed_at = None
    dispute.save(update_fields=["status", "reopen_count", "reopened_at", "closed_at"])
    graded = _apply_grade(dispute)
    event_record(
        actor=actor,
        action="dispute.reopen",
        obj=dispute,
        changes={
            "status": [before, target],
            "reason": reason,
            "followups_cancelled": cancelled,
            **graded,
        },
        request=request,
    )
    return dispute


@transaction.atomic
def dispute_escalation_record(
    *, dispute: Dispute, kind: str, note: str, actor: Any, request: Any = None
) -> Dispute:
    """Staff record that the dispute became a criminal or administrative case."""
    _check_actor(dispute, actor)
    if kind not in Dispute.CaseKind.values:
        raise DomainError(_("请选择案件类别"), field="kind")
    dispute = _locked(dispute)
    workflow.check(dispute, "escalate", actor)
    before = dispute.escalated_to_case
    dispute.escalated_to_case = kind
    dispute.escalation_note = note.strip()[:200]
    dispute.escalated_at = timezone.now()
    dispute.save(update_fields=["escalated_to_case", "escalation_note", "escalated_at"])
    event_record(
        actor=actor,
        action="dispute.escalate",
        obj=dispute,
        changes={"escalated_to_case": [before, kind], "note": dispute.escalation_note},
        request=request,
    )
    return dispute


@transaction.atomic
def parties_reveal(*, dispute: Dispute, actor: Any, request: Any = None) -> list:
    """The parties unmasked, for a role that needs them on a dispute it may see; audited."""
    if not may_see_personal_data(actor, dispute):
        raise NotPermitted(_("您无权查看当事人个人信息"))
    parties = list(dispute.parties.all())
    personal_data_read(
        actor=actor,
        obj=dispute,
        fields=["parties.name", "parties.phone", "parties.id_number"],
        request=request,
    )
    return [PartyView(p, p.name, p.phone, p.id_number, False) for p in parties]


@transaction.atomic
def notifications_mark_read(*, user: Any, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
