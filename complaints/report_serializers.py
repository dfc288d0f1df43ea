"""Reports (举报) in and out: what someone reports, what the reporter reads back by tracking code
(stage, decision, the due date and its citation — never the reporter), and what the regulators
read (the reporter only for the handler)."""

from __future__ import annotations

from trace.core.identifiers import normalize_gtin, validate_lot

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.rulebook import rule

from .choices import ReportStatus
from .intake import normalize_phone
from .models import Report, ReportTimeline
from .privacy import decrypt_contact
from .report_services import DECISION_RULE, EXTENSION_RULE, NOTICE_RULE


class ReportSubmitSerializer(serializers.Serializer):
    """A tip: what is reported, the enterprise or place, the facts; optionally the product (GTIN
    and lot); a name and phone for a real-name report (both, or neither: anonymous)."""

    subject = serializers.CharField(max_length=200, help_text="What is reported.")
    enterprise_name = serializers.CharField(
        max_length=200, help_text="The enterprise or place reported."
    )
    region_code = serializers.CharField(
        max_length=6, help_text="County-level region code of the place where it happened."
    )
    address = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
    facts = serializers.CharField(max_length=100_000)
    gtin = serializers.CharField(required=False, allow_blank=True, max_length=14, default="")
    lot = serializers.CharField(required=False, allow_blank=True, max_length=20, default="")
    contact_name = serializers.CharField(
        required=False, allow_blank=True, max_length=50, default=""
    )
    contact_phone = serializers.CharField(
        required=False, allow_blank=True, max_length=20, default=""
    )

    def validate_facts(self, value):
        if len(value) > settings.COMPLAINT_DESCRIPTION_MAX:
            raise serializers.ValidationError(
                _("At most %(max)s characters.") % {"max": settings.COMPLAINT_DESCRIPTION_MAX},
                code="too_long",
            )
        return value

    def validate_contact_phone(self, value):
        try:
            return normalize_phone(value)
        except DjangoValidationError as exc:
            error = exc.error_dict["contact_phone"][0]
            raise serializers.ValidationError(str(error.message), code=error.code) from exc

    def validate_gtin(self, value):
        if not value.strip():
            return ""
        try:
            return normalize_gtin(value.strip())
        except DjangoValidationError as exc:
            raise serializers.ValidationError(
                _("This is not a valid GTIN."), code="invalid_gtin"
            ) from exc

    def validate_lot(self, value):
        value = value.strip()
        if value:
            try:
                validate_lot(value)
            except DjangoValidationError as exc:
                raise serializers.ValidationError(
                    _("This is not a valid lot number."), code="invalid_lot"
                ) from exc
        return value


class ReportSubmittedSerializer(serializers.Serializer):
    tracking_code = serializers.CharField()
    status = serializers.ChoiceField(choices=ReportStatus.choices)
    status_url = serializers.CharField()


class DueSerializer(serializers.Serializer):
    due_at = serializers.DateTimeField()
    citation = serializers.CharField()


# A due time as every other time the API gives: in the server's zone (+08:00), as a
# ``DateTimeField`` renders it, whether it came from the database (UTC) or was just computed.
_MOMENT = serializers.DateTimeField()


def _due(due_at, key: str, on) -> dict | None:
    if due_at is None:
        return None
    return {"due_at": _MOMENT.to_representation(due_at), "citation": rule(key, on=on).citation()}


class PublicReportSerializer(serializers.ModelSerializer):
    """What the holder of a tracking code reads: stage, decision and the due date with its
    citation — never who reported, never the regulator's notes."""

    tracking_code = serializers.CharField(source="display_code")
    status_display = serializers.CharField(source="get_status_display")
    decision_due = serializers.SerializerMethodField()
    reason = serializers.CharField(source="public_reason")

    class Meta:
        model = Report
        fields = [
            "tracking_code",
            "status",
            "status_display",
            "subject",
            "received_at",
            "decision_due",
            "extended_at",
            "decided_at",
            "reason",
        ]

    @extend_schema_field(DueSerializer(allow_null=True))
    def get_decision_due(self, obj) -> dict | None:
        if obj.decided_at is not None:
            return None
        key = EXTENSION_RULE if obj.extended_at else DECISION_RULE
        return _due(obj.decision_due_at, key, obj.received_at)


class ReportListSerializer(serializers.ModelSerializer):
    """A row of the regulators' list: never the reporter."""

    complaint = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Report
        fields = [
            "id",
            "status",
            "source",
            "subject",
            "enterprise_name",
            "region_code",
            "gtin",
            "lot",
            "real_name",
            "received_at",
            "decision_due_at",
            "extended_at",
            "decided_at",
            "reporter_notice_due_at",
            "reporter_notified_at",
            "is_overdue",
            "complaint",
            "incident",
            "recall_id",
        ]


class ReportSerializer(ReportListSerializer):
    reporter = serializers.SerializerMethodField()
    decision_due = serializers.SerializerMethodField()
    reporter_notice_due = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta(ReportListSerializer.Meta):
        fields = [
            *ReportListSerializer.Meta.fields,
            "address",
            "facts",
            "public_reason",
            "extension_reason",
            "verified_at",
            "calendar_covered",
            "decision_due",
            "reporter_notice_due",
            "links",
            "reporter",
        ]

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_reporter(self, obj) -> dict | None:
        """Only for the handling regulator (the county of the place), only for a real name."""
        if not self.context.get("show_reporter") or not obj.real_name:
            return None
        return decrypt_contact(obj.contact_encrypted)

    @extend_schema_field(DueSerializer(allow_null=True))
    def get_decision_due(self, obj) -> dict | None:
        key = EXTENSION_RULE if obj.extended_at else DECISION_RULE
        return _due(obj.decision_due_at, key, obj.received_at)

    @extend_schema_field(DueSerializer(allow_null=True))
    def get_reporter_notice_due(self, obj) -> dict | None:
        return _due(obj.reporter_notice_due_at, NOTICE_RULE, obj.decided_at)

    @extend_schema_field(serializers.DictField(child=serializers.CharField(allow_null=True)))
    def get_links(self, obj) -> dict:
        base = f"{settings.PUBLIC_BASE_URL}/api/v1"
        return {
            "complaint": f"{base}/complaints/{obj.complaint_id}/" if obj.complaint_id else None,
            "incident": f"{base}/incidents/{obj.incident_id}/" if obj.incident_id else None,
            "recall": f"{base}/recalls/{obj.recall_id}/" if obj.recall_id else None,
        }


class ReportTimelineSerializer(serializers.ModelSerializer):
    actor_organization = serializers.CharField(source="actor_organization.name", default=None)

    class Meta:
        model = ReportTimeline
        fields = ["at", "action", "actor_organization", "reason", "data"]


class ReportReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ReportRequiredReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ReportOpenCaseSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    incident = serializers.IntegerField(required=False, allow_null=True, min_value=1, default=None)
    recall = serializers.IntegerField(required=False, allow_null=True, min_value=1, default=None)
    open_incident = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Open a new incident for the case (instead of naming one in `incident`).",
    )
    title = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        default="",
        help_text="The new incident's title (with `open_incident`).",
    )


class ComplaintToReportSerializer(serializers.Serializer):
    subject = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
