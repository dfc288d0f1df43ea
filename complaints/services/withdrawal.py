"""The complainant withdraws a complaint (SAMR Order 20 Art. 21 ¶1 (1)): recorded by the handling
county, or done by the complainant with the tracking code and the last four digits of the phone
number given at filing. Allowed only before a final outcome."""

from __future__ import annotations

import hmac
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions

from core.errors import NotAllowed, check_transition
from incidents.choices import Level

from .. import privacy
from ..choices import TRANSITIONS, Outcome
from ..models import Complaint
from .common import _check, _lock, _log, _notify_regulators, _notify_respondent, _require_handler
from .mediation import _end_pause

WITHDRAWAL_CITATION = "SAMR Order 20 Art. 21 ¶1 (1)"


def _withdraw(complaint: Complaint, *, actor, reason: str, now: datetime, by: str) -> None:
    """Close the locked complaint as withdrawn, write its timeline row, tell the respondent."""
    _end_pause(complaint, now)
    complaint.outcome, complaint.closed_at, complaint.next_due_at = Outcome.WITHDRAWN, now, None
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
    _log(
        complaint,
        "withdrawn",
        actor=actor,
        reason=reason,
        at=now,
        data={"by": by, "citation": WITHDRAWAL_CITATION},
    )
    _notify_respondent(
        complaint,
        topic="complaint.withdrawn",
        subject=_("Complaint #%(id)s was withdrawn by the complainant") % {"id": complaint.pk},
    )


def complaint_withdraw(
    *, complaint_id: int, actor, reason: str = "", now: datetime | None = None
) -> Complaint:
    """The complainant withdrew the complaint (Order 20 Art. 21 ¶1 (1)); the handler records it."""
    now = now or timezone.now()
    with transaction.atomic():
        complaint = _lock(complaint_id, actor)
        _require_handler(actor, complaint, "withdraw")
        complaint.status = _check(complaint, "withdraw")
        _withdraw(complaint, actor=actor, reason=reason, now=now, by="handler")
    return complaint


def _phone_ends_with(complaint: Complaint, last4: str) -> bool:
    """The phone given at filing ends with these four digits (compared in constant time)."""
    phone = privacy.decrypt_contact(complaint.contact_encrypted).get("phone", "")
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 4:
        return False
    return hmac.compare_digest(digits[-4:].encode(), (last4 or "").encode())


def complaint_withdraw_by_complainant(
    *, tracking_code: str, phone_last4: str, reason: str = "", now: datetime | None = None
) -> Complaint:
    """The complainant withdraws the complaint (Order 20 Art. 21 ¶1 (1)), proving it is theirs
    with the tracking code and the last four digits of the phone number given at filing. An
    unknown code is 404; digits that do not match (or no phone on file) 403, saying nothing of
    the phone; a complaint with a final outcome 409 naming its status. The respondent and the
    handling county are told."""
    now = now or timezone.now()
    code = privacy.normalize_tracking_code(tracking_code)
    with transaction.atomic():
        complaint = (
            Complaint.objects.select_for_update(of=("self",))
            .select_related("batch")
            .filter(tracking_code=code)
            .first()
            if code
            else None
        )
        if complaint is None:
            raise exceptions.NotFound()
        if not _phone_ends_with(complaint, phone_last4):
            raise NotAllowed(
                _(
                    "The tracking code and the last four digits of the phone number do not match "
                    "this complaint."
                )
            )
        complaint.status = check_transition(
            complaint,
            "withdraw",
            TRANSITIONS,
            allowed=lambda status: [],
            message=_(
                "This complaint can no longer be withdrawn: it is %(status)s (SAMR Order 20 "
                "Art. 21 ¶1 (1): only before a final outcome)."
            ),
        )
        _withdraw(
            complaint, actor=None, reason=(reason or "").strip()[:500], now=now, by="complainant"
        )
        _notify_regulators(
            complaint,
            Level.COUNTY,
            topic="complaint.withdrawn",
            subject=_("Complaint #%(id)s was withdrawn by the complainant") % {"id": complaint.pk},
        )
    return complaint
