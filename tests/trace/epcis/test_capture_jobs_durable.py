"""Nothing accepted is ever lost (issue 19, items 1 and 3): the capture job row is the job.

A job whose queue message never arrives, or whose worker died, is run again by the deadline
sweep; one that kills its worker every time ends failed with a reason; a re-run stores
nothing twice; two workers never run one job at once; and the same document captured many
times at once (real threads, PostgreSQL) is stored once, the other jobs succeeding as
no-ops — never a failed job, never a 500.
"""

import json
import threading
from datetime import timedelta
from pathlib import Path
from trace.epcis import services, tasks
from trace.epcis.models import CaptureJob
from trace.models import Event

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from .conftest import document, object_event


def _document(tag: str, events: int = 5) -> dict:
    return document(
        *[
            object_event(
                eventID=f"urn:uuid:00000000-0000-4000-8000-{tag:0>4}{i:08d}",
                epcList=[f"urn:epc:id:sgtin:6901234.012345.{tag}{i}"],
            )
            for i in range(events)
        ]
    )


def _post_without_queueing(persona, doc, django_capture_on_commit_callbacks) -> str:
    """POST /epcis/capture as if the broker lost the message: the job is committed, the
    task queued after the commit never runs. Returns the job's URL."""
    with django_capture_on_commit_callbacks(execute=False):
        response = persona.client.generic(
            "POST", "/epcis/capture", json.dumps(doc), content_type="application/ld+json"
        )
    assert response.status_code == 202, response.content
    return response["Location"]


def _sweep(settings, after_seconds: int = 0) -> None:
    moment = timezone.now() + timedelta(
        seconds=settings.CAPTURE_JOB_REQUEUE_SECONDS + after_seconds
    )
    call_command("sweep_deadlines", now=moment.isoformat())


def _stored(tag: str) -> int:
    return Event.objects.filter(
        event_id__startswith=f"urn:uuid:00000000-0000-4000-8000-{tag:0>4}"
    ).count()


def test_a_job_whose_message_was_lost_is_run_by_the_sweep_once(
    enterprise, settings, django_capture_on_commit_callbacks
):
    location = _post_without_queueing(
        enterprise, _document("a1"), django_capture_on_commit_callbacks
    )
    job = enterprise.client.get(location).json()
    assert job["running"] is True and "finishedAt" not in job

    call_command("sweep_deadlines")  # not yet due: left alone
    assert enterprise.client.get(location).json()["running"] is True

    _sweep(settings, 1)
    job = enterprise.client.get(location).json()
    assert job["running"] is False and job["success"] is True and job["finishedAt"]
    assert job["capturedEventCount"] == 5 and _stored("a1") == 5

    _sweep(settings, 3600)  # a finished job is never run again
    again = enterprise.client.get(location).json()
    assert again == job and _stored("a1") == 5


def test_a_job_redelivered_after_it_ran_stores_nothing_twice(enterprise, capture):
    response = capture(enterprise, _document("a2"))
    job_id = response["Location"].rsplit("/", 1)[1]
    first = enterprise.client.get(response["Location"]).json()
    assert first["success"] is True and first["capturedEventCount"] == 5

    assert tasks.run_capture_job.delay(job_id).get() == "success"  # the same message again
    assert enterprise.client.get(response["Location"]).json() == first
    assert _stored("a2") == 5


def test_a_job_whose_worker_died_mid_capture_is_run_again(
    enterprise, settings, django_capture_on_commit_callbacks
):
    location = _post_without_queueing(
        enterprise, _document("a3"), django_capture_on_commit_callbacks
    )
    job = CaptureJob.objects.get(pk=location.rsplit("/", 1)[1])
    # What a run the worker died in leaves behind: one attempt counted, nothing stored.
    CaptureJob.objects.filter(pk=job.pk).update(attempts=1)

    _sweep(settings, 1)
    job.refresh_from_db()
    assert job.status == CaptureJob.Status.SUCCESS and job.attempts == 2 and job.requeues == 1
    assert _stored("a3") == 5


def test_a_job_that_kills_its_worker_every_time_ends_failed_with_the_reason(
    enterprise, settings, django_capture_on_commit_callbacks
):
    settings.CAPTURE_JOB_MAX_ATTEMPTS = 3
    location = _post_without_queueing(
        enterprise, _document("a4"), django_capture_on_commit_callbacks
    )
    CaptureJob.objects.filter(pk=location.rsplit("/", 1)[1]).update(attempts=3)

    _sweep(settings, 1)
    job = enterprise.client.get(location).json()
    assert job["running"] is False and job["success"] is False and job["finishedAt"]
    [problem] = job["errors"]
    assert problem["type"] == "epcisException:ImplementationException"
    assert problem["errors"][0]["rule"] == "capture_abandoned"
    assert "3" in problem["detail"]  # how many times it was started
    assert _stored("a4") == 0
    # A late delivery of its message leaves it as it ended.
    assert tasks.run_capture_job.delay(str(job["captureID"])).get() == "failed"


def test_the_sweep_waits_longer_each_time_it_queues_a_job_again(
    enterprise, settings, django_capture_on_commit_callbacks
):
    location = _post_without_queueing(
        enterprise, _document("a5"), django_capture_on_commit_callbacks
    )
    job = CaptureJob.objects.get(pk=location.rsplit("/", 1)[1])
    now = timezone.now() + timedelta(seconds=settings.CAPTURE_JOB_REQUEUE_SECONDS + 1)
    # Its requeues are lost too (no worker): each pushes the next further away, up to 16-fold.
    waits = []
    for _ in range(6):
        ids, failed = services.capture_jobs_requeue(now=now)
        assert ids == [job.pk] and failed == 0
        job.refresh_from_db()
        waits.append((job.requeue_at - now).total_seconds() / settings.CAPTURE_JOB_REQUEUE_SECONDS)
        now = job.requeue_at
    assert waits == [2, 4, 8, 16, 16, 16]
    assert job.status == CaptureJob.Status.RUNNING and job.attempts == 0


