"""Matching newly captured events against streaming subscriptions."""

from __future__ import annotations

from trace.models import Event

from .models import Subscription, SubscriptionDelivery
from .query import QueryParameterError, matching_events, normalise_params


def subscriptions_match(*, event_pks: list[int]) -> list[int]:
    """Create one delivery per subscription that the new events match (seen as its subscriber
    may see them); returns the delivery ids (the caller sends each by its own task after
    commit)."""
    delivery_ids: list[int] = []
    subscriptions = (
        Subscription.objects.filter(stream=True)
        .select_related("query", "user")
        .order_by("created_at")
    )
    for subscription in subscriptions:
        base = Event.objects.visible_to(subscription.user).by_pks(event_pks)
        if subscription.initial_record_time:
            base = base.filter(record_time__gte=subscription.initial_record_time)
        try:
            events, _parsed = matching_events(base, normalise_params(subscription.query.query))
        except QueryParameterError:
            continue  # validated when the query was created; never let one query stop the others
        ids = list(events.values_list("pk", flat=True))
        if not ids:
            continue
        delivery = SubscriptionDelivery.objects.create(subscription=subscription, event_ids=ids)
        delivery_ids.append(delivery.pk)
    return delivery_ids
