"""The transactional outbox: notifications written with the change they report, sent after commit.

``notify(...)`` is called inside the caller's transaction and writes one
``Notification`` row per channel (email to the organization's members or the
given address; one webhook row per endpoint the organization registered; one row per
group-chat robot or SMS list the organization registered, ``core.alerts``). The
rows are handed to Celery with ``transaction.on_commit``; a row a worker never
picked up (lost worker, down mail server) stays ``pending`` and
``retry_pending_notifications`` finds it by ``next_attempt_at``. A failed
attempt is retried with exponential back-off up to ``NOTIFICATION_MAX_ATTEMPTS``.

The owning app learns the outcome from the ``notification_delivered`` signal
(sent inside the transaction that records it), so api never imports the apps.
"""

import contextlib
import contextvars
import hashlib
import hmac
import json
import logging
from datetime import datetime, timedelta

import django.dispatch
from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import models, transaction
from django.utils import timezone

from . import alerts
from .bulk import Json, insert_rows
from .models import (
    AlertChannel,
    AlertPlatform,
    Membership,
    Notification,
    NotificationChannel,
    NotificationStatus,
    Organization,
    WebhookEndpoint,
)
from .outbound import DestinationRefused, OutboundError, post_json

logger = logging.getLogger(__name__)

# sender=Notification, notification=<Notification>, ok=bool, error=str
notification_delivered = django.dispatch.Signal()

SIGNATURE_HEADER = "X-Suyuan-Signature"

_ALERT_CHANNELS = {choice.value for choice in AlertPlatform}


class DeliveryError(Exception):
    pass


def _about(about) -> tuple[str, int | None]:
    if about is None:
        return "", None
    if isinstance(about, models.Model):
        return about._meta.label, about.pk
    subject_type, subject_id = about
    return str(subject_type), subject_id


# While a batch job (a deadline sweep) notifies many times, ``bulk_notifications()`` collects the
# messages and writes them when the block ends: who receives what is read once for all the
# organizations named, the rows go in with one INSERT, and they are handed to the workers in a
# few messages instead of one per row.
_pending: contextvars.ContextVar[list | None] = contextvars.ContextVar(
    "outbox_pending", default=None
)

# Rows a worker delivers per broker message after a bulk write (``deliver_notifications``).
ENQUEUE_CHUNK = 100


@contextlib.contextmanager
def bulk_notifications():
    """Inside the block ``notify()`` returns no rows: it queues the message, and the rows are
    written when the block ends, still inside the caller's transaction (use the block inside
    ``transaction.atomic()``); an exception in the block writes nothing."""
    messages: list[tuple[Organization | None, str, dict]] = []
    token = _pending.set(messages)
    try:
        yield
    finally:
        _pending.reset(token)
    _write_bulk(messages)


def _write_bulk(messages: list[tuple[Organization | None, str, dict]]) -> list[int]:
    org_ids = {org.pk for org, _email, _common in messages if org is not None}
    emails: dict[int, set[str]] = {}
    for org_id, address in (
        Membership.objects.filter(organization_id__in=org_ids)
        .exclude(user__email="")
        .values_list("organization_id", "user__email")
    ):
        emails.setdefault(org_id, set()).add(address)
    endpoints: dict[int, list] = {}
    for endpoint in WebhookEndpoint.objects.filter(
        organization_id__in=org_ids, is_active=True
    ).order_by("id"):
        endpoints.setdefault(endpoint.organization_id, []).append(endpoint)
    robots: dict[int, list] = {}
    for robot in _active_alert_channels().filter(organization_id__in=org_ids):
        robots.setdefault(robot.organization_id, []).append(robot)
    now = timezone.now()
    rows = []
    for org, email, common in messages:
        found = (
            (sorted(emails.get(org.pk, ())), endpoints.get(org.pk, []), robots.get(org.pk, []))
            if org
            else ([], [], [])
        )
        payload = Json(common["payload"], json.dumps(common["payload"]))
        about = (common["topic"], common["subject"], common["body"], payload)
        subject = (common["subject_type"], common["subject_id"])
        for channel, addresses, endpoint, robot in _channels(email, *found):
            webhook = endpoint.pk if endpoint else None
            robot_id = robot.pk if robot else None
            rows.append(
                (org.pk if org else None, channel, addresses, webhook, robot_id, *about, *subject)
            )
    if not rows:
        return []
    # Plain tuples (COPY on PostgreSQL): model instances cost more than the sweep's own work.
    # A bulk insert applies no defaults: a new row is pending, never tried, due now.
    fresh = (NotificationStatus.PENDING.value, 0, "", None, now, now)
    ids = insert_rows(Notification, _BULK_FIELDS, [(*row, *fresh) for row in rows], ids=len(rows))
    transaction.on_commit(lambda: _enqueue_many(ids))
    return ids


