"""Supplements: the reporter's supplementary report (new figures, a recomputed provisional
grade) and the answer of the enterprise an incident names.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.timeline import json_value

from .. import law
from ..choices import Grade
from ..models import Incident
from .common import (
    FIGURES,
    _check_transition,
    _lock,
    _log,
    _need,
    _refresh_next_due,
    _require_sees,
    incident_require_actor,
)
from .grading import _apply_grade
from .intake import _validate_figures
from .notices import _notify_level


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
        computed = law.compute_grade(
            incident.category,
            deaths=incident.deaths,
            serious_injuries=incident.serious_injuries,
            minor_injuries=incident.minor_injuries,
            direct_loss=incident.direct_loss,
            on=incident.occurred_at,
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
        _regrade(incident, computed, actor=actor, reason=reason, now=now, fields=fields)
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


def _regrade(incident: Incident, computed: str, *, actor, reason: str, now, fields: set) -> None:
    """A provisional grade follows the figures; a confirmed one is never silently lowered, but
    new figures can raise it (provisional again)."""
    more_serious = Grade.values.index(computed) < Grade.values.index(incident.grade)
    if computed != incident.grade and (not incident.grade_confirmed or more_serious):
        _apply_grade(
            incident,
            grade=computed,
            confirmed=False,
            at=now,
            actor=actor,
            reason=reason,
            fields=fields,
        )


def incident_answer(
    *, incident_id: int, actor, statement: str, now: datetime | None = None
) -> Incident:
    """The enterprise an incident names answers what was filed against it: its
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
