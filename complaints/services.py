"""Every write to a complaint, a risk signal or a consumer warning: keyword-only
``<entity>_<action>`` services.

Each locks its row, checks ``choices.TRANSITIONS`` and who may act, saves with
``update_fields`` and writes its timeline row (never contact details) and its
notifications (outbox) in the same transaction. Handling follows SAMR Order 20
(Measures for Handling Complaints and Reports on Market Regulation): the county
regulator of the place decides whether to accept within 7 working days (Art. 14; a
setting); mediation ends within the rulebook's ``complaint.mediation_days`` in force on
the complaint's date: 60 days of acceptance under the 2024 Consumer Rights Protection
Law Implementing Regulation Art. 46 ¶3 from 2024-07-01, before that 45 working days
(Order 20 Art. 21 ¶1 (5)). Reports (举报) are in ``report_services``.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from trace.core.cache import invalidate_batches
from trace.models import Batch

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions

from api.exceptions import Conflict
from api.outbox import notify_each
from api.permissions import organization_of
from api.validators import field_error as _field_error
from api.validators import require_county_region_code
from api.workdays import CHINA_TZ, Deadline, add_working_days
from core.rulebook import Unit, rule
from incidents import services as incident_services
from incidents.choices import Level, Source
from incidents.models import IncidentTimeline

from . import privacy, risk, takeover
from .choices import (
    OPEN_COMPLAINT_STATUSES,
    SIGNAL_TRANSITIONS,
    TRANSITIONS,
    ComplaintStatus,
    allowed_actions,
)
from .intake import check_photo
from .models import (
    OPEN_COMPLAINT_Q,
    Complaint,
    ComplaintPhoto,
    ComplaintTimeline,
    ConsumerWarning,
    RiskSignal,
    RiskSignalTimeline,
)

logger = logging.getLogger(__name__)


class IllegalComplaintTransition(Conflict):
    """409 naming the current state and the actions allowed from it."""

    default_code = "illegal_transition"

    def __init__(self, *, status: str, label: str, action: str, allowed: list[str]):
        self.current_status = status
        self.allowed_actions = allowed
        super().__init__(
            _("“%(action)s” is not allowed while it is %(status)s; allowed: %(allowed)s.")
            % {"action": action, "status": label, "allowed": ", ".join(allowed) or "—"},
            code="illegal_transition",
        )


class NotYourComplaint(exceptions.PermissionDenied):
    default_code = "wrong_actor"


_log = ComplaintTimeline.record  # one row on a complaint's timeline (never contact details)


def _payload(complaint: Complaint) -> dict:
    """What a notification says about a complaint: never contact details."""
    return {
        "id": complaint.pk,
        "status": complaint.status,
        "injured": complaint.injured,
        "batch": {"gtin": complaint.batch.gtin, "lot": complaint.batch.lot},
        "region_code": complaint.region_code,
        "url": f"{settings.PUBLIC_BASE_URL}/api/v1/complaints/{complaint.pk}/",
    }


def _notify_regulators(complaint: Complaint, level: str, *, topic: str, subject: str) -> None:
    notify_each(
        incident_services.regulators_at(level, complaint.region_code),
        topic=topic,
        subject=subject,
        body=_("Complaint #%(id)s about lot %(lot)s: %(status)s.")
        % {
            "id": complaint.pk,
            "lot": complaint.batch.lot,
            "status": complaint.get_status_display(),
        },
        payload=_payload(complaint),
        about=complaint,
    )


# --- who may act ------------------------------------------------------------------------------


def is_handler(user, complaint: Complaint) -> bool:
    """The county regulator of the handling place, or the city above it once it took the
    escalated complaint over (``escalation``): the only one who sees contact details."""
    org = organization_of(user)
    if org and org.is_regulator and org.level == Level.CITY and complaint.escalated:
        return takeover.city_handles(org, complaint)
    return bool(
        org
        and org.is_regulator
        and org.level == Level.COUNTY
        and org.region_code == complaint.region_code
        and not (complaint.escalated and takeover.taken_over(complaint))
    )


def _lock(complaint_id: int, actor) -> Complaint:
    complaint = Complaint.objects.select_for_update().filter(pk=complaint_id).first()
    if (
        complaint is None
        or not Complaint.objects.visible_to(actor).filter(pk=complaint_id).exists()
    ):
        raise exceptions.NotFound()
    return complaint


def _require_handler(actor, complaint: Complaint, action: str) -> None:
    if not is_handler(actor, complaint):
        raise NotYourComplaint(
            _("Only the county regulator of the place handling this complaint may %(action)s it.")
            % {"action": action}
        )


def _check(complaint: Complaint, action: str) -> str | None:
    sources, target = TRANSITIONS[action]
    if complaint.status not in sources:
        raise IllegalComplaintTransition(
            status=complaint.status,
            label=complaint.get_status_display(),
            action=action,
            allowed=allowed_actions(complaint.status),
        )
    return target


def _need(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise _field_error(field, _("Give a reason; the consumer is told."), "required")
    return value


# --- the consumer submits ---------------------------------------------------------------------


def _handling_region(batch: Batch, seller_region_code: str) -> str:
    if seller_region_code:
        require_county_region_code("seller_region_code", seller_region_code)
        return seller_region_code
    if batch.product_id and batch.product.owner_id:
        return batch.product.owner.region_code
    raise _field_error(
        "code",
        _("Nobody is registered here as the maker of this lot; give the seller's region."),
        "no_handling_place",
    )


def complaint_submit(
    *,
    batch: Batch,
    description: str,
    injured: bool,
    contact_name: str = "",
    contact_phone: str = "",
    photos=(),
    seller_region_code: str = "",
    now: datetime | None = None,
) -> Complaint:
    """A consumer's complaint about a lot: to the county regulator of the producer's place (or the
    seller's, when given), with a decision due in 7 working days (SAMR Order 20 Art. 14)."""
    now = now or timezone.now()
    description = (description or "").strip()
    if not description:
        raise _field_error("description", _("Say what happened."), "required")
    if len(description) > settings.COMPLAINT_DESCRIPTION_MAX:
        raise _field_error(
            "description",
            _("At most %(max)s characters.") % {"max": settings.COMPLAINT_DESCRIPTION_MAX},
            "too_long",
        )
    photos = list(photos or [])
    if len(photos) > settings.COMPLAINT_PHOTO_MAX_COUNT:
        raise _field_error(
            "photos",
            _("At most %(max)s photos.") % {"max": settings.COMPLAINT_PHOTO_MAX_COUNT},
            "too_many_files",
        )
    checked = [
        check_photo(upload, i) for i, upload in enumerate(photos)
    ]  # all checked before any write
    region = _handling_region(batch, seller_region_code)
    deadline = add_working_days(now, settings.COMPLAINT_ACCEPT_WORKING_DAYS)
    with transaction.atomic():
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    complaint = Complaint.objects.create(
                        tracking_code=privacy.new_tracking_code(),
                        batch=batch,
                        description=description,
                        injured=bool(injured),
                        contact_encrypted=privacy.encrypt_contact(
                            name=contact_name.strip(), phone=contact_phone
                        ),
                        has_contact=bool(contact_name.strip() or contact_phone),
                        region_code=region,
                        submitted_at=now,
                        accept_due_at=deadline.due_at,
                        next_due_at=deadline.due_at,
                        calendar_covered=deadline.calendar_covered,
                    )
                break
            except IntegrityError:  # a tracking-code collision (1 in 10^14): draw again
                continue
        for data, content_type, extension, width, height in checked:
            photo = ComplaintPhoto(
                complaint=complaint,
                content_type=content_type,
                size=len(data),
                width=width,
                height=height,
            )
            photo.file.save(
                f"{privacy.new_tracking_code().lower()}{extension}", ContentFile(data), save=False
            )
            photo.save()
        _log(
            complaint,
            "submitted",
            at=now,
            data={
                "batch": batch.pk,
                "injured": complaint.injured,
                "photos": len(checked),
                "has_contact": complaint.has_contact,
                "region_code": region,
                "accept_due_at": deadline.due_at,
                "calendar_covered": deadline.calendar_covered,
            },
        )
        _notify_regulators(
            complaint,
            Level.COUNTY,
            topic="complaint.submitted",
            subject=_("New consumer complaint #%(id)s") % {"id": complaint.pk},
        )
        if complaint.injured:
            risk.check_injuries(complaint, now=now)
    return complaint


# --- the handling regulator acts ------------------------------------------------------------


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
    return complaint


def complaint_decline(
    *, complaint_id: int, actor, reason: str, now: datetime | None = None
) -> Complaint:
    """Decline, with the reason the consumer is told (Order 20 Art. 14)."""
    now = now or timezone.now()
    reason = _need(reason, "reason")
    with transaction.atomic():
        complaint = _lock(complaint_id, actor)
        _require_handler(actor, complaint, "decline")
        complaint.status = _check(complaint, "decline")
        complaint.public_reason, complaint.closed_at, complaint.next_due_at = reason, now, None
        complaint.save(
            update_fields=["status", "public_reason", "closed_at", "next_due_at", "updated_at"]
        )
        _log(complaint, "declined", actor=actor, reason=reason, at=now)
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
        complaint.status = _check(complaint, "reply")
        complaint.reply, complaint.replied_at = reply, now
        complaint.save(update_fields=["status", "reply", "replied_at", "updated_at"])
        _log(complaint, "replied", actor=actor, at=now, data={"reply": reply})
    return complaint


def complaint_close(
    *, complaint_id: int, actor, outcome: str = "", now: datetime | None = None
) -> Complaint:
    """End the handling; the outcome, if given, becomes the reply the consumer reads."""
    now = now or timezone.now()
    with transaction.atomic():
        complaint = _lock(complaint_id, actor)
        _require_handler(actor, complaint, "close")
        complaint.status = _check(complaint, "close")
        outcome = (outcome or "").strip()
        fields = ["status", "closed_at", "next_due_at", "updated_at"]
        if outcome:
            complaint.reply, complaint.replied_at = outcome, now
            fields += ["reply", "replied_at"]
        complaint.closed_at, complaint.next_due_at = now, None
        complaint.save(update_fields=fields)
        _log(complaint, "closed", actor=actor, at=now, data={"outcome": outcome})
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
    """Open an incident from the complaint (issue 11 source "complaint"); each links the other."""
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


# --- the sweep --------------------------------------------------------------------------------


def complaints_sweep(now: datetime) -> int:
    """The complaints sweeper (api.deadlines): an open complaint past its decision or mediation
    deadline is marked overdue and escalated to the city regulator above, exactly once (its
    ``next_due_at`` is cleared in the same transaction, the row locked with SKIP LOCKED)."""
    acted = 0
    while True:
        with transaction.atomic():
            rows = list(
                Complaint.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(OPEN_COMPLAINT_Q, next_due_at__lte=now)
                .select_related("batch")
                .order_by("next_due_at", "id")[:500]
            )
            for complaint in rows:
                due = complaint.next_due_at
                which = "decision" if complaint.status == ComplaintStatus.SUBMITTED else "mediation"
                complaint.is_overdue = complaint.escalated = True
                complaint.next_due_at = None
                complaint.save(
                    update_fields=["is_overdue", "escalated", "next_due_at", "updated_at"]
                )
                _log(
                    complaint,
                    "overdue_escalated",
                    at=due,
                    reason=_("Not handled within the deadline (SAMR Order 20)."),
                    data={"deadline": which, "due_at": due, "swept_at": now, "to": Level.CITY},
                )
                _notify_regulators(
                    complaint,
                    Level.CITY,
                    topic="complaint.overdue",
                    subject=_("Complaint #%(id)s is overdue at the county") % {"id": complaint.pk},
                )
                acted += 1
        if len(rows) < 500:
            return acted


def scan_signals_sweep(now: datetime) -> int:
    """Counterfeit and diversion signals from scans. Registered as a sweeper (called every minute)
    but reads the scan log at most once per ``RISK_SCAN_SWEEP_MINUTES`` window of ``now``: the
    signals are idempotent, the aggregate queries are not free."""
    window = max(1, settings.RISK_SCAN_SWEEP_MINUTES) * 60
    key = f"complaints:scan-sweep:{int(now.timestamp() // window)}"
    try:
        if not cache.add(key, 1, window * 2):
            return 0
    except Exception:  # cache down: run anyway (the signals are raised once whatever happens)
        logger.warning("scan sweep: cache unreachable, running without the window guard")
    return risk.scan_signals(now=now)


def incident_injuries_sweep(now: datetime) -> int:
    """Injury monitoring over incidents (the complaints' side runs at submission): every minute,
    the batches of incidents with casualties reported within the window are checked."""
    return risk.incident_injury_signals(now=now)


# --- risk signals and warnings ----------------------------------------------------------------


def _lock_signal(signal_id: int, actor) -> RiskSignal:
    signal = RiskSignal.objects.select_for_update().filter(pk=signal_id).first()
    if signal is None or not RiskSignal.objects.visible_to(actor).filter(pk=signal_id).exists():
        raise exceptions.NotFound()
    org = organization_of(actor)
    if not org.is_regulator:
        raise NotYourComplaint(
            _("Only a regulator of the place concerned decides on a risk signal.")
        )
    return signal


def _signal_step(signal: RiskSignal, action: str) -> str:
    sources, target = SIGNAL_TRANSITIONS[action]
    if signal.status not in sources:
        allowed = [a for a, (src, _t) in SIGNAL_TRANSITIONS.items() if signal.status in src]
        raise IllegalComplaintTransition(
            status=signal.status, label=signal.get_status_display(), action=action, allowed=allowed
        )
    return target


_signal_log = RiskSignalTimeline.record  # one row on a risk signal's timeline


def signal_confirm(
    *, signal_id: int, actor, reason: str = "", now: datetime | None = None
) -> RiskSignal:
    with transaction.atomic():
        signal = _lock_signal(signal_id, actor)
        signal.status = _signal_step(signal, "confirm")
        signal.save(update_fields=["status", "updated_at"])
        _signal_log(signal, "confirmed", actor=actor, reason=reason, at=now)
    return signal


def signal_dismiss(
    *, signal_id: int, actor, reason: str, now: datetime | None = None
) -> RiskSignal:
    reason = (reason or "").strip()
    if not reason:
        raise _field_error("reason", _("Say why the signal is dismissed."), "required")
    with transaction.atomic():
        signal = _lock_signal(signal_id, actor)
        signal.status = _signal_step(signal, "dismiss")
        signal.save(update_fields=["status", "updated_at"])
        _signal_log(signal, "dismissed", actor=actor, reason=reason, at=now)
    return signal


def warning_publish(
    *,
    signal_id: int,
    actor,
    title_zh: str,
    title_en: str,
    text_zh: str,
    text_en: str,
    now: datetime | None = None,
) -> ConsumerWarning:
    """Publish a confirmed risk as a public, bilingual consumer warning (Xuzhou draft Art. 12),
    shown on the consumer pages of the batches concerned."""
    now = now or timezone.now()
    for field, value in (
        ("title_zh", title_zh),
        ("title_en", title_en),
        ("text_zh", text_zh),
        ("text_en", text_en),
    ):
        if not (value or "").strip():
            raise _field_error(
                field, _("A warning is published in Chinese and in English."), "required"
            )
    with transaction.atomic():
        signal = _lock_signal(signal_id, actor)
        signal.status = _signal_step(signal, "publish")
        batch_ids = list(signal.batches.values_list("pk", flat=True))
        if not batch_ids:
            raise _field_error(
                "signal", _("This signal names no batch to warn about."), "no_batches"
            )
        warning = ConsumerWarning.objects.create(
            signal=signal,
            title_zh=title_zh.strip(),
            title_en=title_en.strip(),
            text_zh=text_zh.strip(),
            text_en=text_en.strip(),
            published_by=organization_of(actor),
            published_at=now,
        )
        warning.batches.set(batch_ids)
        signal.save(update_fields=["status", "updated_at"])
        _signal_log(
            signal,
            "published",
            actor=actor,
            at=now,
            data={"warning": warning.pk, "batches": batch_ids},
        )
        transaction.on_commit(lambda: invalidate_batches(batch_ids))
    return warning
