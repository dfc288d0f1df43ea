"""What the city regulator does with a complaint the sweep escalated to it (its county did not
decide or mediate in time): take the complaint over (the upper level may handle it itself,
SAMR Order 20 Art. 12), urge the county to act by a deadline (督办), or hand a complaint it took
over back to the county with a reason.

A city that took a complaint over is its handler (``services.is_handler``) until it hands it
back or forwards it: it accepts, declines, replies and closes as the county would, and sees the
contact details the handler sees. Each service locks the row, checks who may act, and writes
its timeline row and notice in the same transaction. An urge's deadline lives on its timeline
row; ``open_urge`` reads it back for the county's pages until the county acts.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.validators import field_error
from incidents.choices import Level

from . import policy, services
from .choices import OPEN_COMPLAINT_STATUSES
from .models import Complaint, ComplaintTimeline

ACTIONS = ("take-over", "urge", "hand-back")


def escalation_require_actor(*, complaint: Complaint, actor, action: str):
    """Who may take an escalation ``action``: ``policy.require_escalation`` (403 naming the
    rule otherwise); returns the actor's organization."""
    return policy.require_escalation(actor, action, complaint)


def escalation_actions_for(*, complaint: Complaint, actor) -> list[str]:
    if complaint.status not in OPEN_COMPLAINT_STATUSES:
        return []
    offered = []
    for action in ACTIONS:
        try:
            escalation_require_actor(complaint=complaint, actor=actor, action=action)
        except services.NotYourComplaint:
            continue
        offered.append(action)
    return offered


def _begin(complaint_id: int, actor, action: str) -> Complaint:
    complaint = services._lock(complaint_id, actor)
    escalation_require_actor(complaint=complaint, actor=actor, action=action)
    if complaint.status not in OPEN_COMPLAINT_STATUSES:
        raise services.IllegalComplaintTransition(
            status=complaint.status,
            label=complaint.get_status_display(),
            action=action,
            allowed=[],
        )
    return complaint


def _notify_county(complaint: Complaint, *, topic: str, subject: str) -> None:
    services._notify_regulators(complaint, Level.COUNTY, topic=topic, subject=subject)


def complaint_take_over(
    *, complaint_id: int, actor, reason: str = "", now: datetime | None = None
) -> Complaint:
    """The city takes the escalated complaint over: it handles it from now on."""
    now = now or timezone.now()
    with transaction.atomic():
        complaint = _begin(complaint_id, actor, "take-over")
        complaint.save(update_fields=["updated_at"])
        services._log(
            complaint,
            "taken_over",
            actor=actor,
            reason=reason,
            at=now,
            data={"from": Level.COUNTY.value, "to": Level.CITY.value},
        )
        _notify_county(
            complaint,
            topic="complaint.taken_over",
            subject=_("Complaint #%(id)s taken over by the city regulator") % {"id": complaint.pk},
        )
    return complaint


def complaint_urge(
    *, complaint_id: int, actor, due_at: datetime, reason: str = "", now: datetime | None = None
) -> Complaint:
    """The city urges the county to act on the escalated complaint by ``due_at``."""
    now = now or timezone.now()
    if due_at is None:
        raise field_error("due_at", _("This is required for this action."), "required")
    if due_at <= now:
        raise field_error("due_at", _("The deadline must be in the future."), "not_future")
    with transaction.atomic():
        complaint = _begin(complaint_id, actor, "urge")
        complaint.save(update_fields=["updated_at"])
        services._log(
            complaint,
            "urged",
            actor=actor,
            reason=reason,
            at=now,
            data={"level": Level.COUNTY.value, "by": Level.CITY.value, "due_at": due_at},
        )
        _notify_county(
            complaint,
            topic="complaint.urged",
            subject=_("Complaint #%(id)s: the city regulator urges you to act by %(due)s")
            % {
                "id": complaint.pk,
                "due": timezone.localtime(due_at).strftime("%Y-%m-%d %H:%M"),
            },
        )
    return complaint


def complaint_hand_back(
    *, complaint_id: int, actor, reason: str, now: datetime | None = None
) -> Complaint:
    """The city hands a complaint it took over back to the county, with a reason."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", _("This is required for this action."), "required")
    with transaction.atomic():
        complaint = _begin(complaint_id, actor, "hand-back")
        complaint.save(update_fields=["updated_at"])
        services._log(
            complaint,
            "handed_back",
            actor=actor,
            reason=reason,
            at=now,
            data={"from": Level.CITY.value, "to": Level.COUNTY.value},
        )
        _notify_county(
            complaint,
            topic="complaint.handed_back",
            subject=_("Complaint #%(id)s handed back to you by the city regulator")
            % {"id": complaint.pk},
        )
    return complaint


def open_urge(complaint: Complaint, org) -> dict | None:
    """The city's latest urge to the county of the place, while the county has not acted on
    the complaint since: its deadline and reason."""
    if (
        not policy.is_county_of_place(org, complaint)
        or complaint.status not in OPEN_COMPLAINT_STATUSES
        or not complaint.escalated  # only an escalated complaint is urged
    ):
        return None
    urge = complaint.timeline.filter(action="urged").order_by("-at", "-id").first()
    if urge is None:
        return None
    acted = ComplaintTimeline.objects.filter(
        complaint_id=complaint.pk, id__gt=urge.id, actor_organization=org
    ).exists()
    if acted:
        return None
    due_at = urge.data.get("due_at")
    return {
        "due_at": datetime.fromisoformat(due_at) if isinstance(due_at, str) else due_at,
        "reason": urge.reason,
    }
