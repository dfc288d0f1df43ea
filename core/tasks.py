from celery import shared_task
from django.utils import timezone

from .deadlines import sweep_all
from .outbox import deliver_notification, deliver_notifications, retry_pending_notifications

__all__ = [
    "deliver_notification",
    "deliver_notifications",
    "retry_pending_notifications",
    "sweep_deadlines",
]


@shared_task(name="api.tasks.sweep_deadlines", ignore_result=True)
def sweep_deadlines() -> dict[str, int]:
    """Beat, every minute: act on every deadline that has come (see api.deadlines)."""
    return sweep_all(timezone.now())
