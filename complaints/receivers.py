"""What this app contributes to the consumer page (its notice provider in
``trace.consumer.extensions``: published warnings and the "report a problem" link), how it
counts scanned codes that name no lot, and the outbox's delivery outcomes of a risk signal's
notifications (e-mail, webhook, group robots, SMS) on the signal's timeline."""

from trace.consumer.extensions import PageNotice
from trace.core.identifiers import digital_link_path

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ConsumerWarning, RiskSignal, RiskSignalTimeline
from .risk import count_unknown_scan


def consumer_page_notices(batch, language: str) -> list[PageNotice]:
    """Published warnings on this lot, then the "report a problem" link."""
    notices = [
        PageNotice(
            kind="warning",
            title=w.title_en if language == "en" else w.title_zh,
            text=w.text_en if language == "en" else w.text_zh,
        )
        for w in ConsumerWarning.objects.filter(batches=batch).order_by("-published_at", "-id")[:5]
    ]
    notices.append(
        PageNotice(
            kind="link",
            title=_("Report a problem with this product"),
            text=_("Tell the market regulator; you get a tracking code to follow it."),
            url=f"/report{digital_link_path(batch.gtin, batch.lot)}/",
        )
    )
    return notices


def count_unknown_code(sender, *, gtin: str, lot: str, **kwargs) -> None:
    count_unknown_scan(gtin=gtin, lot=lot, at=timezone.now())


def record_signal_notification(sender, notification, ok: bool, error: str, **kwargs) -> None:
    """A risk signal's notification sent, or failed for good (with the reason), is a row on
    the signal's timeline, in the transaction that records the outcome."""
    if notification.subject_type != RiskSignal._meta.label or notification.subject_id is None:
        return
    if not RiskSignal.objects.filter(pk=notification.subject_id).exists():
        return
    RiskSignalTimeline.objects.create(
        signal_id=notification.subject_id,
        action="notification_sent" if ok else "notification_failed",
        reason=error[:2000],
        data={
            "notification": notification.pk,
            "channel": notification.channel,
            "topic": notification.topic,
            "organization": notification.organization_id,
            "attempts": notification.attempts,
        },
    )
