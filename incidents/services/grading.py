"""Grading: a regulator confirms or changes the grade; a new grade moves the level required."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.validators import field_error as _field_error

from .. import law
from ..choices import Grade, level_rank
from ..models import Incident
from .common import (
    _check_transition,
    _lock,
    _log,
    _need,
    _refresh_next_due,
    _require_sees,
    _reset_escalation,
    incident_require_actor,
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
    on = incident.occurred_at
    incident.required_level = law.required_level(
        incident.category, grade=grade, kind=incident.kind, on=on
    )
    # Who investigates follows the grade where the category's instrument says so.
    incident.investigating_level = law.investigating_level(
        incident.category, grade=grade, kind=incident.kind, on=on
    )
    fields |= {"grade", "grade_confirmed", "required_level", "investigating_level"}
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
