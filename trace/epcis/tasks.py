"""Celery tasks of the EPCIS interface: thin, ids only, services do the work."""

import logging
from datetime import datetime

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction

from . import services
from .subscriptions import subscriptions_match

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    # A worker process killed mid-capture (OOM, SIGKILL) puts the message back on the queue;
    # a job that kills its worker every time ends failed after CAPTURE_JOB_MAX_ATTEMPTS.
    reject_on_worker_lost=True,
    # PostgreSQL unreachable: tried again with backoff (the job stays running meanwhile, and
    # the deadline sweep queues it again should every retry fail).
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=6,
)
def run_capture_job(job_id: str) -> str:
    job = services.capture_job_run(job_id=job_id)
    return job.status if job is not None else "unknown"


def requeue_capture_jobs(now: datetime) -> int:
    """The deadline sweeper of capture jobs (registered in ``TraceConfig.ready``): queue again
    every running job not finished in time, after the sweep's transaction has committed."""
    job_ids, failed = services.capture_jobs_requeue(now=now)
    for job_id in job_ids:
        try:  # with the broker down this runs the job inline, here
            run_capture_job.delay(str(job_id))
        except Exception:  # one job's trouble must not hold up the others
            logger.exception("capture job %s could not be run again", job_id)
    return len(job_ids) + failed


def run_scheduled_subscriptions(now: datetime) -> int:
    """The sweeper of scheduled subscriptions (registered in ``TraceConfig.ready``): run the
    due ones, then send their deliveries once the run has committed."""
    delivery_ids = services.scheduled_subscriptions_run(now=now)
    for pk in delivery_ids:
        try:
            deliver_webhook.delay(pk)
        except Exception:  # one delivery's trouble must not hold up the others
            logger.exception("scheduled delivery %s could not be queued", pk)
    return len(delivery_ids)


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
