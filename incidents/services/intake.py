"""Intake: an enterprise reports an incident, a regulator opens one; the input checked, the
first grade, the deadlines and the level the report reaches first.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from trace.models import Batch

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import rulebook
from core.models import Organization
from core.validators import field_error as _field_error
from core.validators import require_county_region_code

from .. import law, policy
from ..choices import Category, Kind, Level, Source, Status, level_rank
from ..models import Incident, IncidentBatch, QualityAward
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


def _check_category(category: str, kind: str) -> None:
    if category not in Category.values:
        raise _field_error(
            "category", _("Choose food, special_equipment or product."), "invalid_choice"
        )
    if kind == Kind.DEFECT and category != Category.PRODUCT:
        raise _field_error(
            "kind",
            _(
                "A consumer-product defect report (SAMR Order 19 Art. 8) is for consumer "
                "products; food and special equipment follow their own instruments."
            ),
            "defect_is_consumer_product",
        )


def _named_enterprise(reporter, enterprise, batches, region_code):
    """The enterprise the incident concerns: the one named, else the reporting enterprise, else
    the producer of the first batch; a regulator files only against enterprises it governs."""
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
    return enterprise


def _new_incident(*, actor, reporter, source, kind, category, filed, figures, enterprise, now):
    """The unsaved incident with its grade, levels and due times by its category's instrument."""
    on = filed["occurred_at"]
    grade = law.compute_grade(
        category,
        deaths=figures["deaths"],
        serious_injuries=figures["serious_injuries"],
        minor_injuries=figures["minor_injuries"],
        direct_loss=figures["direct_loss"],
        on=on,
    )
    report = law.report_due(category, kind, filed["discovered_at"])
    handling = law.handling_level(kind)
    if reporter.is_regulator and level_rank(reporter.level) > level_rank(handling):
        handling = Level(reporter.level)
    window = law.supplement_window(category, on) if reporter.is_enterprise else None
    incident = Incident(
        kind=kind,
        category=category,
        source=source,
        reporter=reporter,
        reported_by=actor,
        enterprise=enterprise,
        enterprise_region_code=_enterprise_region(enterprise, filed["region_code"]),
        reported_at=now,
        report_due_at=report.at,
        reported_late=reporter.is_enterprise and now > report.at,
        grade=grade,
        computed_grade=grade,
        required_level=law.required_level(category, grade=grade, kind=kind, on=on),
        investigating_level=law.investigating_level(category, grade=grade, kind=kind, on=on),
        handling_level=handling,
        calendar_covered=report.calendar_covered,
        status=Status.REPORTED,
        supplement_due_at=window.at if window and window.at > now else None,
        written_report_due_at=_award_written_report_due(reporter, grade, now),
        **filed,
        **figures,
    )
    return incident, report


def _award_written_report_due(reporter, grade: str, now: datetime):
    """An award holder owes the written report of a major incident within 30 days (seed 004);
    an expired award creates no duty."""
    if (
        reporter.is_enterprise
        and grade in settings.INCIDENT_AWARD_GRADES
        and _holds_valid_award(reporter, timezone.localdate(now))
    ):
        return now + timedelta(days=settings.INCIDENT_AWARD_WRITTEN_REPORT_DAYS)
    return None


def _holds_valid_award(organization: Organization, day) -> bool:
    """Whether ``organization`` holds an award valid on ``day``: awarded by then and not past
    its ``valid_until``, or, without one, within its term (SIP award Art. 4: 3 years)."""
    try:
        years = int(rulebook.rule("award.sip.validity_years", on=day).value)
    except rulebook.RulebookError:
        years = 3
    try:
        term_start = day.replace(year=day.year - years)
    except ValueError:  # 29 February
        term_start = day.replace(year=day.year - years, day=28)
    return (
        QualityAward.objects.filter(organization=organization, awarded_on__lte=day)
        .filter(Q(valid_until__gte=day) | Q(valid_until__isnull=True, awarded_on__gt=term_start))
        .exists()
    )


