"""Two web processes and two Celery workers side by side on one database (issue 24, item 4).

Real processes against the test database (committed data: ``transactional_db``) and a
``redis-server`` of the test's own: two gunicorn servers take EPCIS captures for two
organizations at once, each document posted to both of them, and two Celery workers run the
captures; two ``manage.py sweep_deadlines`` run at the same moment over the same due incidents.
Every event is stored once (``verify_event_chain`` passes) and every deadline is acted on once.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from trace.models import Event
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from knox.models import AuthToken

from config.celery import app as celery_app
from core.choices import RegulatorLevel
from incidents import services
from incidents.models import Incident, IncidentTimeline
from tests.factories import (
    EnterpriseFactory,
    ProductFactory,
    RegulatorFactory,
    UserFactory,
    produce,
)

from .pgcluster import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SH)
DOCUMENTS, EVENTS_PER_DOCUMENT, INCIDENTS = 4, 5, 12

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL): row locks"
    ),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
    pytest.mark.skipif(not (BIN / "gunicorn").exists(), reason="needs gunicorn"),
]


class Processes:
    def __init__(self, tmp_path: Path):
        self.started: list[subprocess.Popen] = []
        self.logs = tmp_path / "logs"
        self.logs.mkdir()

    def start(self, name: str, cmd: list[str], env: dict) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "w")  # noqa: SIM115 (kept open while it runs)
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.started.append(process)
        return process

    def tail(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-1500:]}" for p in self.logs.iterdir())

    def stop(self) -> None:
        for process in self.started:
            process.terminate()
        for process in self.started:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def _wait_for(check, what: str, timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(what)


def _http(method: str, url: str, token: str, body: dict | None = None) -> tuple[int, dict, dict]:
    request = urllib.request.Request(
        url,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/ld+json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), {"body": error.read().decode()[:500]}


def _document(n_events: int) -> dict:
    events = [
        {
            "type": "ObjectEvent",
            "action": "OBSERVE",
            "eventID": f"urn:uuid:{uuid.uuid4()}",
            "eventTime": "2026-11-20T09:30:00.000+08:00",
            "eventTimeZoneOffset": "+08:00",
            "epcList": [f"urn:epc:id:sgtin:6901234.012345.{i + 1}"],
            "bizStep": "inspecting",
        }
        for i in range(n_events)
    ]
    return {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-11-20T08:00:00.000+08:00",
        "epcisBody": {"eventList": events},
    }


def _due_incidents() -> list[Incident]:
    """Grade II incidents reported at T0 in Tongshan: due to pass up to the city at T0 + 2 h."""
    for level, region in (
        (RegulatorLevel.COUNTY, "320312"),
        (RegulatorLevel.CITY, "320300"),
        (RegulatorLevel.PROVINCE, "320000"),
        (RegulatorLevel.NATIONAL, "110000"),
    ):
        UserFactory(organization=RegulatorFactory(level=level, region_code=region))
    dairy = UserFactory(organization=EnterpriseFactory(region_code="320312"))
    batch = produce(dairy, ProductFactory(owner=dairy.membership.organization), lot="YG01")
    return [
        services.incident_report(
            actor=dairy,
            title="酸奶致病",
            description="消费者食用后住院",
            region_code="320312",
            occurred_at=T0 - timedelta(hours=2),
            discovered_at=T0 - timedelta(minutes=20),
            batch_ids=[batch.pk],
            deaths=12,
            now=T0,
        )
        for _ in range(INCIDENTS)
    ]


@pytest.fixture
def inline_here(settings):
    """This process's own tasks (the set-up's notifications) run inline, mail kept in memory."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved


