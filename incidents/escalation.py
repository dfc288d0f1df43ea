"""What a higher level does with an incident it holds above the level handling it: take the
case over (提级办理), urge the handling level to act by a deadline (督办), or hand a case it
took over back to the level it took it from, with a reason.

The level that holds an incident (``Incident.level``, reached by a pass-up or by the sweep's
escalation) may act when it ranks above the handling level (``Incident.handling_level``: the
county of the place, or the province for a casualty-free defect). For complaints SAMR Order
20 Art. 12 lets the upper level take a case over; incidents follow the same rule here (no
instrument in the rulebook says so for incidents: it is this service's rule, not a citation).
Taking over moves the handling actions (accept … close, ``incidents.policy.HANDLING_ACTIONS``)
to the taking level, since those follow ``handling_level``.

Each service locks the row, checks who may act and the state, saves with ``update_fields`` and
writes its timeline row and notifications in the same transaction. An urge's deadline lives
on its timeline row; ``open_urge`` reads it back for the urged level's pages until that level
acts on the incident.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict
from core.validators import field_error

from . import policy, services
from .choices import OPEN_STATUSES, Level, level_rank
from .models import Incident, IncidentTimeline
from .services.common import _lock, _log, _refresh_next_due, _require_sees
from .services.notices import _notify_level

ACTIONS = ("take-over", "urge", "hand-back")


def _label(level: str) -> str:
    return str(Level(level).label)


def escalation_require_actor(*, incident: Incident, actor, action: str):
    """Who may take an escalation ``action``: ``policy.require_escalation`` (403 naming the
    rule otherwise); returns the actor's organization."""
    return policy.require_escalation(actor, action, incident)


def escalation_actions_for(*, incident: Incident, actor) -> list[str]:
    """The escalation actions ``actor`` may take now (what the workbench offers as buttons)."""
    if incident.status not in OPEN_STATUSES:
        return []
    offered = []
    for action in ACTIONS:
        try:
            escalation_require_actor(incident=incident, actor=actor, action=action)
        except services.NotYourAction:
            continue
        offered.append(action)
    return offered


def _begin(incident_id: int, actor, action: str) -> tuple[Incident, object]:
    incident = _lock(incident_id)
    _require_sees(actor, incident)
    org = escalation_require_actor(incident=incident, actor=actor, action=action)
    if incident.status not in OPEN_STATUSES:
        raise services.IllegalTransition(incident, action)
    return incident, org


def incident_take_over(
    *, incident_id: int, actor, reason: str = "", now: datetime | None = None
) -> Incident:
    """The level holding the incident takes the case over: it handles it from now on (accept,
    investigate, conclude …), and holding it counts as acknowledged (its reminders stop)."""
    now = now or timezone.now()
    with transaction.atomic():
        incident, org = _begin(incident_id, actor, "take-over")
        old = incident.handling_level
        incident.handling_level = org.level
        incident.level_acknowledged = True
        incident.reminder_due_at = None
        _refresh_next_due(incident)
        incident.save(
            update_fields=[
                "handling_level",
                "level_acknowledged",
                "reminder_due_at",
                "next_due_at",
                "updated_at",
            ]
        )
        _log(
            incident,
            "taken_over",
            actor=actor,
            reason=reason,
            at=now,
            data={"from": old, "to": org.level},
        )
        _notify_level(
            incident,
            old,
            topic="incident.taken_over",
            subject=_("Incident #%(id)s taken over by the %(level)s regulator")
            % {"id": incident.pk, "level": _label(org.level)},
        )
    return incident


def incident_urge(
    *, incident_id: int, actor, due_at: datetime, reason: str = "", now: datetime | None = None
) -> Incident:
    """The level holding the incident urges the handling level to act by ``due_at`` (督办):
    a timeline row naming the level and the deadline, and a notice to that level."""
    now = now or timezone.now()
    if due_at is None:
        raise field_error("due_at", _("This is required for this action."), "required")
    if due_at <= now:
        raise field_error("due_at", _("The deadline must be in the future."), "not_future")
    with transaction.atomic():
        incident, org = _begin(incident_id, actor, "urge")
        target = incident.handling_level
        _log(
            incident,
            "urged",
            actor=actor,
            reason=reason,
            at=now,
            data={"level": target, "by": org.level, "due_at": due_at},
        )
        _notify_level(
            incident,
            target,
            topic="incident.urged",
            subject=_("Incident #%(id)s: the %(level)s regulator urges you to act by %(due)s")
            % {
                "id": incident.pk,
                "level": _label(org.level),
                "due": timezone.localtime(due_at).strftime("%Y-%m-%d %H:%M"),
            },
        )
    return incident


def incident_hand_back(
    *, incident_id: int, actor, reason: str, now: datetime | None = None
) -> Incident:
    """The level that took the case over hands it back to the level it took it from, with a
    reason; that level handles it again."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", _("This is required for this action."), "required")
    with transaction.atomic():
        incident, org = _begin(incident_id, actor, "hand-back")
        target = policy.taken_from(incident)
        if target is None:  # pragma: no cover - the actor rule checked it under the lock
            raise Conflict(_("This incident was not taken over."), code="not_taken_over")
        incident.handling_level = target
        _refresh_next_due(incident)
        incident.save(update_fields=["handling_level", "next_due_at", "updated_at"])
        _log(
            incident,
            "handed_back",
            actor=actor,
            reason=reason,
            at=now,
            data={"from": org.level, "to": target},
        )
        _notify_level(
            incident,
            target,
            topic="incident.handed_back",
            subject=_("Incident #%(id)s handed back to you by the %(level)s regulator")
            % {"id": incident.pk, "level": _label(org.level)},
        )
    return incident


def open_urge(incident: Incident, org) -> dict | None:
    """The latest urge addressed to ``org``'s level on this incident, while that level has not
    acted on it since (no timeline row by a regulator of that level after it): its deadline
    and reason. None when nothing is pending."""
    if not policy.governs(org, incident):
        return None
    if incident.status not in OPEN_STATUSES or incident.level_rank <= level_rank(org.level):
        return None  # only a level holding the incident above ``org``'s level urges it
    urge = (
        incident.timeline.filter(action="urged", data__level=org.level)
        .order_by("-at", "-id")
        .first()
    )
    if urge is None:
        return None
    acted = IncidentTimeline.objects.filter(
        incident=incident,
        at__gte=urge.at,
        id__gt=urge.id,
        actor_organization__kind="regulator",
        actor_organization__level=org.level,
    ).exists()
    if acted:
        return None
    due_at = urge.data.get("due_at")
    return {
        "due_at": datetime.fromisoformat(due_at) if isinstance(due_at, str) else due_at,
        "reason": urge.reason,
        "by": urge.data.get("by"),
    }
