"""The handling county decides and handles: accept (Art. 14) and the mediation period, decline with an Art. 15 ground, reply, close, forward, merge, turn into an incident."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.rulebook import Unit, rule
from core.validators import field_error as _field_error
from core.validators import require_county_region_code
from core.workdays import CHINA_TZ, Deadline, add_working_days
from incidents import services as incident_services
from incidents.choices import Level, Source
from incidents.models import IncidentTimeline

from ..choices import (
    OPEN_COMPLAINT_STATUSES,
    ComplaintStatus,
    DeclineGround,
    Outcome,
)
from ..models import (
    Complaint,
)
from .common import (
    IncompleteComplaint,
    _check,
    _lock,
    _log,
    _need,
    _notify_regulators,
    _notify_respondent,
    _require_handler,
)
from .mediation import _end_pause


def mediation_deadline(start: datetime, value: int, unit: str) -> Deadline:
    """The end of a mediation period from ``start``: working days on the holiday calendar, or
    calendar days counted from the day after (Civil Code Art. 201), ending at 24:00 Beijing."""
    if unit == Unit.WORKING_DAYS:
        return add_working_days(start, value)
    day = start.astimezone(CHINA_TZ).date() + timedelta(days=value)
    return Deadline(due_at=datetime.combine(day, time.max, tzinfo=CHINA_TZ), calendar_covered=True)


def complaint_accept(
    *, complaint_id: int, actor, reason: str = "", now: datetime | None = None
) -> Complaint:
    """Accept (Order 20 Art. 14); mediation must end within ``complaint.mediation_days`` in force
    on the complaint's date (60 days, Consumer Rights Regulation Art. 46 ¶3; 45 working days,
    Order 20 Art. 21, for complaints before 2024-07-01)."""
    now = now or timezone.now()
    with transaction.atomic():
        complaint = _lock(complaint_id, actor)
        _require_handler(actor, complaint, "accept")
        complaint.status = _check(complaint, "accept")
        if not complaint.complete:
            raise IncompleteComplaint()
        mediation = rule("complaint.mediation_days", on=complaint.submitted_at)
        deadline = mediation_deadline(now, mediation.value, mediation.unit)
        complaint.accepted_at = now
        complaint.close_due_at = complaint.next_due_at = deadline.due_at
        complaint.calendar_covered = complaint.calendar_covered and deadline.calendar_covered
        complaint.public_reason = (reason or "").strip()
        complaint.save(
            update_fields=[
                "status",
                "accepted_at",
                "close_due_at",
                "next_due_at",
                "calendar_covered",
                "public_reason",
                "updated_at",
            ]
        )
        _log(
            complaint,
            "accepted",
            actor=actor,
            reason=reason,
            at=now,
            data={
                "close_due_at": deadline.due_at,
                "calendar_covered": deadline.calendar_covered,
                "late": now > complaint.accept_due_at,
                "mediation_rule": "complaint.mediation_days",
                "citation": mediation.citation("en"),
            },
        )
        _notify_respondent(
            complaint,
            topic="complaint.accepted",
            subject=_("A consumer complaint against you was accepted (#%(id)s)")
            % {"id": complaint.pk},
        )
    return complaint


def complaint_decline(
    *, complaint_id: int, actor, reason: str, ground: str = "", now: datetime | None = None
) -> Complaint:
    """Decline within the 7 working days (Order 20 Art. 14) on a ground of Art. 15 (``ground``;
    an old client that gives none declines on "another legal ground", Art. 15 (6)), with the
    reason the consumer is told. The outcome is ``declined``."""
    now = now or timezone.now()
    reason = _need(reason, "reason")
    if ground and ground not in DeclineGround.values:
        raise _field_error(
            "ground",
            _("Choose a ground of SAMR Order 20 Art. 15: %(choices)s.")
            % {"choices": ", ".join(DeclineGround.values)},
            "invalid_choice",
        )
    with transaction.atomic():
        complaint = _lock(complaint_id, actor)
        _require_handler(actor, complaint, "decline")
        complaint.status = _check(complaint, "decline")
        complaint.public_reason, complaint.closed_at, complaint.next_due_at = reason, now, None
        complaint.decline_ground = ground or DeclineGround.OTHER_LEGAL_GROUND
        complaint.outcome = Outcome.DECLINED
        complaint.save(
            update_fields=[
                "status",
                "public_reason",
                "closed_at",
                "next_due_at",
                "decline_ground",
                "outcome",
                "updated_at",
            ]
        )
        _log(
            complaint,
            "declined",
            actor=actor,
            reason=reason,
            at=now,
            data={
                "ground": complaint.decline_ground,
                "late": now > complaint.accept_due_at,
                "citation": "SAMR Order 20 Art. 15",
            },
        )
    return complaint


def complaint_reply(
    *, complaint_id: int, actor, reply: str, now: datetime | None = None
) -> Complaint:
    """The regulator's answer, shown to the consumer on the status page."""
    now = now or timezone.now()
    reply = (reply or "").strip()
    if not reply:
        raise _field_error("reply", _("Write the reply the consumer will read."), "required")
    with transaction.atomic():
        complaint = _lock(complaint_id, actor)
        _require_handler(actor, complaint, "reply to")
        _check(complaint, "reply")
        if complaint.status != ComplaintStatus.MEDIATING:
            complaint.status = ComplaintStatus.ANSWERED
        complaint.reply, complaint.replied_at = reply, now
        complaint.save(update_fields=["status", "reply", "replied_at", "updated_at"])
        _log(complaint, "replied", actor=actor, at=now, data={"reply": reply})
    return complaint


