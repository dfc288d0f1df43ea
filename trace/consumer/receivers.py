"""The consumer side listening to the core (connected in ``TraceConfig.ready()``)."""

from trace.core.signals import batches_changed
from trace.models import Batch

from . import fastpage


def bump_fast_pages(sender, *, batch_ids, lots=None, **kwargs) -> None:
    """With Redis, the fast pages of changed lots are invalidated by version."""
    if not batch_ids or fastpage.client() is None:
        return
    if lots is None:
        lots = {pk: (gtin, lot) for pk, gtin, lot in
                Batch.objects.filter(pk__in=batch_ids).values_list("pk", "gtin", "lot")}
    fastpage.bump_versions([lots[b] for b in batch_ids if b in lots])


def connect() -> None:
    batches_changed.connect(bump_fast_pages, dispatch_uid="trace.consumer.bump_fast_pages")
