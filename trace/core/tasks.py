"""Celery tasks of the core (thin: they call services)."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .digest import digest_make
from .partitions import ensure_ahead


@shared_task(autoretry_for=(Exception,), retry_backoff=True, retry_jitter=True, max_retries=5)
def chain_digest_daily() -> str:
    """Sign yesterday's digest of the event chains' heads (a record an outside party keeps)."""
    digest, _ = digest_make(day=timezone.localdate() - timedelta(days=1))
    return digest.sha256


@shared_task(autoretry_for=(Exception,), retry_backoff=True, retry_jitter=True, max_retries=5)
def create_event_partitions() -> list[str]:
    """Create the monthly event partitions ahead of time (PostgreSQL; a no-op elsewhere)."""
    return ensure_ahead()
