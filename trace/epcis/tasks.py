"""Celery tasks of the EPCIS interface: thin, ids only, services do the work."""

from celery import shared_task
from django.conf import settings
from django.db import transaction

from . import services


@shared_task(acks_late=True)
def run_capture_job(job_id: str) -> str:
    return services.capture_job_run(job_id=job_id).status


@shared_task
def match_subscriptions(event_pks: list[int]) -> int:
    from .subscriptions import subscriptions_match

    with transaction.atomic():
        return len(subscriptions_match(event_pks=event_pks))


@shared_task(
    bind=True,
    autoretry_for=(services.DeliveryFailed,),
    retry_backoff=2,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=settings.EPCIS_WEBHOOK_MAX_RETRIES,
)
def deliver_webhook(self, delivery_id: int) -> str:
    final = self.request.retries >= self.max_retries
    return services.delivery_attempt(delivery_id=delivery_id, final=final).status
