"""Rate limits hold with Redis killed (issue 19, item 5).

Attack: the cache fails open (``config.cache``: with Redis unreachable a read is a miss and a
write is dropped), so the throttles, which keep their counts there, saw every request as the
first: 10 of 10 complaints were accepted at a limit of 5 an hour. The test starts a
``redis-server`` of its own, kills it (SIGKILL, as a crash or an OOM kill would) and checks
that the complaint limit and the API's anonymous limit still refuse what is over them, counted
in the host file (``api.throttling``), and that the counts go back to Redis once it returns.
"""

import shutil
import sqlite3
import time

import pytest
import redis
from rest_framework.test import APIClient

from api.throttling import AnonRateThrottle
from complaints.models import Complaint
from core import degrade
from core.choices import RegulatorLevel
from tests.factories import RegulatorFactory, produce
from tests.test_redis_down import RedisProcess, _point_at

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")


@pytest.fixture
def redis_server(settings, tmp_path):
    server = RedisProcess()
    server.start()
    caches = settings.CACHES
    settings.REDIS_RETRY_SECONDS = 0.2
    settings.THROTTLE_FALLBACK_FILE = str(tmp_path / "throttle.sqlite3")
    degrade.reset()
    _point_at(settings, server.url)
    yield server
    if server.process is not None:
        server.stop()
    settings.CACHES = caches  # so clearing the cache after the test does not find Redis gone
    degrade.reset()


def kill(server):
    server.process.kill()
    server.process.wait(10)
    server.process = None


@pytest.fixture
def lot(enterprise, product):
    RegulatorFactory(level=RegulatorLevel.COUNTY, region_code="320312")
    return produce(enterprise.user, product, lot="RL1")


def _complain(lot, address="203.0.113.40"):
    return APIClient().post(
        "/api/v1/public/complaints/",
        {"gtin": lot.gtin, "lot": lot.lot, "description": "有异物"},
        format="json",
        REMOTE_ADDR=address,
    )


def test_the_complaint_limit_holds_with_redis_killed(redis_server, lot, settings):
    settings.COMPLAINT_SUBMIT_RATE = "5/hour"
    assert _complain(lot, "203.0.113.41").status_code == 201  # counted in Redis
    assert redis_server.process is not None and not degrade.redis_down()

    kill(redis_server)
    statuses = [_complain(lot).status_code for _ in range(10)]
    assert degrade.redis_down()
    assert statuses == [201] * 5 + [429] * 5, statuses
    assert Complaint.objects.count() == 6
    # Counted in the file every process of this host shares, not in one process's memory.
    assert _keys(settings.THROTTLE_FALLBACK_FILE)

    redis_server.start()
    time.sleep(0.3)  # REDIS_RETRY_SECONDS
    assert _complain(lot, "203.0.113.42").status_code == 201
    assert not degrade.redis_down()
    assert any(b"throttle_complaint-submit" in key for key in _redis_keys(redis_server))


def test_the_anonymous_api_limit_holds_with_redis_killed(redis_server, lot, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    path = f"/api/v1/public/batches/{lot.gtin}/{lot.lot}/"
    kill(redis_server)
    client = APIClient()
    codes = [client.get(path, REMOTE_ADDR="192.0.2.60").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    assert client.get(path, REMOTE_ADDR="192.0.2.61").status_code == 200  # another client


def _keys(path):
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT key FROM throttle")]


def _redis_keys(server):
    return redis.Redis.from_url(server.url).keys("*")
