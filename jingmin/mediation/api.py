"""REST: disputes list and detail, scoped like the console; parties masked per role."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from jingmin.accounts.roles import Role
from jingmin.accounts.scoping import get_visible_or_404
from jingmin.api.permissions import roles_only

from .models import Dispute
from .selectors import dispute_search, disputes_visible, parties_masked
from .services import parties_reveal

STAFF = (Role.OFFICER, Role.LEADER, Role.SUPERVISOR)


class DisputeSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.code", read_only=True)
    appeal = serializers.CharField(source="appeal.number", default=None, read_only=True)

    class Meta:
        model = Dispute
        fields = [
            "id",
            "number",
            "unit",
            "type",
            "status",
            "level",
            "computed_level",
            "risk_score",
            "source",
            "address",
            "lon",
            "lat",
            "created_at",
            "agreed_at",
            "closed_at",
            "reopen_count",
            "escalated_to_case",
            "appeal",
        ]


class PartySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="party.pk")
    kind = serializers.CharField(source="party.kind")
    side = serializers.CharField(source="party.side")
    name = serializers.CharField()
    phone = serializers.CharField()
    id_number = serializers.CharField()
    is_minor = serializers.BooleanField(source="party.is_minor")
    vulnerable = serializers.BooleanField(source="party.vulnerable")
    prior_violent = serializers.BooleanField(source="party.prior_violent")
    masked = serializers.BooleanField()


class SessionSerializer(serializers.Serializer):
    held_on = serializers.DateField()
    kind = serializers.CharField()
    outcome = serializers.CharField()
    mediator_kinds = serializers.SerializerMethodField()
    guardian_present = serializers.BooleanField()

    def get_mediator_kinds(self, obj) -> list[str]:
        return [m.kind for m in obj.mediators.all()]


class FollowUpSerializer(serializers.Serializer):
    due_on = serializers.DateField()
    channel = serializers.CharField()
    done_on = serializers.DateField(allow_null=True)
    outcome = serializers.CharField()
    cancelled = serializers.BooleanField()


class DisputeDetailSerializer(DisputeSerializer):
    parties = serializers.SerializerMethodField()
    sessions = SessionSerializer(many=True, read_only=True)
    followups = FollowUpSerializer(many=True, read_only=True)
    risk_reasons = serializers.JSONField(read_only=True)
    override_level = serializers.CharField(read_only=True)
    override_reason = serializers.CharField(read_only=True)

    class Meta(DisputeSerializer.Meta):
        fields = DisputeSerializer.Meta.fields + [
            "summary",
            "risk_reasons",
            "override_level",
            "override_reason",
            "parties",
            "sessions",
            "followups",
        ]

    def get_parties(self, obj) -> list[dict]:
        return PartySerializer(parties_masked(obj), many=True).data


@extend_schema(
    parameters=[
        OpenApiParameter(name, str, description=text)
        for name, text in [
            ("status", "registered, mediating, agreed, referred, reopened, closed"),
            ("level", "risk level code, e.g. red"),
            ("type", "dispute type code"),
            ("unit", "station code"),
            ("q", "number, summary or address text; or a party's phone / ID number"),
        ]
    ]
)
class DisputeList(generics.ListAPIView):
    """Disputes the caller may see; filters: status, level, type, unit (code), q."""

    serializer_class = DisputeSerializer
    permission_classes = [roles_only(*STAFF)]

    def get_queryset(self):
        params = self.request.query_params
        filters = {k: params.get(k) for k in ("status", "level", "type", "unit", "q")}
        return dispute_search(self.request.user, filters).select_related("appeal")


class DisputeDetail(generics.RetrieveAPIView):
    """One dispute with its risk reasons and its parties, masked."""

    serializer_class = DisputeDetailSerializer
    permission_classes = [roles_only(*STAFF)]

    def get_queryset(self):
        return (
            disputes_visible(self.request.user)
            .select_related("appeal")
            .prefetch_related("sessions__mediators", "followups")
        )


class DisputeParties(APIView):
    """POST: the parties unmasked (an audited read; 403 for roles without the right)."""

    permission_classes = [roles_only(*STAFF)]

    @extend_schema(request=None, responses=PartySerializer(many=True))
    def post(self, request, pk: int):
        dispute = get_visible_or_404(
            request.user, disputes_visible(request.user), pk=pk
        )
        parties = parties_reveal(dispute=dispute, actor=request.user, request=request)
        return Response(PartySerializer(parties, many=True).data)
