"""The transactional notification outbox: written with the change, sent after commit, retried.

Issue 11 §7: a lost worker or a down mail server loses nothing; webhooks are signed
(HMAC-SHA256) and go only to HTTPS on public addresses, redirects not followed.
"""

import hashlib
import hmac
import json

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction

from config.celery import app
from core import outbox
from core.models import Notification, NotificationStatus, WebhookEndpoint
from core.outbox import DeliveryError, notification_delivered, notify
from tests.factories import EnterpriseFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _celery_inline():
    """Deliver inline even when REDIS_URL points at a real broker with no worker here."""
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture
def org():
    organization = EnterpriseFactory()
    UserFactory(organization=organization, email="qa@example.cn")
    UserFactory(organization=organization, email="boss@example.cn")
    UserFactory(organization=organization, email="")
    return organization


@pytest.fixture
def outcomes():
    seen = []

    def receiver(sender, notification, ok, error, **kwargs):
        seen.append((notification.pk, ok, error))

    notification_delivered.connect(receiver, weak=False)
    yield seen
    notification_delivered.disconnect(receiver)


def send(org, **kwargs):
    return notify(
        organization=org,
        topic="test.topic",
        subject="主题",
        body="正文",
        payload={"n": 1},
        about=org,
        **kwargs,
    )


def test_notify_writes_one_email_row_for_the_members_and_sends_after_commit(
    org, outcomes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rows = send(org)
    assert len(rows) == 1 and rows[0].channel == "email"
    assert rows[0].email == "boss@example.cn,qa@example.cn"
    assert (rows[0].subject_type, rows[0].subject_id) == ("api.Organization", org.pk)
    assert mail.outbox == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    row = Notification.objects.get()
    assert row.status == NotificationStatus.SENT and row.attempts == 1 and row.sent_at
    assert mail.outbox[0].to == ["boss@example.cn", "qa@example.cn"]
    assert outcomes == [(row.pk, True, "")]


def test_a_rolled_back_change_sends_nothing(org, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        send(org)
        raise RuntimeError("the change failed")
    assert Notification.objects.count() == 0
    assert mail.outbox == []


def test_a_down_mail_server_loses_nothing(
    org, settings, outcomes, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True):
        send(org)
    row = Notification.objects.get()
    assert (row.status, row.attempts) == (NotificationStatus.PENDING, 1)
    assert row.last_error and outcomes == []
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox.retry_pending_notifications() == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (NotificationStatus.SENT, 2)
    assert len(mail.outbox) == 1 and outcomes == [(row.pk, True, "")]


def test_a_bulk_write_sends_one_message_and_the_worker_hands_the_rest_on(
    org, monkeypatch, outcomes, django_capture_on_commit_callbacks
):
    """The writer (a sweep, a recall's activation) pays one broker send for all its rows; the
    task that takes them hands on all but its own ``ENQUEUE_CHUNK`` first; each row is
    delivered once."""
    monkeypatch.setattr(outbox, "ENQUEUE_CHUNK", 2)
    messages = []
    queue = outbox.deliver_notifications.apply_async

    def counted(args=None, *rest, **options):
        messages.append(list(args[0]))
        return queue(args, *rest, **options)

    monkeypatch.setattr(outbox.deliver_notifications, "apply_async", counted)
    with (
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
        outbox.bulk_notifications(),
    ):
        for n in range(5):
            notify(organization=org, topic="t", subject=f"第{n}条", body="b", payload={})
    ids = list(Notification.objects.order_by("id").values_list("id", flat=True))
    assert len(ids) == 5
    assert messages == [ids, ids[2:4], ids[4:]]  # the writer's one, then the task's hand-ons
    assert sorted(pk for pk, ok, _error in outcomes if ok) == ids
    assert sorted(m.subject for m in mail.outbox) == [f"第{n}条" for n in range(5)]
    assert set(Notification.objects.values_list("status", flat=True)) == {NotificationStatus.SENT}


def test_after_the_last_attempt_the_failure_is_reported(org, settings, outcomes):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 0
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    (row,) = send(org)
    for _ in range(5):
        outbox.retry_pending_notifications()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (NotificationStatus.FAILED, 3)
    assert outcomes == [(row.pk, False, row.last_error)]


def test_back_off_grows_and_is_capped(settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 60
    settings.NOTIFICATION_RETRY_MAX_SECONDS = 600
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [60, 120, 240, 480, 600]


def test_webhooks_are_signed_over_the_body(
    org, monkeypatch, outcomes, django_capture_on_commit_callbacks
):
    endpoint = WebhookEndpoint.objects.create(
        organization=org, url="https://hooks.example.com/suyuan", secret="s3cret"
    )
    posted = []

    def fake_post(url, body, headers):
        posted.append((url, body, headers))
        return 204

    monkeypatch.setattr(outbox, "_post", fake_post)
    with django_capture_on_commit_callbacks(execute=True):
        rows = send(org)
    assert sorted(r.channel for r in rows) == ["email", "webhook"]
    (url, body, headers) = posted[0]
    assert url == endpoint.url
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-Suyuan-Signature"] == expected
    document = json.loads(body)
    assert document["topic"] == "test.topic" and document["payload"] == {"n": 1}
    assert Notification.objects.filter(status="sent").count() == 2


def test_a_webhook_answering_with_a_redirect_is_a_failure(org, monkeypatch, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    WebhookEndpoint.objects.create(organization=org, url="https://hooks.example.com/x", secret="k")
    monkeypatch.setattr(outbox, "_post", lambda url, body, headers: 302)
    rows = send(org)
    webhook_row = next(r for r in rows if r.channel == "webhook")
    assert outbox.deliver(webhook_row.pk) is False
    webhook_row.refresh_from_db()
    assert webhook_row.status == "failed" and "302" in webhook_row.last_error


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/x",
        "https://127.0.0.1/x",
        "https://10.1.2.3/x",
        "https://localhost/x",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/x",
        "https://user:pw@example.com/x",
    ],
)
def test_webhooks_refuse_plain_http_and_private_addresses(url):
    with pytest.raises(DeliveryError):
        outbox._post(url, b"{}", {})
    with pytest.raises(ValidationError):
        WebhookEndpoint(organization=EnterpriseFactory(), url=url, secret="k").full_clean()
