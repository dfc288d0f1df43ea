"""What recalls hears from lower layers: the outbox's delivery results, written
on the recall's timeline (sent, or failed after the last retry), and a year's holiday notice
loaded (the provisional deadlines are counted again)."""

from core.models import Notification

from .models import Recall, RecallNotice
from .services import log_entry
from .services.calendar import recall_recompute_deadlines

_ABOUT = {RecallNotice._meta.label: RecallNotice, Recall._meta.label: Recall}


def notification_delivered(
    sender, *, notification: Notification, ok: bool, error: str, **kwargs
) -> None:
    model = _ABOUT.get(notification.subject_type)
    if model is None or notification.subject_id is None:
        return
    if model is RecallNotice:
        recall = Recall.objects.filter(notices__pk=notification.subject_id).first()
    else:
        recall = Recall.objects.filter(pk=notification.subject_id).first()
    if recall is None:
        return
    log_entry(
        recall,
        "notification_sent" if ok else "notification_failed",
        reason=error[:2000],
        data={
            "notification": notification.pk,
            "topic": notification.topic,
            "channel": notification.channel,
            "organization": notification.organization_id,
        },
    )


def calendar_year_loaded(sender, *, year: int, **kwargs) -> None:
    recall_recompute_deadlines(year=year)
