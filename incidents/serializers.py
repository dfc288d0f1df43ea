from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from . import policy
from .choices import Category, Grade, Kind, Level, Source, TransferTarget
from .models import Incident, IncidentAttachment, IncidentTimeline


class IncidentSerializer(serializers.ModelSerializer):
    batches = serializers.SerializerMethodField()
    reporter_name = serializers.CharField(source="reporter.name", read_only=True)
    grade_provisional = serializers.BooleanField(read_only=True)
    levels_reached = serializers.ListField(
        child=serializers.ChoiceField(choices=Level.choices),
        read_only=True,
        help_text=_(
            "The levels the incident has reached; a level skipped upward is not among them."
        ),
    )
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    allowed_actions = serializers.SerializerMethodField()
    deadline_note = serializers.SerializerMethodField()
    recalls = serializers.SerializerMethodField(
        help_text=_("Recalls opened from or linked to this incident that you can see.")
    )

    class Meta:
        model = Incident
        fields = [
            "id",
            "kind",
            "category",
            "recalled_abroad",
            "source",
            "title",
            "description",
            "reporter",
            "reporter_name",
            "enterprise",
            "batches",
            "region_code",
            "occurred_at",
            "discovered_at",
            "reported_at",
            "report_due_at",
            "reported_late",
            "deaths",
            "serious_injuries",
            "minor_injuries",
            "direct_loss",
            "affected_quantity",
            "measures_taken",
            "grade",
            "grade_provisional",
            "computed_grade",
            "status",
            "allowed_actions",
            "level",
            "required_level",
            "handling_level",
            "investigating_level",
            "level_reached_at",
            "levels_reached",
            "level_acknowledged",
            "reminders_sent",
            "escalation_due_at",
            "reminder_due_at",
            "supplement_due_at",
            "investigation_due_at",
            "investigation_extended",
            "written_report_due_at",
            "overdue",
            "overdue_since",
            "calendar_covered",
            "deadline_note",
            "accepted_at",
            "concluded_at",
            "closed_at",
            "findings",
            "public_result",
            "transfer_target",
            "transfer_body",
            "transfer_reference",
            "merged_into",
            "recalls",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_recalls(self, obj) -> list[dict]:
        """Through the reverse relation the recalls app declares (``incident.recalls``):
        incidents imports nothing of recalls; the recalls' own visibility rule applies."""
        request = self.context.get("request")
        if request is None or not hasattr(obj, "recalls"):
            return []
        return [
            {"id": r.pk, "number": r.number, "recall_type": r.recall_type, "status": r.status}
            for r in obj.recalls.visible_to(request.user).order_by("id")
        ]

    def get_batches(self, obj) -> list[int]:
        return [link.batch_id for link in obj.batch_links.all()]

    def get_allowed_actions(self, obj) -> list[str]:
        return policy.allowed_actions(obj.status)

    def get_deadline_note(self, obj) -> str:
        return "" if obj.calendar_covered else str(_("computed without the holiday calendar"))


# How the list writes datetimes and money: as the declared fields would (outside the class,
# where DRF would take them for fields).
_DATETIME = serializers.DateTimeField()
_MONEY = serializers.DecimalField(max_digits=16, decimal_places=2)


class IncidentListSerializer(IncidentSerializer):
    """The list row: what a regulator scans in a table (the detail has every deadline)."""

    class Meta(IncidentSerializer.Meta):
        fields = [
            "id",
            "kind",
            "category",
            "title",
            "reporter",
            "reporter_name",
            "enterprise",
            "batches",
            "region_code",
            "occurred_at",
            "reported_at",
            "reported_late",
            "deaths",
            "serious_injuries",
            "direct_loss",
            "grade",
            "grade_provisional",
            "status",
            "level",
            "required_level",
            "overdue",
            "next_due_at",
        ]
        read_only_fields = fields

    # The columns the list reads (the view defers the rest: descriptions, findings, …).
    COLUMNS = [
        *(
            "id",
            "kind",
            "category",
            "title",
            "reporter_id",
            "enterprise_id",
            "region_code",
            "occurred_at",
        ),
        *("reported_at", "reported_late", "deaths", "serious_injuries", "direct_loss", "grade"),
        *("grade_confirmed", "status", "level", "required_level", "is_overdue", "next_due_at"),
    ]

    # What the page reads for a row: the columns and the reporter's name (value rows, no
    # model instances: ``incidents.listing.CountOncePaginator``).
    VALUES = (*COLUMNS, "reporter__name")

    def to_representation(self, obj) -> dict:
        """The row written directly: the fields declared above document it (the API schema; a
        test holds the two equal), ``rows`` writes it without DRF's per-field lookups, which
        cost more than reading the page from the database."""
        values = {column: getattr(obj, column) for column in self.COLUMNS}
        values["reporter__name"] = obj.reporter.name
        return self.rows([values], {obj.pk: self.get_batches(obj)})[0]

    @classmethod
    def rows(cls, page: list[dict], batches: dict[int, list[int]]) -> list[dict]:
        """The list's rows from the page's value rows (``VALUES``) and each incident's batch
        ids (in the order they were named)."""
        zone = _DATETIME.default_timezone()  # as DRF's DateTimeField writes it, zone read once
        iso = api_settings.DATETIME_FORMAT.lower() == ISO_8601

        def when(value):
            if value is None:
                return None
            if zone is None or value.tzinfo is None or not iso:
                return _DATETIME.to_representation(value)
            text = value.astimezone(zone).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text

        return [
            {
                "id": v["id"],
                "kind": v["kind"],
                "category": v["category"],
                "title": v["title"],
                "reporter": v["reporter_id"],
                "reporter_name": v["reporter__name"],
                "enterprise": v["enterprise_id"],
                "batches": batches.get(v["id"], []),
                "region_code": v["region_code"],
                "occurred_at": when(v["occurred_at"]),
                "reported_at": when(v["reported_at"]),
                "reported_late": v["reported_late"],
                "deaths": v["deaths"],
                "serious_injuries": v["serious_injuries"],
                "direct_loss": _MONEY.to_representation(v["direct_loss"]),
                "grade": v["grade"],
                "grade_provisional": not v["grade_confirmed"],
                "status": v["status"],
                "level": v["level"],
                "required_level": v["required_level"],
                "overdue": v["is_overdue"],
                "next_due_at": when(v["next_due_at"]),
            }
            for v in page
        ]


class IncidentCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20000)
    kind = serializers.ChoiceField(choices=Kind.choices, default=Kind.INCIDENT)
    category = serializers.ChoiceField(
        choices=Category.choices,
        default=Category.PRODUCT,
        help_text=_(
            "food (Food Safety Law), special_equipment (SAMR Order 50) or product (the local "
            "emergency plan): who is reported to, how fast, the grade and who investigates."
        ),
    )
    recalled_abroad = serializers.BooleanField(
        default=False,
        help_text=_("The product is being recalled abroad (SAMR Order 19 Art. 8 (2))."),
    )
    source = serializers.ChoiceField(
        choices=Source.choices,
        required=False,
        help_text=_("Regulators only: inspection, complaint, report, media, other."),
    )
    batches = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list
    )
    region_code = serializers.CharField(max_length=6)
    occurred_at = serializers.DateTimeField()
    discovered_at = serializers.DateTimeField()
    deaths = serializers.IntegerField(min_value=0, default=0)
    serious_injuries = serializers.IntegerField(min_value=0, default=0)
    minor_injuries = serializers.IntegerField(min_value=0, default=0)
    direct_loss = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0, default=0)
    affected_quantity = serializers.DecimalField(
        max_digits=18, decimal_places=3, min_value=0, required=False, allow_null=True
    )
    measures_taken = serializers.CharField(
        max_length=20000, required=False, allow_blank=True, default=""
    )
    enterprise = serializers.IntegerField(
        required=False, min_value=1, help_text=_("Regulators only: the enterprise concerned.")
    )

    def validate(self, attrs):
        for name in ("deaths", "serious_injuries", "minor_injuries"):
            if attrs.get(name, 0) > settings.INCIDENT_MAX_CASUALTIES:
                raise serializers.ValidationError(
                    {
                        name: serializers.ErrorDetail(
                            str(_("This figure is implausibly large; check it.")),
                            code="implausible",
                        )
                    }
                )
        return attrs


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class RequiredReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class UrgeSerializer(ReasonSerializer):
    due_at = serializers.DateTimeField(
        help_text=_("The deadline by which the handling level is to act.")
    )