@pytest.fixture
def on_postgres(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL): row locks and concurrent transactions")


@pytest.mark.postgres
def test_a_job_one_worker_is_running_is_skipped_by_another_and_by_the_sweep(
    enterprise, settings, on_postgres
):
    doc = _document("b1")
    job_id = services.capture_job_create(
        body=json.dumps(doc).encode(),
        event_count=5,
        organization=enterprise.org,
        user=enterprise.user,
        error_behaviour="rollback",
    ).pk
    locked, release = threading.Event(), threading.Event()

    def running_elsewhere():  # another worker, in the middle of this job's capture
        try:
            with transaction.atomic():
                CaptureJob.objects.select_for_update().get(pk=job_id)
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    other = threading.Thread(target=running_elsewhere)
    other.start()
    try:
        assert locked.wait(10)
        assert services.capture_job_run(job_id=job_id).status == CaptureJob.Status.RUNNING
        late = timezone.now() + timedelta(seconds=settings.CAPTURE_JOB_REQUEUE_SECONDS + 1)
        assert services.capture_jobs_requeue(now=late) == ([], 0)
        assert _stored("b1") == 0
    finally:
        release.set()
        other.join()
    job = services.capture_job_run(job_id=job_id)
    assert job.status == CaptureJob.Status.SUCCESS and job.attempts == 1 and _stored("b1") == 5


@pytest.mark.postgres
@pytest.mark.parametrize("behaviour", ["rollback", "proceed"])
def test_the_same_document_captured_at_once_is_stored_once_and_no_job_fails(
    enterprise, on_postgres, behaviour
):
    """Issue 19 item 3: eight identical POSTs at the same moment (real threads, each with its
    own PostgreSQL connection, the job run inline after each commit)."""
    tag = "c1" if behaviour == "rollback" else "c2"
    body = json.dumps(_document(tag, events=20))
    threads = 8
    barrier = threading.Barrier(threads)
    answers: list = []

    def post():
        client = APIClient()
        client.force_authenticate(enterprise.user)
        try:
            barrier.wait(10)
            response = client.generic(
                "POST",
                "/epcis/capture",
                body,
                content_type="application/ld+json",
                HTTP_GS1_CAPTURE_ERROR_BEHAVIOUR=behaviour,
            )
            answers.append((response.status_code, response["Location"]))
        finally:
            connections.close_all()

    workers = [threading.Thread(target=post) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [status for status, _ in answers] == [202] * threads
    jobs = [enterprise.client.get(location).json() for _, location in answers]
    assert [(j["running"], j["success"], j["errors"]) for j in jobs] == [
        (False, True, [])
    ] * threads
    assert sorted(j["capturedEventCount"] for j in jobs) == [0] * (threads - 1) + [20]
    assert sorted(j["duplicateEventCount"] for j in jobs) == [0] + [20] * (threads - 1)
    assert _stored(tag) == 20
    call_command("verify_event_chain")


def test_a_stored_body_reads_back_byte_for_byte_lz4_compressed_where_the_server_can(enterprise):
    """The body is kept as received (larger ones in pieces) and read back the same: on
    PostgreSQL a smaller one as text, and one that is not UTF-8 (never sent by the web
    process, which parses it first) still as bytes. With LZ4 on the server, compressed with
    it (trace 0014)."""
    body = json.dumps(_document("b9"), ensure_ascii=False).encode() * 40 + "溯源".encode()
    large = body * (services._BODY_PIECE // len(body) + 2)  # stored in more than one piece
    # Cut inside 源, a NUL byte, then the two read as they are sent (the last one is compressed).
    for sent in (body[:-1], b'{"a": "\x00"}', body, large):
        job = services.capture_job_create(
            body=sent,
            event_count=5,
            organization=enterprise.org,
            user=enterprise.user,
            error_behaviour="rollback",
        )
        read = services._body_of(job)
        assert (read.encode() if isinstance(read, str) else bytes(read)) == sent
        if connection.vendor == "postgresql":
            assert isinstance(read, str) == (sent == body)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'"
            )
            has_lz4 = "lz4" in cursor.fetchone()[0]
            cursor.execute(
                "SELECT pg_column_compression(body) FROM trace_capturejob WHERE id = %s", [job.pk]
            )
            assert cursor.fetchone()[0] == ("lz4" if has_lz4 else "pglz")


def test_capture_jobs_have_a_queue_of_their_own_that_a_plain_worker_also_takes():
    """A backlog of notices on the default queue never holds an accepted capture back: the jobs
    go to ``CAPTURE_QUEUE``; a worker started without -Q takes both queues, ``-Q capture``
    only the jobs (docker-compose.yml's capture-worker)."""
    from config.celery import CAPTURE_QUEUE, app

    route = app.amqp.router.route({}, tasks.run_capture_job.name)
    assert route["queue"].name == CAPTURE_QUEUE == "capture"
    assert app.amqp.router.route({}, "api.tasks.deliver_notification")["queue"].name == "celery"
    assert set(app.amqp.queues) == {"celery", "capture"}
    compose = (Path(__file__).resolve().parents[3] / "docker-compose.yml").read_text()
    assert '"-Q", "capture"' in compose
