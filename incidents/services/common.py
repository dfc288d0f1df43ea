"""Shared steps of every incident write: the errors, the timeline row, the row lock, the
transition check, the clocks of a level (pass-up, reminder) and the actor rule (``policy``).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions

from core.bulk import Json
from core.errors import StateConflict, check_transition
from core.models import Organization, organization_of
from core.timeline import json_value
from core.validators import field_error as _field_error

from .. import law, policy
from ..choices import Level, level_rank
from ..models import Incident, IncidentTimeline, reached_field

FIGURES = ("deaths", "serious_injuries", "minor_injuries", "direct_loss", "affected_quantity")


def _refusal() -> str:
    return _("“%(action)s” is not allowed while the incident is %(status)s; allowed: %(allowed)s.")


class IllegalTransition(StateConflict):
    """409 naming the incident's current state and the actions allowed from it."""

    def __init__(self, incident: Incident, action: str):
        super().__init__(
            status=incident.status,
            label=str(incident.get_status_display()),
            action=action,
            allowed=policy.allowed_actions(incident.status),
            message=_refusal(),
        )


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


def incident_require_actor(*, incident: Incident, actor, action: str) -> Organization:
    """Who may take ``action`` on ``incident``: ``policy.require`` (one rule for every path). The
    views ask it before reading the input and the services again under the row lock, so the
    wrong enterprise or the wrong level gets 403 naming the rule, never a 400 about its input or
    a 409 about the state."""
    return policy.require(actor, action, incident)


def owes_late_report(incident: Incident, org: Organization | None) -> bool:
    """A level escalated past still owes its own report up (``policy.owes_late_report``)."""
    return policy.owes_late_report(incident, org)


def incident_actions_for(*, incident: Incident, actor) -> list[str]:
    """The actions ``actor`` may take on ``incident`` now (``policy.actions_for``): what the
    workbench offers as buttons; the services decide again."""
    return policy.actions_for(actor, incident)


def _require_sees(actor, incident: Incident) -> Organization:
    org = organization_of(actor)
    if org is None or not policy.sees(actor, incident):
        raise exceptions.NotFound()
    return org


def _check_transition(incident: Incident, action: str) -> str | None:
    return check_transition(
        incident, action, policy.TRANSITIONS, allowed=policy.allowed_actions, message=_refusal()
    )


def _lock(incident_id: int) -> Incident:
    try:
        return Incident.objects.select_for_update().get(pk=incident_id)
    except Incident.DoesNotExist as exc:
        raise exceptions.NotFound() from exc


def _need(value: str, field: str) -> str:
    if not value or not str(value).strip():
        raise _field_error(field, _("This is required for this action."), "required")
    return value.strip()


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
    """Record that ``level`` has been sent the incident (it sees it from now on);
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
        incident.escalation_due_at = at + timedelta(minutes=law.pass_up_minutes(incident))
    else:
        incident.escalation_due_at = None


def _mark_overdue(incident: Incident, at: datetime) -> None:
    if not incident.is_overdue:
        incident.is_overdue = True
        incident.overdue_since = at
