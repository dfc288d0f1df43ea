"""Cache of the public consumer page.

The page is cached per batch and language and dropped the moment anything
about the batch changes (an event, a status change, a recall), so a recalled
batch is never served from cache as safe. With Redis, the fast page layer in
front of Django (``trace.fastpage``) is invalidated here too, by version.
Invalidations made while Redis was down are lost, so when it comes back
(``config.degrade``) every page kept there is dropped before any is served.
"""

from django.conf import settings
from django.core.cache import cache

from config.degrade import on_recovery

from . import fastpage

_PREFIX = "public-page"


def page_key(batch_id: int, language: str) -> str:
    return f"{_PREFIX}:{batch_id}:{language}"


def invalidate_batches(batch_ids, *, lots: dict[int, tuple[str, str]] | None = None) -> None:
    """Drop the cached pages of these lots. ``lots`` maps ids to their (GTIN, lot) where the
    caller has them already (capture does), sparing a query for the fast pages' keys."""
    batch_ids = list(batch_ids)
    keys = [page_key(b, lang) for b in batch_ids for lang, _ in settings.LANGUAGES]
    if keys:
        cache.delete_many(keys)
    if batch_ids and fastpage.client() is not None:
        if lots is None:
            from .models import Batch

            lots = {pk: (gtin, lot) for pk, gtin, lot in
                    Batch.objects.filter(pk__in=batch_ids).values_list("pk", "gtin", "lot")}
        fastpage.bump_versions([lots[b] for b in batch_ids if b in lots])


@on_recovery
def drop_pages_kept_before_outage() -> None:
    """Redis is back: drop every consumer page it holds (both layers); they are re-rendered."""
    redis = fastpage.client()
    if redis is None:
        return
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    for pattern in (f"{prefix}:*:{_PREFIX}:*", f"{fastpage._prefix()}:page:*"):
        batch = []
        for key in redis.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                redis.delete(*batch)
                batch = []
        if batch:
            redis.delete(*batch)
