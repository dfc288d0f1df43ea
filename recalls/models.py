"""Defect recalls: the recall and its plan versions, its scope (lots and holders,
from the trace graph), the consignees' notices and acknowledgements, the
progress and summary reports, the drill record and the timeline.

The state machine lives in ``recalls.services`` (``TRANSITIONS``); every change
goes through a service that writes a ``RecallTimelineEntry`` in the same
transaction.
"""

from decimal import Decimal
from trace.models import Batch

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import Organization, TimeStampedModel
from core.timeline import TimelineEntry
from incidents.models import Incident

from . import policy
from .choices import (
    Effectiveness,
    RecallCategory,
    RecallDepth,
    RecallStatus,
    RecallType,
    ScopeSource,
)

# What consignees see (``policy.NOTIFIED_STATUSES``) and what the public sees.
NOTIFIED_STATUSES = policy.NOTIFIED_STATUSES
PUBLIC_STATUSES = (RecallStatus.ACTIVE, RecallStatus.COMPLETED, RecallStatus.CLOSED)
QUANTITY = dict(
    max_digits=18, decimal_places=3, default=Decimal(0), validators=[MinValueValidator(0)]
)


class RecallQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The recalls ``user`` may read (``policy.visible_to``)."""
        return policy.visible_to(user, self)

    def public(self):
        return self.filter(status__in=PUBLIC_STATUSES)


class Recall(TimeStampedModel):
    """One defect recall of a producer's lots, from draft to closure (SAMR Order 19)."""

    number = models.CharField(_("recall number"), max_length=32, unique=True)
    producer = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="recalls", verbose_name=_("producer")
    )
    ordered_by = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="ordered_recalls",
        null=True,
        blank=True,
        verbose_name=_("ordered by"),
        help_text=_("The regulator that ordered the recall (责令召回)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("created by"),
    )
    recall_type = models.CharField(_("recall type"), max_length=16, choices=RecallType.choices)
    recall_category = models.CharField(
        _("recall category"),
        max_length=16,
        choices=RecallCategory.choices,
        default=RecallCategory.PRODUCT,
        help_text=_(
            "Food (Food Recall Measures) or a consumer product (SAMR Order 19): the law whose "
            "grades and time limits apply."
        ),
    )
    risk_discovered_at = models.DateTimeField(
        _("risk discovered at"),
        null=True,
        blank=True,
        help_text=_(
            "When the producer discovered the risk: the start limit of a food recall counts from it, and it dates the recall for the rules in force."
        ),
    )
    start_due_at = models.DateTimeField(_("recall launch due at"), null=True, blank=True)
    complete_due_at = models.DateTimeField(_("recall completion due at"), null=True, blank=True)
    recall_class = models.PositiveSmallIntegerField(
        _("recall class"), validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    status = models.CharField(
        _("status"), max_length=16, choices=RecallStatus.choices, default=RecallStatus.DRAFT
    )
    # Denormalised from the affected lots and the producer, for the public filters.
    category = models.CharField(_("product category"), max_length=32, blank=True, db_index=True)
    region_code = models.CharField(_("producer region code"), max_length=6, db_index=True)
    product_names = models.JSONField(_("products"), default=list, blank=True)

    defect = models.TextField(_("defect"))
    hazard = models.TextField(_("hazard"))
    root_cause = models.TextField(_("root cause"), blank=True)
    # The API calls this ``linked_incidents``; the incident shows its recalls (``incident.recalls``).
    incidents = models.ManyToManyField(
        Incident, related_name="recalls", blank=True, verbose_name=_("linked incidents")
    )
    # A loose link by id until complaints live in main.
    linked_complaints = models.JSONField(_("linked complaints"), default=list, blank=True)
    depth = models.CharField(
        _("recall depth"), max_length=16, choices=RecallDepth.choices, default=RecallDepth.CONSUMER
    )
    remedies = models.JSONField(_("remedies offered"), default=list)
    remedies_reason = models.TextField(_("why fewer than the usual remedies"), blank=True)
    # What the public notice tells consumers to do now (stop using, stop eating, return...).
    consumer_action = models.TextField(_("what consumers should do now"), blank=True)
    # Who answers the public's questions (a telephone line, an address): the plan's contact.
    contact = models.CharField(_("contact for the public"), max_length=500, blank=True)
    notice_title = models.CharField(_("notice title"), max_length=200)
    notice_text = models.TextField(_("notice text"))
    notice_title_en = models.CharField(_("notice title (English)"), max_length=200, blank=True)
    notice_text_en = models.TextField(_("notice text (English)"), blank=True)
    target_effectiveness = models.CharField(
        _("target effectiveness"),
        max_length=1,
        choices=Effectiveness.choices,
        default=Effectiveness.A,
    )
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    plan_version = models.PositiveIntegerField(_("plan version"), default=1)

    scope_proposed_at = models.DateTimeField(_("scope proposed at"), null=True, blank=True)
    scope_confirmed_at = models.DateTimeField(_("scope confirmed at"), null=True, blank=True)
    units_planned = models.DecimalField(_("units to recover (held when scoped)"), **QUANTITY)
    units_producer_held = models.DecimalField(
        _("units still held by the producer (in the units to recover)"), **QUANTITY
    )
    units_sold = models.DecimalField(_("units distributed (sold on)"), **QUANTITY)

    objection_due_at = models.DateTimeField(_("objection window ends"), null=True, blank=True)
    objection_calendar_covered = models.BooleanField(
        _("objection window computed with the holiday calendar"), default=True
    )
    objected_at = models.DateTimeField(_("objection lodged at"), null=True, blank=True)
    objection_reason = models.TextField(_("objection reasons"), blank=True)
    objection_decided_at = models.DateTimeField(_("objection decided at"), null=True, blank=True)
    objection_upheld = models.BooleanField(_("objection upheld"), null=True, blank=True)
    objection_decision_reason = models.TextField(_("reasons for the decision"), blank=True)
    objection_expert_review = models.TextField(_("expert review, testing or appraisal"), blank=True)
    # The order (责令召回) that follows a notice to recall that stands: SAMR's own (Order 19
    # Art. 14), after the objection window or the decision on an objection.
    order_issued_at = models.DateTimeField(_("recall ordered at"), null=True, blank=True)
    order_issued_by = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="recall_orders",
        null=True,
        blank=True,
        verbose_name=_("ordered by (SAMR)"),
    )
    order_reason = models.TextField(_("reasons for the order"), blank=True)
    # The plan's filing limit (a consumer product, SAMR Order 19 Art. 17).
    plan_due_at = models.DateTimeField(_("recall plan due at"), null=True, blank=True)
    plan_calendar_covered = models.BooleanField(
        _("plan deadline computed with the holiday calendar"), default=True
    )
    complete_calendar_covered = models.BooleanField(
        _("completion deadline computed with the holiday calendar"), default=True
    )
    submitted_at = models.DateTimeField(_("plan filed at"), null=True, blank=True)
    approved_at = models.DateTimeField(
        _("plan acknowledged by the regulator at"), null=True, blank=True
    )
    activated_at = models.DateTimeField(
        _("recall started at"), null=True, blank=True, db_index=True
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    ended_reason = models.TextField(_("reason for ending"), blank=True)
    closed_by_override = models.BooleanField(_("closed by override"), default=False)

    # Deadlines (columns, swept by ``recalls.sweeps``): the next progress report
    # and the summary report; ``*_check_at`` is when the sweep next looks.
    next_report_due_at = models.DateTimeField(
        _("next progress report due at"), null=True, blank=True
    )
    report_check_at = models.DateTimeField(
        _("progress report next checked at"), null=True, blank=True
    )
    summary_due_at = models.DateTimeField(_("summary report due at"), null=True, blank=True)
    summary_calendar_covered = models.BooleanField(
        _("summary report deadline computed with the holiday calendar"), default=True
    )
    summary_check_at = models.DateTimeField(
        _("summary report next checked at"), null=True, blank=True
    )

    objects = RecallQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("recall")
        verbose_name_plural = _("recalls")
        constraints = [
            models.CheckConstraint(
                name="recall_class_1_to_3", condition=Q(recall_class__gte=1, recall_class__lte=3)
            ),
            models.CheckConstraint(
                name="recall_ordered_has_regulator",
                condition=~Q(recall_type=RecallType.ORDERED) | Q(ordered_by__isnull=False),
            ),
        ]
        indexes = [
            models.Index(
                fields=["report_check_at"],
                name="recall_report_check_idx",
                condition=Q(status=RecallStatus.ACTIVE),
            ),
            models.Index(
                fields=["summary_check_at"],
                name="recall_summary_check_idx",
                condition=Q(status=RecallStatus.COMPLETED),
            ),
            # A progress report overdue before a completion the sweep has not caught up with.
            models.Index(
                fields=["report_check_at"],
                name="recall_report_check_done_idx",
                condition=Q(status=RecallStatus.COMPLETED, report_check_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.number


class RecallPlanVersion(models.Model):
    """The plan as filed (备案): version 1 at submission, one more each time it is re-filed."""

    recall = models.ForeignKey(
        Recall, on_delete=models.CASCADE, related_name="plan_versions", verbose_name=_("recall")
    )
    version = models.PositiveIntegerField(_("version"))
    plan = models.JSONField(_("plan as filed"))
    reason = models.TextField(_("reason"), blank=True)
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("filed by"),
    )

    class Meta:
        ordering = ["recall", "version"]
        verbose_name = _("recall plan version")
        verbose_name_plural = _("recall plan versions")
        constraints = [
            models.UniqueConstraint(fields=["recall", "version"], name="recall_plan_unique_version")
        ]


class RecallBatch(models.Model):
    """A lot in a recall's scope: affected, or made from one (``distance`` steps down)."""

    recall = models.ForeignKey(
        Recall, on_delete=models.CASCADE, related_name="scope_batches", verbose_name=_("recall")
    )
    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, related_name="recall_links", verbose_name=_("batch")
    )
    distance = models.PositiveIntegerField(_("steps down from an affected lot"), default=0)
    source = models.CharField(_("source"), max_length=16, choices=ScopeSource.choices)
    included = models.BooleanField(_("included in the scope"), default=True)
    edit_reason = models.TextField(_("reason for the change"), blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("lot in a recall's scope")
        verbose_name_plural = _("lots in recalls' scope")
        constraints = [
            models.UniqueConstraint(fields=["recall", "batch"], name="recall_batch_unique")
        ]
        indexes = [models.Index(fields=["batch", "recall"], name="recall_batch_by_batch_idx")]


class RecallHolding(models.Model):
    """What one organization did with one lot of the scope: produced, received, sold on, still holds."""

    recall = models.ForeignKey(
        Recall, on_delete=models.CASCADE, related_name="holdings", verbose_name=_("recall")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("holder")
    )
    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, related_name="+", verbose_name=_("batch")
    )
    produced = models.DecimalField(_("quantity produced"), **QUANTITY)
    received = models.DecimalField(_("quantity received"), **QUANTITY)
    sold_on = models.DecimalField(_("quantity sold on"), **QUANTITY)
    used = models.DecimalField(_("used in production"), **QUANTITY)
    held = models.DecimalField(_("quantity held"), **QUANTITY)

    class Meta:
        ordering = ["id"]
        verbose_name = _("recall holding")
        verbose_name_plural = _("recall holdings")
        constraints = [
            models.UniqueConstraint(
                fields=["recall", "organization", "batch"], name="recall_holding_unique"
            ),
        ]


class RecallNotice(models.Model):
    """One consignee of a recall: what it holds, its notice, reminders and its answers."""

    recall = models.ForeignKey(
        Recall, on_delete=models.CASCADE, related_name="notices", verbose_name=_("recall")
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="recall_notices",
        verbose_name=_("consignee"),
    )
    included = models.BooleanField(_("included in the scope"), default=True)
    edit_reason = models.TextField(_("reason for the change"), blank=True)
    lots = models.PositiveIntegerField(_("affected lots received"), default=0)
    received = models.DecimalField(_("quantity received"), **QUANTITY)
    sold_on = models.DecimalField(_("quantity sold on"), **QUANTITY)
    held = models.DecimalField(_("quantity held"), **QUANTITY)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("receipt confirmed at"), null=True, blank=True)
    last_answer_at = models.DateTimeField(_("last answered at"), null=True, blank=True)
    on_hand = models.DecimalField(_("quantity on hand"), **QUANTITY)
    returned = models.DecimalField(_("quantity returned"), **QUANTITY)
    destroyed = models.DecimalField(_("quantity destroyed"), **QUANTITY)
    corrected = models.DecimalField(_("quantity corrected"), **QUANTITY)
    reminders_sent = models.PositiveIntegerField(_("reminders sent"), default=0)
    next_reminder_at = models.DateTimeField(_("next reminder at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated unanswered at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("recall notice")
        verbose_name_plural = _("recall notices")
        constraints = [
            models.UniqueConstraint(fields=["recall", "organization"], name="recall_notice_unique")
        ]
        indexes = [
            models.Index(
                fields=["next_reminder_at"],
                name="recall_notice_reminder_idx",
                condition=Q(acknowledged_at__isnull=True, next_reminder_at__isnull=False),
            ),
        ]

    @property
    def recovered(self) -> Decimal:
        return self.returned + self.destroyed + self.corrected


class RecallAckToken(models.Model):
    """An acknowledgement link. Only the SHA-256 of the token is stored; the token is
    an HMAC of ``nonce`` under the server's key, so the consignee's own signed-in
    view can show its link again while a leaked table reveals no working link."""

    notice = models.ForeignKey(
        RecallNotice,
        on_delete=models.CASCADE,
        related_name="tokens",
        verbose_name=_("recall notice"),
    )
    nonce = models.CharField(_("nonce"), max_length=32, unique=True)
    token_hash = models.CharField(_("SHA-256 of the token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("acknowledgement link")
        verbose_name_plural = _("acknowledgement links")


class RecallAcknowledgement(models.Model):
    """One answer a consignee gave through its link: receipt confirmed and quantities."""

    notice = models.ForeignKey(
        RecallNotice,
        on_delete=models.CASCADE,
        related_name="answers",
        verbose_name=_("recall notice"),
    )
    token = models.OneToOneField(
        RecallAckToken,
        on_delete=models.PROTECT,
        related_name="answer",
        verbose_name=_("acknowledgement link"),
    )
    at = models.DateTimeField(_("answered at"), auto_now_add=True)
    on_hand = models.DecimalField(_("quantity on hand"), **QUANTITY)
    returned = models.DecimalField(_("quantity returned"), **QUANTITY)
    destroyed = models.DecimalField(_("quantity destroyed"), **QUANTITY)
    corrected = models.DecimalField(_("quantity corrected"), **QUANTITY)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("consignee's answer")
        verbose_name_plural = _("consignees' answers")


class _ReportFigures(models.Model):
    consignees_total = models.PositiveIntegerField(_("consignees in all"), default=0)
    consignees_notified = models.PositiveIntegerField(_("consignees notified"), default=0)
    consignees_answered = models.PositiveIntegerField(_("consignees who answered"), default=0)
    units_recovered = models.DecimalField(_("units recovered"), **QUANTITY)
    units_corrected = models.DecimalField(_("units corrected"), **QUANTITY)
    units_destroyed = models.DecimalField(_("units destroyed"), **QUANTITY)
    units_planned = models.DecimalField(_("units to recover (held when scoped)"), **QUANTITY)
    units_sold = models.DecimalField(_("units distributed (sold on)"), **QUANTITY)
    recalled_over_sold = models.DecimalField(
        _("recovered of distributed, %"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    recalled_over_planned = models.DecimalField(
        _("recovered of units to recover, %"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
    )
    # None: no consignee to check (not 100 % of nothing).
    effectiveness = models.DecimalField(
        _("consignees answered, %"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    target_effectiveness = models.CharField(
        _("target effectiveness"), max_length=1, choices=Effectiveness.choices
    )
    target_met = models.BooleanField(_("target met"), default=False)
    note = models.TextField(_("note"), blank=True)
    filed_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("submitted by"),
    )

    class Meta:
        abstract = True


class RecallProgressReport(_ReportFigures):
    """A periodic progress report (SAMR Order 19: default every 3 months; class I more often)."""

    recall = models.ForeignKey(
        Recall, on_delete=models.CASCADE, related_name="progress_reports", verbose_name=_("recall")
    )
    sequence = models.PositiveIntegerField(_("report number"))

    class Meta:
        ordering = ["recall", "sequence"]
        verbose_name = _("recall progress report")
        verbose_name_plural = _("recall progress reports")
        constraints = [
            models.UniqueConstraint(fields=["recall", "sequence"], name="recall_progress_unique")
        ]


class RecallSummaryReport(_ReportFigures):
    """The summary report after completion (default within 15 working days)."""

    recall = models.OneToOneField(
        Recall, on_delete=models.CASCADE, related_name="summary_report", verbose_name=_("recall")
    )
    conclusion = models.TextField(_("conclusion"))

    class Meta:
        verbose_name = _("recall summary report")
        verbose_name_plural = _("recall summary reports")


class RecallDrill(models.Model):
    """A mock recall: the scope, notices and an acknowledgement round computed, nobody told, nothing changed."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="recall_drills",
        verbose_name=_("enterprise"),
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("started by"),
    )
    at = models.DateTimeField(_("run at"), auto_now_add=True)
    batch_ids = models.JSONField(_("IDs of the lots drilled"), default=list)
    lots = models.PositiveIntegerField(_("lots in scope"), default=0)
    holders = models.PositiveIntegerField(_("consignees reached"), default=0)
    units_held = models.DecimalField(_("units the consignees hold"), **QUANTITY)
    scope_seconds = models.FloatField(_("scope from the trace graph (s)"), default=0)
    notices_seconds = models.FloatField(_("notices and links written (s)"), default=0)
    ack_seconds = models.FloatField(_("acknowledgement round (s)"), default=0)
    total_seconds = models.FloatField(_("total (s)"), default=0)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("recall drill")
        verbose_name_plural = _("recall drills")


class RecallTimelineEntry(TimelineEntry):
    """One thing that happened to a recall (append-only)."""

    recall = models.ForeignKey(
        Recall, on_delete=models.PROTECT, related_name="timeline", verbose_name=_("recall")
    )
    subject_field = "recall"

    class Meta(TimelineEntry.Meta):
        verbose_name = _("recall timeline entry")
        verbose_name_plural = _("recall timeline entries")
