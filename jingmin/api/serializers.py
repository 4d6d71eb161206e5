"""Out serializers for the org endpoints, tokens and webhooks; In serializers for writes."""

from __future__ import annotations

from rest_framework import serializers

from jingmin.org.models import Department, Unit

from .models import ServiceToken, WebhookAttempt, WebhookDelivery, WebhookSubscription


class UnitOut(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Unit
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "kind_label",
            "address",
            "phone",
            "office_hours",
            "lon",
            "lat",
            "jurisdiction",
            "is_active",
        ]


class DepartmentOut(serializers.ModelSerializer):
    business_areas = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="code"
    )

    class Meta:
        model = Department
        fields = [
            "id",
            "code",
            "name",
            "contact_phone",
            "contact_address",
            "contact_hours",
            "website",
            "description",
            "business_areas",
            "is_active",
        ]


class TokenOut(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = ServiceToken
        fields = [
            "id",
            "name",
            "username",
            "prefix",
            "created_at",
            "last_used_at",
            "revoked_at",
        ]


class TokenIn(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    name = serializers.CharField(max_length=100)


class TokenIssued(TokenOut):
    token = serializers.CharField(read_only=True, help_text="只在签发时返回一次")

    class Meta(TokenOut.Meta):
        fields = [*TokenOut.Meta.fields, "token"]


class SubscriptionOut(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(read_only=True, slug_field="code")

    class Meta:
        model = WebhookSubscription
        fields = ["id", "name", "department", "url", "created_at", "revoked_at"]


class SubscriptionIn(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    url = serializers.URLField(max_length=500)
    department = serializers.SlugRelatedField(
        queryset=Department.objects.filter(is_active=True),
        slug_field="code",
        required=False,
        help_text="部门代码；联络员可省略（默认本部门）",
    )


class SubscriptionCreated(SubscriptionOut):
    secret = serializers.CharField(read_only=True, help_text="签名密钥，只返回这一次")

    class Meta(SubscriptionOut.Meta):
        fields = [*SubscriptionOut.Meta.fields, "secret"]


class AttemptOut(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["attempted_at", "response_status", "error", "duration_ms"]


class DeliveryOut(serializers.ModelSerializer):
    log = AttemptOut(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "status",
            "attempts",
            "next_attempt_at",
            "created_at",
            "delivered_at",
            "payload",
            "log",
        ]
