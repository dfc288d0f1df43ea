"""Notices to consignees: the acknowledgement links, the notice and reminder texts, and the
consignee's answer through its link.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from base64 import urlsafe_b64encode
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions

from api.parsing import clean_text, parse_decimal
from core.errors import Conflict
from core.outbox import notify
from core.validators import field_error as _field_error

from ..choices import (
    Remedy,
)
from ..models import (
    QUANTITY,
    Recall,
    RecallAcknowledgement,
    RecallAckToken,
    RecallNotice,
)
from ..selectors import (
    ZERO,
)
from .common import Gone, S, log_entry


def ack_token(nonce: str) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"recall-ack:{nonce}".encode(), hashlib.sha256
    ).digest()
    return urlsafe_b64encode(digest).decode().rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ack_url(token: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/recall-ack/{token}/"


def issue_token(notice: RecallNotice, *, now: datetime | None = None) -> str:
    """A fresh acknowledgement link for ``notice``; returns the token (not stored)."""
    now = now or timezone.now()
    nonce = secrets.token_hex(16)
    token = ack_token(nonce)
    RecallAckToken.objects.create(
        notice=notice,
        nonce=nonce,
        token_hash=token_hash(token),
        expires_at=now + timedelta(days=settings.RECALL_ACK_TOKEN_DAYS),
    )
    return token


def current_ack_url(notice: RecallNotice) -> str | None:
    """The consignee's working link (shown to it when signed in), if any."""
    token = (
        notice.tokens.filter(used_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-id")
        .first()
    )
    return ack_url(ack_token(token.nonce)) if token else None


def _remedy_text(recall: Recall) -> str:
    return "、".join(str(Remedy(r).label) for r in recall.remedies)


def send_notice(
    notice: RecallNotice, recall: Recall, *, topic: str, now: datetime, at: datetime | None = None
) -> None:
    """The notice or a reminder with a fresh link, sent ``now``; a timeline row it writes is
    stamped ``at`` (a reminder's due time; default ``now``)."""
    token = issue_token(notice, now=now)
    link = ack_url(token)
    reminder = topic == "recall.reminder"
    subject = (
        _("Reminder: recall %(number)s awaits your answer")
        if reminder
        else _("Recall notice %(number)s: %(title)s")
    ) % {"number": recall.number, "title": recall.notice_title}
    body = _(
        "%(producer)s is recalling %(products)s (class %(cls)s).\n%(text)s\nRemedies: %(remedies)s\n"
        "You hold or held %(held)s units of %(lots)s affected lot(s). Stop selling them, then confirm receipt "
        "and report what you have on hand, returned, destroyed or corrected: %(link)s"
    ) % {
        "producer": recall.producer.name,
        "products": "、".join(recall.product_names),
        "cls": recall.recall_class,
        "text": recall.notice_text,
        "remedies": _remedy_text(recall),
        "held": notice.held,
        "lots": notice.lots,
        "link": link,
    }
    rows = notify(
        organization=notice.organization,
        topic=topic,
        subject=subject,
        body=body,
        payload={
            "recall": recall.number,
            "ack_url": link,
            "held": str(notice.held),
            "lots": notice.lots,
        },
        about=notice,
    )
    if not rows:  # nobody to write to: on the record, so the producer can reach it another way
        log_entry(
            recall,
            "notice_undeliverable",
            at=at or now,
            data={"organization": notice.organization_id, "topic": topic},
        )


def _quantity(data: dict, name: str) -> Decimal:
    value = data.get(name)
    if value in (None, ""):
        return ZERO
    quantity = parse_decimal(value, name, decimal_places=3)
    if not quantity.is_finite() or quantity < 0:
        raise _field_error(name, _("A quantity must be zero or more."), "quantity_negative")
    if quantity > settings.SUYUAN_MAX_QUANTITY:
        raise _field_error(name, _("This quantity is implausibly large."), "quantity_too_large")
    if quantity != quantity.quantize(_QUANTUM):
        raise _field_error(
            name,
            _("A quantity has at most %(n)s decimal places.") % {"n": QUANTITY["decimal_places"]},
            "max_decimal_places",
        )
    return quantity


_QUANTUM = Decimal(1).scaleb(-QUANTITY["decimal_places"])


def _exceeds_held(held: Decimal, message) -> ValidationError:
    return ValidationError(
        message % {"held": format(held.normalize(), "f")}, code="quantity_exceeds_held"
    )


def ack_figure_errors(q: dict[str, Decimal], held: Decimal) -> dict[str, ValidationError]:
    """A consignee's figures are bounded by what it held of the scope's lots:
    each of them, and returned, destroyed and corrected together (a unit is dealt with once)."""
    errors = {}
    for name in ("on_hand", "returned", "destroyed", "corrected"):
        if q[name] > held:
            errors[name] = _exceeds_held(
                held, _("More than the %(held)s units you held of the affected lots.")
            )
    if errors:
        return errors
    if q["returned"] + q["destroyed"] + q["corrected"] > held:
        last = next(n for n in ("corrected", "destroyed", "returned") if q[n])
        errors[last] = _exceeds_held(
            held,
            _("Returned, destroyed and corrected together exceed the %(held)s units you held."),
        )
    return errors


def find_token(token: str, *, lock: bool = False) -> RecallAckToken:
    """The token row, or 404 (unknown), 409 (used) or 410 (expired)."""
    if not token or len(token) > 100:
        raise exceptions.NotFound(_("This acknowledgement link is not valid."))
    rows = RecallAckToken.objects.select_related("notice__recall", "notice__organization")
    if lock:
        rows = rows.select_for_update(of=("self",))
    row = rows.filter(token_hash=token_hash(token)).first()
    if row is None:
        raise exceptions.NotFound(_("This acknowledgement link is not valid."))
    if row.used_at is not None:
        raise Conflict(
            _("This link has already been used; use the newest link you received."),
            code="token_used",
        )
    if row.expires_at <= timezone.now():
        raise Gone(
            _("This link has expired; a reminder will bring a new one."), code="token_expired"
        )
    return row


@transaction.atomic
def recall_acknowledge(*, token: str, data: dict) -> tuple[RecallNotice, str]:
    """A consignee confirms receipt and reports quantities through its link (no
    account). Each link answers once; the answer returns a fresh link for a later one."""
    row = find_token(token, lock=True)
    notice = RecallNotice.objects.select_for_update().get(pk=row.notice_id)
    recall = row.notice.recall
    if recall.status not in (S.ACTIVE, S.COMPLETED):
        raise Conflict(_("This recall no longer takes answers."), code="recall_not_active")
    q = {name: _quantity(data, name) for name in ("on_hand", "returned", "destroyed", "corrected")}
    errors = ack_figure_errors(q, notice.held)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    RecallAcknowledgement.objects.create(
        notice=notice, token=row, note=clean_text(data.get("note"), "note")[:2000], **q
    )
    row.used_at = now
    row.save(update_fields=["used_at"])
    first = notice.acknowledged_at is None
    for name, value in q.items():
        setattr(notice, name, value)
    notice.acknowledged_at = notice.acknowledged_at or now
    notice.last_answer_at = now
    notice.next_reminder_at = None
    notice.save(
        update_fields=[
            "on_hand",
            "returned",
            "destroyed",
            "corrected",
            "acknowledged_at",
            "last_answer_at",
            "next_reminder_at",
        ]
    )
    log_entry(
        recall,
        "consignee_acknowledged" if first else "consignee_reported",
        organization=notice.organization,
        data={"organization": notice.organization_id, **{k: str(v) for k, v in q.items()}},
    )
    return notice, issue_token(notice, now=now)