def complaint_close(
    *, complaint_id: int, actor, outcome: str = "", text: str = "", now: datetime | None = None
) -> Complaint:
    """End the handling. ``outcome`` one of ``Outcome`` but ``declined`` (an agreement needs
    ``text``: what the consumer got; use ``record-agreement``, ``terminate`` or ``withdraw`` to
    have the deadlines and notices kept). Older clients send ``outcome`` as free text: it becomes
    the reply the consumer reads and no outcome is recorded (not counted as upheld)."""
    now = now or timezone.now()
    outcome, text = (outcome or "").strip(), (text or "").strip()
    if outcome in Outcome.values:
        if outcome == Outcome.DECLINED:
            raise _field_error(
                "outcome", _("A complaint is declined with the decline action."), "invalid_choice"
            )
        if outcome == Outcome.AGREEMENT and not text:
            raise _field_error(
                "text", _("Write what was agreed: what the consumer got."), "required"
            )
        chosen, told = outcome, text
    else:
        chosen, told = "", outcome or text
    with transaction.atomic():
        complaint = _lock(complaint_id, actor)
        _require_handler(actor, complaint, "close")
        complaint.status = _check(complaint, "close")
        _end_pause(complaint, now)
        fields = ["status", "closed_at", "next_due_at", "outcome", "outcome_detail", "updated_at"]
        fields += ["paused_at", "paused_seconds", "close_due_at"]
        if told:
            complaint.reply, complaint.replied_at = told, now
            fields += ["reply", "replied_at"]
        complaint.outcome = chosen
        if chosen == Outcome.AGREEMENT:
            complaint.outcome_detail = told
        complaint.closed_at, complaint.next_due_at = now, None
        complaint.save(update_fields=fields)
        _log(complaint, "closed", actor=actor, at=now, data={"outcome": chosen, "text": told})
    return complaint


