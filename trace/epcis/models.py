"""Tables of the EPCIS 2.0 interface (they live in the ``trace`` app)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Organization

__all__ = ["CaptureJob", "NamedQuery", "Subscription", "SubscriptionDelivery"]


class CaptureJob(models.Model):
    """One ``POST /epcis/capture``: the document received and how its capture went.

    Transitions: running → success | failed (set once, by the capture task or, for a job
    whose worker died ``CAPTURE_JOB_MAX_ATTEMPTS`` times, by the deadline sweep).

    The row is the job: it is committed before the 202, and the broker message that wakes a
    worker is only a reminder. A running job whose ``requeue_at`` has passed and whose row no
    worker holds locked is queued again by the sweep (``capture_jobs_requeue``), so a message
    lost with Redis, acked after a failure or orphaned by a killed worker delays a job, never
    loses it.
    """

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        SUCCESS = "success", _("success")
        FAILED = "failed", _("failed")

    class ErrorBehaviour(models.TextChoices):
        ROLLBACK = "rollback", _("rollback")
        PROCEED = "proceed", _("proceed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="capture_jobs",
        verbose_name=_("organization"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("user"),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.RUNNING
    )
    error_behaviour = models.CharField(
        _("capture error behaviour"),
        max_length=8,
        choices=ErrorBehaviour.choices,
        default=ErrorBehaviour.ROLLBACK,
    )
    # The EPCISDocument / EPCISQueryDocument received, as the bytes sent (UTF-8 JSON, already
    # validated): the capture task parses it again, which costs less than storing it as jsonb.
    body = models.BinaryField(_("document received"), null=True, blank=True)
    event_count = models.PositiveIntegerField(_("events in the document"), default=0)
    captured_count = models.PositiveIntegerField(_("events stored"), default=0)
    duplicate_count = models.PositiveIntegerField(_("events already stored"), default=0)
    # RFC 9457 problem objects, one per failed event (or one for the whole document).
    errors = models.JSONField(_("errors"), default=list, blank=True)
    epcis_version = models.CharField(max_length=16, blank=True, verbose_name=_("EPCIS version"))
    cbv_version = models.CharField(max_length=16, blank=True, verbose_name=_("CBV version"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Times a worker began the capture; a run that ends (either way) finishes the job.
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # Times the sweep queued it again; the wait before the next doubles with each.
    requeues = models.PositiveIntegerField(_("times queued again"), default=0)
    # When the sweep queues it again if it is still running by then.
    requeue_at = models.DateTimeField(_("queue again at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("capture job")
        verbose_name_plural = _("capture jobs")
        indexes = [
            models.Index(fields=["organization", "created_at"], name="capturejob_org_created_idx"),
            models.Index(
                fields=["requeue_at"],
                name="capturejob_running_due_idx",
                condition=models.Q(status="running"),
            ),
        ]

    def __str__(self) -> str:
        return f"capture {self.pk} ({self.status})"

    @property
    def running(self) -> bool:
        return self.status == self.Status.RUNNING


class NamedQuery(models.Model):
    """A named EPCIS query (``POST /epcis/queries``) an organization can run and subscribe to."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="epcis_queries",
        verbose_name=_("organization"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("created by"),
    )
    name = models.CharField(_("name"), max_length=100)
    query = models.JSONField(_("query"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("EPCIS query")
        verbose_name_plural = _("EPCIS queries")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="namedquery_unique_org_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Subscription(models.Model):
    """A webhook subscription to a named query: matching new events are POSTed to ``dest``.

    Streaming (``stream``): each capture's matching events, as they arrive. Scheduled
    (``schedule``, see ``schedule.py``): at each time the schedule names, the events recorded
    since the previous run (``last_run_at``; the first run from ``initial_record_time``, or
    from the subscription's creation); ``next_run_at`` is when the sweep runs it next.

    Deliveries are signed with HMAC-SHA256 over the body using
    ``signature_token`` (the ``GS1-Signature`` header) and only carry events
    the subscribing user may see.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    query = models.ForeignKey(
        NamedQuery, on_delete=models.CASCADE, related_name="subscriptions", verbose_name=_("query")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    dest = models.URLField(_("destination URL"), max_length=1000)
    signature_token = models.CharField(_("signature token"), max_length=255, blank=True)
    stream = models.BooleanField(default=True, verbose_name=_("stream"))
    report_if_empty = models.BooleanField(default=False, verbose_name=_("report if empty"))
    initial_record_time = models.DateTimeField(
        null=True, blank=True, verbose_name=_("initial record time")
    )
    last_notified_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("last notified at")
    )
    schedule = models.JSONField(null=True, blank=True, verbose_name=_("schedule"))
    next_run_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next run at"))
    last_run_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last run at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["next_run_at"],
                name="subscription_due_idx",
                condition=models.Q(stream=False),
            )
        ]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")

    def __str__(self) -> str:
        return f"{self.query} → {self.dest}"


class SubscriptionDelivery(models.Model):
    """One webhook POST of new events to a subscriber, with its attempts (the delivery log)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("subscription"),
    )
    event_ids = models.JSONField(default=list, verbose_name=_("event IDs"))  # Event primary keys
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    last_status_code = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("last status code")
    )
    last_error = models.CharField(max_length=500, blank=True, verbose_name=_("last error"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered at"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("subscription delivery")
        verbose_name_plural = _("subscription deliveries")

    def __str__(self) -> str:
        return f"delivery {self.pk} ({self.status})"
