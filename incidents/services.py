"""Every write to an incident: keyword-only ``incident_<action>`` services.

Each locks the row, checks the transition table (``policy.TRANSITIONS``) and who
may act, saves with ``update_fields``, writes its timeline row and its
notifications (outbox) in the same transaction. Complaints call
``incident_open`` to convert a complaint into an incident.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime, timedelta
from decimal import Decimal
from trace.models import Batch

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from rest_framework import exceptions

from api.exceptions import Conflict
from core import rulebook
from core.bulk import Json, insert_rows, update_rows
from core.models import Organization, organization_of
from core.outbox import bulk_notifications, notify_each
from core.timeline import json_value
from core.validators import field_error as _field_error
from core.validators import require_county_region_code
from core.workdays import add_working_days

from . import policy
from .choices import LEVEL_ORDER, Grade, Kind, Level, Source, Status, TransferTarget, level_rank
from .listing import incidents_written
from .models import OPEN_Q, Incident, IncidentBatch, IncidentTimeline, QualityAward, reached_field

FIGURES = ("deaths", "serious_injuries", "minor_injuries", "direct_loss", "affected_quantity")


class IllegalTransition(Conflict):
    """409 naming the current state and the actions allowed from it."""

    default_code = "illegal_transition"

    def __init__(self, incident: Incident, action: str):
        self.current_status = incident.status
        self.allowed_actions = policy.allowed_actions(incident.status)
        super().__init__(
            _("“%(action)s” is not allowed while the incident is %(status)s; allowed: %(allowed)s.")
            % {
                "action": action,
                "status": incident.get_status_display(),
                "allowed": ", ".join(self.allowed_actions) or "—",
            },
            code="illegal_transition",
        )


class NotYourAction(exceptions.PermissionDenied):
    default_code = "wrong_actor"


def _log(
    incident: Incident,
    action: str,
    *,
    actor=None,
    reason: str = "",
    data: dict | None = None,
    at: datetime | None = None,
    sink: list | None = None,
) -> IncidentTimeline | None:
    """One timeline row, saved now; or, for the sweep (no actor), collected in ``sink`` as the
    values ``_save_swept`` inserts in bulk (``_TIMELINE_FIELDS``), no model instance made."""
    if sink is not None:
        values = {k: json_value(v) for k, v in (data or {}).items()}
        sink.append((incident.pk, at, None, None, action, reason, Json(values, json.dumps(values))))
        return None
    row = IncidentTimeline.entry(incident, action, actor=actor, reason=reason, data=data, at=at)
    row.save()
    return row


# --- who is who -----------------------------------------------------------------------------


def regulators_at(level: str, region_code: str):
    """The regulators of ``level`` whose jurisdiction contains the place ``region_code``."""
    regulators = Organization.objects.filter(kind="regulator", level=level)
    if level == Level.COUNTY:
        return regulators.filter(region_code=region_code)
    if level == Level.CITY:
        return regulators.filter(region_code=region_code[:4] + "00")
    if level == Level.PROVINCE:
        return regulators.filter(region_code=region_code[:2] + "0000")
    return regulators


def _jurisdiction_code(level: str, region_code: str) -> str:
    return {
        Level.COUNTY: region_code,
        Level.CITY: region_code[:4] + "00",
        Level.PROVINCE: region_code[:2] + "0000",
    }.get(level, "")


def _governs(org: Organization | None, incident: Incident) -> bool:
    return bool(org and org.governs(incident.region_code))


def _require_regulator_at(
    actor, incident: Incident, level: str, action: str, *, code: str
) -> Organization:
    org = organization_of(actor)
    if not _governs(org, incident) or org.level != level:
        raise NotYourAction(
            _("Only the %(level)s regulator of the place may %(action)s this incident.")
            % {"level": Level(level).label, "action": action},
            code=code,
        )
    return org


def incident_require_actor(*, incident: Incident, actor, action: str) -> Organization:
    """Who may take ``action`` on ``incident`` (issue 11 "Who does what"), one rule for every path:
    the views ask it before reading the input and the services again under the row lock, so the
    wrong enterprise or the wrong level gets 403 naming the rule, never a 400 about its input or
    a 409 about the state (issue 11 "Bad input": an action by the wrong level or enterprise).

    - ``supplement``: the reporting enterprise, or the regulator handling the case;
    - ``report-up``, ``acknowledge``: the regulator of the level the incident has reached
      (the local plan: each level acknowledges and passes it up);
    - ``grade``: a regulator at the handling level or above;
    - the handling actions (accept … close): the regulator handling the case (the county of the
      place; the province for a casualty-free defect, SAMR Order 19);
    - ``attach``: whoever sees the incident;
    - ``answer``: the enterprise the incident names, when someone else filed it (issue 19).
    """
    org = organization_of(actor)
    if action == "attach":
        return org
    if action == "answer":
        if not policy.may_answer(org, incident):
            raise NotYourAction(
                _("Only the enterprise this incident names answers it."),
                code="enterprise_concerned_only",
            )
        return org
    if action == "supplement":
        handler = _governs(org, incident) and org.level == incident.handling_level
        if org != incident.reporter and not handler:
            raise NotYourAction(
                _("Only the reporting enterprise files supplementary reports."),
                code="reporter_only",
            )
        return org
    if org is None or not org.is_regulator:
        raise NotYourAction(
            _("Only a regulator may take this action on an incident."), code="regulator_only"
        )
    if action == "report-up" and owes_late_report(incident, org):
        return org
    if action in ("report-up", "acknowledge"):
        verb = _("pass up") if action == "report-up" else _("acknowledge")
        return _require_regulator_at(
            actor, incident, incident.level, verb, code="current_level_only"
        )
    if action == "grade":
        if not _governs(org, incident) or level_rank(org.level) < level_rank(
            incident.handling_level
        ):
            raise NotYourAction(
                _("Only a regulator handling the incident or above may grade it."),
                code="handling_level_or_above",
            )
        return org
    if action in policy.HANDLING_ACTIONS:
        return _require_regulator_at(
            actor, incident, incident.handling_level, action, code="handling_level_only"
        )
    raise ValueError(f"no actor rule for incident action {action!r}")


def owes_late_report(incident: Incident, org: Organization | None) -> bool:
    """A level the sweep escalated the incident past (it did not pass it up in time) still owes
    its own report up (the local plan: each level reports to the one above; the sweep's escalation
    alerts the next level, it does not report for the level that failed to). It may file it,
    late, once; the incident stays where the escalation took it."""
    if not _governs(org, incident) or level_rank(org.level) >= incident.level_rank:
        return False
    rows = incident.timeline.filter(action__in=("escalated", "reported_up")).values_list(
        "action", "data"
    )
    owes = False
    for action, data in rows.order_by("pk"):  # the order they were written
        if (data or {}).get("from") == org.level:
            owes = action == "escalated"
    return owes


def incident_actions_for(*, incident: Incident, actor) -> list[str]:
    """The actions ``actor`` may take on ``incident`` now: the transition table's actions from
    its status that the actor rule (``incident_require_actor``) allows and the incident's state
    does not rule out. What the workbench offers as buttons; the services decide again."""
    org = organization_of(actor)
    offered = []
    for action in policy.allowed_actions(incident.status):
        try:
            incident_require_actor(incident=incident, actor=actor, action=action)
        except NotYourAction:
            continue
        if action == "extend" and incident.investigation_extended:
            continue
        if action == "acknowledge" and incident.level_acknowledged:
            continue
        # the actor rule let a level below the current one through only for its late report
        if (
            action == "report-up"
            and org.level == incident.level
            and policy.next_level(incident.level) is None
        ):
            continue
        offered.append(action)
    return offered


def _require_sees(actor, incident: Incident) -> Organization:
    org = organization_of(actor)
    if org is None or not Incident.objects.visible_to(actor).filter(pk=incident.pk).exists():
        raise exceptions.NotFound()
    return org


def _check_transition(incident: Incident, action: str) -> str | None:
    sources, target = policy.TRANSITIONS[action]
    if incident.status not in sources:
        raise IllegalTransition(incident, action)
    return target


def _lock(incident_id: int) -> Incident:
    try:
        return Incident.objects.select_for_update().get(pk=incident_id)
    except Incident.DoesNotExist as exc:
        raise exceptions.NotFound() from exc


# --- deadlines ------------------------------------------------------------------------------


def _refresh_next_due(incident: Incident) -> None:
    dues = [
        d
        for d in (
            incident.escalation_due_at,
            incident.reminder_due_at,
            incident.supplement_due_at,
            incident.investigation_due_at,
            incident.written_report_due_at,
        )
        if d is not None
    ]
    incident.next_due_at = min(dues) if dues and incident.is_open else None


def _reach(incident: Incident, level: str) -> str:
    """Record that ``level`` has been sent the incident (it sees it from now on, issue 11 §9);
    the caller saves the returned field with the timeline row that says so."""
    field = reached_field(level)
    setattr(incident, field, True)
    return field


def _enter_level(incident: Incident, level: str, at: datetime) -> None:
    """The incident reaches ``level`` at ``at``: new pass-up and reminder clocks for that level."""
    _reach(incident, level)
    incident.level = level
    incident.level_rank = level_rank(level)
    incident.level_reached_at = at
    incident.level_acknowledged = False
    incident.reminders_sent = 0
    _reset_escalation(incident, at)
    remind = level in settings.INCIDENT_REMINDER_LEVELS and settings.INCIDENT_REMINDER_REPEAT > 0
    incident.reminder_due_at = (
        at + timedelta(minutes=settings.INCIDENT_REMINDER_MINUTES) if remind else None
    )


def _reset_escalation(incident: Incident, at: datetime) -> None:
    if incident.level_rank < level_rank(incident.required_level):
        incident.escalation_due_at = at + timedelta(minutes=settings.INCIDENT_PASS_UP_MINUTES)
    else:
        incident.escalation_due_at = None


def _notify_level(
    incident: Incident, level: str, *, topic: str, subject: str, memo: dict | None = None
) -> int:
    key = (level, _jurisdiction_code(level, incident.region_code))
    if memo is not None and key in memo:
        regulators = memo[key]
    else:
        regulators = list(regulators_at(level, incident.region_code))
        if memo is not None:
            memo[key] = regulators
    return _notify_orgs(incident, regulators, topic=topic, subject=subject)


def _notify_orgs(incident: Incident, organizations, *, topic: str, subject: str) -> int:
    return notify_each(
        organizations,
        topic=topic,
        subject=subject,
        body=_incident_text(incident),
        payload=_payload(incident),
        about=incident,
    )


def _notify_org(incident: Incident, org: Organization, *, topic: str, subject: str) -> None:
    _notify_orgs(incident, [org], topic=topic, subject=subject)


def _payload(incident: Incident) -> dict:
    return {
        "id": incident.pk,
        "title": incident.title,
        "status": incident.status,
        "grade": incident.grade,
        "grade_provisional": incident.grade_provisional,
        "level": incident.level,
        "region_code": incident.region_code,
        "deaths": incident.deaths,
        "serious_injuries": incident.serious_injuries,
        "direct_loss": str(incident.direct_loss),
        "url": f"{settings.PUBLIC_BASE_URL}/api/v1/incidents/{incident.pk}/",
    }


@functools.lru_cache(maxsize=16)
def _texts(language: str | None) -> dict:
    """The fixed texts of incident notices in one language, translated once: a sweep writes a
    thousand notices at a time, and looking each text up again cost a sixth of the sweep."""
    with translation.override(language):
        return {
            "incident": _(
                "Incident #%(id)s “%(title)s” at %(region)s: grade %(grade)s%(provisional)s, "
                "status %(status)s, level %(level)s. Deaths %(deaths)s, serious injuries "
                "%(serious)s, direct loss ¥%(loss)s."
            ),
            "provisional": _(" (provisional)"),
            "status": {status.value: str(status.label) for status in Status},
            "level": {level.value: str(level.label) for level in Level},
            "escalated": _("Incident #%(id)s escalated to you: not passed up in time"),
            "escalated_reason": _("Not passed up within the deadline (local emergency plan)."),
            "reminder": _("Reminder: acknowledge incident #%(id)s"),
            "investigation": _("Investigation report of incident #%(id)s is overdue"),
            "supplement": _("Supplementary report on incident #%(id)s is due"),
            "written_report": _("Written report on incident #%(id)s is overdue (seed 004)"),
        }


def _text(key: str):
    return _texts(translation.get_language())[key]


def _incident_text(incident: Incident) -> str:
    texts = _texts(translation.get_language())
    return texts["incident"] % {
        "id": incident.pk,
        "title": incident.title,
        "region": incident.region_code,
        "grade": incident.grade,
        "provisional": texts["provisional"] if incident.grade_provisional else "",
        "status": texts["status"][incident.status],
        "level": texts["level"][incident.level],
        "deaths": incident.deaths,
        "serious": incident.serious_injuries,
        "loss": incident.direct_loss,
    }


# --- reporting ------------------------------------------------------------------------------


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
        # An award holder owes the written report of a major incident within 30 days (seed 004);
        # an expired award creates no duty.
        if (
            reporter.is_enterprise
            and grade in settings.INCIDENT_AWARD_GRADES
            and _holds_valid_award(reporter, timezone.localdate(now))
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


def _apply_grade(
    incident: Incident,
    *,
    grade: str,
    confirmed: bool,
    at: datetime,
    actor,
    reason: str,
    fields: set[str],
) -> None:
    old_grade, old_required = incident.grade, incident.required_level
    incident.grade = grade
    incident.grade_confirmed = confirmed
    incident.required_level = policy.required_level(grade=grade, kind=incident.kind)
    fields |= {"grade", "grade_confirmed", "required_level"}
    if old_grade != grade or confirmed:
        _log(
            incident,
            "grade_confirmed" if confirmed and old_grade == grade else "grade_changed",
            actor=actor,
            reason=reason,
            at=at,
            data={"from": old_grade, "to": grade, "provisional": not confirmed},
        )
    if old_required != incident.required_level:
        # A higher required level starts the pass-up clock if it was stopped; a level already
        # reached stops it. A clock already running keeps its due time.
        if (
            incident.escalation_due_at is None
            or level_rank(incident.required_level) <= incident.level_rank
        ):
            _reset_escalation(incident, at)
        fields.add("escalation_due_at")
        _log(
            incident,
            "required_level_changed",
            actor=actor,
            at=at,
            data={"from": old_required, "to": incident.required_level},
        )


def incident_supplement(
    *,
    incident_id: int,
    actor,
    reason: str = "",
    written_report: bool = False,
    now: datetime | None = None,
    **figures,
) -> Incident:
    """A supplementary report with new figures; recomputes the provisional grade (the local plan)."""
    now = now or timezone.now()
    with transaction.atomic():
        incident = _lock(incident_id)
        _require_sees(actor, incident)
        incident_require_actor(incident=incident, actor=actor, action="supplement")
        _check_transition(incident, "supplement")
        figures = {k: v for k, v in figures.items() if k in FIGURES and v is not None}
        if "direct_loss" in figures:
            figures["direct_loss"] = Decimal(figures["direct_loss"])
        _validate_figures(figures)
        changed = {
            k: [getattr(incident, k), v] for k, v in figures.items() if getattr(incident, k) != v
        }
        fields = set()
        for name, (_old, new) in changed.items():
            setattr(incident, name, new)
            fields.add(name)
        computed = policy.compute_grade(
            deaths=incident.deaths,
            serious_injuries=incident.serious_injuries,
            direct_loss=incident.direct_loss,
        )
        incident.computed_grade = computed
        fields.add("computed_grade")
        incident.supplement_due_at = None
        fields.add("supplement_due_at")
        if written_report:
            incident.written_report_due_at = None
            fields.add("written_report_due_at")
        _log(
            incident,
            "supplement",
            actor=actor,
            reason=reason,
            at=now,
            data={
                "changed": {k: [json_value(a), json_value(b)] for k, (a, b) in changed.items()},
                "written_report": written_report,
            },
        )
        more_serious = Grade.values.index(computed) < Grade.values.index(incident.grade)
        if not incident.grade_confirmed and computed != incident.grade:
            _apply_grade(
                incident,
                grade=computed,
                confirmed=False,
                at=now,
                actor=actor,
                reason=reason,
                fields=fields,
            )
        elif incident.grade_confirmed and more_serious:
            # A confirmed grade is never silently lowered, but new figures can raise it (provisional again).
            _apply_grade(
                incident,
                grade=computed,
                confirmed=False,
                at=now,
                actor=actor,
                reason=reason,
                fields=fields,
            )
        _refresh_next_due(incident)
        incident.save(update_fields=[*fields, "next_due_at", "updated_at"])
        if changed:
            _notify_level(
                incident,
                incident.level,
                topic="incident.supplemented",
                subject=_("Supplementary report on incident #%(id)s") % {"id": incident.pk},
            )
    return incident


def incident_answer(
    *, incident_id: int, actor, statement: str, now: datetime | None = None
) -> Incident:
    """The enterprise an incident names answers what was filed against it (issue 19): its
    statement goes on the timeline, and the regulators holding the case are told. The answer
    changes no figure, grade or status; the handling regulator weighs it."""
    now = now or timezone.now()
    with transaction.atomic():
        incident = _lock(incident_id)
        _require_sees(actor, incident)
        incident_require_actor(incident=incident, actor=actor, action="answer")
        _check_transition(incident, "answer")
        statement = _need(statement, "statement")
        _log(incident, "answered", actor=actor, reason=statement, at=now)
        incident.save(update_fields=["updated_at"])
        _notify_level(
            incident,
            incident.level,
            topic="incident.answered",
            subject=_("The enterprise answered incident #%(id)s") % {"id": incident.pk},
        )
    return incident


# --- the chain ------------------------------------------------------------------------------


def incident_acknowledge(
    *, incident_id: int, actor, reason: str = "", now: datetime | None = None
) -> Incident:
    """The regulator at the level the incident has reached acknowledges it: reminders stop."""
    now = now or timezone.now()
    with transaction.atomic():
        incident = _lock(incident_id)
        _require_sees(actor, incident)
        incident_require_actor(incident=incident, actor=actor, action="acknowledge")
        _check_transition(incident, "acknowledge")
        if incident.level_acknowledged:
            raise Conflict(
                _("This level has already acknowledged the incident."), code="already_acknowledged"
            )
        incident.level_acknowledged = True
        incident.reminder_due_at = None
        _refresh_next_due(incident)
        incident.save(
            update_fields=["level_acknowledged", "reminder_due_at", "next_due_at", "updated_at"]
        )
        _log(
            incident,
            "acknowledged",
            actor=actor,
            reason=reason,
            at=now,
            data={"level": incident.level},
        )
    return incident


def incident_report_up(
    *,
    incident_id: int,
    actor,
    to_level: str | None = None,
    inform_skipped: bool = False,
    reason: str = "",
    now: datetime | None = None,
) -> Incident:
    """The current level passes the report up, to the next level or skipping upward (越级上报).

    A skipped level has not reached the incident and does not see it (issue 11 §9); the chain
    goes on upward from the level that holds it, so a later pass-up or escalation never reaches
    a level below. With ``inform_skipped`` every level below the target that was skipped so far
    (by this pass or an earlier one) is informed: it is notified and sees the incident from then
    on, but does not hold it (no acknowledgement or pass-up clock of its own).
    """
    now = now or timezone.now()
    with transaction.atomic():
        incident = _lock(incident_id)
        _require_sees(actor, incident)
        org = incident_require_actor(incident=incident, actor=actor, action="report-up")
        _check_transition(incident, "report-up")
        if owes_late_report(incident, org):
            return _report_up_late(incident, org, actor=actor, reason=reason, now=now)
        target = to_level or policy.next_level(incident.level)
        if (
            target is None
            or target not in Level.values
            or level_rank(target) <= incident.level_rank
        ):
            raise _field_error("to_level", _("Pass the report up to a higher level."), "not_higher")
        old = incident.level
        skipped = [
            level.value
            for level in LEVEL_ORDER[level_rank(old) + 1 : level_rank(target)]
            if not getattr(incident, reached_field(level))
        ]
        _enter_level(incident, target, now)
        incident.level_acknowledged = False
        informed = []
        if inform_skipped:
            earlier = [
                level.value
                for level in LEVEL_ORDER[: level_rank(old)]
                if not getattr(incident, reached_field(level))
            ]
            informed = earlier + skipped
        reached = [_reach(incident, level) for level in informed]
        _refresh_next_due(incident)
        incident.save(
            update_fields=[
                "level",
                "level_rank",
                reached_field(target),
                *reached,
                "level_reached_at",
                "level_acknowledged",
                "reminders_sent",
                "escalation_due_at",
                "reminder_due_at",
                "next_due_at",
                "updated_at",
            ]
        )
        _log(
            incident,
            "reported_up",
            actor=actor,
            reason=reason,
            at=now,
            data={"from": old, "to": target, "skipped": bool(skipped)},
        )
        _notify_level(
            incident,
            target,
            topic="incident.reported_up",
            subject=_("Incident #%(id)s passed up to you") % {"id": incident.pk},
        )
        if informed:
            _log(
                incident, "informed", actor=actor, reason=reason, at=now, data={"levels": informed}
            )
            for level in informed:
                _notify_level(
                    incident,
                    level,
                    topic="incident.informed",
                    subject=_("Incident #%(id)s, passed up past your level, for your information")
                    % {"id": incident.pk},
                )
    return incident


def _report_up_late(incident: Incident, org: Organization, *, actor, reason: str, now) -> Incident:
    """The escalated-past level's own report, after the sweep alerted the level above: written
    on the timeline as late and sent to the level holding the incident, which stays there."""
    _log(
        incident,
        "reported_up",
        actor=actor,
        reason=reason,
        at=now,
        data={"from": org.level, "to": incident.level, "late": True, "skipped": False},
    )
    _notify_level(
        incident,
        incident.level,
        topic="incident.reported_up",
        subject=_("Incident #%(id)s: the %(level)s regulator's report, after its escalation")
        % {"id": incident.pk, "level": Level(org.level).label},
    )
    return incident


# --- handling -------------------------------------------------------------------------------


def _handle(incident_id: int, actor, action: str, now: datetime | None):
    now = now or timezone.now()
    incident = _lock(incident_id)
    _require_sees(actor, incident)
    incident_require_actor(incident=incident, actor=actor, action=action)
    target = _check_transition(incident, action)
    return incident, target, now


def _set_status(incident: Incident, target: str | None, fields: list[str]) -> str:
    old = incident.status
    if target:
        incident.status = target
        fields.append("status")
    return old


def _need(value: str, field: str) -> str:
    if not value or not str(value).strip():
        raise _field_error(field, _("This is required for this action."), "required")
    return value.strip()


def incident_accept(
    *, incident_id: int, actor, reason: str = "", now: datetime | None = None
) -> Incident:
    with transaction.atomic():
        incident, target, now = _handle(incident_id, actor, "accept", now)
        fields = ["accepted_at", "investigation_due_at", "next_due_at", "updated_at"]
        old = _set_status(incident, target, fields)
        incident.accepted_at = now
        # Investigation report within 60 days of acceptance (the local plan; the work-safety model's default).
        incident.investigation_due_at = now + timedelta(days=settings.INCIDENT_INVESTIGATION_DAYS)
        if incident.level == incident.handling_level and not incident.level_acknowledged:
            incident.level_acknowledged, incident.reminder_due_at = True, None
            fields += ["level_acknowledged", "reminder_due_at"]
        _refresh_next_due(incident)
        incident.save(update_fields=fields)
        _log(
            incident,
            "status_changed",
            actor=actor,
            reason=reason,
            at=now,
            data={
                "action": "accept",
                "from": old,
                "to": incident.status,
                "investigation_due_at": incident.investigation_due_at,
            },
        )
        _notify_org(
            incident,
            incident.reporter,
            topic="incident.accepted",
            subject=_("Incident #%(id)s accepted") % {"id": incident.pk},
        )
        producers = (
            Organization.objects.filter(products__batches__incident_links__incident=incident)
            .exclude(pk=incident.reporter_id)
            .distinct()
        )
        _notify_orgs(
            incident,
            producers,
            topic="incident.accepted",
            subject=_("An incident names your batches (#%(id)s)") % {"id": incident.pk},
        )
    return incident


def _simple(
    action: str,
    *,
    incident_id: int,
    actor,
    reason: str,
    now,
    require_reason: bool = False,
    extra: dict | None = None,
    apply=None,
) -> Incident:
    with transaction.atomic():
        incident, target, now = _handle(incident_id, actor, action, now)
        if require_reason:
            reason = _need(reason, "reason")
        fields = ["next_due_at", "updated_at"]
        old = _set_status(incident, target, fields)
        if apply:
            fields += apply(incident, now)
        _refresh_next_due(incident)
        incident.save(update_fields=fields)
        _log(
            incident,
            "status_changed" if target else action,
            actor=actor,
            reason=reason,
            at=now,
            data={"action": action, "from": old, "to": incident.status, **(extra or {})},
        )
    return incident


def incident_reject(*, incident_id: int, actor, reason: str, now=None) -> Incident:
    incident = _simple(
        "reject", incident_id=incident_id, actor=actor, reason=reason, now=now, require_reason=True
    )
    with transaction.atomic():
        _notify_org(
            incident,
            incident.reporter,
            topic="incident.rejected",
            subject=_("Incident #%(id)s rejected") % {"id": incident.pk},
        )
    return incident


def incident_merge(*, incident_id: int, actor, into_id: int, reason: str, now=None) -> Incident:
    extra: dict = {}

    def apply(incident, now):
        target_incident = Incident.objects.visible_to(actor).filter(pk=into_id).first()
        if target_incident is None or target_incident.pk == incident_id:
            raise _field_error("into", _("Name another incident you can see."), "merge_target")
        if target_incident.status == Status.MERGED:
            raise _field_error(
                "into",
                _("That incident was itself merged; name the one it was merged into."),
                "merge_target_merged",
            )
        incident.merged_into = target_incident
        extra["into"] = target_incident.pk
        return ["merged_into"]

    return _simple(
        "merge",
        incident_id=incident_id,
        actor=actor,
        reason=reason,
        now=now,
        require_reason=True,
        extra=extra,
        apply=apply,
    )


def incident_respond(*, incident_id: int, actor, reason: str = "", now=None) -> Incident:
    """Emergency handling (应急处置) starts."""
    return _simple("respond", incident_id=incident_id, actor=actor, reason=reason, now=now)


def incident_investigate(*, incident_id: int, actor, reason: str = "", now=None) -> Incident:
    return _simple("investigate", incident_id=incident_id, actor=actor, reason=reason, now=now)


def incident_extend(*, incident_id: int, actor, reason: str, now=None) -> Incident:
    """The investigation report deadline is extended once, with a reason (the local plan; default +60 days)."""

    def apply(incident, now):
        if incident.investigation_extended:
            raise Conflict(
                _("The investigation may be extended only once."), code="already_extended"
            )
        base = incident.investigation_due_at or now
        incident.investigation_due_at = base + timedelta(
            days=settings.INCIDENT_INVESTIGATION_EXTENSION_DAYS
        )
        incident.investigation_extended = True
        return ["investigation_due_at", "investigation_extended"]

    return _simple(
        "extend",
        incident_id=incident_id,
        actor=actor,
        reason=reason,
        now=now,
        require_reason=True,
        apply=apply,
    )


def incident_conclude(
    *, incident_id: int, actor, findings: str, public_result: str, reason: str = "", now=None
) -> Incident:
    extra: dict = {}

    def apply(incident, now):
        findings_text = _need(findings, "findings")
        extra["public_result"] = public_text = _need(public_result, "public_result")
        incident.findings, incident.public_result, incident.concluded_at = (
            findings_text,
            public_text,
            now,
        )
        incident.investigation_due_at = incident.escalation_due_at = incident.reminder_due_at = None
        incident.supplement_due_at = None
        return [
            "findings",
            "public_result",
            "concluded_at",
            "investigation_due_at",
            "escalation_due_at",
            "reminder_due_at",
            "supplement_due_at",
        ]

    return _simple(
        "conclude",
        incident_id=incident_id,
        actor=actor,
        reason=reason,
        now=now,
        apply=apply,
        extra=extra,
    )


def incident_transfer(
    *, incident_id: int, actor, target: str, body: str, reference: str, reason: str = "", now=None
) -> Incident:
    """Case transfer (案件移送): public security, another department or jurisdiction."""
    extra: dict = {}

    def apply(incident, now):
        if target not in TransferTarget.values:
            raise _field_error(
                "target", _("Choose public_security, department or jurisdiction."), "invalid_choice"
            )
        extra.update(
            target=target, body=_need(body, "body"), reference=_need(reference, "reference")
        )
        incident.transfer_target, incident.transfer_body, incident.transfer_reference = (
            target,
            extra["body"],
            extra["reference"],
        )
        return ["transfer_target", "transfer_body", "transfer_reference"]

    return _simple(
        "transfer",
        incident_id=incident_id,
        actor=actor,
        reason=reason,
        now=now,
        apply=apply,
        extra=extra,
    )


def incident_close(*, incident_id: int, actor, reason: str = "", now=None) -> Incident:
    def apply(incident, now):
        incident.closed_at = now
        return ["closed_at"]

    return _simple(
        "close", incident_id=incident_id, actor=actor, reason=reason, now=now, apply=apply
    )


def incident_grade(*, incident_id: int, actor, grade: str, reason: str, now=None) -> Incident:
    """A regulator confirms or changes the grade, with a reason (the local plan)."""
    now = now or timezone.now()
    with transaction.atomic():
        incident = _lock(incident_id)
        _require_sees(actor, incident)
        incident_require_actor(incident=incident, actor=actor, action="grade")
        _check_transition(incident, "grade")
        if grade not in Grade.values:
            raise _field_error("grade", _("Choose I, II, III or IV."), "invalid_choice")
        reason = _need(reason, "reason")
        fields: set[str] = set()
        _apply_grade(
            incident, grade=grade, confirmed=True, at=now, actor=actor, reason=reason, fields=fields
        )
        _refresh_next_due(incident)
        incident.save(update_fields=[*fields, "next_due_at", "updated_at"])
    return incident


def incident_note_attachment(*, incident: Incident, actor, attachment, now=None) -> None:
    _log(
        incident,
        "attachment",
        actor=actor,
        at=now,
        data={
            "attachment": attachment.pk,
            "name": attachment.original_name,
            "content_type": attachment.content_type,
            "size": attachment.size,
            "sha256": attachment.sha256,
        },
    )


@transaction.atomic
def incident_note_recall(
    *,
    incident_id: int,
    actor,
    recall_id: int,
    number: str,
    recall_type: str,
    batch_ids: list[int],
    now=None,
) -> Incident:
    """A recall was opened from this incident (the recalls app calls this in its own
    transaction; incidents knows nothing of recalls beyond these values)."""
    incident = _lock(incident_id)
    _require_sees(actor, incident)
    _log(
        incident,
        "recall_opened",
        actor=actor,
        at=now,
        data={
            "recall": recall_id,
            "number": number,
            "recall_type": recall_type,
            "batches": batch_ids,
        },
    )
    return incident


# --- the sweep ------------------------------------------------------------------------------

SWEEP_FIELDS = [
    "level",
    "level_rank",
    *(reached_field(level) for level in LEVEL_ORDER),
    "level_reached_at",
    "level_acknowledged",
    "reminders_sent",
    "escalation_due_at",
    "reminder_due_at",
    "investigation_due_at",
    "supplement_due_at",
    "written_report_due_at",
    "next_due_at",
    "is_overdue",
    "overdue_since",
    "updated_at",
]


def _sweep_one(incident: Incident, now: datetime, *, sink: list, memo: dict) -> int:
    """Act on every due time of one locked incident up to ``now``, in the order they fell due.

    Each action is stamped with its due time, so a sweep that runs late (a worker down for a day)
    writes the same rows as sweeps that ran on time.
    """
    acted = 0
    for _guard in range(1000):
        due = []
        if incident.escalation_due_at and incident.escalation_due_at <= now:
            due.append((incident.escalation_due_at, 0, "escalate"))
        if incident.reminder_due_at and incident.reminder_due_at <= now:
            due.append((incident.reminder_due_at, 1, "remind"))
        if incident.investigation_due_at and incident.investigation_due_at <= now:
            due.append((incident.investigation_due_at, 2, "investigation"))
        if incident.supplement_due_at and incident.supplement_due_at <= now:
            due.append((incident.supplement_due_at, 3, "supplement"))
        if incident.written_report_due_at and incident.written_report_due_at <= now:
            due.append((incident.written_report_due_at, 4, "written_report"))
        if not due:
            break
        at, _priority, what = min(due)
        acted += 1
        swept = {"due_at": at, "swept_at": now}
        if what == "escalate":
            _mark_overdue(incident, at)
            old = incident.level
            new = policy.next_level(old)
            if new is None:
                incident.escalation_due_at = None
                continue
            _enter_level(incident, new, at)
            _log(
                incident,
                "escalated",
                at=at,
                sink=sink,
                reason=_text("escalated_reason"),
                data={"from": old, "to": new, **swept},
            )
            _notify_level(
                incident,
                new,
                topic="incident.escalated",
                subject=_text("escalated") % {"id": incident.pk},
                memo=memo,
            )
        elif what == "remind":
            incident.reminders_sent += 1
            _log(
                incident,
                "reminder",
                at=at,
                sink=sink,
                data={"level": incident.level, "n": incident.reminders_sent, **swept},
            )
            _notify_level(
                incident,
                incident.level,
                topic="incident.reminder",
                subject=_text("reminder") % {"id": incident.pk},
                memo=memo,
            )
            more = incident.reminders_sent < settings.INCIDENT_REMINDER_REPEAT
            incident.reminder_due_at = (
                at + timedelta(minutes=settings.INCIDENT_REMINDER_MINUTES) if more else None
            )
        elif what == "investigation":
            _mark_overdue(incident, at)
            incident.investigation_due_at = None
            _log(incident, "investigation_overdue", at=at, sink=sink, data=swept)
            _notify_level(
                incident,
                incident.handling_level,
                topic="incident.overdue",
                subject=_text("investigation") % {"id": incident.pk},
                memo=memo,
            )
        elif what == "supplement":
            incident.supplement_due_at = None
            _log(incident, "supplement_overdue", at=at, sink=sink, data=swept)
            _notify_org(
                incident,
                incident.reporter,
                topic="incident.overdue",
                subject=_text("supplement") % {"id": incident.pk},
            )
        else:
            _mark_overdue(incident, at)
            incident.written_report_due_at = None
            _log(incident, "written_report_overdue", at=at, sink=sink, data=swept)
            _notify_org(
                incident,
                incident.reporter,
                topic="incident.overdue",
                subject=_text("written_report") % {"id": incident.pk},
            )
    _refresh_next_due(incident)
    incident.updated_at = timezone.now()
    return acted


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


def _swept_values(incident: Incident) -> tuple:
    return tuple(getattr(incident, name) for name in SWEEP_FIELDS)


def _save_swept(rows: list[Incident], before: list[tuple], timeline: list[tuple]) -> None:
    """Write a chunk back in two statements: one UPDATE of the swept rows (``UPDATE … FROM``
    unnested arrays on PostgreSQL; bulk_update's CASE per field and row costs more than the
    sweep itself) of the columns the sweep changed in any of them (``before``: their values
    as locked), and one insert of their timeline rows (COPY on PostgreSQL)."""
    if not rows:
        return
    incidents_written()  # a bulk UPDATE sends no post_save
    after = [_swept_values(incident) for incident in rows]
    changed = [
        k
        for k in range(len(SWEEP_FIELDS))
        if any(new[k] != old[k] for new, old in zip(after, before, strict=True))
    ]
    update_rows(
        Incident,
        [SWEEP_FIELDS[k] for k in changed],
        [
            (incident.pk, *(values[k] for k in changed))
            for incident, values in zip(rows, after, strict=True)
        ],
    )
    insert_rows(IncidentTimeline, _TIMELINE_FIELDS, timeline)


_TIMELINE_FIELDS = [
    "incident_id",
    "at",
    "actor_id",
    "actor_organization_id",
    "action",
    "reason",
    "data",
]


def _mark_overdue(incident: Incident, at: datetime) -> None:
    if not incident.is_overdue:
        incident.is_overdue = True
        incident.overdue_since = at


def _recomputable_commit() -> None:
    """Let this transaction's commit return before its WAL reaches the disk (PostgreSQL's
    ``synchronous_commit = off``, for this transaction only).

    Safe for a sweep and only for it: everything it writes follows from the due times in the
    database. If a crash loses the last few hundred milliseconds of commits, the due times
    lost with them were never moved, so the next sweep acts on the same rows and writes the
    same rows again (each stamped with its due time); the outbox rows go with the change they
    announce, and a delivery task enqueued for a lost row finds nothing to send. It never
    leaves half a sweep: the transaction is lost whole or kept whole."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def incidents_sweep(now: datetime) -> int:
    """The incidents sweeper (registered with api.deadlines): exactly once per due time.

    Due rows are locked with SKIP LOCKED, so concurrent sweeps share the work and never act twice;
    each row's due times move forward in the same transaction. Each chunk is written in bulk: one
    UPDATE of the swept rows, one INSERT of their timeline rows, one of their outbox rows.
    """
    acted, seen = 0, set()
    chunk = settings.INCIDENT_SWEEP_CHUNK
    memo: dict = {}  # the regulators of each (level, jurisdiction), read once per sweep
    while True:
        with transaction.atomic():
            _recomputable_commit()
            rows = list(
                Incident.objects.select_for_update(skip_locked=True)
                .filter(OPEN_Q, next_due_at__lte=now)
                .exclude(pk__in=seen)
                .order_by("next_due_at", "id")[:chunk]
            )
            before = [_swept_values(incident) for incident in rows]
            sink: list[tuple] = []  # timeline rows (_TIMELINE_FIELDS)
            with bulk_notifications():
                for incident in rows:
                    seen.add(incident.pk)
                    acted += _sweep_one(incident, now, sink=sink, memo=memo)
            _save_swept(rows, before, sink)
        if len(rows) < chunk:
            return acted
