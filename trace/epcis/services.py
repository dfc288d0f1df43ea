"""Writes of the EPCIS interface: capture jobs, named queries, subscriptions, deliveries.

Capture itself is ``trace.core.capture.capture_events`` — the same service the
business endpoints use — so EPCIS events update custody, lineage, the trace
and the consumer page exactly as theirs do.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from trace.core.capture import capture_events
from trace.core.rules import FORBIDDEN, status_of
from trace.gs1.eventhash import DocumentHasher
from trace.models import Event

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import (
    DataError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    transaction,
)
from django.db.models import BinaryField, Func, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from core import collector, jsontext
from core.models import Organization, organization_of
from core.outbound import DestinationRefused, OutboundError, post_json

from .documents import query_document
from .models import CaptureJob, NamedQuery, Subscription, SubscriptionDelivery
from .query import QueryParameterError, matching_events, normalise_params
from .schedule import next_run
from .validation import EPCIS_CONTEXTS, events_of

logger = logging.getLogger(__name__)

PROBLEM_TYPE = "epcisException:{}"


def problem(exception: str, status: int, title: str, errors: list[dict]) -> dict:
    first = errors[0] if errors else None
    detail = (
        f"{first['field']}: {first['message']}"
        if first and first.get("field")
        else (first["message"] if first else title)
    )
    return {
        "type": PROBLEM_TYPE.format(exception),
        "title": title,
        "status": status,
        "detail": detail,
        "errors": errors,
    }


def _errors_from(exc: ValidationError, prefix: str) -> list[dict]:
    items: list[dict] = []
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                for message in error.messages:
                    items.append(
                        {
                            "field": prefix + field[len("eventList") :]
                            if field.startswith("eventList[")
                            else field,
                            "rule": error.code or "invalid",
                            "message": message,
                        }
                    )
    else:
        items = [
            {"field": None, "rule": e.code or "invalid", "message": m}
            for e in exc.error_list
            for m in e.messages
        ]
    return items


# --- capture jobs -------------------------------------------------------------


def capture_job_create(
    *,
    body: bytes,
    event_count: int,
    organization: Organization,
    user,
    error_behaviour: str,
    epcis_version: str = "",
    cbv_version: str = "",
) -> CaptureJob:
    """Store a validated document (``body``: the bytes received) as a running job; the caller
    runs the capture in a Celery task after commit (``tasks.run_capture_job``). Should that task
    never run, the deadline sweep queues it again after ``CAPTURE_JOB_REQUEUE_SECONDS``.

    On PostgreSQL a large body goes in in pieces of ``_BODY_PIECE`` bytes, each appended by
    its own statement: sent whole, its hex escape and the statement around it would take
    four times its size in this process at once. A body of one piece that is UTF-8 text (as
    every JSON body is) goes as text that the server turns into bytes (``convert_to``): less
    than half the time of ``bytea``'s hex escape."""
    pieces = connection.vendor == "postgresql" and len(body) > _BODY_PIECE
    job = CaptureJob.objects.create(
        organization=organization,
        user=user,
        body=body[:_BODY_PIECE] if pieces else _as_text(body),
        error_behaviour=error_behaviour,
        event_count=event_count,
        epcis_version=epcis_version[:16],
        cbv_version=cbv_version[:16],
        requeue_at=timezone.now() + timedelta(seconds=settings.CAPTURE_JOB_REQUEUE_SECONDS),
    )
    if pieces:
        table = connection.ops.quote_name(CaptureJob._meta.db_table)
        with connection.cursor() as cursor:
            for start in range(_BODY_PIECE, len(body), _BODY_PIECE):
                cursor.execute(
                    f"UPDATE {table} SET body = body || %s WHERE id = %s",
                    [body[start : start + _BODY_PIECE], job.pk],
                )
    job.body = body
    return job


_BODY_PIECE = 1 << 20  # bytes


def _as_text(body: bytes):
    """``body`` as the value to store: on PostgreSQL, UTF-8 text without NUL as text the
    server converts to the same bytes; otherwise the bytes themselves."""
    if connection.vendor != "postgresql":
        return body
    try:
        text = bytes(body).decode("utf-8")
    except UnicodeDecodeError:
        return body
    if "\x00" in text:  # text cannot hold it
        return body
    return Func(Value(text), Value("UTF8"), function="convert_to", output_field=BinaryField())


def _extension_context(context) -> list:
    """The document's own context entries (extension prefixes), without the EPCIS context URL."""
    entries = context if isinstance(context, list) else [context]
    return [c for c in entries if not (isinstance(c, str) and c in EPCIS_CONTEXTS)]