_BULK_FIELDS = [
    *("organization_id", "channel", "email", "webhook_id", "alert_channel_id"),
    *("topic", "subject", "body", "payload"),
    *("subject_type", "subject_id", "status", "attempts", "last_error", "sent_at"),
    *("next_attempt_at", "created_at"),
]


def _active_alert_channels():
    """The robots and SMS lists that receive messages (SMS only while a provider is set)."""
    found = AlertChannel.objects.filter(is_active=True).order_by("id")
    if not alerts.sms_enabled():
        found = found.exclude(platform=AlertPlatform.SMS)
    return found


def _recipients_of(organization: Organization) -> tuple[list[str], list, list]:
    return (
        member_emails(organization),
        list(organization.webhook_endpoints.filter(is_active=True).order_by("id")),
        list(_active_alert_channels().filter(organization=organization)),
    )


def member_emails(organization: Organization) -> list[str]:
    emails = organization.memberships.exclude(user__email="").values_list("user__email", flat=True)
    return sorted(set(emails))


def notify(
    *,
    organization: Organization | None = None,
    email: str = "",
    topic: str,
    subject: str,
    body: str,
    payload: dict,
    about=None,
) -> list[Notification]:
    """Write the notification rows for one message; deliver them after the caller commits."""
    subject_type, subject_id = _about(about)
    common = dict(
        organization=organization,
        topic=topic,
        subject=str(subject)[:300],
        body=str(body),
        payload=payload,
        subject_type=subject_type,
        subject_id=subject_id,
    )
    pending = _pending.get()
    if pending is not None:
        pending.append((organization, email, common))
        return []
    found = _recipients_of(organization) if organization is not None else ([], [], [])
    rows = [
        Notification(
            channel=channel, email=addresses, webhook=endpoint, alert_channel=robot, **common
        )
        for channel, addresses, endpoint, robot in _channels(email, *found)
    ]
    for row in rows:
        row.save()
        transaction.on_commit(lambda pk=row.pk: _enqueue(pk))
    return rows


def notify_each(
    organizations, *, topic: str, subject: str, body: str, payload: dict, about=None
) -> int:
    """The same message to each of ``organizations`` (``notify`` for each); how many were told."""
    count = 0
    for organization in organizations:
        notify(
            organization=organization,
            topic=topic,
            subject=subject,
            body=body,
            payload=payload,
            about=about,
        )
        count += 1
    return count


def _channels(email: str, emails: list[str], endpoints: list, robots: list = ()) -> list[tuple]:
    """(channel, addresses, endpoint, alert channel) of each row of one message: one email row
    (the given address, else the members'), one row per webhook endpoint, one per robot or SMS
    list."""
    addresses = [email] if email else emails
    found = (
        [(NotificationChannel.EMAIL.value, ",".join(addresses), None, None)] if addresses else []
    )
    found += [(NotificationChannel.WEBHOOK.value, "", endpoint, None) for endpoint in endpoints]
    return found + [(robot.platform, "", None, robot) for robot in robots]


def _enqueue(notification_id: int) -> None:
    try:
        deliver_notification.delay(notification_id)
    except Exception:  # a down broker loses nothing: the periodic retry finds the row
        logger.exception(
            "could not enqueue notification %s; the periodic retry will", notification_id
        )


def _enqueue_later(notification_id: int, seconds: float) -> None:
    if deliver_notification.app.conf.task_always_eager:
        return  # run inline, a countdown would not wait: the periodic retry sends it when due
    try:
        deliver_notification.apply_async((notification_id,), countdown=seconds)
    except Exception:  # a down broker loses nothing: the periodic retry finds the row
        logger.exception(
            "could not enqueue notification %s; the periodic retry will", notification_id
        )


def _enqueue_many(ids: list[int]) -> None:
    """One broker message for the rows of a bulk write, however many: the worker that takes it
    hands them on in messages of ``ENQUEUE_CHUNK`` (``deliver_notifications``), so the writer
    (a sweep of a thousand incidents, a recall's activation) pays one send, not one per
    hundred rows."""
    try:
        # argsrepr: Celery would otherwise format every id for its logs, at each send.
        deliver_notifications.apply_async(
            (ids,), argsrepr=f"([{len(ids)} notifications {ids[0]}…{ids[-1]}],)"
        )
    except Exception:  # a down broker loses nothing: the periodic retry finds the rows
        logger.exception("could not enqueue %s notifications; the periodic retry will", len(ids))


