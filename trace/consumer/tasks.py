"""Celery tasks of the consumer side (thin: they call services)."""

from celery import shared_task

from .scanlog import scan_log_flush


@shared_task(autoretry_for=(Exception,), retry_backoff=True, retry_jitter=True, max_retries=5)
def flush_scan_log() -> int:
    """Write the scans the fast page layer answered (queued in Redis) to ScanLog."""
    return scan_log_flush()