def _prepare_documents(document: dict) -> tuple[list[dict], Callable[[int], str]]:
    """The events, each with the document's extension context so that each stored event is
    complete on its own, and how an event sent without an ID gets one: its CBV 2.0 event hash,
    read against the whole document (``DocumentHasher``: the document's vocabulary, one shared
    scope), worked out by capture when it needs it (``capture_events(event_id_of=…)``). The
    events are the document's own (no copy of 10,000 events) and are left as sent."""
    events, _base = events_of(document)
    context = document.get("@context")
    extension_context = _extension_context(context)
    hasher = None

    def event_id_of(index: int) -> str:
        nonlocal hasher
        if hasher is None:
            hasher = DocumentHasher(events, context)
        return hasher(events[index])

    prepared = events
    if extension_context:
        prepared = [
            {"@context": extension_context, **event}
            if type(event) is dict and "@context" not in event
            else event
            for event in events
        ]
    return prepared, event_id_of


def _refused(exc: ValidationError, base: str) -> dict:
    """The job's error for an event capture refused: a broken rule of ``trace.rules`` keeps its
    status (403 ``SecurityException``: not this organization's to record; 409: not in this state)."""
    status = status_of(exc)
    if status == FORBIDDEN:
        return problem("SecurityException", status, _("Not permitted"), _errors_from(exc, base))
    return problem("ValidationException", status, _("Invalid event"), _errors_from(exc, base))


def _locked_running(job_id, *, related: bool = False) -> CaptureJob | None:
    """The job, locked for this transaction, if it is running and no other worker holds it."""
    jobs = CaptureJob.objects.select_for_update(skip_locked=True, of=("self",))
    # The body is read by ``_run`` alone, so that it is freed once parsed.
    jobs = (jobs.select_related("organization", "user") if related else jobs).defer("body")
    job = jobs.filter(pk=job_id).first()
    return job if job is not None and job.running else None


def _abandoned(job: CaptureJob) -> dict:
    return problem(
        "ImplementationException",
        500,
        _("Capture abandoned"),
        [
            {
                "field": None,
                "rule": "capture_abandoned",
                "message": _(
                    "The capture was started %(attempts)s times and never finished: the worker "
                    "stopped each time. Nothing of it was stored."
                )
                % {"attempts": job.attempts},
            }
        ],
    )


def _finish(job: CaptureJob, *, errors: list[dict], captured: int = 0, duplicates: int = 0):
    job.status = CaptureJob.Status.FAILED if errors else CaptureJob.Status.SUCCESS
    job.errors = errors
    job.captured_count = captured
    job.duplicate_count = duplicates
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "errors", "captured_count", "duplicate_count", "finished_at"])


def capture_job_run(*, job_id) -> CaptureJob | None:
    """Capture the job's events (all or nothing, or as many as possible under ``proceed``).

    Safe to call any number of times, concurrently too: a finished job is left alone, a job
    another worker is running (its row locked) is skipped, and the events and the job's result
    commit in one transaction, so a worker killed mid-capture leaves a running job with nothing
    stored, for the next delivery or the sweep. Returns the job as it stands (None if unknown).
    """
    with transaction.atomic():
        job = _locked_running(job_id)
        if job is None:
            return CaptureJob.objects.defer("body").filter(pk=job_id).first()
        if job.attempts >= settings.CAPTURE_JOB_MAX_ATTEMPTS:
            _finish(job, errors=[_abandoned(job)])
            return job
        # Counted in a transaction of its own, so that a run the worker dies in still counts.
        job.attempts += 1
        job.requeue_at = timezone.now() + timedelta(seconds=settings.CAPTURE_JOB_REQUEUE_SECONDS)
        job.save(update_fields=["attempts", "requeue_at"])
    with transaction.atomic():
        job = _locked_running(job_id, related=True)
        if job is None:  # another delivery took it between the two transactions
            return CaptureJob.objects.defer("body").filter(pk=job_id).first()
        with collector.paused():
            _run(job)
    return job


def _body_of(job: CaptureJob) -> bytes | bytearray | memoryview | str:
    """The job's body. On PostgreSQL a body under ``jsontext.LARGE`` bytes comes as text (the
    JSON the web process checked is UTF-8): a seventh of the time of ``bytea``'s hex escape,
    which the server writes and this process decodes. A larger one is read in pieces of
    ``_BODY_PIECE`` bytes: read whole, its hex escape would take twice its size in this
    process besides."""
    jobs = CaptureJob.objects.filter(pk=job.pk)
    if connection.vendor != "postgresql":
        return jobs.values_list("body", flat=True).get()
    table = connection.ops.quote_name(CaptureJob._meta.db_table)
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():  # text that is not UTF-8 fails this statement alone
                cursor.execute(
                    f"SELECT octet_length(body), CASE WHEN octet_length(body) < %s "
                    f"THEN convert_from(body, 'UTF8') END FROM {table} WHERE id = %s",
                    [jsontext.LARGE, job.pk],
                )
                length, text = cursor.fetchone()
        except DataError:
            cursor.execute(f"SELECT octet_length(body), NULL FROM {table} WHERE id = %s", [job.pk])
            length, text = cursor.fetchone()
        if text is not None:
            return text
        if length is None:
            return jobs.values_list("body", flat=True).get()
        body = bytearray()
        for start in range(0, length, _BODY_PIECE):
            cursor.execute(
                f"SELECT substring(body from %s for %s) FROM {table} WHERE id = %s",
                [start + 1, _BODY_PIECE, job.pk],
            )
            body += cursor.fetchone()[0]
    return body


