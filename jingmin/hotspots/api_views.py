"""REST: incidents (scoped to the caller) and analyses."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from jingmin.accounts.scoping import get_visible_or_404
from jingmin.api.permissions import roles_only

from . import selectors, services
from .models import Analysis
from .serializers import AnalysisIn, AnalysisOut, IncidentIn, IncidentOut
from .views import ANALYSE_ROLES, VIEW_ROLES


@extend_schema(tags=["hotspots"])
class IncidentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """警情：分析员和指挥中心看全部，派出所民警和所领导只看本所。"""

    serializer_class = IncidentOut
    permission_classes = [roles_only(*VIEW_ROLES)]

    def get_queryset(self):
        f = selectors.IncidentFilter(
            types=[self.request.query_params["type"]]
            if self.request.query_params.get("type")
            else None
        )
        return selectors.incident_list(self.request.user, f)

    def get_object(self):
        return get_visible_or_404(
            self.request.user, self.get_queryset(), pk=self.kwargs["pk"]
        )

    @extend_schema(request=IncidentIn, responses={201: IncidentOut})
    def create(self, request, *args, **kwargs):
        data = IncidentIn(data=request.data)
        data.is_valid(raise_exception=True)
        incident = services.incident_create(
            data=data.validated_data, actor=request.user
        )
        return Response(IncidentOut(incident).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["hotspots"])
class AnalysisViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """分析：发起（后台运行）、查看进度和结果、重新运行。"""

    serializer_class = AnalysisOut

    def get_permissions(self):
        roles = ANALYSE_ROLES if self.action in ("create", "rerun") else VIEW_ROLES
        return [roles_only(*roles)()]

    def get_queryset(self):
        return selectors.analysis_list(self.request.user)

    def get_object(self):
        return get_visible_or_404(
            self.request.user, Analysis.objects.all(), pk=self.kwargs["pk"]
        )

    @extend_schema(request=AnalysisIn, responses={201: AnalysisOut})
    def create(self, request, *args, **kwargs):
        data = AnalysisIn(data=request.data)
        data.is_valid(raise_exception=True)
        analysis = services.analysis_create(
            kind=data.validated_data["kind"],
            params=data.validated_data["params"],
            actor=request.user,
        )
        return Response(AnalysisOut(analysis).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={202: AnalysisOut})
    @action(detail=True, methods=["post"])
    def rerun(self, request, pk=None):
        analysis = services.analysis_rerun(
            analysis=self.get_object(), actor=request.user
        )
        return Response(AnalysisOut(analysis).data, status=status.HTTP_202_ACCEPTED)
