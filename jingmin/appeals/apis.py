"""REST endpoints for appeals (mounted under /api/v1/ by appeals/api_urls.py).

``/appeals`` takes anonymous POSTs (like the web form: rate-limited per client
address, Idempotency-Key honoured) and answers GETs only for staff (scoped). One
view, per-method permissions. Staff actions are POSTs on ``/appeals/{id}/{action}``;
each calls one service, which checks role, scope and state.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jingmin.accounts import scoping
from jingmin.accounts.roles import Role
from jingmin.api.pagination import CreatedCursorPagination
from jingmin.audit.services import client_ip, deferred_chain, event_record
from jingmin.core.exceptions import DomainError, NotFound, NotPermitted
from jingmin.core.idempotency import idempotent
from jingmin.core.masking import mask_address, mask_name, mask_phone
from jingmin.core.ratelimit import rate_limited_atomic
from jingmin.org.models import Department, Unit

from . import metrics, selectors, services
from .models import Appeal, Category, Extension, Reply
from .views.public import track_rate_limit

SUBMIT_RATE = "30/h"
TRACK_RATE = "30/m"


class IsStaffMember(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return scoping.is_staff_member(request.user)


def category_lookup(value: str) -> Category:
    value = (value or "").strip()
    category = Category.objects.filter(
        Q(code=value) | Q(name=value), active=True
    ).first()
    if category is None:
        raise DomainError(
            _("未知类别：%(v)s（请使用类别代码或名称）") % {"v": value},
            code="unknown_category",
            field="category",
        )
    return category


class AppealCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Appeal.Kind.choices)
    body = serializers.CharField(max_length=services.BODY_MAX, allow_blank=False)
    title = serializers.CharField(
        max_length=services.TITLE_MAX, required=False, allow_blank=True
    )
    category = serializers.CharField(max_length=60, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    name = serializers.CharField(max_length=40, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    lon = serializers.FloatField(required=False, allow_null=True)
    lat = serializers.FloatField(required=False, allow_null=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)

    def to_input(self, source: str) -> services.AppealInput:
        d = self.validated_data
        return services.AppealInput(
            kind=d["kind"],
            body=d["body"],
            title=d.get("title", ""),
            name=d.get("name", ""),
            phone=d.get("phone", ""),
            email=d.get("email", ""),
            lon=d.get("lon"),
            lat=d.get("lat"),
            address=d.get("address", ""),
            category=category_lookup(d["category"]) if d.get("category") else None,
            source=source,
        )


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def route_json(appeal: Appeal) -> dict[str, Any]:
    return {
        "number": appeal.number,
        "status": appeal.status,
        "category": appeal.category.code if appeal.category else None,
        "category_name": appeal.category.name if appeal.category else None,
        "confidence": appeal.confidence,
        "outside_county": appeal.outside_county,
        "route": {
            "triage_class": appeal.triage_class or None,
            "unit": appeal.unit.name if appeal.unit else None,
            "department": appeal.forwarded_to.name if appeal.forwarded_to else None,
            "department_phone": appeal.forwarded_to.contact_phone
            if appeal.forwarded_to
            else None,
            "explanation": appeal.triage_explanation,
        },
        "deadlines": {
            "accept_due": _iso(appeal.accept_due),
            "reply_due": _iso(appeal.reply_due),
            "close_due": _iso(appeal.close_due),
        },
    }


def public_json(appeal: Appeal) -> dict[str, Any]:
    view = selectors.public_view(appeal)
    for key in ("created_at", "reply_due", "replied_at"):
        view[key] = _iso(view[key])
    view["history"] = [{**step, "time": _iso(step["time"])} for step in view["history"]]
    return view


def staff_json(appeal: Appeal, *, full: bool = False) -> dict[str, Any]:
    data = route_json(appeal)
    data.update(
        {
            "id": appeal.pk,
            "kind": appeal.kind,
            "title": appeal.title,
            "source": appeal.source,
            "urgency": appeal.urgency,
            "unit": appeal.unit.code if appeal.unit else None,
            "department": appeal.forwarded_to.code if appeal.forwarded_to else None,
            "designated": appeal.designated,
            "escalated": appeal.escalated_at is not None,
            "created_at": _iso(appeal.created_at),
            "updated_at": _iso(appeal.updated_at),
            "accepted_at": _iso(appeal.accepted_at),
            "replied_at": _iso(appeal.replied_at),
            "closed_at": _iso(appeal.closed_at),
            "resolved": appeal.resolved,
            "satisfaction": appeal.satisfaction or None,
            "duplicate_of": appeal.duplicate_of.number
            if appeal.duplicate_of_id
            else None,
            "contact": {
                "name": mask_name(appeal.name),
                "phone": mask_phone(appeal.phone),
                "address": mask_address(appeal.address),
            },
        }
    )
    if full:
        data["body"] = appeal.body
        data["lon"], data["lat"] = appeal.lon, appeal.lat
        data["events"] = [
            {
                "time": _iso(e.created_at),
                "action": e.action,
                "public": e.public,
                "by": e.actor_label,
                "text": e.public_text,
                "note": e.note,
            }
            for e in appeal.events.all()
        ]
        data["replies"] = [
            {
                "id": r.pk,
                "status": r.status,
                "body": r.body,
                "approved_at": _iso(r.approved_at),
            }
            for r in appeal.replies.all()
        ]
        data["extensions"] = [
            {
                "id": e.pk,
                "status": e.status,
                "working_days": e.working_days,
                "reason": e.reason,
            }
            for e in appeal.extensions.all()
        ]
    return data


class AppealCollection(APIView):
    """POST: anyone submits (201 with tracking code, route, deadlines).
    GET: staff list, scoped; filters status, kind, category, unit, q, overdue."""

    def get_permissions(self):
        if self.request.method == "POST":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated(), IsStaffMember()]

    @extend_schema(
        request=AppealCreateSerializer,
        responses={201: OpenApiTypes.OBJECT},
        auth=[],
        operation_id="appeals_create",
        summary="提交诉求（匿名可用；支持 Idempotency-Key）",
    )
    def post(self, request: Request) -> Response:
        # One transaction: the token, the key, the appeal, its route and audit
        # events; the chain is linked last, so the audit head is held only by the
        # final statements and the commit (docs/decisions/080).
        with (
            rate_limited_atomic(
                "appeals.api.submit",
                client_ip(request),
                SUBMIT_RATE,
                charge=(DomainError, ValidationError),
            ),
            deferred_chain(),
        ):
            serializer = AppealCreateSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            actor = request.user if scoping.is_staff_member(request.user) else None

            def create() -> tuple[int, dict]:
                done = services.appeal_submit(
                    data=serializer.to_input(Appeal.Source.API),
                    actor=actor,
                    request=request,
                )
                body = route_json(done.appeal)
                body["tracking_code"] = done.tracking_code
                return status.HTTP_201_CREATED, body

            key = request.headers.get("Idempotency-Key")
            if key is None:
                code, body = create()
                return Response(body, status=code)
            outcome = idempotent(
                scope="appeals.api",
                key=key,
                payload=dict(request.data),
                handler=create,
            )
        response = Response(outcome.body, status=outcome.status)
        if outcome.replayed:
            response["Idempotent-Replayed"] = "true"
        return response

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        operation_id="appeals_list",
        summary="诉求列表（工作人员，按权限范围）",
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        filters = selectors.AppealFilters(
            status=params.get("status", ""),
            kind=params.get("kind", ""),
            category=_int(params.get("category")),
            unit=_int(params.get("unit")),
            department=_int(params.get("department")),
            q=params.get("q", ""),
            overdue=params.get("overdue") in ("1", "true"),
        )
        qs = selectors.appeal_list_for(viewer=request.user, filters=filters)
        services.phone_search_record(actor=request.user, q=filters.q, request=request)
        paginator = CreatedCursorPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response([staff_json(a) for a in page])


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError as exc:
        raise ValidationError({"detail": _("参数应为整数")}) from exc


class TrackSerializer(serializers.Serializer):
    tracking_code = serializers.CharField(max_length=80)


def _track(request: Request, tracking_code: str) -> Response:
    """The citizen's view of one appeal, limited per client address (not per
    number: ADR 111); a failed look-up is audited."""
    # per address only: the number is public, a per-number limit on full codes
    # would let anyone lock the citizen out (ADR 111)
    track_rate_limit(client_ip(request), TRACK_RATE)
    number, _secret = services.tracking_code_split(tracking_code)
    appeal = selectors.appeal_by_tracking_code(tracking_code)
    if appeal is None:
        event_record(
            actor=None,
            action="appeal.track_failed",
            request=request,
            object_type="appeals.appeal",
            object_id=number[:20],
        )
        raise NotFound(_("未找到该诉求"))
    return Response(public_json(appeal))


class AppealTrackLookup(APIView):
    """POST the tracking code in the body: it stays out of URLs, and so out of
    access logs, proxies and browser history (ASVS 5.0 14.2.1)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        request=TrackSerializer,
        responses={200: OpenApiTypes.OBJECT},
        auth=[],
        operation_id="appeals_track_lookup",
        summary="凭查询码查看进度（查询码放在请求体中）",
    )
    def post(self, request: Request) -> Response:
        serializer = TrackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _track(request, serializer.validated_data["tracking_code"])


