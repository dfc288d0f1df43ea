"""Accepted capture jobs survive what happens to the worker and the broker (issue 19, items
1 and 2), on the real services: a ``redis-server`` of the test's own (no persistence, as a
Redis that restarts empty) and a real ``celery worker`` subprocess on the test's PostgreSQL.

- Redis killed (SIGKILL) under a worker that is capturing: the worker reconnects and carries
  on, the messages Redis lost are queued again by the deadline sweep, every job ends
  ``success`` and every event is stored exactly once.
- The whole worker killed (SIGKILL) in the middle of a capture: nothing of that document is
  stored, and once a worker is back the sweep has every job finished.
- The worker keeps its database connection from one job to the next (Celery would close it
  after every task), and when the server drops that connection the next job still runs, on
  a new one.

The requeue bound is set low (``CAPTURE_JOB_REQUEUE_SECONDS=2``) to keep the tests short.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from trace.epcis.models import CaptureJob
from trace.models import Event

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from config.celery import app as celery_app
from core import degrade
from tests.test_redis_down import RedisProcess, _point_at

from .conftest import document, object_event

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]

ROOT = Path(__file__).resolve().parents[3]
REQUEUE_SECONDS = 2
WORKER_APPLICATION = "suyuan-test-capture-worker"


@pytest.fixture
def _celery_inline():
    """Not inline here: the jobs go through the broker to the worker."""
    yield


@pytest.fixture
def redis_server(settings, transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL): a worker process shares the test database")
    server = RedisProcess()
    server.start()
    saved = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    settings.REDIS_RETRY_SECONDS = 0.2
    settings.CAPTURE_JOB_REQUEUE_SECONDS = REQUEUE_SECONDS
    degrade.reset()
    _point_at(settings, server.url)
    yield server
    server.stop()
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = saved
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    degrade.reset()


class Worker:
    """``celery -A config worker`` on the test database and the test's Redis."""

    def __init__(self, redis_url: str):
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DATABASE_URL": (
                f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
                f"{db['PORT'] or 5432}/{db['NAME']}"
            ),
            "REDIS_URL": redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "CAPTURE_JOB_REQUEUE_SECONDS": str(REQUEUE_SECONDS),
            "SUYUAN_DEV": "1",
            "PYTHONPATH": str(ROOT),
            "PGAPPNAME": WORKER_APPLICATION,  # libpq's: its sessions are told apart by this
        }
        self.log = Path(tempfile.mkstemp(prefix="capture-worker-", suffix=".log")[1])
        self.process = None

    def start(self) -> None:
        offset = self.log.stat().st_size
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "celery", "-A", "config", "worker"),
                    *("--concurrency", "1", "--loglevel", "info"),
                    *("--without-gossip", "--without-mingle", "--without-heartbeat"),
                    *("--hostname", f"faults-{uuid.uuid4().hex[:8]}@%h"),
                ],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killed whole, children too
            )
        deadline = time.monotonic() + 60
        while b" ready." not in self.log.read_bytes()[offset:]:
            assert self.process.poll() is None, self.tail()
            assert time.monotonic() < deadline, self.tail()
            time.sleep(0.1)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.alive:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@pytest.fixture
def worker(redis_server):
    process = Worker(redis_server.url)
    process.start()
    yield process
    process.stop()
    if not os.environ.get("KEEP_WORKER_LOG"):
        process.log.unlink(missing_ok=True)


def _document(tag: str, events: int) -> str:
    return json.dumps(
        document(
            *[
                object_event(
                    eventID=f"urn:uuid:00000000-0000-4000-8000-{tag}{i:08d}",
                    epcList=[f"urn:epc:id:sgtin:6901234.012345.{tag}{i}"],
                )
                for i in range(events)
            ]
        )
    )


def _post(persona, body: str) -> str:
    response = persona.client.generic(
        "POST", "/epcis/capture", body, content_type="application/ld+json"
    )
    assert response.status_code == 202, response.content
    return response["Location"].rsplit("/", 1)[1]


def _sweep_until_finished(job_ids, worker, seconds: float) -> None:
    """``manage.py sweep_deadlines`` once a second (beat's minute, shortened) until every job
    has ended."""
    deadline = time.monotonic() + seconds
    while CaptureJob.objects.filter(pk__in=job_ids, status=CaptureJob.Status.RUNNING).exists():
        assert worker.alive, worker.tail()
        assert time.monotonic() < deadline, (
            f"{CaptureJob.objects.filter(pk__in=job_ids, status='running').count()} jobs "
            f"still running\n{worker.tail()}"
        )
        degrade.reset()  # this process queues on Redis again without waiting for its retry
        call_command("sweep_deadlines")
        time.sleep(1)


