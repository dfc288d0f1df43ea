"""Nothing accepted is ever lost, replayed from outside at full size.

    DATABASE_URL=postgres://…/db SUYUAN_DEV=1 python -m bench.capture_faults [redis|kill|same|all]

On a migrated PostgreSQL database it starts its own ``redis-server`` (no persistence: a
restart empties it, the worst case), gunicorn with the deployed settings, a Celery worker
as compose runs it (``--concurrency 2``) and ``manage.py sweep_deadlines --every 60`` (the
stand-in for beat), with the default ``CAPTURE_JOB_REQUEUE_SECONDS``; then, over HTTP:

- redis: 600 captures at 15/s, Redis SIGKILLed 10 s in and restarted 15 s later;
- kill: 30 captures of 2,000 events, the worker SIGKILLed (its whole process group) in the
  middle of one, started again 10 s later; the time from its return until every job ended;
- same: 50 identical documents POSTed at once.

Each prints the jobs by status, the events stored against those sent, and whether the
worker is alive. Not part of ``make bench`` (minutes of waiting on the requeue bound).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

from bench.common import ROOT, free_port

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"


def _document(tag: str, events: int) -> bytes:
    event_list = [
        {
            "type": "ObjectEvent",
            "action": "OBSERVE",
            "eventTime": "2026-11-20T09:30:00.000+08:00",
            "eventTimeZoneOffset": "+08:00",
            "eventID": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{tag}/{i}')}",
            "epcList": [f"urn:epc:id:sgtin:6901234.012345.{tag}{i}"],
            "bizStep": "inspecting",
        }
        for i in range(events)
    ]
    return json.dumps(
        {
            "@context": [EPCIS_CONTEXT],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2026-11-20T08:00:00.000+08:00",
            "epcisBody": {"eventList": event_list},
        }
    ).encode()


class Services:
    """redis-server, gunicorn, a Celery worker and the sweeper, on free ports."""

    def __init__(self):
        self.redis_port = free_port()
        self.web_port = free_port()
        self.env = {
            **os.environ,
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "DEBUG": "0",
            "SUYUAN_DEV": "1",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "GUNICORN_ACCESS_LOG": "",
            "PYTHONPATH": str(ROOT),
        }
        self.logs = open(ROOT / "var" / "capture_faults.log", "ab")  # noqa: SIM115
        self.redis = self.worker = None
        self.start_redis()
        self.web = self._spawn(
            "-m", "gunicorn", "config.wsgi:application", "--config", "config/gunicorn.py",
            "--bind", f"127.0.0.1:{self.web_port}", "--workers", "2",
        )  # fmt: skip
        self.sweeper = self._spawn("manage.py", "sweep_deadlines", "--every", "60")
        self.start_worker()
        self._wait_for_web()

    def _spawn(self, *args):
        return subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env=self.env,
            stdout=self.logs,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_redis(self):
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        time.sleep(0.5)

    def kill_redis(self):
        self.redis.kill()
        self.redis.wait()

    def start_worker(self):
        self.worker = self._spawn("-m", "celery", "-A", "config", "worker", "--concurrency", "2")

    def kill_worker(self):
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait()

    def _wait_for_web(self):
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.web_port}/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def stop(self):
        for process in (self.web, self.sweeper, self.worker):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(30)
        self.redis.kill()


def _post(port: int, token: str, body: bytes) -> tuple[int, str]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/epcis/capture",
        data=body,
        headers={"Content-Type": "application/ld+json", "Authorization": f"Token {token}"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.status, response.headers["Location"].rsplit("/", 1)[1]


def _wait_finished(job_ids, limit: float) -> float:
    from trace.epcis.models import CaptureJob

    started = time.monotonic()
    while CaptureJob.objects.filter(pk__in=job_ids, status="running").exists():
        if time.monotonic() - started > limit:
            break
        time.sleep(1)
    return time.monotonic() - started


def _report(name, services, job_ids, tags, events_each, **figures):
    from trace.epcis.models import CaptureJob
    from trace.models import Event

    from django.db.models import Count, Sum

    jobs = CaptureJob.objects.filter(pk__in=job_ids)
    by_status = dict(jobs.values_list("status").annotate(n=Count("id")))
    # error_declaration IS NULL: the partial unique index on event_id covers only originals.
    ids = [
        f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{t}/{i}')}"
        for t in set(tags)
        for i in range(events_each)
    ]
    stored = sum(
        Event.objects.filter(event_id__in=ids[n : n + 5000], error_declaration__isnull=True).count()
        for n in range(0, len(ids), 5000)
    )
    requeued = jobs.aggregate(r=Sum("requeues"))["r"]
    figures.update(
        jobs=len(job_ids),
        by_status=by_status,
        events_sent=len(set(tags)) * events_each,
        events_stored=stored,
        requeues=requeued,
        worker_alive=services.worker.poll() is None,
    )
    print(name, json.dumps(figures, default=str), flush=True)


def redis_outage(services, token):
    tags = [f"{uuid.uuid4().int % 10**8:08d}" for _ in range(600)]
    results: list = []
    started = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        for n, tag in enumerate(tags):
            time.sleep(max(0.0, started + n / 15 - time.monotonic()))  # 15 per second
            if n == 150:
                threading.Timer(0, services.kill_redis).start()
                threading.Timer(15, services.start_redis).start()
            results.append(pool.submit(_post, services.web_port, token, _document(tag, 10)))
    answers = [r.result() for r in results]
    job_ids = [job for _, job in answers]
    waited = _wait_finished(job_ids, 900)
    _report(
        "redis", services, job_ids, tags, 10,
        accepted=sum(status == 202 for status, _ in answers),
        seconds_until_all_ended_after_last_post=round(waited, 1),
    )  # fmt: skip


def worker_killed(services, token):
    from trace.epcis.models import CaptureJob

    tags = [f"{uuid.uuid4().int % 10**8:08d}" for _ in range(30)]
    job_ids = [_post(services.web_port, token, _document(tag, 2000))[1] for tag in tags]
    while not CaptureJob.objects.filter(pk__in=job_ids, attempts__gte=1, status="running").exists():
        time.sleep(0.05)
    time.sleep(0.5)
    services.kill_worker()
    half = CaptureJob.objects.filter(pk__in=job_ids, status="running", attempts__gte=1).count()
    time.sleep(10)
    services.start_worker()
    waited = _wait_finished(job_ids, 900)
    _report(
        "kill", services, job_ids, tags, 2000,
        killed_mid_capture=half, seconds_from_worker_return_until_all_ended=round(waited, 1),
    )  # fmt: skip


def same_document(services, token):
    tag = f"{uuid.uuid4().int % 10**8:08d}"
    body = _document(tag, 20)
    barrier = threading.Barrier(50)

    def post():
        barrier.wait()
        return _post(services.web_port, token, body)

    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(lambda _: post(), range(50)))
    job_ids = [job for _, job in answers]
    waited = _wait_finished(job_ids, 600)
    _report("same", services, job_ids, [tag] * 50, 20, seconds=round(waited, 1))


def main(which: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SUYUAN_DEV", "1")
    import django

    django.setup()
    from biip.checksums import gs1_standard_check_digit
    from knox.models import AuthToken

    from core.validators import credit_code_check_character
    from tests.factories import EnterpriseFactory, UserFactory

    name = f"replay-{uuid.uuid4().hex[:8]}"
    code = f"91320312MA{uuid.uuid4().int % 10**7:07d}"
    gln = f"{uuid.uuid4().int % 10**12:012d}"
    org = EnterpriseFactory(
        name=name,
        credit_code=code + credit_code_check_character(code),
        gln=gln + str(gs1_standard_check_digit(gln)),
    )
    user = UserFactory(username=name, organization=org)
    _instance, token = AuthToken.objects.create(user=user)
    services = Services()
    try:
        for scenario in ("redis", "kill", "same") if which == "all" else (which,):
            {"redis": redis_outage, "kill": worker_killed, "same": same_document}[scenario](
                services, token
            )
    finally:
        services.stop()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "all")
