"""Cache of the public consumer page.

The page is cached per batch and language and dropped the moment anything
about the batch changes (an event, a status change, a recall), so a recalled
batch is never served from cache as safe. Listeners of ``batches_changed``
(the fast page layer in front of Django, ``trace.consumer.receivers``) drop theirs.
"""

from django.conf import settings
from django.core.cache import cache

from .signals import batches_changed

PAGE_KEY_PREFIX = "public-page"


def page_key(batch_id: int, language: str) -> str:
    return f"{PAGE_KEY_PREFIX}:{batch_id}:{language}"


def invalidate_batches(batch_ids, *, lots: dict[int, tuple[str, str]] | None = None) -> None:
    """Drop the cached pages of these lots. ``lots`` maps ids to their (GTIN, lot) where the
    caller has them already (capture does), sparing a query for the fast pages' keys."""
    batch_ids = list(batch_ids)
    keys = [page_key(b, lang) for b in batch_ids for lang, _ in settings.LANGUAGES]
    if keys:
        cache.delete_many(keys)
    batches_changed.send(sender=invalidate_batches, batch_ids=batch_ids, lots=lots)
