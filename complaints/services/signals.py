"""Risk signals and consumer warnings: confirm, dismiss, publish a warning, each on the signal's timeline."""

from __future__ import annotations

from datetime import datetime
from trace.core.cache import invalidate_batches

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions

from core.errors import check_transition
from core.models import organization_of
from core.validators import field_error as _field_error

from .. import policy
from ..choices import (
    SIGNAL_TRANSITIONS,
)
from ..models import (
    ConsumerWarning,
    RiskSignal,
    RiskSignalTimeline,
)


def _lock_signal(signal_id: int, actor) -> RiskSignal:
    signal = RiskSignal.objects.select_for_update().filter(pk=signal_id).first()
    if signal is None or not RiskSignal.objects.visible_to(actor).filter(pk=signal_id).exists():
        raise exceptions.NotFound()
    policy.require_signal_decider(actor)
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
