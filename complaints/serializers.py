from trace.core.identifiers import normalize_gtin, validate_lot

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidents.models import Incident

from .choices import (
    OPEN_COMPLAINT_STATUSES,
    Claim,
    ComplaintStatus,
    DeclineGround,
    RespondentKind,
    TerminationGround,
    respondent_allowed_actions,
)
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


class RespondentInputSerializer(serializers.Serializer):
    """Whom the complaint is against (SAMR Order 20 Art. 9 (2)); prefilled from the lot's maker."""

    kind = serializers.ChoiceField(choices=RespondentKind.choices, required=False)
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    address = serializers.CharField(required=False, allow_blank=True, max_length=300)
    credit_code = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=40,
        help_text="The respondent's unified social credit code (统一社会信用代码, GB 32100-2015), "
        "when the consumer knows it: links the complaint to the enterprise registered here.",
    )
    purchase_place = serializers.CharField(required=False, allow_blank=True, max_length=300)
    purchase_date = serializers.DateField(required=False, allow_null=True)
    purchase_price = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )


RESPONDENT_FLAT = {
    "respondent_kind": "kind",
    "respondent_name": "name",
    "respondent_address": "address",
    "respondent_credit_code": "credit_code",
    "purchase_place": "purchase_place",
    "purchase_date": "purchase_date",
    "purchase_price": "purchase_price",
}


class ComplaintSubmitSerializer(serializers.Serializer):
    """The consumer's complaint: the lot (``gtin`` + ``lot``, or the scanned ``code``) and what
    SAMR Order 20 Art. 9 asks: the complainant's name, phone and postal address
    (``contact_address``), the ``respondent`` (seller or maker, prefilled from the lot), the
    ``claim`` and the facts (``description``, or ``facts``). A request with ``claim``,
    ``contact_address`` or ``respondent`` is checked in full (400 naming each missing field);
    an older client's request with none of them is recorded as an incomplete complaint
    (``complete`` false), which can only be declined (Art. 15 (5)) or turned into a report.
    Multipart forms may send the respondent flat: ``respondent_kind``, ``respondent_name``,
    ``respondent_address``, ``respondent_credit_code``, ``purchase_place``, ``purchase_date``,
    ``purchase_price``."""

    gtin = serializers.CharField(required=False, allow_blank=True, max_length=14)
    lot = serializers.CharField(required=False, allow_blank=True, max_length=20)
    code = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="A scanned GS1 Digital Link URI or element string.",
    )
    description = serializers.CharField(
        max_length=100_000, allow_blank=True, trim_whitespace=True, required=False, default=""
    )
    facts = serializers.CharField(
        max_length=100_000,
        allow_blank=True,
        trim_whitespace=True,
        required=False,
        default="",
        help_text="The facts of the dispute (same as description).",
    )
    injured = serializers.BooleanField(default=False)
    contact_address = serializers.CharField(
        required=False, allow_blank=True, max_length=300, default=""
    )
    claim = serializers.ChoiceField(choices=Claim.choices, required=False, allow_blank=True)
    claim_detail = serializers.CharField(
        required=False, allow_blank=True, max_length=500, default=""
    )
    respondent = RespondentInputSerializer(required=False)
    respondent_kind = serializers.ChoiceField(
        choices=RespondentKind.choices, required=False, allow_blank=True
    )
    respondent_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    respondent_address = serializers.CharField(required=False, allow_blank=True, max_length=300)
    respondent_credit_code = serializers.CharField(required=False, allow_blank=True, max_length=40)
    purchase_place = serializers.CharField(required=False, allow_blank=True, max_length=300)
    purchase_date = serializers.DateField(required=False, allow_null=True)
    purchase_price = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    consents_mediation = serializers.BooleanField(
        default=True,
        help_text="The complainant agrees to mediation by the regulator (SAMR Order 20 Art. 16).",
    )
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

    def _check_description(self, value):
        if not value.strip():
            raise serializers.ValidationError(
                {"description": [serializers.ErrorDetail(_("Say what happened."), code="required")]}
            )
        if len(value) > settings.COMPLAINT_DESCRIPTION_MAX:
            raise serializers.ValidationError(
                {
                    "description": [
                        serializers.ErrorDetail(
                            _("At most %(max)s characters.")
                            % {"max": settings.COMPLAINT_DESCRIPTION_MAX},
                            code="too_long",
                        )
                    ]
                }
            )
        return value

    def validate_contact_phone(self, value):
        try:
            return normalize_phone(value)
        except DjangoValidationError as exc:
            error = exc.error_dict["contact_phone"][0]
            raise serializers.ValidationError(str(error.message), code=error.code) from exc

    def validate(self, attrs):
        attrs["description"] = self._check_description(
            attrs.get("description") or attrs.get("facts") or ""
        )
        respondent = dict(attrs.get("respondent") or {})
        for flat, key in RESPONDENT_FLAT.items():
            if attrs.get(flat) not in (None, "") and key not in respondent:
                respondent[key] = attrs[flat]
        attrs["respondent"] = respondent
        attrs["strict"] = bool(
            attrs.get("claim") or attrs.get("contact_address") or respondent
        ) or any(name in self.initial_data for name in ("claim", "contact_address", "respondent"))
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
            "claim",
            "respondent",
            "complete",
            "outcome",
            "outcome_detail",
            "decline_ground",
            "mediation_started_at",
            "paused",
            "close_due_at",
            "withdrawable",
        ]

    respondent = serializers.CharField(source="respondent_name")
    paused = serializers.SerializerMethodField()
    withdrawable = serializers.SerializerMethodField()

    def get_withdrawable(self, obj) -> bool:
        """The complainant may still withdraw it (no final outcome yet; SAMR Order 20 Art. 21
        ¶1 (1)): ``POST …/withdraw/`` with the last four digits of the phone given at filing."""
        return obj.status in OPEN_COMPLAINT_STATUSES

    def get_paused(self, obj) -> bool:
        """Testing or appraisal is under way: the mediation clock is stopped."""
        return obj.paused_at is not None

    def get_product(self, obj) -> str:
        product = obj.batch.product
        return product.name if product else obj.batch.gtin


