"""Complaints, their photos and timeline; reports (举报) and their timeline; risk signals and their timeline; consumer warnings;
counts of scanned codes that name no lot (where a scan came from is on ``trace``'s scan log)."""

from trace.models import Batch

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import Organization, TimeStampedModel, organization_of
from core.timeline import TimelineEntry
from incidents.models import Incident

from .choices import (
    OPEN_COMPLAINT_STATUSES,
    OPEN_REPORT_STATUSES,
    Claim,
    ComplaintStatus,
    DeclineGround,
    Outcome,
    ReportSource,
    ReportStatus,
    RespondentKind,
    SignalKind,
    SignalStatus,
    TerminationGround,
)
from .titles import signal_title

OPEN_COMPLAINT_Q = Q(status__in=OPEN_COMPLAINT_STATUSES)
# Mediation terminated and both parties not told yet (SAMR Order 20 Art. 21 ¶2): a duty of the
# handling regulator that outlives the complaint's closing.
PARTIES_NOTICE_OWED_Q = Q(parties_notice_due_at__isnull=False, parties_notified_at__isnull=True)


def _regulator_scope(queryset, user, field: str):
    org = organization_of(user)
    if org is None or not org.is_regulator:
        return queryset.none()
    prefix = org.jurisdiction_prefix
    return queryset.filter(**{f"{field}__startswith": prefix}) if prefix else queryset


class ComplaintQuerySet(models.QuerySet):
    def open(self):
        return self.filter(OPEN_COMPLAINT_Q)

    def visible_to(self, user):
        """Regulators whose jurisdiction contains the handling place; nobody else (the consumer
        reads only its own status, by tracking code)."""
        return _regulator_scope(self, user, "region_code")


