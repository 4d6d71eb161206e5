from __future__ import annotations

from rest_framework import serializers

from jingmin.core.masking import mask_address

from .models import Analysis, Incident


class IncidentOut(serializers.ModelSerializer):
    type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    address = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "type",
            "occurred_from",
            "occurred_to",
            "lon",
            "lat",
            "address",
            "unit",
            "source",
        ]

    def get_address(self, obj: Incident) -> str:
        # addresses are personal data; the API serves analysts and services: masked
        return mask_address(obj.address)


class IncidentIn(serializers.Serializer):
    type = serializers.CharField()
    time = serializers.CharField(required=False, allow_blank=True)
    start = serializers.CharField(required=False, allow_blank=True)
    end = serializers.CharField(required=False, allow_blank=True)
    lon = serializers.FloatField(required=False, allow_null=True)
    lat = serializers.FloatField(required=False, allow_null=True)
    address = serializers.CharField(required=False, allow_blank=True, max_length=200)
    unit = serializers.CharField(required=False, allow_blank=True)


class AnalysisOut(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Analysis
        fields = [
            "id",
            "kind",
            "title",
            "params",
            "unit",
            "status",
            "progress",
            "message",
            "runs",
            "created_at",
            "finished_at",
            "result",
        ]


class AnalysisIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Analysis.Kind.choices)
    params = serializers.DictField(required=False, default=dict)
