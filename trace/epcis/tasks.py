"""Celery tasks of the EPCIS interface: thin, ids only, services do the work."""

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.db import transaction

from . import services
from .subscriptions import subscriptions_match


@shared_task(acks_late=True)
def run_capture_job(job_id: str) -> str:
    return services.capture_job_run(job_id=job_id).status


@shared_task
def match_subscriptions(event_pks: list[int]) -> int:
    with transaction.atomic():
        delivery_ids = subscriptions_match(event_pks=event_pks)
        for pk in delivery_ids:
            transaction.on_commit(lambda pk=pk: deliver_webhook.delay(pk))
    return len(delivery_ids)


@shared_task(bind=True, max_retries=settings.EPCIS_WEBHOOK_MAX_RETRIES, acks_late=True)
def deliver_webhook(self, delivery_id: int) -> str:
    """POST one delivery; on failure retry with exponential backoff and jitter (2 s … 10 min),
    then log it as failed. Inline (eager, no broker) the retries run at once."""
    attempt = self.request.retries
    while True:
        try:
            return services.delivery_attempt(
                delivery_id=delivery_id, final=attempt >= self.max_retries
            ).status
        except services.DeliveryFailed as exc:
            if not self.request.is_eager:
                countdown = get_exponential_backoff_interval(2, attempt, 600, full_jitter=True)
                raise self.retry(exc=exc, countdown=countdown) from exc
            attempt += 1
