from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers import OrganizationRefSerializer

from . import law
from .choices import Effectiveness, RecallCategory, RecallDepth, RecallType, Remedy
from .models import (
    QUANTITY,
    Recall,
    RecallBatch,
    RecallDrill,
    RecallNotice,
    RecallProgressReport,
    RecallSummaryReport,
    RecallTimelineEntry,
)

# Every number a client sends has bounds the database stores: a quantity
# the digits of the models' quantity columns (``QUANTITY``) and at most SUYUAN_MAX_QUANTITY,
# an id the range of a primary key (BigAutoField). A figure is further bounded by what its
# party held, in the services.
Quantity = lambda **kw: serializers.DecimalField(  # noqa: E731
    max_digits=QUANTITY["max_digits"],
    decimal_places=QUANTITY["decimal_places"],
    min_value=Decimal(0),
    max_value=Decimal(settings.SUYUAN_MAX_QUANTITY),
    **kw,
)
MAX_ID = 2**63 - 1
RecordId = lambda **kw: serializers.IntegerField(min_value=1, max_value=MAX_ID, **kw)  # noqa: E731

_PLAN = [
    "recall_class",
    "defect",
    "hazard",
    "root_cause",
    "linked_incidents",
    "linked_complaints",
    "depth",
    "remedies",
    "remedies_reason",
    "consumer_action",
    "contact",
    "notice_title",
    "notice_text",
    "notice_title_en",
    "notice_text_en",
    "target_effectiveness",
    "planned_start",
    "planned_end",
]


class _PlanFields(serializers.Serializer):
    recall_class = serializers.IntegerField(min_value=1, max_value=3)
    defect = serializers.CharField(max_length=5000)
    hazard = serializers.CharField(max_length=5000)
    root_cause = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, default=""
    )
    linked_incidents = serializers.ListField(
        child=RecordId(),
        required=False,
        default=list,
        max_length=100,
        help_text=_("Ids of incidents the recall follows from (ones you can see)."),
    )
    linked_complaints = serializers.ListField(
        child=RecordId(), required=False, default=list, max_length=100
    )
    depth = serializers.ChoiceField(
        choices=RecallDepth.choices, required=False, default=RecallDepth.CONSUMER
    )
    remedies = serializers.ListField(
        child=serializers.ChoiceField(choices=Remedy.choices), max_length=4
    )
    remedies_reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default=""
    )
    consumer_action = serializers.CharField(
        max_length=5000,
        required=False,
        allow_blank=True,
        default="",
        help_text=_(
            "What consumers should do now (stop using or eating it, where to return it). "
            "Required to file the plan."
        ),
    )
    contact = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Who answers the public (a telephone line, an address). Required to file."),
    )
    notice_title = serializers.CharField(max_length=200)
    notice_text = serializers.CharField(max_length=5000)
    notice_title_en = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    notice_text_en = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, default=""
    )
    target_effectiveness = serializers.ChoiceField(
        choices=Effectiveness.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text=_(
            "Effectiveness-check level (FDA 21 CFR 7.42(b)(3)): the share of consignees the "
            "checks reach and verify. Default by class: I → A, II → B, III → C."
        ),
    )
    planned_start = serializers.DateField(required=False, allow_null=True, default=None)
    planned_end = serializers.DateField(required=False, allow_null=True, default=None)


class RecallCreateSerializer(_PlanFields):
    """Either ``batches`` and ``recall_type``, or ``incident``: the scope then follows from the
    incident's lots, and the type from who opens it (a regulator orders, the producer volunteers)."""

    batches = serializers.ListField(
        child=RecordId(),
        min_length=1,
        max_length=1000,
        required=False,
        help_text=_("Ids of the affected lots."),
    )
    recall_type = serializers.ChoiceField(choices=RecallType.choices, required=False)
    recall_category = serializers.ChoiceField(
        choices=RecallCategory.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text=_(
            "food (Food Recall Measures) or product (SAMR Order 19); default: food when the lots' "
            "product is food, else product."
        ),
    )
    risk_discovered_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_(
            "When the risk was discovered (default: now); a food recall's launch limit counts from it."
        ),
    )
    incident = RecordId(
        required=False,
        help_text=_("Open the recall from this incident (its lots are the scope)."),
    )

    def validate(self, attrs):
        if attrs.get("incident") is not None:
            if "batches" in attrs:
                raise serializers.ValidationError(
                    {
                        "batches": serializers.ErrorDetail(
                            str(
                                _(
                                    "A recall opened from an incident takes its lots from the incident; do not send batches."
                                )
                            ),
                            code="scope_from_incident",
                        )
                    }
                )
            return attrs
        for name in ("batches", "recall_type"):
            if name not in attrs:
                raise serializers.ValidationError(
                    {
                        name: serializers.ErrorDetail(
                            str(
                                _(
                                    "This field is required unless the recall is opened from an incident."
                                )
                            ),
                            code="required",
                        )
                    }
                )
        return attrs


