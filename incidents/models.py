"""Quality-safety incidents: the report, the batches it names, its timeline and attachments."""

from trace.models import Batch

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.lookups import Prefix
from core.models import Organization, TimeStampedModel, organization_of
from core.timeline import TimelineEntry

from .choices import (
    LEVEL_ORDER,
    OPEN_STATUSES,
    Category,
    Grade,
    Kind,
    Level,
    Source,
    Status,
    TransferTarget,
    level_rank,
)

OPEN_Q = Q(status__in=OPEN_STATUSES)


def reached_field(level: str) -> str:
    """The column recording that the incident has reached ``level``."""
    return f"reached_{Level(level).value}"


class IncidentQuerySet(models.QuerySet):
    def open(self):
        return self.filter(OPEN_Q)

    def visible_to(self, user):
        """The reporting enterprise and the enterprise the incident
        names; a producer of a named batch once accepted; a regulator once the incident reached
        its level, when the place or the enterprise concerned lies in its jurisdiction
        (``Organization.governs``); nobody else."""
        org = organization_of(user)
        if org is None:
            return self.none()
        if org.is_regulator:
            # Reached, not merely below the level held: a level skipped by 越级上报 has not seen
            # it. ``level_rank >= rank`` follows from reaching (levels only rise) and lets the
            # regulator list use its (region, level) index.
            q = Q(level_rank__gte=level_rank(org.level), **{reached_field(org.level): True})
            prefix = org.jurisdiction_prefix
            if prefix:
                # The enterprise's own regulators see it too. ``enterprise_region_code`` is set
                # only when the enterprise lies elsewhere than the place, so few rows have it (a
                # partial index); the OR, which the list's indexes cannot serve, is added only
                # when some incident names an enterprise of this jurisdiction (one index probe).
                # As a range (``core.lookups.Prefix``): checked inside the list's indexes, so
                # the count over a jurisdiction reads its count index alone.
                where = Q(region_code__prefix=prefix)
                elsewhere = Incident.objects.exclude(enterprise_region_code="").filter(
                    enterprise_region_code__prefix=prefix
                )
                if elsewhere.exists():
                    where |= Q(enterprise_region_code__prefix=prefix)
                q &= where
            return self.filter(q)
        produced = IncidentBatch.objects.filter(incident=OuterRef("pk"), batch__product__owner=org)
        return self.filter(
            Q(reporter=org)
            | Q(enterprise=org)
            | (Q(accepted_at__isnull=False) & Q(Exists(produced)))
        )


# The columns the regulator's list filters by, in the order its indexes hold them.
_LIST_FILTERED = ["region_code", "level_rank", "status", "grade", "is_overdue", "level"]
_DEFAULT_OPS = ["varchar_ops", "int2_ops", "varchar_ops", "varchar_ops", "bool_ops", "varchar_ops"]
# Its count index holds, after the level rank, the levels reached that ``visible_to`` asks for.
_REACHED = ["reached_county", "reached_city", "reached_province", "reached_national"]