class AppealTrack(APIView):
    """Deprecated: the secret code in the URL ends up in logs; use POST
    /appeals/track. Same limits and answer."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        auth=[],
        operation_id="appeals_track",
        summary="凭查询码查看进度（已弃用：请改用 POST /appeals/track）",
        deprecated=True,
    )
    def get(self, request: Request, tracking_code: str) -> Response:
        return _track(request, tracking_code)


class AppealDetail(APIView):
    permission_classes = [permissions.IsAuthenticated, IsStaffMember]

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        operation_id="appeals_retrieve",
        summary="诉求详情",
    )
    def get(self, request: Request, pk: int) -> Response:
        appeal = scoping.get_visible_or_404(
            request.user, selectors.appeal_base(), pk=pk
        )
        return Response(staff_json(appeal, full=True))


def _need(data: dict, name: str) -> Any:
    value = data.get(name)
    if value in (None, ""):
        raise DomainError(
            _("缺少参数 %(f)s") % {"f": name}, code="required", field=name
        )
    return value


def _target(data: dict) -> dict:
    unit = data.get("unit")
    department = data.get("department")
    return {
        "unit": get_object_or_404(Unit, code=unit) if unit else None,
        "department": get_object_or_404(Department, code=department)
        if department
        else None,
        "note": data.get("note", ""),
    }


def _reply(appeal: Appeal, data: dict) -> Reply:
    return get_object_or_404(Reply, pk=_need(data, "reply"), appeal=appeal)


def _original(user, number: str) -> Appeal:
    return scoping.get_visible_or_404(user, Appeal.objects.all(), number=number)


def _bool(value: Any) -> bool:
    return value in (True, "true", "1", 1, "yes")


ACTIONS = {
    "accept": lambda r, a, d: services.appeal_accept(appeal=a, actor=r.user, request=r),
    "object": lambda r, a, d: services.appeal_object(
        appeal=a, actor=r.user, reason=_need(d, "reason"), request=r
    ),
    "designate": lambda r, a, d: services.appeal_designate(
        appeal=a, actor=r.user, request=r, **_target(d)
    ),
    "redispatch": lambda r, a, d: services.appeal_redispatch(
        appeal=a, actor=r.user, request=r, **_target(d)
    ),
    "triage": lambda r, a, d: services.appeal_triage(
        appeal=a,
        actor=r.user,
        triage_class=_need(d, "triage_class"),
        category=category_lookup(d["category"]) if d.get("category") else None,
        reason=d.get("reason", ""),
        channel=d.get("channel", ""),
        original=_original(r.user, d["original"]) if d.get("original") else None,
        request=r,
    ),
    "request-info": lambda r, a, d: services.appeal_request_info(
        appeal=a, actor=r.user, question=_need(d, "question"), request=r
    ),
    "provide-info": lambda r, a, d: services.appeal_provide_info(
        appeal=a, actor=r.user, text=_need(d, "text"), request=r
    ),
    "reply": lambda r, a, d: services.reply_submit(
        appeal=a, actor=r.user, body=_need(d, "body"), request=r
    ),
    "approve": lambda r, a, d: services.reply_approve(
        reply=_reply(a, d), actor=r.user, body=d.get("body", ""), request=r
    ),
    "return": lambda r, a, d: services.reply_return(
        reply=_reply(a, d), actor=r.user, note=_need(d, "note"), request=r
    ),
    "answer": lambda r, a, d: services.department_answer(
        appeal=a, actor=r.user, body=_need(d, "body"), request=r
    ),
    "rate": lambda r, a, d: services.appeal_rate(
        appeal=a,
        resolved=_bool(_need(d, "resolved")),
        satisfaction=_need(d, "satisfaction"),
        comment=d.get("comment", ""),
        actor=r.user,
        request=r,
    ),
    "extend": lambda r, a, d: services.extension_request(
        appeal=a,
        actor=r.user,
        reason=_need(d, "reason"),
        working_days=int(_need(d, "working_days")),
        request=r,
    ),
    "decide-extension": lambda r, a, d: services.extension_decide(
        extension=get_object_or_404(Extension, pk=_need(d, "extension"), appeal=a),
        actor=r.user,
        approve=_bool(_need(d, "approve")),
        note=d.get("note", ""),
        request=r,
    ),
    "link-duplicate": lambda r, a, d: services.appeal_link_duplicate(
        appeal=a,
        original=_original(r.user, _need(d, "original")),
        actor=r.user,
        request=r,
    ),
}


class AppealAction(APIView):
    """POST /appeals/{id}/{action}: accept, object, designate, redispatch, triage,
    request-info, provide-info, reply, approve, return, answer, rate, extend,
    decide-extension, link-duplicate, contact (audited reveal)."""

    permission_classes = [permissions.IsAuthenticated, IsStaffMember]

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT},
        operation_id="appeals_action",
        summary="办理操作（accept、object、reply、approve、answer、rate……）",
    )
    def post(self, request: Request, pk: int, action: str) -> Response:
        appeal = scoping.get_visible_or_404(
            request.user, selectors.appeal_base(), pk=pk
        )
        if action == "contact":
            return Response(
                services.appeal_contact_reveal(
                    appeal=appeal, actor=request.user, request=request
                )
            )
        handler = ACTIONS.get(action)
        if handler is None:
            raise NotFound(_("未知操作：%(a)s") % {"a": action})
        try:
            handler(request, appeal, request.data)
        except (ValueError, TypeError) as exc:
            raise DomainError(_("参数格式错误"), code="invalid") from exc
        appeal = selectors.appeal_base().get(pk=appeal.pk)
        if not scoping.may_see(request.user, appeal):
            return Response({"id": appeal.pk, "status": appeal.status})
        return Response(staff_json(appeal, full=True))


class CategoryList(APIView):
    """Anyone: the public categories; staff: all active ones with routing data."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        operation_id="appeals_categories",
        summary="诉求类别",
    )
    def get(self, request: Request) -> Response:
        staff = scoping.is_staff_member(request.user)
        qs = Category.objects.filter(active=True).select_related(
            "parent", "business_area__department", "default_unit"
        )
        if not staff:
            qs = qs.filter(is_public=True, is_confidential=False)
        rows = []
        for c in qs:
            row = {
                "code": c.code,
                "name": c.name,
                "parent": c.parent.code if c.parent else None,
                "description": c.description_public,
                "is_police_duty": c.is_police_duty,
                "time_promise": _promise(c),
            }
            if staff:
                row.update(
                    {
                        "department": c.business_area.department.name
                        if c.business_area_id and c.business_area.department_id
                        else None,
                        "default_unit": c.default_unit.code if c.default_unit else None,
                        "urgency": c.urgency,
                        "is_confidential": c.is_confidential,
                    }
                )
            rows.append(row)
        return Response(rows)