def _run(job: CaptureJob) -> None:
    body = _body_of(job)
    large = len(body) >= jsontext.LARGE
    document = jsontext.loads(body, release=True)
    del body  # 7 MB for the largest document: not kept through the capture
    if large:  # equal strings shared: the document is held through the whole capture
        jsontext.share_strings(document)
    _events, base = events_of(document)
    errors: list[dict] = []
    captured = duplicates = 0
    try:
        documents, event_id_of = _prepare_documents(document)
        # A concurrent capture of the same events (unique event ID, a lot's custody row) or a
        # deadlock with one: capture tries again itself (trace.core.retry) and then finds those
        # events stored (duplicates).
        result = capture_events(
            documents=documents,
            organization=job.organization,
            user=job.user,
            on_error=job.error_behaviour,
            context=document.get("@context"),
            event_id_of=event_id_of,
        )
        captured, duplicates = len(result.event_pks), len(result.duplicates)
        for _index, exc in result.errors:
            errors.append(_refused(exc, base))
    except ValidationError as exc:
        errors.append(_refused(exc, base))
    except IntegrityError:
        # Still conflicting after every try: nothing was kept, the sender may resend.
        errors.append(
            problem(
                "ResourceAlreadyExistsException",
                409,
                _("Concurrent capture"),
                [
                    {
                        "field": base,
                        "rule": "concurrent_capture",
                        "message": _(
                            "An event of this document was captured concurrently; send the document again."
                        ),
                    }
                ],
            )
        )
    except (OperationalError, InterfaceError):
        raise  # the database went away: the job stays running, for the retry or the sweep
    except Exception:  # a bug must fail the job, never the worker
        logger.exception("capture job %s failed", job.pk)
        errors.append(
            problem(
                "ImplementationException",
                500,
                _("Capture failed"),
                [
                    {
                        "field": None,
                        "rule": "implementation",
                        "message": _("The server could not capture this document."),
                    }
                ],
            )
        )
    _finish(job, errors=errors, captured=captured, duplicates=duplicates)


def capture_jobs_requeue(*, now: datetime | None = None) -> tuple[list, int]:
    """The sweep's part (``tasks.requeue_capture_jobs``): running jobs whose ``requeue_at``
    has passed and which no worker is running (their rows are not locked). Each is pushed back
    (the wait doubling with every requeue, up to 16-fold) and its id returned to be queued
    again; one started ``CAPTURE_JOB_MAX_ATTEMPTS`` times ends failed instead.
    Returns (ids to queue, jobs failed)."""
    now = now or timezone.now()
    bound = settings.CAPTURE_JOB_REQUEUE_SECONDS
    requeue: list = []
    failed = 0
    with transaction.atomic():
        due = (
            CaptureJob.objects.select_for_update(skip_locked=True)
            .filter(status=CaptureJob.Status.RUNNING, requeue_at__lte=now)
            .defer("body")
            .order_by("requeue_at", "id")[: settings.CAPTURE_JOB_REQUEUE_BATCH]
        )
        for job in due:
            if job.attempts >= settings.CAPTURE_JOB_MAX_ATTEMPTS:
                _finish(job, errors=[_abandoned(job)])
                failed += 1
                continue
            job.requeues += 1
            job.requeue_at = now + timedelta(seconds=bound * min(2**job.requeues, 16))
            job.save(update_fields=["requeues", "requeue_at"])
            requeue.append(job.pk)
    if requeue or failed:
        logger.warning(
            "capture jobs not finished in time: %s queued again, %s failed", len(requeue), failed
        )
    return requeue, failed


# --- named queries and subscriptions ---------------------------------------------


def named_query_create(*, organization: Organization, user, name: str, query: dict) -> NamedQuery:
    return NamedQuery.objects.create(
        organization=organization, created_by=user, name=name, query=query
    )


def named_query_delete(*, query: NamedQuery) -> None:
    query.delete()  # cascades to its subscriptions, as the binding requires


