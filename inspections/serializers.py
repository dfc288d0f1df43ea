"""Shapes of spot-check data in the API (validation of input; no workflow here)."""

from trace.core.choices import ProductCategory

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers import OrganizationRefSerializer
from core.validators import validate_region_code

from .choices import SpotCheckResult
from .models import SpotCheck, SpotCheckDraw, SpotCheckTimelineEntry

MAX_ID = 2**63 - 1


class DrawInput(serializers.Serializer):
    enterprise_count = serializers.IntegerField(
        min_value=1,
        max_value=settings.SPOT_CHECK_MAX_ENTERPRISES,
        help_text=_("How many enterprises to draw."),
    )
    inspectors_per_check = serializers.IntegerField(
        min_value=1, max_value=50, help_text=_("How many inspectors go to each check.")
    )
    category = serializers.ChoiceField(
        choices=ProductCategory.choices,
        required=False,
        default="",
        allow_blank=True,
        help_text=_("Only enterprises making products of this category."),
    )
    region_code = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=6,
        validators=[validate_region_code],
        help_text=_("Only enterprises of this region inside your jurisdiction (GB/T 2260 code)."),
    )
    inspectors = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=1000,
        help_text=_("User ids to draw inspectors from (default: your organization's staff)."),
    )
    seed = serializers.CharField(
        required=False,
        max_length=64,
        help_text=_("64 hex digits; default: drawn by the server from a cryptographic source."),
    )
    title = serializers.CharField(required=False, default="", max_length=200, allow_blank=True)


class _UserRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


def _user_ref(user) -> dict:
    return {"id": user.pk, "name": user.get_full_name() or user.username}


class DrawCheckSerializer(serializers.Serializer):
    check_id = serializers.IntegerField()
    position = serializers.IntegerField()
    enterprise = OrganizationRefSerializer()
    inspectors = _UserRef(many=True)


class DrawSerializer(serializers.ModelSerializer):
    regulator = OrganizationRefSerializer(read_only=True)
    drawn_by = serializers.SerializerMethodField()
    checks = serializers.SerializerMethodField()

    class Meta:
        model = SpotCheckDraw
        fields = [
            "id",
            "title",
            "regulator",
            "drawn_by",
            "drawn_at",
            "scope_prefix",
            "category",
            "enterprise_count",
            "inspectors_per_check",
            "algorithm",
            "seed",
            "seed_source",
            "enterprise_candidates",
            "inspector_candidates",
            "result",
            "checks",
        ]

    def get_drawn_by(self, obj) -> str | None:
        return obj.drawn_by.username if obj.drawn_by else None

    @staticmethod
    def _checks(obj) -> list:
        return [
            {
                "check_id": c.pk,
                "position": c.position,
                "enterprise": c.enterprise,
                "inspectors": [_user_ref(u) for u in c.inspectors.all()],
            }
            for c in obj.checks.all()
        ]

    @extend_schema_field(DrawCheckSerializer(many=True))
    def get_checks(self, obj) -> list[dict]:
        return DrawCheckSerializer(self._checks(obj), many=True).data


class VerificationSerializer(serializers.Serializer):
    draw = serializers.IntegerField()
    matches = serializers.BooleanField(
        help_text=_("The stored result is what the stored seed and lists draw.")
    )
    checks_match = serializers.BooleanField(
        help_text=_("The planned checks are the stored result's enterprises and inspectors.")
    )
    algorithm = serializers.CharField()
    seed = serializers.CharField()
    stored = serializers.ListField(child=serializers.DictField())
    redrawn = serializers.ListField(child=serializers.DictField())
    reason = serializers.CharField()


class SpotCheckTimelineSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None)
    actor_organization = OrganizationRefSerializer(read_only=True)

    class Meta:
        model = SpotCheckTimelineEntry
        fields = ["id", "at", "action", "actor", "actor_organization", "reason", "data"]


class SpotCheckSerializer(serializers.ModelSerializer):
    enterprise = OrganizationRefSerializer(read_only=True)
    regulator = OrganizationRefSerializer(read_only=True)
    inspectors = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    result_label = serializers.CharField(source="get_result_display", read_only=True)
    timeline = SpotCheckTimelineSerializer(many=True, read_only=True)

    class Meta:
        model = SpotCheck
        fields = [
            "id",
            "draw",
            "position",
            "enterprise",
            "regulator",
            "region_code",
            "inspectors",
            "status",
            "status_label",
            "result",
            "result_label",
            "findings",
            "checked_on",
            "concluded_at",
            "timeline",
        ]

    @extend_schema_field(_UserRef(many=True))
    def get_inspectors(self, obj) -> list[dict]:
        return _UserRef([_user_ref(u) for u in obj.inspectors.all()], many=True).data


class RecordInput(serializers.Serializer):
    result = serializers.ChoiceField(choices=SpotCheckResult.choices)
    checked_on = serializers.DateField()
    findings = serializers.CharField(required=False, default="", allow_blank=True, max_length=20000)


class PublicSpotCheckSerializer(serializers.ModelSerializer):
    """A concluded check as published (一公开): who was checked, by whom, when, with what
    result; no inspector, no findings (they may hold trade secrets)."""

    enterprise = serializers.CharField(source="enterprise.name")
    enterprise_credit_code = serializers.CharField(source="enterprise.credit_code")
    regulator = serializers.CharField(source="regulator.name")
    result_label = serializers.CharField(source="get_result_display")

    class Meta:
        model = SpotCheck
        fields = [
            "id",
            "draw",
            "enterprise",
            "enterprise_credit_code",
            "region_code",
            "regulator",
            "checked_on",
            "result",
            "result_label",
        ]
