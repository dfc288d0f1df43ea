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
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions

from core.errors import Conflict, StateConflict, check_transition
from core.models import Organization, organization_of
from core.outbox import notify_each
from core.rulebook import Unit, rule
from core.validators import field_error as _field_error
from core.validators import require_county_region_code
from core.workdays import CHINA_TZ, Deadline, add_working_days
from incidents import services as incident_services
from incidents.choices import Level, Source
from incidents.models import IncidentTimeline

from . import policy, privacy, risk
from .choices import (
    OPEN_COMPLAINT_STATUSES,
    RESPONDENT_TRANSITIONS,
    SIGNAL_TRANSITIONS,
    TRANSITIONS,
    Claim,
    ComplaintStatus,
    DeclineGround,
    Outcome,
    RespondentKind,
    TerminationGround,
    allowed_actions,
    respondent_allowed_actions,
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


# The state machine's refusal (409 naming the current state and the allowed actions), for
# complaints, risk signals and (``report_services``) reports alike: ``core.errors``.
IllegalComplaintTransition = StateConflict


NotYourComplaint = policy.NotYourComplaint


class IncompleteComplaint(Conflict):
    """409: a complaint without what SAMR Order 20 Art. 9 asks cannot be accepted."""

    default_code = "incomplete_complaint"

    def __init__(self):
        super().__init__(
            _(
                "This complaint lacks what SAMR Order 20 Art. 9 requires (the complainant's "
                "name, phone and address, the respondent, the claim): decline it on the ground "
                "of Art. 15 (5), or turn it into a report."
            ),
            code="incomplete_complaint",
        )


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


def _notify_respondent(complaint: Complaint, *, topic: str, subject: str) -> None:
    """Tell the respondent enterprise (when registered here): no contact details."""
    if complaint.respondent_organization_id is None:
        return
    notify_each(
        [complaint.respondent_organization],
        topic=topic,
        subject=subject,
        body=_("Complaint #%(id)s about lot %(lot)s: %(status)s.")
        % {
            "id": complaint.pk,
            "lot": complaint.batch.lot,
            "status": complaint.get_status_display(),
        },
        payload={
            **_payload(complaint),
            "url": f"{settings.PUBLIC_BASE_URL}/api/v1/enterprise/complaints/{complaint.pk}/",
        },
        about=complaint,
    )


# --- who may act ------------------------------------------------------------------------------


is_handler = policy.is_handler  # the county regulator of the handling place (policy)


def _lock(complaint_id: int, actor) -> Complaint:
    complaint = Complaint.objects.select_for_update().filter(pk=complaint_id).first()
    if complaint is None or not (
        Complaint.objects.visible_to(actor).filter(pk=complaint_id).exists()
        or policy.respondent_complaints(actor).filter(pk=complaint_id).exists()
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
    table, allowed = (
        (RESPONDENT_TRANSITIONS, respondent_allowed_actions)
        if action in RESPONDENT_TRANSITIONS
        else (TRANSITIONS, allowed_actions)
    )
    return check_transition(complaint, action, table, allowed=allowed)


def _need(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise _field_error(field, _("Give a reason; the consumer is told."), "required")
    return value


# --- the consumer submits ---------------------------------------------------------------------


def _handling_region(batch: Batch, seller_region_code: str, respondent: Organization | None) -> str:
    """Order 20 Art. 12: the respondent's place (the seller's region when given, else the
    respondent enterprise's registered region, else the maker's)."""
    if seller_region_code:
        require_county_region_code("seller_region_code", seller_region_code)
        return seller_region_code
    if respondent is not None and respondent.region_code:
        return respondent.region_code
    if batch.product_id and batch.product.owner_id:
        return batch.product.owner.region_code
    raise _field_error(
        "code",
        _("Nobody is registered here as the maker of this lot; give the seller's region."),
        "no_handling_place",
    )


def respondent_prefill(batch: Batch) -> dict:
    """The respondent as the scanned lot names it: its maker, at its first site's address (the
    consumer may change it to the seller)."""
    owner = batch.product.owner if batch.product_id and batch.product.owner_id else None
    if owner is None:
        return {"kind": RespondentKind.SELLER, "name": "", "address": ""}
    site = owner.sites.order_by("id").first()
    return {
        "kind": RespondentKind.MAKER,
        "name": owner.name,
        "address": site.address if site else "",
    }


def _respondent_organization(batch: Batch, kind: str, name: str) -> Organization | None:
    """The enterprise registered here that the respondent names: the lot's maker when the
    complaint is against the maker, else an enterprise of exactly that name."""
    owner = batch.product.owner if batch.product_id and batch.product.owner_id else None
    if kind == RespondentKind.MAKER and owner is not None and (not name or name == owner.name):
        return owner
    if not name:
        return None
    found = [o for o in Organization.objects.filter(name=name)[:2] if o.is_enterprise]
    return found[0] if len(found) == 1 else None


ART_9_FIELDS = ("contact_name", "contact_phone", "contact_address", "respondent", "claim")


def missing_art_9(
    *, contact_name: str, contact_phone: str, contact_address: str, respondent_name: str, claim: str
) -> list[str]:
    """What SAMR Order 20 Art. 9 asks of a complaint that is not given."""
    given = {
        "contact_name": contact_name,
        "contact_phone": contact_phone,
        "contact_address": contact_address,
        "respondent": respondent_name,
        "claim": claim,
    }
    return [field for field in ART_9_FIELDS if not (given[field] or "").strip()]


def complaint_submit(
    *,
    batch: Batch,
    description: str,
    injured: bool,
    contact_name: str = "",
    contact_phone: str = "",
    contact_address: str = "",
    claim: str = "",
    claim_detail: str = "",
    respondent: dict | None = None,
    consents_mediation: bool = True,
    strict: bool = False,
    photos=(),
    seller_region_code: str = "",
    now: datetime | None = None,
) -> Complaint:
    """A consumer's complaint about a lot: to the county regulator of the respondent's place
    (SAMR Order 20 Art. 12), with a decision due in 7 working days (Art. 14).

    ``respondent``: ``kind`` (seller or maker), ``name``, ``address``, ``purchase_place``,
    ``purchase_date``, ``purchase_price``; missing keys are prefilled from the lot (its maker).
    ``strict``: refuse (400, naming each field) a complaint without what Art. 9 asks; otherwise
    (an old client) it is recorded with ``complete`` False and can only be declined
    (Art. 15 (5)) or turned into a report."""
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
    if claim and claim not in Claim.values:
        raise _field_error(
            "claim", _("Choose refund, replacement, compensation or other."), "invalid_choice"
        )
    prefill = respondent_prefill(batch)
    given = {k: v for k, v in (respondent or {}).items() if v not in (None, "")}
    kind = given.get("kind") or prefill["kind"]
    if kind not in RespondentKind.values:
        raise _field_error("respondent.kind", _("Choose seller or maker."), "invalid_choice")
    if "name" in given or kind == prefill["kind"]:
        name = (given.get("name") or (prefill["name"] if kind == prefill["kind"] else "")).strip()
        address = (
            given.get("address") or (prefill["address"] if kind == prefill["kind"] else "")
        ).strip()
    else:
        name, address = "", (given.get("address") or "").strip()
    contact_name, contact_address = (contact_name or "").strip(), (contact_address or "").strip()
    missing = missing_art_9(
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_address=contact_address,
        respondent_name=name,
        claim=claim,
    )
    if strict and missing:
        raise DjangoValidationError(
            {
                field: DjangoValidationError(
                    _(
                        "SAMR Order 20 Art. 9: a complaint gives this. Without it, send a report "
                        "(举报) instead, which may be anonymous."
                    ),
                    code="required_by_order_20_art_9",
                )
                for field in missing
            }
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
    organization = _respondent_organization(batch, kind, name)
    region = _handling_region(batch, seller_region_code, organization)
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
                        claim=claim or "",
                        claim_detail=(claim_detail or "").strip()[:500],
                        complete=not missing,
                        respondent_kind=kind,
                        respondent_name=name[:200],
                        respondent_address=address[:300],
                        respondent_organization=organization,
                        purchase_place=(given.get("purchase_place") or "").strip()[:300],
                        purchase_date=given.get("purchase_date") or None,
                        purchase_price=given.get("purchase_price"),
                        consumer_consents_mediation=bool(consents_mediation),
                        contact_encrypted=privacy.encrypt_contact(
                            name=contact_name, phone=contact_phone, address=contact_address
                        ),
                        has_contact=bool(contact_name or contact_phone or contact_address),
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
                "claim": complaint.claim,
                "respondent": {"kind": kind, "name": complaint.respondent_name},
                "missing": missing,
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


# --- the respondent answers; mediation (Order 20 Arts. 16–22; Regulation Arts. 46–47) -------


def _require_respondent(actor, complaint: Complaint, action: str) -> None:
    policy.require(actor, action, complaint)


def complaint_answer(
    *, complaint_id: int, actor, answer: str, now: datetime | None = None
) -> Complaint:
    """The respondent enterprise's answer to an accepted complaint (read by the regulator)."""
    now = now or timezone.now()
    answer = (answer or "").strip()
    if not answer:
        raise _field_error("answer", _("Write your answer to the complaint."), "required")
    with transaction.atomic():
        complaint = _lock(complaint_id, actor)
        _require_respondent(actor, complaint, "answer")
        _check(complaint, "answer")
        complaint.respondent_answer, complaint.respondent_answered_at = answer, now
        complaint.save(update_fields=["respondent_answer", "respondent_answered_at", "updated_at"])
        _log(complaint, "respondent_answered", actor=actor, at=now, data={"answer": answer})
        _notify_regulators(
            complaint,
            Level.COUNTY,
            topic="complaint.respondent_answered",
            subject=_("The respondent answered complaint #%(id)s") % {"id": complaint.pk},
        )
    return complaint


def complaint_agree_mediation(
    *, complaint_id: int, actor, answer: str = "", now: datetime | None = None
) -> Complaint:
    """The respondent agrees to mediation; with the complainant's consent given at filing,
    mediation starts (Order 20 Art. 16). Its period runs from acceptance
    (``close_due_at``, Regulation Art. 46 ¶3)."""
    now = now or timezone.now()
    with transaction.atomic():
        complaint = _lock(complaint_id, actor)
        _require_respondent(actor, complaint, "agree-mediation")
        target = _check(complaint, "agree-mediation")
        if not complaint.consumer_consents_mediation:
            raise Conflict(
                _("The complainant did not agree to mediation (SAMR Order 20 Art. 16)."),
                code="no_consent",
            )
        answer = (answer or "").strip()
        complaint.status = target
        complaint.respondent_consents_mediation = True
        complaint.mediation_started_at = now
        fields = ["status", "respondent_consents_mediation", "mediation_started_at", "updated_at"]
        if answer:
            complaint.respondent_answer, complaint.respondent_answered_at = answer, now
            fields += ["respondent_answer", "respondent_answered_at"]
        complaint.save(update_fields=fields)
        consent = rule("complaint.mediation_consenting_parties", on=complaint.submitted_at)
        _log(
            complaint,
            "mediation_agreed",
            actor=actor,
            at=now,
            data={
                "answer": answer,
                "close_due_at": complaint.close_due_at,
                "citation": consent.citation("en"),
            },
        )
        _notify_regulators(
            complaint,
            Level.COUNTY,
            topic="complaint.mediation_agreed",
            subject=_("The respondent agreed to mediate complaint #%(id)s") % {"id": complaint.pk},
        )
    return complaint


def _termination_notice(complaint: Complaint, now: datetime) -> Deadline:
    notice = rule("complaint.mediation_termination_notice_working_days", on=complaint.submitted_at)
    return add_working_days(now, notice.value)


def _terminate(
    complaint: Complaint, *, ground: str, now: datetime, actor=None, reason: str = "", at=None
) -> None:
    """Mediation ends without agreement: outcome ``no_agreement``, both parties to be told
    within 7 working days (Order 20 Art. 21 ¶2). Not an escalation."""
    _end_pause(complaint, now)
    notice = _termination_notice(complaint, now)
    complaint.status = ComplaintStatus.CLOSED
    complaint.outcome = Outcome.NO_AGREEMENT
    complaint.termination_ground = ground
    complaint.closed_at, complaint.next_due_at = now, None
    complaint.parties_notice_due_at = notice.due_at
    complaint.calendar_covered = complaint.calendar_covered and notice.calendar_covered
    complaint.save(
        update_fields=[
            "status",
            "outcome",
            "termination_ground",
            "closed_at",
            "next_due_at",
            "parties_notice_due_at",
            "calendar_covered",
            "paused_at",
            "paused_seconds",
            "close_due_at",
            "updated_at",
        ]
    )
    _log(
        complaint,
        "mediation_terminated",
        actor=actor,
        reason=reason,
        at=at or now,
        data={
            "ground": ground,
            "parties_notice_due_at": notice.due_at,
            "citation": "SAMR Order 20 Art. 21",
        },
    )
    _notify_respondent(
        complaint,
        topic="complaint.mediation_terminated",
        subject=_("Mediation of complaint #%(id)s has ended") % {"id": complaint.pk},
    )


def complaint_refuse_mediation(
    *, complaint_id: int, actor, reason: str = "", now: datetime | None = None
) -> Complaint:
    """The respondent refuses mediation: mediation is terminated (Order 20 Art. 16, Art. 21 ¶1
    (3)); both parties are told within 7 working days."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        complaint = _lock(complaint_id, actor)
        _require_respondent(actor, complaint, "refuse-mediation")
        _check(complaint, "refuse-mediation")
        complaint.respondent_consents_mediation = False
        if reason:
            complaint.respondent_answer, complaint.respondent_answered_at = reason, now
        complaint.save(
            update_fields=[
                "respondent_consents_mediation",
                "respondent_answer",
                "respondent_answered_at",
                "updated_at",
            ]
        )
        _terminate(complaint, ground=TerminationGround.REFUSED, now=now, actor=actor, reason=reason)
        _notify_regulators(
            complaint,
            Level.COUNTY,
            topic="complaint.mediation_refused",
            subject=_("The respondent refused to mediate complaint #%(id)s") % {"id": complaint.pk},
        )
    return complaint


def _end_pause(complaint: Complaint, now: datetime) -> timedelta:
    """Close an open testing pause: the mediation deadline moves by the time paused."""
    if complaint.paused_at is None:
        return timedelta(0)
    paused = max(now - complaint.paused_at, timedelta(0))
    complaint.paused_seconds += int(paused.total_seconds())
    if complaint.close_due_at is not None:
        complaint.close_due_at += paused
    complaint.paused_at = None
    return paused


def complaint_pause(
    *,
    complaint_id: int,
    actor,
    testing_body: str,
    designated: bool = False,
    reason: str = "",
    now: datetime | None = None,
) -> Complaint:
    """Testing or appraisal starts: the mediation clock stops (Regulation Art. 46 ¶3; Order 20
    Art. 20 ¶3). ``designated``: the parties could not agree on the body and the regulator named
    it (Regulation Art. 47 ¶1)."""
    now = now or timezone.now()
    testing_body = (testing_body or "").strip()
    if not testing_body:
        raise _field_error("testing_body", _("Name the testing or appraisal body."), "required")
    with transaction.atomic():
        complaint = _lock(complaint_id, actor)
        _require_handler(actor, complaint, "pause")
        _check(complaint, "pause")
        if complaint.paused_at is not None:
            raise Conflict(_("Testing is already under way."), code="already_paused")
        complaint.paused_at, complaint.next_due_at = now, None
        complaint.testing_body = testing_body[:200]
        complaint.testing_body_designated = bool(designated)
        complaint.save(
            update_fields=[
                "paused_at",
                "next_due_at",
                "testing_body",
                "testing_body_designated",
                "updated_at",
            ]
        )
        excluded = rule("complaint.testing_time_excluded_days", on=complaint.submitted_at)
        _log(
            complaint,
            "testing_started",
            actor=actor,
            reason=reason,
            at=now,
            data={
                "testing_body": complaint.testing_body,
                "designated": complaint.testing_body_designated,
                "citation": excluded.citation("en"),
                "designation_citation": "Consumer Rights Regulation Art. 47" if designated else "",
            },
        )
    return complaint


def complaint_resume(
    *, complaint_id: int, actor, reason: str = "", now: datetime | None = None
) -> Complaint:
    """Testing is done: the clock runs again, the deadline moved by the time paused."""
    now = now or timezone.now()
    with transaction.atomic():
        complaint = _lock(complaint_id, actor)
        _require_handler(actor, complaint, "resume")
        _check(complaint, "resume")
        if complaint.paused_at is None:
            raise Conflict(_("No testing is under way."), code="not_paused")
        paused_from = complaint.paused_at
        paused = _end_pause(complaint, now)
        complaint.next_due_at = complaint.close_due_at
        complaint.save(
            update_fields=[
                "paused_at",
                "paused_seconds",
                "close_due_at",
                "next_due_at",
                "updated_at",
            ]
        )
        _log(
            complaint,
            "testing_ended",
            actor=actor,
            reason=reason,
            at=now,
            data={
                "paused_from": paused_from,
                "paused_seconds": int(paused.total_seconds()),
                "close_due_at": complaint.close_due_at,
            },
        )
    return complaint


def complaint_record_agreement(
    *, complaint_id: int, actor, agreement: str, now: datetime | None = None
) -> Complaint:
    """Mediation ends in an agreement: its text is the mediation document on the record (Order 20
    Art. 22) and what the consumer got; the outcome is ``agreement`` (upheld)."""
    now = now or timezone.now()
    agreement = (agreement or "").strip()
    if not agreement:
        raise _field_error(
            "agreement", _("Write what was agreed: what the consumer got."), "required"
        )
    with transaction.atomic():
        complaint = _lock(complaint_id, actor)
        _require_handler(actor, complaint, "record-agreement")
        complaint.status = _check(complaint, "record-agreement")
        _end_pause(complaint, now)
        complaint.outcome, complaint.outcome_detail = Outcome.AGREEMENT, agreement
        complaint.reply, complaint.replied_at = agreement, now
        complaint.closed_at, complaint.next_due_at = now, None
        complaint.save(
            update_fields=[
                "status",
                "outcome",
                "outcome_detail",
                "reply",
                "replied_at",
                "closed_at",
                "next_due_at",
                "paused_at",
                "paused_seconds",
                "close_due_at",
                "updated_at",
            ]
        )
        _log(
            complaint,
            "mediation_agreement",
            actor=actor,
            at=now,
            data={
                "document": agreement,
                "in_time": complaint.close_due_at is None or now <= complaint.close_due_at,
                "citation": "SAMR Order 20 Art. 22",
            },
        )
        _notify_respondent(
            complaint,
            topic="complaint.mediation_agreement",
            subject=_("Mediation agreement recorded for complaint #%(id)s") % {"id": complaint.pk},
        )
    return complaint


def complaint_terminate(
    *, complaint_id: int, actor, ground: str, reason: str = "", now: datetime | None = None
) -> Complaint:
    """The regulator ends mediation without agreement on a ground of Order 20 Art. 21 ¶1."""
    now = now or timezone.now()
    if ground not in TerminationGround.values:
        raise _field_error(
            "ground",
            _("Choose a ground of SAMR Order 20 Art. 21: %(choices)s.")
            % {"choices": ", ".join(TerminationGround.values)},
            "invalid_choice",
        )
    with transaction.atomic():
        complaint = _lock(complaint_id, actor)
        _require_handler(actor, complaint, "terminate")
        _check(complaint, "terminate")
        _terminate(complaint, ground=ground, now=now, actor=actor, reason=reason)
    return complaint


def complaint_withdraw(
    *, complaint_id: int, actor, reason: str = "", now: datetime | None = None
) -> Complaint:
    """The complainant withdrew the complaint (Order 20 Art. 21 ¶1 (1)); the handler records it."""
    now = now or timezone.now()
    with transaction.atomic():
        complaint = _lock(complaint_id, actor)
        _require_handler(actor, complaint, "withdraw")
        complaint.status = _check(complaint, "withdraw")
        _end_pause(complaint, now)
        complaint.outcome, complaint.closed_at, complaint.next_due_at = (
            Outcome.WITHDRAWN,
            now,
            None,
        )
        complaint.save(
            update_fields=[
                "status",
                "outcome",
                "closed_at",
                "next_due_at",
                "paused_at",
                "paused_seconds",
                "close_due_at",
                "updated_at",
            ]
        )
        _log(complaint, "withdrawn", actor=actor, reason=reason, at=now)
    return complaint


def complaint_notify_parties(
    *, complaint_id: int, actor, reason: str = "", now: datetime | None = None
) -> Complaint:
    """Both parties were told that mediation ended (Order 20 Art. 21 ¶2: within 7 working days)."""
    now = now or timezone.now()
    with transaction.atomic():
        complaint = _lock(complaint_id, actor)
        _require_handler(actor, complaint, "notify-parties")
        _check(complaint, "notify-parties")
        if complaint.parties_notice_due_at is None or complaint.parties_notified_at is not None:
            raise Conflict(
                _("There is no termination notice outstanding."), code="nothing_to_notify"
            )
        complaint.parties_notified_at = now
        complaint.save(update_fields=["parties_notified_at", "updated_at"])
        _log(
            complaint,
            "parties_notified",
            actor=actor,
            reason=reason,
            at=now,
            data={
                "due_at": complaint.parties_notice_due_at,
                "late": now > complaint.parties_notice_due_at,
            },
        )
        _notify_respondent(
            complaint,
            topic="complaint.parties_notified",
            subject=_("Mediation of complaint #%(id)s has ended") % {"id": complaint.pk},
        )
    return complaint


# --- the sweep --------------------------------------------------------------------------------


def complaints_sweep(now: datetime) -> int:
    """The complaints sweeper (api.deadlines): an open complaint past its decision deadline is
    marked overdue and escalated to the city regulator above, exactly once; one past its
    mediation deadline (testing time excluded) has its mediation terminated without agreement,
    both parties to be told within 7 working days (not an escalation). Each once: its
    ``next_due_at`` is cleared in the same transaction, the row locked with SKIP LOCKED."""
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
                if complaint.status != ComplaintStatus.SUBMITTED:
                    # The mediation period ended without agreement: mediation terminates
                    # (Regulation Art. 46 ¶3), both parties to be told (Order 20 Art. 21 ¶2).
                    _terminate(
                        complaint,
                        ground=TerminationGround.PERIOD_ENDED,
                        now=due,
                        at=due,
                        reason=_("The mediation period ended without agreement."),
                    )
                    acted += 1
                    continue
                which = "decision"
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
    return check_transition(signal, action, SIGNAL_TRANSITIONS)


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