def backoff(attempts: int) -> timedelta:
    base = settings.NOTIFICATION_RETRY_BASE_SECONDS
    return timedelta(
        seconds=min(base * 2 ** max(attempts - 1, 0), settings.NOTIFICATION_RETRY_MAX_SECONDS)
    )


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST to a checked public HTTPS address (``core.outbound``); redirects are not followed."""
    try:
        return post_json(url, body, headers, timeout=settings.NOTIFICATION_WEBHOOK_TIMEOUT)
    except (DestinationRefused, OutboundError) as exc:
        raise DeliveryError(str(exc)) from exc


def _send(notification: Notification) -> None:
    if notification.alert_channel_id is not None:
        # The channel's row is locked while its rate-limit window is counted and used.
        channel = (
            AlertChannel.objects.select_for_update()
            .filter(pk=notification.alert_channel_id)
            .first()
        )
        try:
            alerts.send(channel, notification)
        except alerts.AlertDeliveryError as exc:
            raise DeliveryError(str(exc)) from exc
        return
    if notification.channel in _ALERT_CHANNELS:
        raise DeliveryError("alert channel removed")
    if notification.channel == NotificationChannel.EMAIL:
        recipients = [a for a in notification.email.split(",") if a]
        if not recipients:
            raise DeliveryError("no recipient address")
        send_mail(
            notification.subject,
            notification.body,
            settings.DEFAULT_FROM_EMAIL,
            recipients,
            fail_silently=False,
        )
        return
    endpoint = notification.webhook
    if endpoint is None or not endpoint.is_active:
        raise DeliveryError("webhook endpoint removed or disabled")
    body = json.dumps(
        {
            "id": notification.pk,
            "topic": notification.topic,
            "subject": notification.subject,
            "about": {"type": notification.subject_type, "id": notification.subject_id},
            "payload": notification.payload,
            "created_at": notification.created_at.isoformat(),
        },
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    ).encode()
    status = _post(
        endpoint.url,
        body,
        {
            "Content-Type": "application/json",
            "User-Agent": "Suyuan-Webhook/1",
            SIGNATURE_HEADER: signature(endpoint.secret, body),
            "X-Suyuan-Topic": notification.topic,
        },
    )
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status}")


def deliver(notification_id: int, *, now: datetime | None = None) -> bool | None:
    """Try one pending notification once. Returns True sent, False failed for good, None later/skip."""
    now = now or timezone.now()
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("webhook")
            .filter(pk=notification_id, status=NotificationStatus.PENDING)
            .first()
        )
        if notification is None:
            return None
        notification.attempts += 1
        try:
            _send(notification)
        except alerts.Throttled as exc:
            # Over the channel's rate limit: not a failed attempt; due again once a slot frees.
            notification.attempts -= 1
            notification.last_error = f"Throttled: {exc}"[:2000]
            notification.next_attempt_at = now + timedelta(seconds=exc.wait)
            notification.save(update_fields=["last_error", "next_attempt_at"])
            wait = exc.wait
            transaction.on_commit(lambda: _enqueue_later(notification_id, wait))
            return None
        except Exception as exc:  # any failure is recorded; the row is never lost
            notification.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
                notification.status = NotificationStatus.FAILED
            else:
                notification.next_attempt_at = now + backoff(notification.attempts)
            notification.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            if notification.status == NotificationStatus.FAILED:
                notification_delivered.send(
                    sender=Notification,
                    notification=notification,
                    ok=False,
                    error=notification.last_error,
                )
                return False
            return None
        notification.status = NotificationStatus.SENT
        notification.sent_at = now
        notification.last_error = ""
        notification.save(update_fields=["attempts", "last_error", "status", "sent_at"])
        notification_delivered.send(
            sender=Notification, notification=notification, ok=True, error=""
        )
        return True


def due_notification_ids(now: datetime, limit: int) -> list[int]:
    return list(
        Notification.objects.filter(status=NotificationStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


# The Celery tasks live here, so that notify() can enqueue without a cycle; their names stay
# api.tasks.*, the names that messages already queued carry (re-exported by core/tasks.py).


@shared_task(name="api.tasks.deliver_notification", acks_late=True, ignore_result=True)
def deliver_notification(notification_id: int) -> bool | None:
    return deliver(notification_id)


@shared_task(name="api.tasks.deliver_notifications", acks_late=True, ignore_result=True)
def deliver_notifications(notification_ids: list[int]) -> int:
    """Deliver rows of one bulk write (``bulk_notifications``), each once: beyond the first
    ``ENQUEUE_CHUNK``, the rest is first handed on in messages of that size, for other workers
    to deliver meanwhile; the first are then delivered here, in order. A worker lost before
    handing on loses nothing: the rows stay pending and the periodic retry finds them."""
    mine, rest = notification_ids[:ENQUEUE_CHUNK], notification_ids[ENQUEUE_CHUNK:]
    for start in range(0, len(rest), ENQUEUE_CHUNK):
        _enqueue_many(rest[start : start + ENQUEUE_CHUNK])
    sent = 0
    for notification_id in mine:
        sent += bool(deliver(notification_id))
    return sent


@shared_task(name="api.tasks.retry_pending_notifications", ignore_result=True)
def retry_pending_notifications() -> int:
    """Deliver whatever is pending and due (a lost worker, a down server, a back-off elapsed)."""
    ids = due_notification_ids(timezone.now(), settings.NOTIFICATION_RETRY_BATCH)
    for notification_id in ids:
        deliver(notification_id)
    return len(ids)