class RecallUpdateSerializer(_PlanFields):
    """A draft's plan edit, or a re-filing of a filed plan (``reason`` required then)."""

    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for (
            field
        ) in self.fields.values():  # every field optional, no defaults: change only what is sent
            field.required = False
            field.default = serializers.empty


class DeadlineSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)
    rule = serializers.CharField(allow_null=True, help_text=_("The rulebook key."))
    value = serializers.JSONField(allow_null=True)
    unit = serializers.CharField(allow_null=True)
    citation = serializers.CharField(help_text=_("Instrument and article."))
    exempt = serializers.BooleanField(required=False)
    met = serializers.BooleanField(required=False)
    provisional = serializers.BooleanField(
        help_text=_(
            "Counted without the State Council holiday notice of a year it crosses (Monday to "
            "Friday); recomputed when that year is loaded."
        )
    )
    provisional_years = serializers.ListField(child=serializers.IntegerField(), required=False)
    provisional_reason = serializers.CharField(allow_blank=True)


class EffectivenessCheckSerializer(serializers.Serializer):
    level = serializers.CharField()
    check_percent = serializers.IntegerField(
        help_text=_("Share of the consignees the effectiveness checks reach and verify.")
    )
    consignees = serializers.IntegerField()
    consignees_to_check = serializers.IntegerField()
    citation = serializers.CharField()
    answered = serializers.IntegerField()
    response_rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        allow_null=True,
        help_text=_("Consignees who answered, % (a separate figure from the level)."),
    )


class RecallSerializer(serializers.ModelSerializer):
    linked_incidents = serializers.PrimaryKeyRelatedField(
        source="incidents", many=True, read_only=True
    )
    producer = OrganizationRefSerializer(read_only=True)
    ordered_by = OrganizationRefSerializer(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    lots = serializers.IntegerField(read_only=True)
    consignees = serializers.IntegerField(read_only=True)
    deadlines = serializers.SerializerMethodField()
    due_provisional = serializers.SerializerMethodField()
    effectiveness_check = serializers.SerializerMethodField()
    order_issued_by = OrganizationRefSerializer(read_only=True)

    @extend_schema_field(serializers.BooleanField())
    def get_due_provisional(self, recall) -> bool:
        """True when a deadline was counted across a year whose holiday notice is not loaded."""
        return law.due_provisional(recall)

    @extend_schema_field(DeadlineSerializer(many=True))
    def get_deadlines(self, recall):
        return DeadlineSerializer(law.deadlines(recall), many=True).data

    @extend_schema_field(EffectivenessCheckSerializer)
    def get_effectiveness_check(self, recall):
        consignees = getattr(recall, "consignees", None)
        answered = getattr(recall, "answered", None)
        if consignees is None or answered is None:
            notices = recall.notices.filter(included=True)
            consignees = notices.count()
            answered = notices.filter(acknowledged_at__isnull=False).count()
        return EffectivenessCheckSerializer(
            law.effectiveness(recall, consignees=consignees, answered=answered)
        ).data

    class Meta:
        model = Recall
        fields = [
            "id",
            "number",
            "producer",
            "ordered_by",
            "recall_type",
            "recall_category",
            "risk_discovered_at",
            "status",
            "status_label",
            *_PLAN,
            "category",
            "region_code",
            "product_names",
            "plan_version",
            "lots",
            "consignees",
            "scope_proposed_at",
            "scope_confirmed_at",
            "units_planned",
            "units_producer_held",
            "units_sold",
            "objection_due_at",
            "objection_calendar_covered",
            "objected_at",
            "objection_reason",
            "objection_decided_at",
            "objection_upheld",
            "objection_decision_reason",
            "objection_expert_review",
            "order_issued_at",
            "order_issued_by",
            "order_reason",
            "plan_due_at",
            "plan_calendar_covered",
            "submitted_at",
            "approved_at",
            "activated_at",
            "completed_at",
            "closed_at",
            "closed_by_override",
            "ended_reason",
            "next_report_due_at",
            "summary_due_at",
            "summary_calendar_covered",
            "start_due_at",
            "complete_due_at",
            "complete_calendar_covered",
            "due_provisional",
            "deadlines",
            "effectiveness_check",
            "created_at",
        ]
        read_only_fields = fields


class ScopeLotSerializer(serializers.ModelSerializer):
    gtin = serializers.CharField(source="batch.gtin")
    lot = serializers.CharField(source="batch.lot")
    product = serializers.CharField(source="batch.product.name", default="")
    status = serializers.CharField(source="batch.status")

    class Meta:
        model = RecallBatch
        fields = [
            "batch",
            "gtin",
            "lot",
            "product",
            "status",
            "distance",
            "source",
            "included",
            "edit_reason",
        ]


class ScopeEditSerializer(serializers.Serializer):
    batch = RecordId(required=False)
    organization = RecordId(required=False)
    include = serializers.BooleanField()
    reason = serializers.CharField(max_length=2000, allow_blank=True)


class ScopeUpdateSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(required=False, default=False)
    edits = ScopeEditSerializer(many=True, required=False, default=list)


class NoticeSerializer(serializers.ModelSerializer):
    organization = OrganizationRefSerializer(read_only=True)
    answered = serializers.SerializerMethodField()
    ack_url = serializers.SerializerMethodField()

    class Meta:
        model = RecallNotice
        fields = [
            "id",
            "organization",
            "included",
            "edit_reason",
            "lots",
            "received",
            "sold_on",
            "held",
            "notified_at",
            "acknowledged_at",
            "last_answer_at",
            "answered",
            "on_hand",
            "returned",
            "destroyed",
            "corrected",
            "reminders_sent",
            "escalated_at",
            "ack_url",
        ]

    def get_answered(self, notice) -> bool:
        return notice.acknowledged_at is not None

    def get_ack_url(self, notice) -> str | None:
        """Only the consignee itself sees its link (anyone holding it may answer)."""
        return self.context.get("ack_urls", {}).get(notice.pk)


class RecallTimelineSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None)
    actor_organization = OrganizationRefSerializer(read_only=True)

    class Meta:
        model = RecallTimelineEntry
        fields = ["id", "at", "action", "actor", "actor_organization", "reason", "data"]


