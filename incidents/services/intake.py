"""Intake: an enterprise reports an incident, a regulator opens one; the input checked, the
first grade, the deadlines and the level the report reaches first.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from trace.models import Batch

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import Organization
from api.permissions import organization_of
from api.validators import field_error as _field_error
from api.validators import require_county_region_code
from api.workdays import add_working_days

from .. import policy
from ..choices import Kind, Level, Source, Status, level_rank
from ..models import Incident, IncidentBatch, QualityAward
from ..policy import NotYourAction
from .common import _enter_level, _log, _refresh_next_due
from .notices import _notify_level, _notify_org


def _validate_report(
    *,
    actor,
    region_code: str,
    occurred_at: datetime,
    discovered_at: datetime,
    figures: dict,
    batch_ids,
    now: datetime,
) -> list[Batch]:
    require_county_region_code("region_code", region_code)
    skew = timedelta(seconds=settings.INCIDENT_CLOCK_SKEW_SECONDS)
    if occurred_at > now + skew:
        raise _field_error(
            "occurred_at", _("The incident cannot have occurred in the future."), "in_future"
        )
    if discovered_at > now + skew:
        raise _field_error(
            "discovered_at",
            _("The incident cannot have been discovered in the future."),
            "in_future",
        )
    if discovered_at < occurred_at:
        raise _field_error(
            "discovered_at",
            _("Discovery cannot come before the incident occurred."),
            "discovered_before_occurred",
        )
    _validate_figures(figures)
    batch_ids = list(dict.fromkeys(batch_ids or []))
    if len(batch_ids) > settings.INCIDENT_MAX_BATCHES:
        raise _field_error("batches", _("Too many batches in one report."), "too_many_batches")
    batches = list(
        Batch.objects.visible_to(actor).select_related("product__owner").filter(pk__in=batch_ids)
    )
    if len(batches) != len(batch_ids):
        raise _field_error(
            "batches", _("You may only name batches you made, hold or govern."), "batch_not_visible"
        )
    return batches


def _validate_figures(figures: dict) -> None:
    for name in ("deaths", "serious_injuries", "minor_injuries"):
        value = figures.get(name)
        if value is None:
            continue
        if value < 0:
            raise _field_error(name, _("A count cannot be negative."), "not_negative")
        if value > settings.INCIDENT_MAX_CASUALTIES:
            raise _field_error(
                name, _("This figure is implausibly large; check it."), "implausible"
            )
    for name in ("direct_loss", "affected_quantity"):
        value = figures.get(name)
        if value is None:
            continue
        if value < 0:
            raise _field_error(name, _("An amount cannot be negative."), "not_negative")
        if value > settings.INCIDENT_MAX_DIRECT_LOSS:
            raise _field_error(
                name, _("This figure is implausibly large; check it."), "implausible"
            )


def _enterprise_region(enterprise: Organization | None, region_code: str) -> str:
    """The enterprise's region when it differs from the place ('' otherwise): the regulators
    governing it see the incident too (``IncidentQuerySet.visible_to``)."""
    if enterprise is None or enterprise.region_code == region_code:
        return ""
    return enterprise.region_code


def _create(
    *,
    actor,
    reporter: Organization,
    source: str,
    kind: str,
    title: str,
    description: str,
    batch_ids,
    region_code: str,
    occurred_at: datetime,
    discovered_at: datetime,
    deaths: int,
    serious_injuries: int,
    minor_injuries: int,
    direct_loss: Decimal,
    affected_quantity,
    measures_taken: str,
    enterprise: Organization | None,
    now: datetime | None,
) -> Incident:
    now = now or timezone.now()
    figures = dict(
        deaths=deaths,
        serious_injuries=serious_injuries,
        minor_injuries=minor_injuries,
        direct_loss=Decimal(direct_loss),
        affected_quantity=affected_quantity,
    )
    batches = _validate_report(
        actor=actor,
        region_code=region_code,
        occurred_at=occurred_at,
        discovered_at=discovered_at,
        figures=figures,
        batch_ids=batch_ids,
        now=now,
    )
    grade = policy.compute_grade(
        deaths=deaths, serious_injuries=serious_injuries, direct_loss=figures["direct_loss"]
    )
    if kind == Kind.DEFECT and (deaths or serious_injuries):
        raise _field_error(
            "kind",
            _("A report with casualties is an incident, not a casualty-free defect."),
            "defect_with_casualties",
        )
    # The local plan: 1 hour after discovery; SAMR Order 19: 2 working days for a casualty-free defect.
    if kind == Kind.DEFECT:
        deadline = add_working_days(discovered_at, settings.INCIDENT_DEFECT_REPORT_WORKING_DAYS)
        report_due_at, covered = deadline.due_at, deadline.calendar_covered
        handling = Level(settings.INCIDENT_DEFECT_LEVEL)
    else:
        report_due_at = discovered_at + timedelta(minutes=settings.INCIDENT_REPORT_DUE_MINUTES)
        covered, handling = True, Level.COUNTY
    if reporter.is_regulator:
        named = [("enterprise", enterprise)] + [
            ("batches", b.product.owner) for b in batches if b.product_id
        ]
        refusal = policy.filing_refusal(reporter, region_code=region_code, enterprises=named)
        if refusal is not None:
            raise _field_error(refusal.field, refusal.message, refusal.rule)
    if enterprise is None and reporter.is_enterprise:
        enterprise = reporter
    if enterprise is None and batches and batches[0].product_id:
        enterprise = batches[0].product.owner
    with transaction.atomic():
        incident = Incident(
            kind=kind,
            source=source,
            title=title,
            description=description,
            reporter=reporter,
            reported_by=actor,
            enterprise=enterprise,
            region_code=region_code,
            enterprise_region_code=_enterprise_region(enterprise, region_code),
            occurred_at=occurred_at,
            discovered_at=discovered_at,
            reported_at=now,
            report_due_at=report_due_at,
            reported_late=reporter.is_enterprise and now > report_due_at,
            measures_taken=measures_taken,
            grade=grade,
            computed_grade=grade,
            required_level=policy.required_level(grade=grade, kind=kind),
            handling_level=handling,
            calendar_covered=covered,
            status=Status.REPORTED,
            supplement_due_at=now + timedelta(days=settings.INCIDENT_SUPPLEMENT_DAYS)
            if reporter.is_enterprise
            else None,
            **figures,
        )
        # An award holder owes the written report of a major incident within 30 days (seed 004).
        if (
            reporter.is_enterprise
            and grade in settings.INCIDENT_AWARD_GRADES
            and QualityAward.objects.filter(organization=reporter).exists()
        ):
            incident.written_report_due_at = now + timedelta(
                days=settings.INCIDENT_AWARD_WRITTEN_REPORT_DAYS
            )
        if reporter.is_regulator and level_rank(reporter.level) > level_rank(handling):
            handling = Level(reporter.level)
            incident.handling_level = handling
        _enter_level(incident, handling, now)
        _refresh_next_due(incident)
        incident.save()
        IncidentBatch.objects.bulk_create(
            [IncidentBatch(incident=incident, batch=b) for b in batches]
        )
        _log(
            incident,
            "reported" if source == Source.ENTERPRISE else "opened",
            actor=actor,
            at=now,
            data={
                "source": source,
                "kind": kind,
                "grade": grade,
                "required_level": incident.required_level,
                "level": incident.level,
                "report_due_at": report_due_at,
                "reported_late": incident.reported_late,
                "calendar_covered": covered,
                "batches": [b.pk for b in batches],
                **{k: v for k, v in figures.items()},
            },
        )
        if incident.reported_late:
            _log(
                incident,
                "reported_late",
                actor=actor,
                at=now,
                reason=_(
                    "Reported after the deadline (local emergency plan: within 1 hour of discovery)."
                ),
                data={"report_due_at": report_due_at, "reported_at": now},
            )
        _notify_level(
            incident,
            incident.level,
            topic="incident.reported",
            subject=_("New incident report #%(id)s") % {"id": incident.pk},
        )
        if enterprise is not None and enterprise != reporter:
            _notify_org(
                incident,
                enterprise,
                topic="incident.filed",
                subject=_("An incident names your enterprise (#%(id)s)") % {"id": incident.pk},
            )
    return incident


def incident_report(
    *,
    actor,
    title: str,
    description: str,
    region_code: str,
    occurred_at: datetime,
    discovered_at: datetime,
    batch_ids=(),
    deaths: int = 0,
    serious_injuries: int = 0,
    minor_injuries: int = 0,
    direct_loss: Decimal | int = 0,
    affected_quantity=None,
    measures_taken: str = "",
    kind: str = Kind.INCIDENT,
    now: datetime | None = None,
) -> Incident:
    """An enterprise reports an incident involving its products; it reaches the county regulator
    of the place at once (the local plan) or the province for a casualty-free defect (SAMR Order 19)."""
    reporter = organization_of(actor)
    if reporter is None or not reporter.is_enterprise:
        raise NotYourAction(_("Only an enterprise reports an incident; a regulator opens one."))
    return _create(
        actor=actor,
        reporter=reporter,
        source=Source.ENTERPRISE,
        kind=kind,
        title=title,
        description=description,
        batch_ids=batch_ids,
        region_code=region_code,
        occurred_at=occurred_at,
        discovered_at=discovered_at,
        deaths=deaths,
        serious_injuries=serious_injuries,
        minor_injuries=minor_injuries,
        direct_loss=direct_loss,
        affected_quantity=affected_quantity,
        measures_taken=measures_taken,
        enterprise=None,
        now=now,
    )


def incident_open(
    *,
    actor,
    source: str,
    title: str,
    description: str,
    region_code: str,
    occurred_at: datetime,
    discovered_at: datetime,
    batch_ids=(),
    deaths: int = 0,
    serious_injuries: int = 0,
    minor_injuries: int = 0,
    direct_loss: Decimal | int = 0,
    affected_quantity=None,
    measures_taken: str = "",
    kind: str = Kind.INCIDENT,
    enterprise: Organization | None = None,
    now: datetime | None = None,
) -> Incident:
    """A regulator opens an incident itself (inspection, complaint, media) in its jurisdiction."""
    org = organization_of(actor)
    if org is None or not org.is_regulator:
        raise NotYourAction(_("Only a regulator opens an incident."))
    if source == Source.ENTERPRISE:
        raise _field_error(
            "source",
            _(
                "A regulator opens an incident from an inspection, a complaint, "
                "the media or another source."
            ),
            "invalid_choice",
        )
    # The place and the enterprise must lie in its jurisdiction: ``policy.filing_refusal``,
    # checked in ``_create`` once the codes are known to be valid and the batches' producers read.
    return _create(
        actor=actor,
        reporter=org,
        source=source,
        kind=kind,
        title=title,
        description=description,
        batch_ids=batch_ids,
        region_code=region_code,
        occurred_at=occurred_at,
        discovered_at=discovered_at,
        deaths=deaths,
        serious_injuries=serious_injuries,
        minor_injuries=minor_injuries,
        direct_loss=direct_loss,
        affected_quantity=affected_quantity,
        measures_taken=measures_taken,
        enterprise=enterprise,
        now=now,
    )
