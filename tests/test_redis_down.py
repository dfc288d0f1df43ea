"""Redis down is not an outage (issue 9, item 5): a real Redis, stopped and started again.

Each test starts its own ``redis-server`` on a free port (no mock): the consumer page
(through the fast page layer in front of Django), the batch API, traces and EPCIS capture
answer 200/202 from the database while it is down, tasks run inline, ONE log line says so,
and once Redis answers again everything resumes without a restart — with no page cached
before the outage served after it.
"""

import json
import logging
import shutil
import socket
import subprocess
import time
from decimal import Decimal
from trace.consumer import fastpage

import pytest
from django.conf import settings
from django.test import RequestFactory

from config.celery import app as celery_app
from config.wsgi import application  # imported before any test: it configures logging
from core import degrade
from tests.factories import produce, recall
from tests.trace.epcis.conftest import document, object_event

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisProcess:
    def __init__(self):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


def _point_at(settings, url):
    """Point the cache, the fast page layer and the Celery broker at ``url``."""
    settings.REDIS_URL = url
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "t",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }
    fastpage.client.cache_clear()
    fastpage.local_pages.cache_clear()
    fastpage._bump_script.cache_clear()
    celery_app.conf.broker_url = url
    celery_app.conf.task_always_eager = False
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def redis_server(settings):
    server = RedisProcess()
    server.start()
    saved = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    settings.REDIS_RETRY_SECONDS = 0.2
    degrade.reset()
    _point_at(settings, server.url)
    yield server
    server.stop()
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = saved
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    fastpage.client.cache_clear()
    fastpage.local_pages.cache_clear()
    fastpage._bump_script.cache_clear()
    degrade.reset()


def wsgi_get(path, **headers):
    environ = RequestFactory().get(path, **headers).environ
    captured = {}

    def start_response(status, response_headers, exc_info=None):
        captured["status"] = status

    body = b"".join(application(environ, start_response)).decode()
    return captured["status"], body


def shown_status(body: str) -> str:
    marker = 'class="status status--'
    start = body.index(marker) + len(marker)
    return body[start : body.index('"', start)]


def redis_log_lines(caplog, level):
    return [r for r in caplog.records if r.name == "suyuan.redis" and r.levelno == level]


def test_consumer_page_api_trace_and_capture_answer_with_redis_stopped(
    redis_server, enterprise, product, transactional_db, caplog
):
    """Issue 9 item 5: with Redis stopped nothing answers 500; one log line; back without restart."""
    lot = produce(enterprise.user, product, lot="RD1", quantity=Decimal(10))
    path = lot.digital_link.replace(settings.PUBLIC_BASE_URL, "")
    assert wsgi_get(path)[0].startswith("200")

    redis_server.stop()
    caplog.set_level(logging.INFO, logger="suyuan.redis")
    for _ in range(3):
        status, body = wsgi_get(path, HTTP_ACCEPT_LANGUAGE="zh-CN")
        assert status.startswith("200") and shown_status(body) == "active"
        assert enterprise.client.get(f"/api/v1/batches/{lot.pk}/").status_code == 200
        assert enterprise.client.get(f"/api/v1/batches/{lot.pk}/trace/").status_code == 200
        assert (
            enterprise.client.get(
                f"/api/v1/public/batches/{lot.gtin}/{lot.lot}/", HTTP_ACCEPT="application/json"
            ).status_code
            == 200
        )
    # Capture queues its job on the broker (Redis): with Redis down the job runs inline.
    response = enterprise.client.post(
        "/epcis/capture",
        data=json.dumps(document(object_event())),
        content_type="application/ld+json",
    )
    assert response.status_code == 202, response.content
    job = enterprise.client.get(response["Location"]).json()
    assert job["running"] is False and job["success"] is True, job
    # A recall while Redis is down shows at once (nothing is served from a cache).
    recall(lot)
    assert shown_status(wsgi_get(path)[1]) == "recalled"
    assert len(redis_log_lines(caplog, logging.ERROR)) == 1, [r.message for r in caplog.records]

    redis_server.start()
    time.sleep(0.3)  # REDIS_RETRY_SECONDS
    assert wsgi_get(path)[0].startswith("200")
    assert len(redis_log_lines(caplog, logging.WARNING)) == 1  # "Redis is back"
    assert not degrade.redis_down()
    second = wsgi_get(path)
    assert shown_status(second[1]) == "recalled"
    client = fastpage.client()
    assert client.keys("t:fastpage:page:*"), "the fast page layer caches again"


def test_no_page_cached_before_an_outage_is_served_after_it(
    redis_server, settings, enterprise, product, transactional_db
):
    """Invalidations lost while Redis was unreachable (its data kept): its pages are dropped
    when it answers again, so a lot recalled meanwhile is never shown as safe."""
    lot = produce(enterprise.user, product, lot="RD2", quantity=Decimal(10))
    path = lot.digital_link.replace(settings.PUBLIC_BASE_URL, "")
    assert shown_status(wsgi_get(path)[1]) == "active"
    assert shown_status(wsgi_get(path)[1]) == "active"  # now cached in Redis

    _point_at(settings, f"redis://127.0.0.1:{_free_port()}/0")  # unreachable; data kept
    recall(lot)
    assert shown_status(wsgi_get(path)[1]) == "recalled"
    assert degrade.redis_down()

    _point_at(settings, redis_server.url)  # reachable again, the stale page still in it
    time.sleep(0.3)
    for _ in range(3):
        assert shown_status(wsgi_get(path)[1]) == "recalled"
    assert not degrade.redis_down()