def _promise(category: Category) -> str:
    from .deadlines import time_promise

    return time_promise(category, category.urgency)


class Metrics(APIView):
    """Figures per unit/department/category/month with the formula version."""

    permission_classes = [permissions.IsAuthenticated, IsStaffMember]

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        operation_id="appeals_metrics",
        summary="三率等统计",
    )
    def get(self, request: Request) -> Response:
        if request.user.role not in (Role.LEADER, Role.SUPERVISOR, Role.ANALYST):
            raise NotPermitted(_("您的角色不能查看统计"))
        group_by = request.query_params.get("group_by", "unit")
        if group_by not in metrics.GROUPS:
            raise DomainError(
                _("group_by 应为 unit、department、category 或 month"), field="group_by"
            )
        kwargs = {}
        for name in ("month_from", "month_to"):
            value = request.query_params.get(name)
            if value:
                try:
                    kwargs[name] = dt.date.fromisoformat(
                        value + ("-01" if len(value) == 7 else "")
                    )
                except ValueError as exc:
                    raise DomainError(_("日期格式应为 YYYY-MM"), field=name) from exc
        # The same scope as the console dashboard: a station leader, their unit.
        kwargs.update(metrics.figures_scope(request.user) or {})
        formula = metrics.formula_active()
        rows = metrics.metrics_table(group_by=group_by, formula=formula, **kwargs)
        return Response(
            {
                "formula": {
                    "version": formula.version,
                    "name": formula.name,
                    "definition": formula.definition,
                },
                "rows": [
                    {**r.as_dict(), "key": str(r.key) if r.key is not None else None}
                    for r in rows
                ],
            }
        )