class Complaint(TimeStampedModel):
    """A consumer's complaint about a lot, handled by the county regulator of the place
    (SAMR Order 20). Contact details (name, phone, postal address) are a Fernet token, readable
    only by the handler. A complaint gives what Order 20 Art. 9 asks: the complainant's name,
    phone and address; the respondent (seller or maker) and its address; the claim and the
    facts (``description``); one without them (``complete`` False: an old client's) can only be
    declined (Art. 15 (5)) or turned into a report."""

    tracking_code = models.CharField(_("tracking code"), max_length=10, unique=True)
    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("batch")
    )
    description = models.TextField(pgettext_lazy("complaint", "what happened"))
    claim = models.CharField(_("claim"), max_length=16, choices=Claim.choices, blank=True)
    claim_detail = models.CharField(_("what exactly is asked"), max_length=500, blank=True)
    complete = models.BooleanField(_("gives what SAMR Order 20 Art. 9 requires"), default=True)
    respondent_kind = models.CharField(
        _("respondent is the"), max_length=8, choices=RespondentKind.choices, blank=True
    )
    respondent_name = models.CharField(_("respondent"), max_length=200, blank=True)
    respondent_address = models.CharField(_("respondent's address"), max_length=300, blank=True)
    respondent_credit_code = models.CharField(
        _("respondent's unified social credit code"), max_length=18, blank=True
    )
    respondent_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="complaints_against",
        null=True,
        blank=True,
        verbose_name=_("respondent enterprise (registered here)"),
    )
    purchase_place = models.CharField(_("where it was bought"), max_length=300, blank=True)
    purchase_date = models.DateField(_("when it was bought"), null=True, blank=True)
    purchase_price = models.DecimalField(
        _("price paid (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    consumer_consents_mediation = models.BooleanField(
        _("the complainant agrees to mediation"), default=True
    )
    respondent_answer = models.TextField(_("the respondent's answer"), blank=True)
    respondent_answered_at = models.DateTimeField(
        _("respondent answered at"), null=True, blank=True
    )
    respondent_consents_mediation = models.BooleanField(
        _("the respondent agrees to mediation"), null=True, blank=True
    )
    mediation_started_at = models.DateTimeField(_("mediation started at"), null=True, blank=True)
    paused_at = models.DateTimeField(_("testing or appraisal since"), null=True, blank=True)
    paused_seconds = models.PositiveBigIntegerField(
        _("seconds excluded for testing or appraisal"), default=0
    )
    testing_body = models.CharField(_("testing or appraisal body"), max_length=200, blank=True)
    testing_body_designated = models.BooleanField(
        _("testing body designated by the regulator"), default=False
    )
    decline_ground = models.CharField(
        _("ground for not accepting"), max_length=16, choices=DeclineGround.choices, blank=True
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    outcome_detail = models.TextField(_("what the consumer got"), blank=True)
    termination_ground = models.CharField(
        _("why mediation ended"), max_length=16, choices=TerminationGround.choices, blank=True
    )
    parties_notice_due_at = models.DateTimeField(
        _("both parties to be told by"), null=True, blank=True
    )
    parties_notified_at = models.DateTimeField(_("both parties told at"), null=True, blank=True)
    parties_notice_overdue = models.BooleanField(
        _("both parties not told in time (SAMR Order 20 Art. 21 ¶2)"), default=False
    )
    injured = models.BooleanField(_("someone was hurt"), default=False)
    contact_encrypted = models.BinaryField(
        _("contact details (encrypted)"), blank=True, default=b""
    )
    has_contact = models.BooleanField(_("contact details given"), default=False)
    region_code = models.CharField(
        _("region code of the handling place"), max_length=6, db_index=True
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ComplaintStatus.choices,
        default=ComplaintStatus.SUBMITTED,
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now, db_index=True)
    accept_due_at = models.DateTimeField(_("decision due at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    close_due_at = models.DateTimeField(_("mediation due at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    next_due_at = models.DateTimeField(_("next due at"), null=True, blank=True)
    is_overdue = models.BooleanField(_("overdue"), default=False)
    escalated = models.BooleanField(_("escalated to the level above"), default=False)
    calendar_covered = models.BooleanField(
        _("deadlines computed with the holiday calendar"), default=True
    )
    public_reason = models.TextField(_("reason told to the consumer"), blank=True)
    reply = models.TextField(_("reply to the consumer"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        related_name="duplicates",
        null=True,
        blank=True,
        verbose_name=_("merged into"),
    )
    incident = models.ForeignKey(
        Incident,
        on_delete=models.PROTECT,
        related_name="complaints",
        null=True,
        blank=True,
        verbose_name=_("incident"),
    )

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            models.Index(
                fields=["next_due_at"],
                name="complaint_open_next_due_idx",
                condition=OPEN_COMPLAINT_Q,
            ),
            models.Index(
                fields=["parties_notice_due_at"],
                name="complaint_notice_owed_idx",
                condition=PARTIES_NOTICE_OWED_Q,
            ),
            models.Index(fields=["region_code", "-submitted_at"], name="complaint_region_list_idx"),
            models.Index(
                fields=["batch", "injured", "submitted_at"], name="complaint_batch_injury_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_code

    @property
    def display_code(self) -> str:
        return f"{self.tracking_code[:5]}-{self.tracking_code[5:]}"

    @property
    def upheld(self) -> bool:
        """In the consumer's favour: mediation ended in an agreement (never mere acceptance)."""
        return self.outcome == Outcome.AGREEMENT


class ComplaintPhoto(models.Model):
    """A JPEG or PNG photo, opened by Pillow and re-encoded without its metadata (no GPS)."""

    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, related_name="photos", verbose_name=_("complaint")
    )
    file = models.FileField(_("file"), upload_to="complaints/%Y/%m/")
    content_type = models.CharField(_("content type"), max_length=32)
    size = models.PositiveIntegerField(_("size"))
    width = models.PositiveIntegerField(verbose_name=_("width"))
    height = models.PositiveIntegerField(verbose_name=_("height"))

    class Meta:
        verbose_name = _("complaint photo")
        verbose_name_plural = _("complaint photos")
        ordering = ["id"]


class ComplaintTimeline(TimelineEntry):
    """One action on a complaint. Append-only; never carries contact details."""

    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, related_name="timeline", verbose_name=_("complaint")
    )
    subject_field = "complaint"

    class Meta(TimelineEntry.Meta):
        verbose_name = _("complaint timeline entry")
        verbose_name_plural = _("complaint timeline")
        indexes = [models.Index(fields=["complaint", "at", "id"], name="complaint_timeline_idx")]


class RiskSignalQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Regulators of the places concerned; the producer of the batches concerned."""
        org = organization_of(user)
        if org is None:
            return self.none()
        if org.is_regulator:
            return _regulator_scope(self, user, "region_code")
        return self.filter(producer=org)


class RiskSignal(TimeStampedModel):
    """A risk found in complaints (injury monitoring) or scans (counterfeit, diversion), with
    the numbers that raised it; regulators confirm or dismiss it, then may publish a warning."""

    key = models.CharField(
        max_length=200, unique=True, verbose_name=_("deduplication key")
    )  # one signal per kind, subject and window
    kind = models.CharField(_("kind"), max_length=24, choices=SignalKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=SignalStatus.choices, default=SignalStatus.OPEN
    )
    title = models.CharField(_("title"), max_length=200)
    evidence = models.JSONField(_("evidence"), default=dict)
    region_code = models.CharField(
        _("region code of the place concerned"), max_length=6, blank=True
    )
    producer = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="risk_signals",
        null=True,
        blank=True,
        verbose_name=_("producer"),
    )
    batches = models.ManyToManyField(
        Batch, related_name="risk_signals", blank=True, verbose_name=_("batches")
    )
    complaints = models.ManyToManyField(
        Complaint, related_name="risk_signals", blank=True, verbose_name=_("complaints")
    )
    incidents = models.ManyToManyField(
        Incident, related_name="risk_signals", blank=True, verbose_name=_("incidents")
    )
    gtin = models.CharField(max_length=14, blank=True, verbose_name=_("GTIN"))
    lot = models.CharField(max_length=20, blank=True, verbose_name=_("lot"))
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)

    objects = RiskSignalQuerySet.as_manager()

    def get_title_display(self) -> str:
        """The title in the reader's (active) language, rendered from the kind and the figures in
        ``evidence``; the stored title (as raised) when the evidence lacks them."""
        return signal_title(self.kind, self.evidence) or self.title

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = _("risk signal")
        verbose_name_plural = _("risk signals")


class RiskSignalTimeline(TimelineEntry):
    signal = models.ForeignKey(
        RiskSignal, on_delete=models.PROTECT, related_name="timeline", verbose_name=_("risk signal")
    )
    subject_field = "signal"

    class Meta(TimelineEntry.Meta):
        verbose_name = _("risk signal timeline entry")
        verbose_name_plural = _("risk signal timeline")


class ConsumerWarning(models.Model):
    """A public warning a regulator published from a confirmed risk signal (bilingual)."""

    signal = models.OneToOneField(
        RiskSignal, on_delete=models.PROTECT, related_name="warning", verbose_name=_("risk signal")
    )
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    text_zh = models.TextField(_("text (Chinese)"))
    text_en = models.TextField(_("text (English)"))
    batches = models.ManyToManyField(
        Batch, related_name="consumer_warnings", verbose_name=_("batches")
    )
    published_by = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("published by")
    )
    published_at = models.DateTimeField(_("published at"), default=timezone.now)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("consumer warning")
        verbose_name_plural = _("consumer warnings")


class UnknownCodeScan(models.Model):
    """How often a well-formed code naming no lot here was scanned, per day (no scanner data)."""

    gtin = models.CharField(max_length=14, verbose_name=_("GTIN"))
    lot = models.CharField(max_length=20, verbose_name=_("lot"))
    day = models.DateField(verbose_name=_("day"))
    count = models.PositiveIntegerField(default=0, verbose_name=_("scans"))

    class Meta:
        verbose_name = _("scans of an unknown code")
        verbose_name_plural = _("scans of unknown codes")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["gtin", "lot", "day"], name="unknown_scan_unique")
        ]


class PendingInjuryCheck(models.Model):
    """An incident with casualties that injury monitoring has not yet evaluated: queued in the
    transaction that reported it or changed its figures (``risk.queue_injury_check``), removed in
    the transaction of the sweep that evaluated it. The queue is the sweep's memory: a run reads
    only what is queued, so a run with nothing new reads one empty index, and after an outage
    the queue still holds every incident of the days missed, each evaluated at its own time."""

    incident = models.OneToOneField(
        Incident,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("incident"),
    )
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("incident awaiting injury monitoring")
        verbose_name_plural = _("incidents awaiting injury monitoring")


OPEN_REPORT_Q = Q(status__in=OPEN_REPORT_STATUSES)


class ReportQuerySet(models.QuerySet):
    def open(self):
        return self.filter(OPEN_REPORT_Q)

    def visible_to(self, user):
        """Regulators whose jurisdiction holds the reported place; nobody else. The enterprise
        reported on never sees a report (SAMR Order 20 Art. 33); the reporter reads only the
        stage and decision, by tracking code."""
        return _regulator_scope(self, user, "region_code")


class Report(TimeStampedModel):
    """A tip about a suspected violation (举报, SAMR Order 20 Art. 3), anonymous or real-name,
    handled by the county regulator of the place (Arts. 25–28) under the penalty procedure:
    checked and a case opened or not within 15 (+15) working days (处罚程序规定 Art. 18); a
    real-name reporter told within 5 working days of that decision (Order 20 Art. 31 ¶2).
    The reporter's name and phone are one Fernet token, readable only by the handler."""

    tracking_code = models.CharField(_("tracking code"), max_length=10, unique=True)
    source = models.CharField(
        _("source"), max_length=16, choices=ReportSource.choices, default=ReportSource.PUBLIC
    )
    subject = models.CharField(pgettext_lazy("report", "what is reported"), max_length=200)
    enterprise_name = models.CharField(_("enterprise or place reported"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    facts = models.TextField(_("facts"))
    gtin = models.CharField(max_length=14, blank=True, verbose_name=_("GTIN"))
    lot = models.CharField(max_length=20, blank=True, verbose_name=_("lot"))
    region_code = models.CharField(
        _("region code of the reported place"), max_length=6, db_index=True
    )
    contact_encrypted = models.BinaryField(
        _("reporter's contact details (encrypted)"), blank=True, default=b""
    )
    real_name = models.BooleanField(_("real-name report"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.RECEIVED
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    decision_due_at = models.DateTimeField(_("case decision due at"))
    extended_at = models.DateTimeField(_("check period extended at"), null=True, blank=True)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    verified_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("case decision at"), null=True, blank=True)
    public_reason = models.TextField(_("reason told to the reporter"), blank=True)
    reporter_notice_due_at = models.DateTimeField(
        _("reporter to be told by"), null=True, blank=True
    )
    reporter_notified_at = models.DateTimeField(_("reporter told at"), null=True, blank=True)
    next_due_at = models.DateTimeField(_("next due at"), null=True, blank=True)
    is_overdue = models.BooleanField(_("overdue"), default=False)
    calendar_covered = models.BooleanField(
        _("deadlines computed with the holiday calendar"), default=True
    )
    complaint = models.OneToOneField(
        Complaint,
        on_delete=models.PROTECT,
        related_name="report",
        null=True,
        blank=True,
        verbose_name=_("complaint it came from"),
    )
    incident = models.ForeignKey(
        Incident,
        on_delete=models.PROTECT,
        related_name="reports",
        null=True,
        blank=True,
        verbose_name=_("incident it led to"),
    )
    # recalls sit above complaints (README layers): a plain id, checked through the app registry.
    recall_id = models.BigIntegerField(_("recall it led to"), null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = pgettext_lazy("tip-off", "report")
        verbose_name_plural = _("reports")
        indexes = [
            models.Index(
                fields=["next_due_at"],
                name="report_next_due_idx",
                condition=Q(next_due_at__isnull=False),
            ),
            models.Index(fields=["region_code", "-received_at"], name="report_region_list_idx"),
        ]

    def __str__(self) -> str:
        return self.tracking_code

    @property
    def display_code(self) -> str:
        return f"{self.tracking_code[:5]}-{self.tracking_code[5:]}"


class ReportTimeline(TimelineEntry):
    """One action on a report. Append-only; never carries the reporter's identity."""

    report = models.ForeignKey(
        Report,
        on_delete=models.PROTECT,
        related_name="timeline",
        verbose_name=pgettext_lazy("tip-off", "report"),
    )
    subject_field = "report"

    class Meta(TimelineEntry.Meta):
        verbose_name = _("report timeline entry")
        verbose_name_plural = _("report timeline")
        indexes = [models.Index(fields=["report", "at", "id"], name="report_timeline_idx")]
