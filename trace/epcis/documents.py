"""EPCIS documents we produce: query results and capture-job reports."""

from __future__ import annotations

from datetime import UTC, datetime
from trace.models import event_document_for

from django.utils import timezone

from .validation import DEFAULT_CONTEXT


def iso_utc(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def query_document(
    events, *, viewer, query_name: str = "SimpleEventQuery", subscription_id: str | None = None
) -> dict:
    """An EPCISQueryDocument carrying ``events`` as captured (every field, extensions and
    sensor data included, plus ``eventID`` and ``recordTime``), as the ``viewer``
    organization may read them: business documents only for the parties of each event."""
    results: dict = {"queryName": query_name}
    if subscription_id:
        results["subscriptionID"] = subscription_id
    results["resultsBody"] = {"eventList": [event_document_for(event, viewer) for event in events]}
    return {
        "@context": [DEFAULT_CONTEXT],
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": iso_utc(timezone.now()),
        "epcisBody": {"queryResults": results},
    }


def capture_job_document(job) -> dict:
    """A capture job as the REST binding's ``CaptureJob`` schema describes it."""
    body = {
        "captureID": str(job.pk),
        "createdAt": iso_utc(job.created_at),
        "running": job.running,
        "success": job.status != job.Status.FAILED,
        "captureErrorBehaviour": job.error_behaviour,
        "errors": job.errors or [],
        "eventCount": job.event_count,
        "capturedEventCount": job.captured_count,
        "duplicateEventCount": job.duplicate_count,
    }
    if job.finished_at:
        body["finishedAt"] = iso_utc(job.finished_at)
    return body
