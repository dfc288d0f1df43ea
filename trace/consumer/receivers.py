"""The consumer side listening to the core (connected in ``TraceConfig.ready()``)."""

from trace.core.cache import PAGE_KEY_PREFIX
from trace.core.signals import batches_changed
from trace.models import Batch

from django.conf import settings

from core.degrade import on_recovery

from . import fastpage


def bump_fast_pages(sender, *, batch_ids, lots=None, **kwargs) -> None:
    """With Redis, the fast pages of changed lots are invalidated by version."""
    if not batch_ids or fastpage.client() is None:
        return
    if lots is None:
        lots = {
            pk: (gtin, lot)
            for pk, gtin, lot in Batch.objects.filter(pk__in=batch_ids).values_list(
                "pk", "gtin", "lot"
            )
        }
    fastpage.bump_versions([lots[b] for b in batch_ids if b in lots])


@on_recovery
def drop_pages_kept_before_outage() -> None:
    """Redis is back: invalidations made while it was down are lost, so every consumer page it
    holds (both layers) is dropped before any is served again; they are re-rendered."""
    redis = fastpage.client()
    if redis is None:
        return
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    for pattern in (f"{prefix}:*:{PAGE_KEY_PREFIX}:*", f"{fastpage._prefix()}:page:*"):
        batch = []
        for key in redis.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                redis.delete(*batch)
                batch = []
        if batch:
            redis.delete(*batch)


def connect() -> None:
    batches_changed.connect(bump_fast_pages, dispatch_uid="trace.consumer.bump_fast_pages")