class GradeSerializer(RequiredReasonSerializer):
    grade = serializers.ChoiceField(choices=Grade.choices)


class ReportUpSerializer(ReasonSerializer):
    inform_skipped = serializers.BooleanField(
        default=False,
        help_text=_(
            "Also inform the levels skipped so far: they are notified and see the incident, "
            "but do not hold it."
        ),
    )
    to_level = serializers.ChoiceField(
        choices=Level.choices,
        required=False,
        help_text=_("Skip upward (越级上报) to this level; default the next."),
    )


class MergeSerializer(RequiredReasonSerializer):
    into = serializers.IntegerField(min_value=1)


class ConcludeSerializer(ReasonSerializer):
    findings = serializers.CharField(max_length=50000)
    public_result = serializers.CharField(max_length=20000)


class TransferSerializer(ReasonSerializer):
    target = serializers.ChoiceField(choices=TransferTarget.choices)
    body = serializers.CharField(max_length=200)
    reference = serializers.CharField(max_length=100)


class SupplementSerializer(ReasonSerializer):
    deaths = serializers.IntegerField(min_value=0, required=False)
    serious_injuries = serializers.IntegerField(min_value=0, required=False)
    minor_injuries = serializers.IntegerField(min_value=0, required=False)
    direct_loss = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=0, required=False
    )
    affected_quantity = serializers.DecimalField(
        max_digits=18, decimal_places=3, min_value=0, required=False
    )
    written_report = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("This is the award holder's written report (seed 004)."),
    )


class AnswerSerializer(serializers.Serializer):
    statement = serializers.CharField(
        max_length=5000,
        help_text=_("The enterprise's answer to what was filed against it, put on the timeline."),
    )


class TimelineSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, read_only=True)
    actor_organization_name = serializers.CharField(
        source="actor_organization.name", default=None, read_only=True
    )

    class Meta:
        model = IncidentTimeline
        fields = [
            "id",
            "at",
            "action",
            "actor",
            "actor_organization",
            "actor_organization_name",
            "reason",
            "data",
        ]
        read_only_fields = fields


class AttachmentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = IncidentAttachment
        fields = [
            "id",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        return f"/api/v1/incidents/{obj.incident_id}/attachments/{obj.pk}/"


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class CountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_grade = serializers.DictField(child=serializers.IntegerField())
    by_status = serializers.DictField(child=serializers.IntegerField())
