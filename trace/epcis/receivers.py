"""The EPCIS binding listening to the core (connected in ``TraceConfig.ready()``)."""

from trace.core.signals import events_captured

from .models import Subscription
from .tasks import match_subscriptions


def match_new_events(sender, *, event_pks, **kwargs) -> None:
    """After a capture commits: hand the new events to the matcher if anyone subscribed."""
    if event_pks and Subscription.objects.filter(stream=True).exists():
        match_subscriptions.delay(list(event_pks))


def connect() -> None:
    events_captured.connect(match_new_events, dispatch_uid="trace.epcis.match_new_events")