class Incident(TimeStampedModel):
    """A quality-safety incident as reported and handled: figures, grade, status, the level of
    the reporting chain it has reached and every due time (columns the sweep reads)."""

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.INCIDENT)
    category = models.CharField(
        _("category"),
        max_length=20,
        choices=Category.choices,
        default=Category.PRODUCT,
        help_text=_("The instrument that governs it: food, special equipment or other products."),
    )
    recalled_abroad = models.BooleanField(
        _("recalled abroad"),
        default=False,
        help_text=_("The product is being recalled outside China (SAMR Order 19 Art. 8 (2))."),
    )
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.ENTERPRISE
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what happened"))
    reporter = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="reported_incidents",
        verbose_name=_("reporting organization"),
        db_index=False,  # incident_reporter_idx leads with it
        help_text=_("The enterprise (or regulator) that reported or opened it."),
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("reported by"),
        # Nothing reads incidents by the reporting user; an index would cost every write (the
        # sweep rewrites each due row's index entries). Deleting a user is refused anyway.
        db_index=False,
    )
    enterprise = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="incidents_concerning",
        null=True,
        blank=True,
        verbose_name=_("enterprise concerned"),
        help_text=_("The enterprise whose products are involved."),
    )
    # Indexed by the list's indexes below (leading, with pattern ops for prefixes).
    region_code = models.CharField(_("region code of the place"), max_length=6)
    enterprise_region_code = models.CharField(
        _("region code of the enterprise concerned"),
        max_length=6,
        blank=True,
        default="",
        help_text=_("Set when the enterprise is registered elsewhere than the place."),
    )
    occurred_at = models.DateTimeField(_("occurred at"))
    discovered_at = models.DateTimeField(_("discovered at"))
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)
    report_due_at = models.DateTimeField(_("report due at"), null=True, blank=True)
    reported_late = models.BooleanField(_("reported late"), default=False)

    deaths = models.PositiveIntegerField(_("deaths"), default=0)
    serious_injuries = models.PositiveIntegerField(_("serious injuries"), default=0)
    minor_injuries = models.PositiveIntegerField(_("minor injuries"), default=0)
    direct_loss = models.DecimalField(
        _("direct economic loss (yuan)"),
        max_digits=16,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    affected_quantity = models.DecimalField(
        _("affected quantity"),
        max_digits=18,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    measures_taken = models.TextField(_("measures already taken"), blank=True)

    grade = models.CharField(_("grade"), max_length=3, choices=Grade.choices)
    computed_grade = models.CharField(
        _("grade computed from the figures"), max_length=3, choices=Grade.choices
    )
    grade_confirmed = models.BooleanField(_("grade confirmed by a regulator"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.REPORTED
    )

    # The reporting chain: the highest level reached, the level the grade requires.
    level = models.CharField(
        _("level reached"), max_length=16, choices=Level.choices, default=Level.COUNTY
    )
    level_rank = models.PositiveSmallIntegerField(
        _("rank of the level reached"), default=0, validators=[MaxValueValidator(3)]
    )
    required_level = models.CharField(
        _("level the grade requires"), max_length=16, choices=Level.choices
    )
    handling_level = models.CharField(
        _("handling level"), max_length=16, choices=Level.choices, default=Level.COUNTY
    )
    investigating_level = models.CharField(
        _("investigating level"),
        max_length=16,
        choices=Level.choices,
        default=Level.COUNTY,
        help_text=_(
            "The regulator level that investigates, by the category's instrument and grade."
        ),
    )
    level_reached_at = models.DateTimeField(_("current level reached at"), default=timezone.now)
    # The set of levels the incident has reached (reported, passed up, escalated or informed to):
    # who sees it. A level skipped by 越级上报 stays False unless informed later.
    reached_county = models.BooleanField(_("reached the county level"), default=False)
    reached_city = models.BooleanField(_("reached the city level"), default=False)
    reached_province = models.BooleanField(_("reached the province level"), default=False)
    reached_national = models.BooleanField(_("reached the national level"), default=False)
    level_acknowledged = models.BooleanField(_("current level acknowledged"), default=False)
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent at this level"), default=0)

    # Due times (Asia/Shanghai deadlines, stored as instants); the sweep reads next_due_at.
    escalation_due_at = models.DateTimeField(_("pass-up due at"), null=True, blank=True)
    reminder_due_at = models.DateTimeField(_("next reminder at"), null=True, blank=True)
    supplement_due_at = models.DateTimeField(
        _("supplementary report due at"), null=True, blank=True
    )
    investigation_due_at = models.DateTimeField(
        _("investigation report due at"), null=True, blank=True
    )
    investigation_extended = models.BooleanField(_("investigation extended"), default=False)
    written_report_due_at = models.DateTimeField(_("written report due at"), null=True, blank=True)
    next_due_at = models.DateTimeField(_("next due at"), null=True, blank=True)
    is_overdue = models.BooleanField(_("overdue"), default=False)
    overdue_since = models.DateTimeField(_("overdue since"), null=True, blank=True)
    calendar_covered = models.BooleanField(
        _("deadlines computed with the holiday calendar"), default=True
    )

    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("concluded at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    public_result = models.TextField(_("public result"), blank=True)
    transfer_target = models.CharField(
        _("transferred to (kind)"), max_length=32, choices=TransferTarget.choices, blank=True
    )
    transfer_body = models.CharField(_("receiving body"), max_length=200, blank=True)
    transfer_reference = models.CharField(_("transfer reference"), max_length=100, blank=True)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        related_name="duplicates",
        null=True,
        blank=True,
        verbose_name=_("merged into"),
        db_index=False,  # incident_merged_into_idx: only the merged ones
    )
    batches = models.ManyToManyField(
        Batch, through="IncidentBatch", related_name="incidents", verbose_name=_("batches")
    )

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [
            # The sweep: open incidents by their next due time (DESIGN.md: partial index on open items).
            models.Index(
                fields=["next_due_at"], name="incident_open_next_due_idx", condition=OPEN_Q
            ),
            # Each due time over the open items that have one (a partial index holds no entry
            # for a row outside it, so the sweep's rewrite of a row costs one index less).
            models.Index(
                fields=["escalation_due_at"],
                name="incident_open_escal_idx",
                condition=OPEN_Q & Q(escalation_due_at__isnull=False),
            ),
            models.Index(
                fields=["investigation_due_at"],
                name="incident_open_invest_idx",
                condition=OPEN_Q & Q(investigation_due_at__isnull=False),
            ),
            # The regulator's list (p95 ≤ 50 ms at 1 M incidents). Its count: the
            # jurisdiction's prefix as a range (pattern ops, ``core.lookups.Prefix``), the level
            # rank and the levels reached, and the filters the list offers, all as key columns:
            # COUNT(*) is an index-only scan whose every condition is checked in the index
            # (no heap, no per-row filter), whatever the filters.
            models.Index(
                fields=[*_LIST_FILTERED[:2], *_REACHED, *_LIST_FILTERED[2:], "reported_at"],
                opclasses=[
                    "varchar_pattern_ops",
                    _DEFAULT_OPS[1],
                    *["bool_ops"] * len(_REACHED),
                    *_DEFAULT_OPS[2:],
                    "timestamptz_ops",
                ],
                name="incident_list_count_idx",
            ),
            # Its page, newest first: read in that order with the same conditions checked in the
            # index, so the first 50 matches end the scan (no sort of the jurisdiction's rows).
            models.Index(
                fields=["-reported_at", "-id", *_LIST_FILTERED],
                opclasses=["timestamptz_ops", "int8_ops", "varchar_pattern_ops", *_DEFAULT_OPS[1:]],
                name="incident_list_page_idx",
            ),
            models.Index(fields=["reporter", "-reported_at"], name="incident_reporter_idx"),
            # The enterprise's regulators: the few incidents placed outside its region.
            models.Index(
                fields=["enterprise_region_code"],
                opclasses=["varchar_pattern_ops"],
                name="incident_enterprise_region_idx",
                condition=~Q(enterprise_region_code=""),
            ),
            models.Index(
                fields=["merged_into"],
                name="incident_merged_into_idx",
                condition=Q(merged_into__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="incident_discovered_after_occurred",
                condition=Q(discovered_at__gte=models.F("occurred_at")),
            ),
            models.CheckConstraint(
                name="incident_direct_loss_not_negative", condition=Q(direct_loss__gte=0)
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def grade_provisional(self) -> bool:
        return not self.grade_confirmed

    @property
    def levels_reached(self) -> list[str]:
        return [level.value for level in LEVEL_ORDER if getattr(self, reached_field(level))]


# The jurisdiction's prefix as a range (``visible_to``): the regions where the incident took place
# and where its enterprise lies.
for _code in ("region_code", "enterprise_region_code"):
    Incident._meta.get_field(_code).register_lookup(Prefix)


class IncidentBatch(models.Model):
    """A batch (from the traceability core) named in an incident report."""

    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="batch_links", verbose_name=_("incident")
    )
    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, related_name="incident_links", verbose_name=_("batch")
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("incident batch")
        verbose_name_plural = _("incident batches")
        constraints = [
            models.UniqueConstraint(fields=["incident", "batch"], name="incident_batch_unique")
        ]
        indexes = [models.Index(fields=["batch", "incident"], name="incident_batch_batch_idx")]


class IncidentTimeline(TimelineEntry):
    """One action on an incident (report, supplement, status, grade, level, note, attachment,
    notification, escalation, reminder, acknowledgement). Append-only."""

    incident = models.ForeignKey(
        Incident,
        on_delete=models.PROTECT,
        related_name="timeline",
        verbose_name=_("incident"),
        db_index=False,  # incident_timeline_idx leads with it
    )
    subject_field = "incident"

    class Meta(TimelineEntry.Meta):
        verbose_name = _("incident timeline entry")
        verbose_name_plural = _("incident timeline")
        indexes = [models.Index(fields=["incident", "at", "id"], name="incident_timeline_idx")]


class IncidentAttachment(models.Model):
    """A photo or PDF attached to an incident, checked by content, served only to those who see it."""

    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("incident")
    )
    file = models.FileField(_("file"), upload_to="incidents/%Y/%m/")
    original_name = models.CharField(_("original name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256 digest"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("organization")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("incident attachment")
        verbose_name_plural = _("incident attachments")


class QualityAward(models.Model):
    """A quality award an enterprise holds; holders owe a written report of a major incident within
    30 days (seed 004, Suzhou award rules)."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="quality_awards",
        verbose_name=_("award holder"),
    )
    name = models.CharField(_("award"), max_length=200)
    awarded_on = models.DateField(_("awarded on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("quality award")
        verbose_name_plural = _("quality awards")
