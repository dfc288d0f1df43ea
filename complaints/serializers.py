from trace.core.identifiers import normalize_gtin, validate_lot

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidents.models import Incident

from .choices import ComplaintStatus
from .intake import normalize_phone, parse_code
from .models import (
    Complaint,
    ComplaintTimeline,
    ConsumerWarning,
    Report,
    RiskSignal,
    RiskSignalTimeline,
)
from .privacy import decrypt_contact


def _django_to_drf(exc: DjangoValidationError) -> serializers.ValidationError:
    detail = {}
    for field, errors in exc.error_dict.items():
        detail[field] = [serializers.ErrorDetail(str(e.message), code=e.code) for e in errors]
    return serializers.ValidationError(detail)


class ComplaintSubmitSerializer(serializers.Serializer):
    """The consumer's complaint: the lot (``gtin`` + ``lot``, or the scanned ``code``), what happened."""

    gtin = serializers.CharField(required=False, allow_blank=True, max_length=14)
    lot = serializers.CharField(required=False, allow_blank=True, max_length=20)
    code = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="A scanned GS1 Digital Link URI or element string.",
    )
    description = serializers.CharField(max_length=100_000, allow_blank=True, trim_whitespace=True)
    injured = serializers.BooleanField(default=False)
    contact_name = serializers.CharField(
        required=False, allow_blank=True, max_length=50, default=""
    )
    contact_phone = serializers.CharField(
        required=False, allow_blank=True, max_length=20, default=""
    )
    seller_region_code = serializers.CharField(
        required=False, allow_blank=True, max_length=6, default=""
    )
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, max_length=50
    )

    def validate_description(self, value):
        if not value.strip():
            raise serializers.ValidationError(_("Say what happened."), code="required")
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

    def validate(self, attrs):
        code = (attrs.get("code") or "").strip()
        if code:
            try:
                gtin, lot = parse_code(code)
            except DjangoValidationError as exc:
                raise _django_to_drf(exc) from exc
        else:
            gtin, lot = (attrs.get("gtin") or "").strip(), (attrs.get("lot") or "").strip()
            if not gtin or not lot:
                raise serializers.ValidationError(
                    {
                        "code": [
                            serializers.ErrorDetail(
                                _("Give the scanned code, or the GTIN and the lot."),
                                code="required",
                            )
                        ]
                    }
                )
        try:
            attrs["gtin"] = normalize_gtin(gtin)
            validate_lot(lot)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(
                {
                    "code": [
                        serializers.ErrorDetail(
                            _("This is not a product code and lot we know."), code="unknown_code"
                        )
                    ]
                }
            ) from exc
        attrs["lot"] = lot
        return attrs


class PublicComplaintSerializer(serializers.ModelSerializer):
    """What the holder of a tracking code reads: status, reason and reply — never contact details."""

    tracking_code = serializers.CharField(source="display_code")
    status_display = serializers.CharField(source="get_status_display")
    product = serializers.SerializerMethodField()
    lot = serializers.CharField(source="batch.lot")
    reason = serializers.CharField(source="public_reason")

    class Meta:
        model = Complaint
        fields = [
            "tracking_code",
            "status",
            "status_display",
            "product",
            "lot",
            "submitted_at",
            "accepted_at",
            "reason",
            "reply",
            "replied_at",
            "closed_at",
        ]

    def get_product(self, obj) -> str:
        product = obj.batch.product
        return product.name if product else obj.batch.gtin


class ComplaintSubmittedSerializer(serializers.Serializer):
    tracking_code = serializers.CharField()
    status = serializers.ChoiceField(choices=ComplaintStatus.choices)
    status_url = serializers.CharField()


class ComplaintListSerializer(serializers.ModelSerializer):
    """A row of the regulators' list: no contact details, ever."""

    gtin = serializers.CharField(source="batch.gtin")
    lot = serializers.CharField(source="batch.lot")
    photo_count = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "id",
            "status",
            "gtin",
            "lot",
            "batch",
            "injured",
            "region_code",
            "submitted_at",
            "accept_due_at",
            "close_due_at",
            "is_overdue",
            "escalated",
            "has_contact",
            "incident",
            "photo_count",
        ]

    def get_photo_count(self, obj) -> int:
        count = getattr(obj, "photo_n", None)
        return obj.photos.count() if count is None else count


