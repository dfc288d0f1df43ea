"""What the credit app stores: the enterprise's objections and repair applications on facts of
its credit record with the regulator's decisions, the credit record's timeline, the award
applicant's declarations of the award conditions the record cannot show, award holders' written
reports to the award office, and revocations. The quality award itself is
``incidents.models.QualityAward``."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Organization
from core.timeline import TimelineEntry
from incidents.models import QualityAward

from .choices import (
    AwardTrigger,
    DeclarationStatus,
    RequestKind,
    RequestStatus,
    RevocationGround,
)


class CreditRequest(models.Model):
    """An enterprise's objection to a fact listed on its credit record, or its application to
    repair its credit for that fact; a regulator governing it decides."""

    enterprise = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="credit_requests",
        verbose_name=_("enterprise"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=RequestKind.choices)
    fact = models.CharField(
        _("fact"), max_length=64, help_text=_("The fact's key, e.g. incident:12")
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("filed by"),
    )
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("decided by"),
    )
    decided_by_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("deciding regulator"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reasons for the decision"), blank=True)

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = _("credit objection or repair")
        verbose_name_plural = _("credit objections and repairs")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "fact"],
                condition=Q(status=RequestStatus.PENDING),
                name="credit_one_pending_request_per_fact",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.fact} ({self.get_status_display()})"


class CreditTimelineEntry(TimelineEntry):
    """One thing that happened on an enterprise's credit record (append-only)."""

    enterprise = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="credit_timeline",
        verbose_name=_("enterprise"),
    )
    subject_field = "enterprise"

    class Meta(TimelineEntry.Meta):
        verbose_name = _("credit timeline entry")
        verbose_name_plural = _("credit timeline entries")


class AwardDeclaration(models.Model):
    """The applicant's declaration, with its evidence, that an award condition the record
    cannot show holds; the award office verifies or refuses it (SIP award Arts. 11, 21)."""

    enterprise = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="award_declarations",
        verbose_name=_("applicant"),
    )
    condition = models.PositiveSmallIntegerField(_("condition (Art. 11 item)"))
    statement = models.TextField(_("statement"))
    evidence = models.TextField(_("evidence"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=DeclarationStatus.choices,
        default=DeclarationStatus.DECLARED,
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    declared_at = models.DateTimeField(_("declared at"), default=timezone.now)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    verified_by_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("award office"),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    note = models.TextField(_("award office's note"), blank=True)

    class Meta:
        ordering = ["-declared_at", "-id"]
        verbose_name = _("award condition declaration")
        verbose_name_plural = _("award condition declarations")


class AwardReport(models.Model):
    """An award holder's written report of one of the five events of SIP award Art. 29, sent
    to the award office."""

    award = models.ForeignKey(
        QualityAward, on_delete=models.PROTECT, related_name="written_reports"
    )
    trigger = models.PositiveSmallIntegerField(_("event"), choices=AwardTrigger.choices)
    fact = models.CharField(_("fact"), max_length=64, blank=True)
    confirmed_on = models.DateField(_("confirmed on"))
    text = models.TextField(_("report"))
    office = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("award office"),
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = _("award holder's written report")
        verbose_name_plural = _("award holders' written reports")


class AwardRevocation(models.Model):
    """The award office's revocation of an award on a ground of SIP award Art. 30."""

    award = models.OneToOneField(QualityAward, on_delete=models.PROTECT, related_name="revocation")
    ground = models.PositiveSmallIntegerField(_("ground"), choices=RevocationGround.choices)
    facts = models.JSONField(_("facts"), default=list)
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("award office")
    )
    decided_at = models.DateTimeField(_("revoked at"), default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = _("award revocation")
        verbose_name_plural = _("award revocations")
