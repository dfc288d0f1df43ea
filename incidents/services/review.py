"""Review by the handling regulator: accept (the investigation clock starts), reject, merge,
emergency handling; ``_simple`` is the shape every plain status change shares.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from core.models import Organization
from core.validators import field_error as _field_error

from .. import law
from ..choices import Status
from ..models import Incident
from .common import _handle, _log, _need, _refresh_next_due, _set_status
from .notices import _notify_org, _notify_orgs


def incident_accept(
    *, incident_id: int, actor, reason: str = "", now: datetime | None = None
) -> Incident:
    with transaction.atomic():
        incident, target, now = _handle(incident_id, actor, "accept", now)
        fields = ["accepted_at", "investigation_due_at", "next_due_at", "updated_at"]
        old = _set_status(incident, target, fields)
        incident.accepted_at = now
        # The investigation report's due time counts from the day the category's instrument
        # counts from (the incident for the local plan; the team's formation for Order 50).
        due = law.investigation_due(incident)
        incident.investigation_due_at = due.at if due else None
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
                "investigation_rule": due.citation() if due else "",
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
