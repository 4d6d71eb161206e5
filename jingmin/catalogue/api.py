"""REST: the public catalogue (read-only, anonymous) and applications (staff)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.exceptions import PermissionDenied

from jingmin.accounts.roles import Role
from jingmin.accounts.scoping import has_role, visible
from jingmin.org.models import Unit

from . import selectors, services
from .access import RECORDERS
from .models import Application, ServiceGuide


class GuideSerializer(serializers.Serializer):
    """The open-data record of a guide (same shape as the JSON export); the
    declared fields document it in the schema."""

    code = serializers.CharField()
    area = serializers.CharField()
    area_label = serializers.CharField()
    handled_by = serializers.CharField(help_text=_("其他部门办理的事项：去找谁"))
    version = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    name = serializers.CharField()
    keywords = serializers.CharField()
    legal_basis = serializers.ListField(child=serializers.DictField())
    applicants = serializers.CharField()
    conditions = serializers.CharField()
    materials = serializers.ListField(child=serializers.DictField())
    steps = serializers.ListField(child=serializers.DictField())
    result_document = serializers.CharField()
    result_delivery = serializers.CharField()
    time_promise_days = serializers.IntegerField()
    fees = serializers.CharField()
    offices = serializers.ListField(child=serializers.DictField())
    max_visits = serializers.IntegerField()
    complaint = serializers.CharField()
    accountability = serializers.CharField()
    faqs = serializers.ListField(child=serializers.DictField())
    change_summary = serializers.CharField()
    effective_date = serializers.DateField()

    def to_representation(self, instance: ServiceGuide) -> dict:
        return selectors.guide_record(instance)


class GuideViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    serializer_class = GuideSerializer
    lookup_field = "code"

    def get_queryset(self):
        guides = selectors.published_guides()
        area = self.request.query_params.get("area")
        return guides.filter(area=area) if area else guides


class ApplicationSerializer(serializers.ModelSerializer):
    guide = serializers.SlugRelatedField(
        slug_field="code", queryset=ServiceGuide.objects.all()
    )
    unit = serializers.SlugRelatedField(slug_field="code", queryset=Unit.objects.all())
    steps = serializers.ListField(
        child=serializers.ListField(min_length=2, max_length=2),
        write_only=True,
        required=False,
        help_text=_("[[环节, 工作日], …]"),
    )

    class Meta:
        model = Application
        fields = [
            "id",
            "guide",
            "unit",
            "received_on",
            "completed_on",
            "visits",
            "source",
            "steps",
        ]
        read_only_fields = ["id", "source"]


class IsRecorder(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return has_role(request.user, *RECORDERS)


class ApplicationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ApplicationSerializer
    permission_classes = [permissions.IsAuthenticated, IsRecorder]

    def get_queryset(self):
        return visible(
            self.request.user, Application.objects.select_related("guide", "unit")
        )

    def perform_create(self, serializer):
        data = serializer.validated_data
        user = self.request.user
        if user.role in (Role.OFFICER, Role.LEADER) and data["unit"].pk != user.unit_id:
            raise PermissionDenied(_("只能登记本单位的办件"))
        try:
            steps = [
                (str(name)[:60], int(days)) for name, days in data.get("steps", [])
            ]
        except (TypeError, ValueError) as exc:
            raise serializers.ValidationError({"steps": _("环节用时应为整数")}) from exc
        serializer.instance = services.application_record(
            guide=data["guide"],
            unit=data["unit"],
            received_on=data["received_on"],
            completed_on=data.get("completed_on"),
            visits=data.get("visits", 1),
            steps=steps,
            actor=user,
            request=self.request,
        )