def subscription_create(
    *,
    query: NamedQuery,
    user,
    dest: str,
    signature_token: str = "",
    report_if_empty: bool = False,
    initial_record_time=None,
    schedule: dict | None = None,
) -> Subscription:
    """A streaming subscription, or with ``schedule`` (already checked by
    ``schedule.parse``) a scheduled one, due at the schedule's next time."""
    return Subscription.objects.create(
        query=query,
        user=user,
        dest=dest,
        signature_token=signature_token,
        stream=schedule is None,
        schedule=schedule,
        next_run_at=next_run(schedule, timezone.now()) if schedule is not None else None,
        report_if_empty=report_if_empty,
        initial_record_time=initial_record_time,
    )


def scheduled_subscriptions_run(*, now: datetime | None = None) -> list[int]:
    """Run every scheduled subscription that is due: one delivery of the events recorded
    since its previous run that its query matches, as its subscriber may see them (none, and
    no delivery, when nothing matched unless ``reportIfEmpty``); then move it to its next
    time. Returns the deliveries to send after commit (``tasks.run_scheduled_subscriptions``)."""
    now = now or timezone.now()
    delivery_ids: list[int] = []
    with transaction.atomic():
        due = (
            Subscription.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("query", "user")
            .filter(stream=False, next_run_at__lte=now)
            .order_by("next_run_at", "id")[: settings.CAPTURE_JOB_REQUEUE_BATCH]
        )
        for subscription in due:
            since = subscription.last_run_at or subscription.initial_record_time
            base = Event.objects.visible_to(subscription.user).filter(record_time__lte=now)
            if since is not None:
                base = base.filter(record_time__gt=since)
            else:
                base = base.filter(record_time__gte=subscription.created_at)
            try:
                events, _parsed = matching_events(base, normalise_params(subscription.query.query))
                ids = list(events.values_list("pk", flat=True))
            except QueryParameterError:
                ids = []  # checked when the query was created; never let one stop the others
            if ids or subscription.report_if_empty:
                delivery = SubscriptionDelivery.objects.create(
                    subscription=subscription, event_ids=ids
                )
                delivery_ids.append(delivery.pk)
            subscription.last_run_at = now
            subscription.next_run_at = next_run(subscription.schedule, now)
            subscription.save(update_fields=["last_run_at", "next_run_at"])
    return delivery_ids


def signature(token: str, body: bytes) -> str:
    """The ``GS1-Signature`` header: hex HMAC-SHA256 of the exact request body, keyed by the signature token."""
    return hmac.new(token.encode("utf-8"), body, hashlib.sha256).hexdigest()


class DeliveryFailed(Exception):
    pass


def delivery_attempt(*, delivery_id: int, final: bool) -> SubscriptionDelivery:
    """POST the delivery's events to the subscriber once. Raises DeliveryFailed to be retried,
    unless ``final``, when the delivery is marked failed instead."""
    delivery = SubscriptionDelivery.objects.select_related(
        "subscription__query", "subscription__user"
    ).get(pk=delivery_id)
    if delivery.status != SubscriptionDelivery.Status.PENDING:
        return delivery
    subscription = delivery.subscription
    events = Event.objects.visible_to(subscription.user).by_pks(delivery.event_ids).order_by("id")
    body = json.dumps(
        query_document(
            events,
            viewer=organization_of(subscription.user),
            query_name=subscription.query.name,
            subscription_id=str(subscription.pk),
        ),
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        "GS1-EPCIS-Version": "2.0.0",
        "GS1-CBV-Version": "2.0.0",
    }
    if subscription.signature_token:
        headers["GS1-Signature"] = signature(subscription.signature_token, body)
    delivery.attempts += 1
    error = ""
    try:
        # Checked again after DNS resolution, connected to the checked address, no redirects.
        code = post_json(subscription.dest, body, headers, timeout=settings.EPCIS_WEBHOOK_TIMEOUT)
        delivery.last_status_code = code
        if not 200 <= code < 300:
            error = f"HTTP {code}"
    except DestinationRefused as refused:
        delivery.last_status_code = None
        error = f"refused: {refused.rule}"
        final = True  # a destination that is not allowed will not become allowed by retrying
    except OutboundError as exc:
        delivery.last_status_code = None
        error = str(exc)[:500] or "connection failed"
    delivery.last_error = error
    if not error:
        delivery.status = SubscriptionDelivery.Status.DELIVERED
        delivery.delivered_at = timezone.now()
        Subscription.objects.filter(pk=subscription.pk).update(
            last_notified_at=delivery.delivered_at
        )
    elif final:
        delivery.status = SubscriptionDelivery.Status.FAILED
    delivery.save(
        update_fields=["attempts", "last_status_code", "last_error", "status", "delivered_at"]
    )
    if error and not final:
        raise DeliveryFailed(error)
    return delivery
