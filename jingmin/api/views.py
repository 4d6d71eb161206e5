"""REST endpoints owned by the API app: units, departments, service tokens, webhooks.

Thin: a serializer validates, one service or scoped query runs, a serializer renders.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from jingmin.accounts.roles import Role
from jingmin.accounts.scoping import get_visible_or_404, visible
from jingmin.org.models import Department, Unit

from . import serializers as s
from .models import ServiceToken, WebhookDelivery, WebhookSubscription
from .permissions import IsStaffMember, roles_only
from .services import token_issue, token_revoke
from .webhooks import subscription_create, subscription_revoke

ACTIVE = OpenApiParameter(
    "active", OpenApiTypes.BOOL, description="true 只列启用的，false 只列停用的"
)


def _flag(value: str | None) -> bool | None:
    if value is None or value == "":
        return None
    return value.lower() in {"1", "true", "yes"}


@extend_schema(tags=["org"])
class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """公安局的单位（派出所、交警大队……）。所有工作人员可读。"""

    serializer_class = s.UnitOut
    permission_classes = [IsStaffMember]
    lookup_field = "code"
    lookup_value_regex = r"[-\w]+"

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, enum=Unit.Kind.values),
            ACTIVE,
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        qs = Unit.objects.all()
        if kind := self.request.query_params.get("kind"):
            if kind not in Unit.Kind.values:
                raise ValidationError({"kind": _("未知的单位类型")})
            qs = qs.filter(kind=kind)
        active = _flag(self.request.query_params.get("active"))
        return qs if active is None else qs.filter(is_active=active)


@extend_schema(tags=["org"])
class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    """诉求可转办的政府部门及其业务领域。所有工作人员可读。"""

    serializer_class = s.DepartmentOut
    permission_classes = [IsStaffMember]
    lookup_field = "code"
    lookup_value_regex = r"[-\w]+"

    @extend_schema(parameters=[ACTIVE])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        qs = Department.objects.prefetch_related("business_areas")
        active = _flag(self.request.query_params.get("active"))
        return qs if active is None else qs.filter(is_active=active)


@extend_schema(tags=["service accounts"])
class TokenViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """服务账号的接口令牌：只有系统管理员可以签发和吊销。"""

    serializer_class = s.TokenOut
    permission_classes = [roles_only(Role.ADMIN)]
    queryset = ServiceToken.objects.select_related("user")

    @extend_schema(request=s.TokenIn, responses={201: s.TokenIssued})
    def create(self, request):
        data = s.TokenIn(data=request.data)
        data.is_valid(raise_exception=True)
        user = get_object_or_404(
            get_user_model(), username=data.validated_data["username"]
        )
        token, raw = token_issue(
            actor=request.user,
            user=user,
            name=data.validated_data["name"],
            request=request,
        )
        token.token = raw
        return Response(s.TokenIssued(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: s.TokenOut})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        token = token_revoke(
            actor=request.user, token=self.get_object(), request=request
        )
        return Response(s.TokenOut(token).data)


@extend_schema(tags=["webhooks"])
class WebhookViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """部门系统订阅转办给本部门的诉求事件（HMAC 签名，失败自动重试）。"""

    serializer_class = s.SubscriptionOut
    permission_classes = [roles_only(Role.ADMIN, Role.LIAISON)]

    def get_queryset(self):
        return visible(
            self.request.user,
            WebhookSubscription.objects.select_related("department"),
        )

    @extend_schema(request=s.SubscriptionIn, responses={201: s.SubscriptionCreated})
    def create(self, request):
        data = s.SubscriptionIn(data=request.data)
        data.is_valid(raise_exception=True)
        department = data.validated_data.get("department") or request.user.department
        if department is None:
            return Response(
                {
                    "error": {
                        "code": "required",
                        "message": "请指定部门",
                        "field": "department",
                    }
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        sub, secret = subscription_create(
            actor=request.user,
            department=department,
            name=data.validated_data["name"],
            url=data.validated_data["url"],
            request=request,
        )
        sub.secret = secret
        return Response(s.SubscriptionCreated(sub).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: s.SubscriptionOut})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        sub = subscription_revoke(
            actor=request.user, subscription=self.get_object(), request=request
        )
        return Response(s.SubscriptionOut(sub).data)

    @extend_schema(responses={200: s.DeliveryOut(many=True)})
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        sub = get_visible_or_404(request.user, self.get_queryset(), pk=pk)
        qs = visible(
            request.user,
            WebhookDelivery.objects.filter(subscription=sub).prefetch_related("log"),
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(s.DeliveryOut(page, many=True).data)
