"""Official spot checks (双随机、一公开, Sichuan draft Art. 27): the draw, the checks it plans,
and each check's timeline.

A ``SpotCheckDraw`` is evidence: written once by ``services.draw_make`` with its seed, the
candidate lists it drew from and the result, never changed (``save()`` of an existing row and
``delete()`` raise; on PostgreSQL a trigger refuses UPDATE and DELETE). ``draw.draw`` re-runs
the selection from those columns, which is how ``verify`` checks it.

A ``SpotCheck`` goes planned → done (``services.TRANSITIONS``) through ``services``, each
change writing a ``SpotCheckTimelineEntry`` in the same transaction.
"""

from trace.core.choices import ProductCategory

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Organization, TimeStampedModel, organization_of
from core.timeline import TimelineEntry, TimelineImmutableError

from .choices import SeedSource, SpotCheckResult, SpotCheckStatus
from .draw import ALGORITHM


class DrawImmutableError(TimelineImmutableError):
    pass


class SpotCheckDrawQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Regulators only: the regulator that drew, and those whose jurisdiction holds the
        region drawn over (a draw names who will be inspected: never an enterprise's to see)."""
        org = organization_of(user)
        if org is None or not org.is_regulator:
            return self.none()
        return self.filter(Q(regulator=org) | Q(scope_prefix__startswith=org.jurisdiction_prefix))

    def update(self, **kwargs):
        raise DrawImmutableError("a spot-check draw is evidence: it is never changed")

    def delete(self):
        raise DrawImmutableError("a spot-check draw is evidence: it is never deleted")


class SpotCheckDraw(models.Model):
    """One random draw by a regulator: the enterprises to inspect and the inspectors of each,
    with the seed and the sorted candidate lists it was drawn from (immutable)."""

    regulator = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="spot_check_draws",
        verbose_name=_("regulator"),
    )
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("drawn by"),
    )
    drawn_at = models.DateTimeField(_("drawn at"), default=timezone.now)
    title = models.CharField(_("title"), max_length=200, blank=True)
    scope_prefix = models.CharField(
        _("region drawn over (code prefix)"), max_length=6, blank=True, db_index=True
    )
    category = models.CharField(
        _("product category"), max_length=32, choices=ProductCategory.choices, blank=True
    )
    enterprise_count = models.PositiveIntegerField(_("enterprises drawn"))
    inspectors_per_check = models.PositiveIntegerField(_("inspectors per check"))
    algorithm = models.CharField(_("algorithm"), max_length=64, default=ALGORITHM)
    seed = models.CharField(_("seed (hex)"), max_length=64)
    seed_source = models.CharField(_("seed source"), max_length=8, choices=SeedSource.choices)
    enterprise_candidates = models.JSONField(_("candidate enterprises (ids, sorted)"))
    inspector_candidates = models.JSONField(_("candidate inspectors (user ids, sorted)"))
    result = models.JSONField(_("result (enterprise and inspectors, in drawn order)"))

    objects = SpotCheckDrawQuerySet.as_manager()

    class Meta:
        ordering = ["-drawn_at", "-id"]
        verbose_name = _("spot-check draw")
        verbose_name_plural = _("spot-check draws")

    def __str__(self) -> str:
        return f"{self.regulator} {self.drawn_at:%Y-%m-%d} #{self.pk}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise DrawImmutableError("a spot-check draw is evidence: it is never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise DrawImmutableError("a spot-check draw is evidence: it is never deleted")


class SpotCheckQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A regulator: checks of enterprises in its jurisdiction, the checks it drew, and those
        its staff were drawn to inspect. An enterprise: its own checks once concluded (a
        random check is not announced before it happens). Nobody else."""
        org = organization_of(user)
        if org is None:
            return self.none()
        if org.is_regulator:
            assigned = SpotCheck.inspectors.through.objects.filter(
                spotcheck_id=OuterRef("pk"), user_id=user.pk
            )
            return self.filter(
                Q(region_code__startswith=org.jurisdiction_prefix)
                | Q(regulator=org)
                | Q(Exists(assigned))
            )
        return self.filter(enterprise=org, status=SpotCheckStatus.DONE)

    def public(self):
        """What is published (一公开): concluded checks."""
        return self.filter(status=SpotCheckStatus.DONE)


class SpotCheck(TimeStampedModel):
    """One drawn enterprise's official spot check: planned by the draw, done with its result."""

    draw = models.ForeignKey(
        SpotCheckDraw, on_delete=models.PROTECT, related_name="checks", verbose_name=_("draw")
    )
    position = models.PositiveIntegerField(_("position in the draw"))
    enterprise = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="spot_checks",
        verbose_name=_("enterprise"),
    )
    regulator = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="conducted_spot_checks",
        verbose_name=_("regulator"),
    )
    region_code = models.CharField(_("enterprise region code"), max_length=6, db_index=True)
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="spot_checks_assigned",
        verbose_name=_("inspectors"),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=SpotCheckStatus.choices,
        default=SpotCheckStatus.PLANNED,
    )
    result = models.CharField(
        _("result"), max_length=8, choices=SpotCheckResult.choices, blank=True
    )
    findings = models.TextField(_("findings"), blank=True)
    checked_on = models.DateField(_("checked on"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("concluded at"), null=True, blank=True)

    objects = SpotCheckQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("spot check")
        verbose_name_plural = _("spot checks")
        constraints = [
            models.UniqueConstraint(
                fields=["draw", "enterprise"], name="spotcheck_one_per_enterprise_per_draw"
            ),
            models.CheckConstraint(
                name="spotcheck_done_has_result",
                condition=Q(status=SpotCheckStatus.PLANNED, result="")
                | Q(
                    status=SpotCheckStatus.DONE,
                    result__in=SpotCheckResult.values,
                    checked_on__isnull=False,
                    concluded_at__isnull=False,
                ),
            ),
        ]
        indexes = [
            models.Index(
                fields=["enterprise", "checked_on"],
                name="spotcheck_failed_idx",
                condition=Q(result=SpotCheckResult.FAIL),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} ({self.get_status_display()})"


class SpotCheckTimelineEntry(TimelineEntry):
    """One thing that happened to a spot check (append-only)."""

    spot_check = models.ForeignKey(
        SpotCheck, on_delete=models.PROTECT, related_name="timeline", verbose_name=_("spot check")
    )
    subject_field = "spot_check"

    class Meta(TimelineEntry.Meta):
        verbose_name = _("spot-check timeline entry")
        verbose_name_plural = _("spot-check timeline entries")
