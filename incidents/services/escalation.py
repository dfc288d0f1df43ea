"""The reporting chain: a level acknowledges the incident and passes it up (or skips upward),
and a level escalated past files its own late report.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict
from core.models import Organization
from core.validators import field_error as _field_error

from .. import policy
from ..choices import LEVEL_ORDER, Level, level_rank
from ..models import Incident, reached_field
from .common import (
    _check_transition,
    _enter_level,
    _lock,
    _log,
    _reach,
    _refresh_next_due,
    _require_sees,
    incident_require_actor,
    owes_late_report,
)
from .notices import _notify_level


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

    A skipped level has not reached the incident and does not see it; the chain
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
        target = _target_level(incident, to_level)
        old = incident.level
        skipped, informed = _skipped_and_informed(incident, target, inform_skipped)
        _enter_level(incident, target, now)
        incident.level_acknowledged = False
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
            _inform(incident, informed, actor=actor, reason=reason, now=now)
    return incident


def _target_level(incident: Incident, to_level: str | None) -> str:
    target = to_level or policy.next_level(incident.level)
    if target is None or target not in Level.values or level_rank(target) <= incident.level_rank:
        raise _field_error("to_level", _("Pass the report up to a higher level."), "not_higher")
    return target


def _skipped_and_informed(incident: Incident, target: str, inform_skipped: bool):
    """The levels this pass skips (not reached), and those to inform: with ``inform_skipped``
    every level below the target not reached so far."""
    old = incident.level
    skipped = [
        level.value
        for level in LEVEL_ORDER[level_rank(old) + 1 : level_rank(target)]
        if not getattr(incident, reached_field(level))
    ]
    if not inform_skipped:
        return skipped, []
    earlier = [
        level.value
        for level in LEVEL_ORDER[: level_rank(old)]
        if not getattr(incident, reached_field(level))
    ]
    return skipped, earlier + skipped


def _inform(incident: Incident, informed: list[str], *, actor, reason: str, now) -> None:
    _log(incident, "informed", actor=actor, reason=reason, at=now, data={"levels": informed})
    for level in informed:
        _notify_level(
            incident,
            level,
            topic="incident.informed",
            subject=_("Incident #%(id)s, passed up past your level, for your information")
            % {"id": incident.pk},
        )


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