def _log_created(incident: Incident, report, batches, figures, *, actor, now) -> None:
    _log(
        incident,
        "reported" if incident.source == Source.ENTERPRISE else "opened",
        actor=actor,
        at=now,
        data={
            "source": incident.source,
            "kind": incident.kind,
            "category": incident.category,
            "recalled_abroad": incident.recalled_abroad,
            "grade": incident.grade,
            "required_level": incident.required_level,
            "investigating_level": incident.investigating_level,
            "level": incident.level,
            "report_due_at": report.at,
            "report_rule": report.citation(),
            "reported_late": incident.reported_late,
            "calendar_covered": report.calendar_covered,
            "batches": [b.pk for b in batches],
            **figures,
        },
    )
    if incident.reported_late:
        _log(
            incident,
            "reported_late",
            actor=actor,
            at=now,
            reason=_("Reported after the deadline (%(rule)s).") % {"rule": report.citation()},
            data={"report_due_at": report.at, "reported_at": now},
        )


def _create(
    *,
    actor,
    reporter: Organization,
    source: str,
    kind: str,
    category: str,
    recalled_abroad: bool,
    batch_ids,
    filed: dict,
    figures: dict,
    enterprise: Organization | None,
    now: datetime | None,
) -> Incident:
    now = now or timezone.now()
    figures = {**figures, "direct_loss": Decimal(figures["direct_loss"])}
    batches = _validate_report(
        actor=actor,
        region_code=filed["region_code"],
        occurred_at=filed["occurred_at"],
        discovered_at=filed["discovered_at"],
        figures=figures,
        batch_ids=batch_ids,
        now=now,
    )
    _check_category(category, kind)
    enterprise = _named_enterprise(reporter, enterprise, batches, filed["region_code"])
    with transaction.atomic():
        incident, report = _new_incident(
            actor=actor,
            reporter=reporter,
            source=source,
            kind=kind,
            category=category,
            filed=filed,
            figures=figures,
            enterprise=enterprise,
            now=now,
        )
        incident.recalled_abroad = bool(recalled_abroad)
        _enter_level(incident, incident.handling_level, now)
        _refresh_next_due(incident)
        incident.save()
        IncidentBatch.objects.bulk_create(
            [IncidentBatch(incident=incident, batch=b) for b in batches]
        )
        _log_created(incident, report, batches, figures, actor=actor, now=now)
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
    category: str = Category.PRODUCT,
    recalled_abroad: bool = False,
    now: datetime | None = None,
) -> Incident:
    """An enterprise reports an incident involving its products; it reaches the county regulator
    of the place at once (its category's instrument) or the province for a consumer-product
    defect (SAMR Order 19 Art. 8: death, injury or risk of them, or a recall abroad)."""
    reporter = policy.require_filer(actor, "report")
    return _create(
        actor=actor,
        reporter=reporter,
        source=Source.ENTERPRISE,
        kind=kind,
        category=category,
        recalled_abroad=recalled_abroad,
        batch_ids=batch_ids,
        filed=dict(
            title=title,
            description=description,
            region_code=region_code,
            occurred_at=occurred_at,
            discovered_at=discovered_at,
            measures_taken=measures_taken,
        ),
        figures=dict(
            deaths=deaths,
            serious_injuries=serious_injuries,
            minor_injuries=minor_injuries,
            direct_loss=direct_loss,
            affected_quantity=affected_quantity,
        ),
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
    category: str = Category.PRODUCT,
    recalled_abroad: bool = False,
    enterprise: Organization | None = None,
    now: datetime | None = None,
) -> Incident:
    """A regulator opens an incident itself (inspection, complaint, media) in its jurisdiction.
    The place and the enterprise must lie in its jurisdiction (``policy.filing_refusal``)."""
    org = policy.require_filer(actor, "open")
    if source == Source.ENTERPRISE:
        raise _field_error(
            "source",
            _(
                "A regulator opens an incident from an inspection, a complaint, "
                "the media or another source."
            ),
            "invalid_choice",
        )
    return _create(
        actor=actor,
        reporter=org,
        source=source,
        kind=kind,
        category=category,
        recalled_abroad=recalled_abroad,
        batch_ids=batch_ids,
        filed=dict(
            title=title,
            description=description,
            region_code=region_code,
            occurred_at=occurred_at,
            discovered_at=discovered_at,
            measures_taken=measures_taken,
        ),
        figures=dict(
            deaths=deaths,
            serious_injuries=serious_injuries,
            minor_injuries=minor_injuries,
            direct_loss=direct_loss,
            affected_quantity=affected_quantity,
        ),
        enterprise=enterprise,
        now=now,
    )
