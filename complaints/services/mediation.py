"""Mediation with both parties' consent (Order 20 Art. 16): the respondent's answer, agreement or refusal; testing pauses the clock (2024 Regulation Arts. 46–47); the agreement, termination and the notice to both parties (Art. 21); withdrawal is in ``withdrawal``."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict
from core.rulebook import rule
from core.validators import field_error as _field_error
from core.workdays import Deadline, add_working_days
from incidents.choices import Level

from .. import policy
from ..choices import (
    ComplaintStatus,
    Outcome,
    TerminationGround,
)
from ..models import (
    Complaint,
)
from .common import _check, _lock, _log, _notify_regulators, _notify_respondent, _require_handler


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
