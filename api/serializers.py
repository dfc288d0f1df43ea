from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from core.alerts import alert_channel_check
from core.models import AlertChannel, Membership, Organization
from core.rulebook import Rule
from core.rulebook.model import STATUS_VALUES, UNIT_VALUES


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "kind", "name", "name_en", "credit_code", "region_code", "level", "gln"]


class OrganizationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "kind", "name", "name_en", "region_code"]


class MeSerializer(serializers.ModelSerializer):
    organization = OrganizationSerializer(source="membership.organization", read_only=True)
    role = serializers.CharField(source="membership.role", read_only=True)

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "organization", "role"]


class MembershipSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "username", "organization", "role"]


class RulesQuerySerializer(serializers.Serializer):
    """``?on=YYYY-MM-DD`` of ``GET /api/v1/rules/``."""

    on = serializers.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("Give the day as YYYY-MM-DD, e.g. 2026-12-01.")},
        help_text="The day whose rules to list (default: today in China, Asia/Shanghai).",
    )


@extend_schema_field({"oneOf": [{"type": "number"}, {"type": "string"}]})
class RuleValueField(serializers.Field):
    def to_representation(self, value):
        return value


class RuleSerializer(serializers.Serializer):
    """One rule of ``core.rulebook``, its texts in the request's language."""

    key = serializers.CharField()
    value = RuleValueField(help_text="A number, or a government level for `unit` = level.")
    unit = serializers.ChoiceField(choices=UNIT_VALUES)
    unit_label = serializers.SerializerMethodField()
    title = serializers.SerializerMethodField(help_text="What the figure is.")
    instrument = serializers.SerializerMethodField(help_text="The instrument it comes from.")
    article = serializers.SerializerMethodField()
    citation = serializers.SerializerMethodField(help_text="Instrument and article, together.")
    phrase = serializers.CharField(help_text="The instrument's own words (Chinese), if quoted.")
    note = serializers.SerializerMethodField()
    verified = serializers.BooleanField(help_text="False when the text was never read.")
    status = serializers.ChoiceField(choices=STATUS_VALUES)
    status_label = serializers.SerializerMethodField()
    in_force_from = serializers.DateField(allow_null=True)
    in_force_to = serializers.DateField(allow_null=True)
    overridden = serializers.BooleanField(help_text="A setting replaced the code's figure.")

    def get_unit_label(self, rule: Rule) -> str:
        return rule.unit.label

    def get_status_label(self, rule: Rule) -> str:
        return rule.status.label

    def get_title(self, rule: Rule) -> str:
        return rule.title()

    def get_instrument(self, rule: Rule) -> str:
        return rule.instrument()

    def get_article(self, rule: Rule) -> str:
        return rule.article()

    def get_citation(self, rule: Rule) -> str:
        return rule.citation()

    def get_note(self, rule: Rule) -> str:
        return rule.note() if rule.note else ""


class RulesAnswerSerializer(serializers.Serializer):
    on = serializers.DateField()
    rules = RuleSerializer(many=True)


class AlertChannelSerializer(serializers.ModelSerializer):
    """A group-chat robot or SMS list of the caller's organization. The URL and secret are
    credentials: written, never read back (``url_hint`` shows the host and path)."""

    url = serializers.CharField(
        max_length=500, required=False, allow_blank=True, write_only=True, trim_whitespace=True
    )
    secret = serializers.CharField(
        max_length=200, required=False, allow_blank=True, write_only=True
    )
    url_hint = serializers.SerializerMethodField()
    has_secret = serializers.SerializerMethodField()

    class Meta:
        model = AlertChannel
        fields = [
            "id",
            "platform",
            "name",
            "url",
            "url_hint",
            "secret",
            "has_secret",
            "phone_numbers",
            "message_format",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_url_hint(self, obj) -> str:
        parts = urlsplit(obj.url)
        return f"{parts.scheme}://{parts.netloc}{parts.path}" if obj.url else ""

    def get_has_secret(self, obj) -> bool:
        return bool(obj.secret)

    def validate(self, attrs):
        instance = self.instance
        merged = {
            name: attrs.get(name, getattr(instance, name, ""))
            for name in ("platform", "url", "secret", "phone_numbers")
        }
        if instance is not None and "platform" in attrs and attrs["platform"] != instance.platform:
            raise serializers.ValidationError(
                {"platform": ErrorDetail(_("A channel's platform cannot change."), "immutable")}
            )
        alert_channel_check(**merged)
        return attrs