class ComplaintSerializer(ComplaintListSerializer):
    contact = serializers.SerializerMethodField()
    incident_url = serializers.SerializerMethodField()
    report = serializers.SerializerMethodField()

    class Meta(ComplaintListSerializer.Meta):
        fields = [
            *ComplaintListSerializer.Meta.fields,
            "description",
            "public_reason",
            "reply",
            "replied_at",
            "accepted_at",
            "closed_at",
            "merged_into",
            "calendar_covered",
            "incident_url",
            "report",
            "contact",
        ]

    def get_report(self, obj) -> int | None:
        """The report (举报) this complaint was turned into, if any."""
        report = Report.objects.filter(complaint=obj).values_list("pk", flat=True).first()
        return report

    def get_contact(self, obj) -> dict | None:
        """Only for the handling regulator (the county of the place)."""
        if not self.context.get("show_contact"):
            return None
        return decrypt_contact(obj.contact_encrypted)

    def get_incident_url(self, obj) -> str | None:
        return (
            f"{settings.PUBLIC_BASE_URL}/api/v1/incidents/{obj.incident_id}/"
            if obj.incident_id
            else None
        )


class ComplaintTimelineSerializer(serializers.ModelSerializer):
    actor_organization = serializers.CharField(source="actor_organization.name", default=None)

    class Meta:
        model = ComplaintTimeline
        fields = ["at", "action", "actor_organization", "reason", "data"]


class RiskSignalTimelineSerializer(ComplaintTimelineSerializer):
    class Meta(ComplaintTimelineSerializer.Meta):
        model = RiskSignalTimeline


class ComplaintReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ComplaintRequiredReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ComplaintUrgeSerializer(ComplaintReasonSerializer):
    due_at = serializers.DateTimeField()


class ComplaintReplySerializer(serializers.Serializer):
    reply = serializers.CharField(max_length=4000)


class ComplaintCloseSerializer(serializers.Serializer):
    outcome = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


class ComplaintForwardSerializer(serializers.Serializer):
    region_code = serializers.CharField(max_length=6)
    reason = serializers.CharField(max_length=2000)


class ComplaintMergeSerializer(serializers.Serializer):
    into = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ComplaintConvertSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class InjuryGroupSerializer(serializers.Serializer):
    group = serializers.CharField()
    injury_complaints = serializers.IntegerField()
    incidents = serializers.IntegerField(help_text="Incidents with casualties in the group.")
    deaths = serializers.IntegerField()
    serious_injuries = serializers.IntegerField()
    minor_injuries = serializers.IntegerField()
    casualties = serializers.IntegerField(
        help_text="People hurt: one per injury complaint plus the incidents' deaths, serious "
        "and minor injuries."
    )


class RiskSignalSerializer(serializers.ModelSerializer):
    batches = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    complaints = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    incidents = serializers.SerializerMethodField()
    warning = serializers.PrimaryKeyRelatedField(read_only=True)
    title = serializers.CharField(
        source="get_title_display",
        read_only=True,
        help_text="In the asker's language (Accept-Language), from the kind and the evidence.",
    )

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_incidents(self, signal) -> list[int]:
        """The incidents behind the signal that the asker may see."""
        request = self.context.get("request")
        ids = [incident.pk for incident in signal.incidents.all()]  # prefetched by the view
        if request is None or not ids:
            return []
        visible = Incident.objects.visible_to(request.user).filter(pk__in=ids)
        return sorted(visible.values_list("pk", flat=True))

    class Meta:
        model = RiskSignal
        fields = [
            "id",
            "kind",
            "status",
            "title",
            "evidence",
            "region_code",
            "producer",
            "gtin",
            "lot",
            "batches",
            "complaints",
            "incidents",
            "raised_at",
            "warning",
        ]


class ComplaintPublishSerializer(serializers.Serializer):
    title_zh = serializers.CharField(max_length=200)
    title_en = serializers.CharField(max_length=200)
    text_zh = serializers.CharField(max_length=4000)
    text_en = serializers.CharField(max_length=4000)


class WarningBatchSerializer(serializers.Serializer):
    gtin = serializers.CharField()
    lot = serializers.CharField()
    product = serializers.CharField(source="product.name", default="")


class ConsumerWarningSerializer(serializers.ModelSerializer):
    batches = WarningBatchSerializer(many=True, read_only=True)

    class Meta:
        model = ConsumerWarning
        fields = ["id", "title_zh", "title_en", "text_zh", "text_en", "batches", "published_at"]