def _wait(condition, seconds: float, worker) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert worker.alive and time.monotonic() < deadline, worker.tail()
        time.sleep(0.05)


def _stored(tags) -> int:
    return sum(
        Event.objects.filter(event_id__startswith=f"urn:uuid:00000000-0000-4000-8000-{t}").count()
        for t in tags
    )


def test_redis_killed_under_a_capturing_worker_loses_no_job_and_the_worker_carries_on(
    enterprise, redis_server, worker
):
    tags = [f"{n:04d}" for n in range(24)]
    job_ids = [_post(enterprise, _document(tag, 150)) for tag in tags]
    # Once the worker is busy with the queue, Redis dies with the queue in it (no persistence).
    _wait(
        lambda: CaptureJob.objects.filter(pk__in=job_ids).exclude(status="running").exists(),
        30,
        worker,
    )
    redis_server.process.kill()
    redis_server.process.wait(10)
    time.sleep(3)
    redis_server.start()

    _sweep_until_finished(job_ids, worker, 60)
    jobs = CaptureJob.objects.filter(pk__in=job_ids)
    assert {job.status for job in jobs} == {CaptureJob.Status.SUCCESS}
    assert _stored(tags) == 150 * len(tags)
    assert sum(job.captured_count for job in jobs) == 150 * len(tags)
    assert any(job.requeues for job in jobs)  # Redis lost their messages; the sweep found them

    # The worker reconnected and takes new work from Redis without any help.
    degrade.reset()
    after = _post(enterprise, _document("9999", 5))
    _wait(lambda: CaptureJob.objects.get(pk=after).status == "success", 30, worker)
    assert worker.alive


def test_a_worker_killed_mid_capture_stores_nothing_half_and_every_job_finishes_on_its_return(
    enterprise, redis_server, worker
):
    big = _post(enterprise, _document("0100", 5000))
    small = [_post(enterprise, _document(f"02{n:02d}", 20)) for n in range(3)]
    _wait(lambda: CaptureJob.objects.get(pk=big).attempts == 1, 30, worker)
    time.sleep(0.1)  # into the capture of its 5,000 events (a second or more)
    worker.kill()

    job = CaptureJob.objects.get(pk=big)
    assert job.status == CaptureJob.Status.RUNNING and job.finished_at is None
    assert _stored(["0100"]) == 0  # all or nothing: the killed run left nothing behind

    worker.start()
    started = time.monotonic()
    _sweep_until_finished([big, *small], worker, 60)
    assert time.monotonic() - started < 30
    jobs = CaptureJob.objects.filter(pk__in=[big, *small])
    assert {j.status for j in jobs} == {CaptureJob.Status.SUCCESS}
    big_job = CaptureJob.objects.get(pk=big)
    assert big_job.attempts == 2 and big_job.requeues >= 1  # its message died with the worker
    assert _stored(["0100"]) == 5000 and _stored([f"02{n:02d}" for n in range(3)]) == 60
    assert timezone.now() - job.created_at < timedelta(minutes=5)


def _worker_sessions() -> set[tuple[int, object]]:
    """(backend pid, when it started) of each database session the worker holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, backend_start FROM pg_stat_activity WHERE application_name = %s",
            [WORKER_APPLICATION],
        )
        return set(cursor.fetchall())


def test_a_worker_keeps_its_database_connection_between_jobs_and_gets_a_new_one_when_it_drops(
    enterprise, redis_server, worker
):
    def capture(tag: str) -> CaptureJob:
        job_id = _post(enterprise, _document(tag, 5))
        _wait(lambda: CaptureJob.objects.get(pk=job_id).status != "running", 30, worker)
        return CaptureJob.objects.get(pk=job_id)

    first = capture("0300")
    sessions = _worker_sessions()
    assert first.status == CaptureJob.Status.SUCCESS and len(sessions) == 1, worker.tail()

    # The next jobs run on the same session: no new connection, no cold catalog caches.
    assert [capture(tag).status for tag in ("0301", "0302")] == ["success", "success"]
    assert _worker_sessions() == sessions

    # The server drops it (a restart, an administrator, a pooler): the next job checks the
    # connection before its first query (CONN_HEALTH_CHECKS), opens a new one and succeeds
    # at its first attempt.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            [WORKER_APPLICATION],
        )
    _wait(lambda: not _worker_sessions(), 10, worker)
    after = capture("0303")
    assert after.status == CaptureJob.Status.SUCCESS and after.attempts == 1, worker.tail()
    assert after.captured_count == 5 and _stored(["0303"]) == 5
    renewed = _worker_sessions()
    assert len(renewed) == 1 and renewed.isdisjoint(sessions)
    assert worker.alive