def complaint_forward(
    *, complaint_id: int, actor, region_code: str, reason: str, now: datetime | None = None
) -> Complaint:
    """Hand it to the county regulator of another place; its 7 working days start there."""
    now = now or timezone.now()
    reason = _need(reason, "reason")
    require_county_region_code("region_code", region_code)
    with transaction.atomic():
        complaint = _lock(complaint_id, actor)
        _require_handler(actor, complaint, "forward")
        _check(complaint, "forward")
        if region_code == complaint.region_code:
            raise _field_error(
                "region_code", _("This complaint is already handled there."), "same_place"
            )
        old = complaint.region_code
        deadline = add_working_days(now, settings.COMPLAINT_ACCEPT_WORKING_DAYS)
        complaint.region_code = region_code
        complaint.accept_due_at = complaint.next_due_at = deadline.due_at
        complaint.is_overdue = complaint.escalated = False
        complaint.save(
            update_fields=[
                "region_code",
                "accept_due_at",
                "next_due_at",
                "is_overdue",
                "escalated",
                "updated_at",
            ]
        )
        _log(
            complaint,
            "forwarded",
            actor=actor,
            reason=reason,
            at=now,
            data={"from": old, "to": region_code, "accept_due_at": deadline.due_at},
        )
        _notify_regulators(
            complaint,
            Level.COUNTY,
            topic="complaint.forwarded",
            subject=_("Complaint #%(id)s forwarded to you") % {"id": complaint.pk},
        )
    return complaint


def complaint_merge(
    *, complaint_id: int, actor, into_id: int, reason: str = "", now: datetime | None = None
) -> Complaint:
    """A duplicate joins the complaint it repeats; its consumer is told which handling goes on."""
    now = now or timezone.now()
    with transaction.atomic():
        complaint = _lock(complaint_id, actor)
        _require_handler(actor, complaint, "merge")
        target = Complaint.objects.visible_to(actor).filter(pk=into_id).first()
        if target is None or target.pk == complaint.pk:
            raise _field_error("into", _("Name another complaint you handle."), "invalid_target")
        if target.status not in OPEN_COMPLAINT_STATUSES:
            raise _field_error(
                "into", _("The complaint to merge into is no longer open."), "target_not_open"
            )
        complaint.status = _check(complaint, "merge")
        complaint.merged_into, complaint.closed_at, complaint.next_due_at = target, now, None
        complaint.public_reason = (reason or "").strip() or _(
            "Handled together with an identical complaint."
        )
        complaint.save(
            update_fields=[
                "status",
                "merged_into",
                "closed_at",
                "next_due_at",
                "public_reason",
                "updated_at",
            ]
        )
        _log(complaint, "merged", actor=actor, reason=reason, at=now, data={"into": target.pk})
        _log(target, "duplicate_merged", actor=actor, at=now, data={"from": complaint.pk})
    return complaint


def complaint_convert(
    *, complaint_id: int, actor, title: str = "", reason: str = "", now: datetime | None = None
) -> Complaint:
    """Open an incident from the complaint; each links the other."""
    now = now or timezone.now()
    with transaction.atomic():
        complaint = _lock(complaint_id, actor)
        _require_handler(actor, complaint, "convert")
        target = _check(complaint, "convert")
        incident = incident_services.incident_open(
            actor=actor,
            source=Source.COMPLAINT,
            title=(title or "").strip()[:200]
            or _("From consumer complaint #%(id)s") % {"id": complaint.pk},
            description=complaint.description,
            region_code=complaint.region_code,
            occurred_at=min(complaint.submitted_at, now),
            discovered_at=min(complaint.submitted_at, now),
            batch_ids=[complaint.batch_id],
            minor_injuries=1 if complaint.injured else 0,
            now=now,
        )
        IncidentTimeline.record(
            incident,
            "from_complaint",
            actor=actor,
            reason=reason,
            at=now,
            data={
                "complaint": complaint.pk,
                "url": f"{settings.PUBLIC_BASE_URL}/api/v1/complaints/{complaint.pk}/",
            },
        )
        complaint.status, complaint.incident, complaint.next_due_at = target, incident, None
        complaint.public_reason = (reason or "").strip() or _(
            "Your report has led to an investigation."
        )
        complaint.save(
            update_fields=["status", "incident", "next_due_at", "public_reason", "updated_at"]
        )
        _log(
            complaint,
            "converted",
            actor=actor,
            reason=reason,
            at=now,
            data={"incident": incident.pk},
        )
    return complaint
