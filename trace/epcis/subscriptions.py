"""Matching newly captured events against streaming subscriptions."""

from __future__ import annotations

from django.db import transaction


def notify_new_events(event_pks: list[int]) -> None:
    """Called after a capture commits: hand the new events to the matcher if anyone subscribed."""
    from .models import Subscription
    from .tasks import match_subscriptions

    if event_pks and Subscription.objects.filter(stream=True).exists():
        match_subscriptions.delay(list(event_pks))


def subscriptions_match(*, event_pks: list[int]) -> list[int]:
    """Create one delivery per subscription that the new events match (seen as its subscriber
    may see them); returns the delivery ids, each sent by its own task after commit."""
    from trace.models import Event

    from .models import Subscription, SubscriptionDelivery
    from .query import QueryParameterError, matching_events, normalise_params
    from .tasks import deliver_webhook

    delivery_ids: list[int] = []
    subscriptions = (
        Subscription.objects.filter(stream=True)
        .select_related("query", "user")
        .order_by("created_at")
    )
    for subscription in subscriptions:
        base = Event.objects.visible_to(subscription.user).filter(pk__in=event_pks)
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
        transaction.on_commit(lambda pk=delivery.pk: deliver_webhook.delay(pk))
    return delivery_ids
