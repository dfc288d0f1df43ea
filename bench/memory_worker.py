"""Child process of bench.memory: one side of a capture, then its peak RSS.

``web PATH ORG USER``: what ``POST /epcis/capture`` does with the body
(``trace.epcis.views``): read it, parse it (``parse_json``), validate it against
the EPCIS schema and rules (``validate_capture_document``) and store the capture
job (``capture_job_create``); prints the job's id. ``worker JOB``: what the
Celery worker does with it, the task function itself
(``trace.epcis.tasks.run_capture_job``). Each is its own process, as on a server.
"""

import json
import os
import resource
import sys
import time


def _status_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _rss_mb() -> float:
    found = _status_mb("VmRSS")
    return float("nan") if found is None else found


def peak_rss_mb() -> float:
    """This process's own peak RSS. On Linux ``ru_maxrss`` is not that: it keeps the high-water
    mark of the address space the process had before ``exec``, which for a child spawned by
    ``subprocess`` (vfork) is its parent's, so a large parent made every child look as large.
    ``VmHWM`` is the peak of the current address space, i.e. since ``exec``."""
    found = _status_mb("VmHWM")
    return found if found is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def web(path: str, org_id: int, user_id: int) -> dict:
    from trace.epcis import services
    from trace.epcis.validation import parse_json, validate_capture_document

    from django.contrib.auth import get_user_model
    from django.db import transaction

    from core.models import Organization

    organization = Organization.objects.get(pk=org_id)
    user = get_user_model().objects.get(pk=user_id)
    ready = _rss_mb()
    start = time.perf_counter()
    with open(path, "rb") as handle:
        body = handle.read()
    document = parse_json(body)
    event_count = len(validate_capture_document(document, body=body))
    del document  # as the view does: freed before the body is stored
    with transaction.atomic():
        job = services.capture_job_create(
            body=body,
            event_count=event_count,
            organization=organization,
            user=user,
            error_behaviour="rollback",
        )
    return {
        "job_id": str(job.pk),
        "ready_rss_mb": ready,
        "seconds": time.perf_counter() - start,
        "events": event_count,
    }


def worker(job_id: str) -> dict:
    from trace.epcis.models import CaptureJob
    from trace.epcis.tasks import run_capture_job

    ready = _rss_mb()
    start = time.perf_counter()
    status = run_capture_job(job_id)
    seconds = time.perf_counter() - start
    job = CaptureJob.objects.defer("body").get(pk=job_id)  # the result, not the 7 MB body
    return {
        "status": status,
        "ready_rss_mb": ready,
        "seconds": seconds,
        "events": job.captured_count,
        "errors": job.errors,
    }


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    result = web(argv[1], int(argv[2]), int(argv[3])) if argv[0] == "web" else worker(argv[1])
    result["peak_rss_mb"] = peak_rss_mb()
    print("JSON:" + json.dumps(result, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