def test_two_web_processes_and_two_workers_store_each_event_and_act_on_each_deadline_once(
    transactional_db, inline_here, tmp_path
):
    incidents = _due_incidents()
    tokens = []
    for region in ("320312", "330106"):
        user = UserFactory(organization=EnterpriseFactory(region_code=region))
        tokens.append(AuthToken.objects.create(user)[1])

    db = connection.settings_dict
    redis_port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "PYTEST_"))},
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "SECRET_KEY": "side-by-side-test-key-" + "x" * 30,
        "SUYUAN_DEV": "1",
        "SUYUAN_VAR_DIR": str(tmp_path / "var"),
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "LOG_LEVEL": "WARNING",
    }
    processes = Processes(tmp_path)
    try:
        processes.start(
            "redis",
            ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            env,
        )  # fmt: skip
        ports = [free_port(), free_port()]
        for i, port in enumerate(ports):
            processes.start(
                f"web{i}",
                [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
                 "--threads", "4", "config.wsgi:application"],
                env,
            )  # fmt: skip
            processes.start(
                f"worker{i}",
                [str(BIN / "celery"), "-A", "config", "worker", "--concurrency", "1",
                 "-n", f"side{i}@%h", "--without-gossip", "--without-mingle",
                 "--loglevel", "WARNING"],
                env,
            )  # fmt: skip
        # Two sweeps at the same moment over the same twelve due incidents, started beside the
        # web processes and workers ...
        sweeps = [
            processes.start(
                f"sweep{i}",
                [
                    sys.executable,
                    "manage.py",
                    "sweep_deadlines",
                    "--now",
                    (T0 + timedelta(hours=2, minutes=1)).isoformat(),
                ],
                env,
            )  # fmt: skip
            for i in range(2)
        ]
        started = time.monotonic()
        for port in ports:
            _wait_for(
                lambda p=port: (
                    urllib.request.urlopen(f"http://127.0.0.1:{p}/healthz").status == 200
                ),
                f"web process on {port}\n{processes.tail()}",
            )
        ready = time.monotonic() - started

        # Both organizations capture through both web processes at once: every
        # document goes to both, so each event arrives twice.
        documents = [(t, _document(EVENTS_PER_DOCUMENT)) for _ in range(DOCUMENTS) for t in tokens]
        jobs: list[tuple[int, str, str]] = []
        lock = threading.Lock()

        def post(port: int, token: str, doc: dict) -> None:
            status, headers, body = _http(
                "POST", f"http://127.0.0.1:{port}/epcis/capture", token, doc
            )
            with lock:
                jobs.append((status, headers.get("Location", ""), token))

        threads = [
            threading.Thread(target=post, args=(port, token, doc))
            for token, doc in documents
            for port in ports
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [status for status, _, _ in jobs] == [202] * len(threads), jobs

        def finished() -> list[dict]:
            done = []
            for i, (_status, location, token) in enumerate(jobs):
                _code, _h, job = _http("GET", f"http://127.0.0.1:{ports[i % 2]}{location}", token)
                if job.get("running") is not False:
                    return []
                done.append(job)
            return done

        _wait_for(lambda: finished(), f"capture jobs\n{processes.tail()}")
        reports = finished()
        captured = time.monotonic() - started
        for sweep in sweeps:
            assert sweep.wait(60) == 0, processes.tail()
        elapsed = time.monotonic() - started
    finally:
        processes.stop()

    expected = len(tokens) * DOCUMENTS * EVENTS_PER_DOCUMENT
    assert all(job["success"] for job in reports), reports
    assert sum(job["capturedEventCount"] for job in reports) == expected
    assert sum(job.get("duplicateEventCount", 0) for job in reports) == expected
    assert Event.objects.filter(event_type="ObjectEvent", biz_step="inspecting").count() == expected
    report = io.StringIO()
    call_command("verify_event_chain", stdout=report)  # raises on any difference
    assert report.getvalue().rstrip().endswith("intact"), report.getvalue()

    escalated = IncidentTimeline.objects.filter(action="escalated")
    assert escalated.count() == INCIDENTS
    assert sorted(escalated.values_list("incident_id", flat=True)) == sorted(
        i.pk for i in incidents
    )
    assert set(Incident.objects.values_list("level", flat=True)) == {"city"}
    print(f"side by side: web up {ready:.1f} s, {expected} events ({len(threads)} posts) "
          f"captured by {captured:.1f} s, {INCIDENTS} deadlines swept by {elapsed:.1f} s")  # fmt: skip
