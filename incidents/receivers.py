"""Listeners for what lower layers announce (the outbox reports each delivery's outcome)."""

from .models import Incident, IncidentTimeline

SUBJECT_TYPE = "incidents.Incident"


def record_notification(sender, notification, ok: bool, error: str, **kwargs) -> None:
    """A notification's success or failure is a row on the incident's timeline."""
    if notification.subject_type != SUBJECT_TYPE or notification.subject_id is None:
        return
    if not Incident.objects.filter(pk=notification.subject_id).exists():
        return
    IncidentTimeline.objects.create(
        incident_id=notification.subject_id,
        action="notification_sent" if ok else "notification_failed",
        actor_organization=None,
        reason=error,
        data={
            "notification": notification.pk,
            "channel": notification.channel,
            "topic": notification.topic,
            "organization": notification.organization_id,
            "attempts": notification.attempts,
        },
    )
