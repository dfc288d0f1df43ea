"""Which reads may go to a replica (config.routers), and the settings that make replicas and
the pooler switch (DATABASE_REPLICA_URLS, DATABASE_POOLER). The real replica is in
test_read_replica.py; these need no database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from trace.models import Event, ScanLog

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import resolve

from config.routers import ReplicaReadsMiddleware, ReplicaRouter
from core.models import Membership
from core.replicas import replica_reads, request_scope

ROOT = Path(__file__).resolve().parents[2]
router = ReplicaRouter()


@pytest.fixture
def replicas(settings):
    settings.DATABASE_REPLICAS = ["replica_0"]


def test_without_replicas_every_read_is_the_primarys(settings):
    settings.DATABASE_REPLICAS = []
    with request_scope(pinned=False), replica_reads():
        assert router.db_for_read(Event) == "default"


def test_only_marked_reads_go_to_a_replica_until_something_is_written(replicas):
    assert router.db_for_read(Event) == "default"  # a task, a command: never marked
    with request_scope(pinned=False):
        assert router.db_for_read(Event) == "default"
        with replica_reads():
            assert router.db_for_read(Event) == "replica_0"
            # Who may do what is read from the primary.
            assert router.db_for_read(get_user_model()) == "default"
            assert router.db_for_read(Membership) == "default"
            # A scan log line is written without pinning (never read back) ...
            assert router.db_for_write(ScanLog) == "default"
            assert router.db_for_read(Event) == "replica_0"
            # ... any other write pins the rest of the request to the primary.
            assert router.db_for_write(Event) == "default"
            assert router.db_for_read(Event) == "default"
    with request_scope(pinned=True), replica_reads():  # POST, PUT, PATCH, DELETE
        assert router.db_for_read(Event) == "default"
    with request_scope(pinned=False), replica_reads():  # the next request starts afresh
        assert router.db_for_read(Event) == "replica_0"


def _through_middleware(method: str, path: str) -> str:
    seen = {}

    def view(request):
        seen["alias"] = router.db_for_read(Event)
        return HttpResponse()

    request = getattr(RequestFactory(), method)(path)
    request.resolver_match = resolve(path)
    middleware = ReplicaReadsMiddleware(
        lambda r: middleware.process_view(r, view, (), {}) or view(r)
    )
    middleware(request)
    return seen["alias"]


def test_the_middleware_marks_the_replica_safe_views_only(replicas):
    assert _through_middleware("get", "/api/v1/batches/1/trace/") == "replica_0"
    assert _through_middleware("get", "/api/v1/batches/1/trace.csv") == "replica_0"
    assert _through_middleware("get", "/epcis/events") == "replica_0"
    assert _through_middleware("get", "/workbench/dashboard/") == "replica_0"
    assert _through_middleware("get", "/api/v1/batches/1/") == "default"
    assert _through_middleware("post", "/epcis/capture") == "default"
    assert _through_middleware("post", "/epcis/events") == "default"
    assert router.db_for_read(Event) == "default"  # and nothing leaks out of the request


def _settings_of(**env) -> dict:
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'dbs': {k: {'PORT': v.get('PORT'), 'TEST': v.get('TEST'), "
        "'SSC': v.get('DISABLE_SERVER_SIDE_CURSORS', False)} for k, v in s.DATABASES.items()}, "
        "'replicas': s.DATABASE_REPLICAS, 'prepared': s.DATABASE_PREPARED_STATEMENTS}))"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", "SUYUAN_DEV": "1", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        return {"error": result.stderr}
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_replica_urls_become_aliases_and_the_pooler_switch_drops_what_it_cannot_keep():
    primary = "postgres://app@db:5432/suyuan"
    two = _settings_of(
        DATABASE_URL=primary,
        DATABASE_REPLICA_URLS="postgres://app@r1:5433/suyuan, postgres://app@r2:5434/suyuan",
    )
    assert two["replicas"] == ["replica_0", "replica_1"]
    assert two["dbs"]["replica_1"]["PORT"] == 5434
    assert two["dbs"]["replica_0"]["TEST"]["MIRROR"] == "default"
    assert two["prepared"] is True and not two["dbs"]["default"]["SSC"]

    pooled = _settings_of(
        DATABASE_URL=primary,
        DATABASE_REPLICA_URLS="postgres://app@r1:6432/suyuan",
        DATABASE_POOLER="transaction",
    )
    assert pooled["prepared"] is False
    assert pooled["dbs"]["default"]["SSC"] and pooled["dbs"]["replica_0"]["SSC"]

    assert "needs DATABASE_URL" in _settings_of(DATABASE_REPLICA_URLS=primary)["error"]
    assert (
        "DATABASE_POOLER" in _settings_of(DATABASE_URL=primary, DATABASE_POOLER="session")["error"]
    )