class PublicWithdrawSerializer(serializers.Serializer):
    """The complainant withdraws (SAMR Order 20 Art. 21 ¶1 (1)): the tracking code in the URL and
    the last four digits of the phone number given at filing prove the complaint is theirs."""

    phone_last4 = serializers.RegexField(
        r"^[0-9]{4}$",
        help_text="The last four digits of the phone number given at filing.",
        error_messages={"invalid": gettext_lazy("Give the last four digits of your phone number.")},
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class ComplaintLinkRespondentSerializer(serializers.Serializer):
    """The handler links the respondent to the enterprise registered with this unified social
    credit code (GB 32100-2015)."""

    credit_code = serializers.CharField(max_length=40, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ComplaintSubmittedSerializer(serializers.Serializer):
    tracking_code = serializers.CharField()
    status = serializers.ChoiceField(choices=ComplaintStatus.choices)
    status_url = serializers.CharField()
    complete = serializers.BooleanField(
        help_text="False: what SAMR Order 20 Art. 9 asks is missing (see ``missing``)."
    )
    missing = serializers.ListField(child=serializers.CharField())
    report_url = serializers.CharField(
        help_text="Where to send a report (举报) instead, which may be anonymous."
    )


class RespondentSerializer(serializers.Serializer):
    kind = serializers.CharField(source="respondent_kind")
    name = serializers.CharField(source="respondent_name")
    address = serializers.CharField(source="respondent_address")
    credit_code = serializers.CharField(source="respondent_credit_code")
    organization = serializers.IntegerField(source="respondent_organization_id", allow_null=True)
    purchase_place = serializers.CharField()
    purchase_date = serializers.DateField(allow_null=True)
    purchase_price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)


class ComplaintListSerializer(serializers.ModelSerializer):
    """A row of the regulators' list: no contact details, ever."""

    gtin = serializers.CharField(source="batch.gtin")
    lot = serializers.CharField(source="batch.lot")
    photo_count = serializers.SerializerMethodField()
    tracking_code = serializers.CharField(source="display_code")
    respondent = RespondentSerializer(source="*")

    class Meta:
        model = Complaint
        fields = [
            "id",
            "tracking_code",
            "status",
            "claim",
            "respondent",
            "complete",
            "outcome",
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


MEDIATION_FIELDS = [
    "claim_detail",
    "consumer_consents_mediation",
    "respondent_answer",
    "respondent_answered_at",
    "respondent_consents_mediation",
    "mediation_started_at",
    "paused_at",
    "paused_seconds",
    "testing_body",
    "testing_body_designated",
    "outcome_detail",
    "termination_ground",
    "parties_notice_due_at",
    "parties_notified_at",
    "parties_notice_overdue",
]


class ComplaintSerializer(ComplaintListSerializer):
    contact = serializers.SerializerMethodField()
    contact_address = serializers.SerializerMethodField()
    incident_url = serializers.SerializerMethodField()
    report = serializers.SerializerMethodField()

    class Meta(ComplaintListSerializer.Meta):
        fields = [
            *ComplaintListSerializer.Meta.fields,
            *MEDIATION_FIELDS,
            "decline_ground",
            "contact_address",
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

    def get_contact_address(self, obj) -> str | None:
        """The complainant's postal address (Order 20 Art. 9 (1)): only for the handler."""
        if not self.context.get("show_contact"):
            return None
        return decrypt_contact(obj.contact_encrypted).get("address", "")

    def get_incident_url(self, obj) -> str | None:
        return (
            f"{settings.PUBLIC_BASE_URL}/api/v1/incidents/{obj.incident_id}/"
            if obj.incident_id
            else None
        )


class RespondentComplaintSerializer(serializers.ModelSerializer):
    """What the respondent enterprise reads of a complaint against it: the complaint, the claim
    and the facts, the complainant's name (to know whom mediation is with) and never the
    complainant's phone or address (mediation runs through the regulator)."""

    tracking_code = serializers.CharField(source="display_code")
    gtin = serializers.CharField(source="batch.gtin")
    lot = serializers.CharField(source="batch.lot")
    respondent = RespondentSerializer(source="*")
    complainant = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "id",
            "tracking_code",
            "status",
            "gtin",
            "lot",
            "injured",
            "claim",
            "claim_detail",
            "description",
            "respondent",
            "complainant",
            "submitted_at",
            "accepted_at",
            "close_due_at",
            "consumer_consents_mediation",
            "respondent_answer",
            "respondent_answered_at",
            "respondent_consents_mediation",
            "mediation_started_at",
            "paused_at",
            "testing_body",
            "testing_body_designated",
            "outcome",
            "outcome_detail",
            "termination_ground",
            "closed_at",
            "allowed_actions",
        ]

    def get_complainant(self, obj) -> str:
        return decrypt_contact(obj.contact_encrypted).get("name", "")

    def get_allowed_actions(self, obj) -> list[str]:
        return respondent_allowed_actions(obj.status)


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


class ComplaintDeclineSerializer(ComplaintRequiredReasonSerializer):
    ground = serializers.ChoiceField(
        choices=DeclineGround.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="The ground of SAMR Order 20 Art. 15 (art15_1 … art15_6); none: art15_6.",
    )


class ComplaintPauseSerializer(serializers.Serializer):
    testing_body = serializers.CharField(max_length=200)
    designated = serializers.BooleanField(
        default=False,
        help_text="The parties could not agree; the regulator names the body "
        "(Consumer Rights Regulation Art. 47).",
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ComplaintAgreementSerializer(serializers.Serializer):
    agreement = serializers.CharField(
        max_length=4000, help_text="What was agreed: the mediation document (Order 20 Art. 22)."
    )


class ComplaintTerminateSerializer(serializers.Serializer):
    ground = serializers.ChoiceField(choices=TerminationGround.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ComplaintAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=4000)


class ComplaintAgreeMediationSerializer(serializers.Serializer):
    answer = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


class ComplaintUrgeSerializer(ComplaintReasonSerializer):
    due_at = serializers.DateTimeField()


class ComplaintReplySerializer(serializers.Serializer):
    reply = serializers.CharField(max_length=4000)


class ComplaintCloseSerializer(serializers.Serializer):
    outcome = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=4000,
        default="",
        help_text="agreement, no_agreement or withdrawn; any other text (older clients) is the "
        "reply the consumer reads and records no outcome.",
    )
    text = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=4000,
        default="",
        help_text="Told to the consumer; for an agreement, what the consumer got.",
    )


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