class ActivateInput(serializers.Serializer):
    confirm_scope = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_(
            "Confirm the changes to the scope a refused start listed (409 scope_changed); "
            "changes found in this very call are refused again."
        ),
    )


class RecallReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000, allow_blank=True, required=False, default="")


class OrderInput(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)
    expert_review = serializers.CharField(
        max_length=5000,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("The experts' review, testing or appraisal the order rests on."),
    )


class DecideObjectionInput(serializers.Serializer):
    upheld = serializers.BooleanField(
        help_text=_("True: the objection stands and the recall is withdrawn; false: it stands.")
    )
    reason = serializers.CharField(max_length=5000)
    expert_review = serializers.CharField(
        max_length=5000,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("The experts' review, testing or appraisal the decision rests on."),
    )


class RecallCloseSerializer(RecallReasonSerializer):
    override = serializers.BooleanField(required=False, default=False)


class _ReportInput(serializers.Serializer):
    units_recovered = Quantity(required=False, allow_null=True, default=None)
    units_corrected = Quantity(required=False, allow_null=True, default=None)
    units_destroyed = Quantity(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class ProgressReportInput(_ReportInput):
    pass


class SummaryReportInput(_ReportInput):
    conclusion = serializers.CharField(max_length=10000)


_FIGURES = [
    "consignees_total",
    "consignees_notified",
    "consignees_answered",
    "units_recovered",
    "units_corrected",
    "units_destroyed",
    "units_planned",
    "units_sold",
    "recalled_over_sold",
    "recalled_over_planned",
    "effectiveness",
    "target_effectiveness",
    "target_met",
    "note",
    "filed_at",
]


class ProgressReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = RecallProgressReport
        fields = ["id", "sequence", *_FIGURES]


class SummaryReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = RecallSummaryReport
        fields = ["id", "conclusion", *_FIGURES]


class DrillInput(serializers.Serializer):
    batches = serializers.ListField(child=RecordId(), min_length=1, max_length=1000)


class DrillSerializer(serializers.ModelSerializer):
    class Meta:
        model = RecallDrill
        fields = [
            "id",
            "at",
            "batch_ids",
            "lots",
            "holders",
            "units_held",
            "scope_seconds",
            "notices_seconds",
            "ack_seconds",
            "total_seconds",
        ]


class AckInput(serializers.Serializer):
    on_hand = Quantity(required=False, default=Decimal(0))
    returned = Quantity(required=False, default=Decimal(0))
    destroyed = Quantity(required=False, default=Decimal(0))
    corrected = Quantity(required=False, default=Decimal(0))
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    FIGURES = ("on_hand", "returned", "destroyed", "corrected")

    def validate(self, attrs):
        # An answer is evidence of what the consignee holds: an empty one says nothing.
        if not any(name in self.initial_data for name in self.FIGURES):
            raise serializers.ValidationError(
                {
                    "on_hand": [
                        serializers.ErrorDetail(
                            _(
                                "State at least one figure: on hand, returned, destroyed or corrected."
                            ),
                            code="figures_required",
                        )
                    ]
                }
            )
        return attrs
