"""The consumer page served from Redis in front of Django (trace.consumer.fastpage).

Needs a real Redis (REDIS_URL); skipped, visibly, without one.
"""

from decimal import Decimal
from trace.consumer.scanlog import scan_log_flush
from trace.core.choices import BatchStatus
from trace.models import Batch, ScanLog

import pytest
from django.conf import settings
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from tests.factories import produce, recall

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs a real Redis: set REDIS_URL"),
]


def wsgi_get(app, path, **headers):
    environ = RequestFactory().get(path, **headers).environ
    captured = {}

    def start_response(status, response_headers, exc_info=None):
        captured["status"], captured["headers"] = status, dict(response_headers)

    body = b"".join(app(environ, start_response))
    return captured["status"], captured["headers"], body.decode()


@pytest.fixture
def app():
    from config.wsgi import application

    return application


@pytest.fixture
def lot(enterprise, product):
    return produce(enterprise.user, product, lot="FP1")


def status_shown(body: str) -> str:
    marker = 'class="status status--'
    start = body.index(marker) + len(marker)
    return body[start : body.index('"', start)]


def test_repeat_scans_are_served_from_cache_and_logged(app, lot, transactional_db):
    path = lot.digital_link.replace(settings.PUBLIC_BASE_URL, "")
    first = wsgi_get(app, path, HTTP_ACCEPT_LANGUAGE="zh-CN")
    second = wsgi_get(app, path, HTTP_ACCEPT_LANGUAGE="zh-CN")
    with CaptureQueriesContext(connection) as queries:
        third = wsgi_get(app, path, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert len(queries.captured_queries) == 0  # a cached scan never reaches PostgreSQL
    assert first[0] == second[0] == third[0] == "200 OK"
    assert "X-Page-Cache" not in first[1]
    assert second[1]["X-Page-Cache"] == third[1]["X-Page-Cache"] == "hit"
    assert second[2] == third[2] == first[2]
    from trace.consumer.fastpage import local_pages

    local_pages().flush_scans()
    scan_log_flush()
    assert ScanLog.objects.filter(batch=lot).count() == 3


def test_a_miss_is_rendered_as_django_renders_the_page_and_its_scan_counted_once(
    app, enterprise, product, transactional_db
):
    """A miss goes to Django, which renders the page without its own cache and leaves the
    scan's line to the fast layer (queued with the page kept): the page is the one Django
    gives its own clients, word for word — journey back to the farm, where the raw materials
    come from, the recall banner with its notice — and the scan is counted once."""
    from trace.consumer import extensions
    from trace.consumer.extensions import PageNotice, register_notice_provider
    from trace.consumer.fastpage import local_pages
    from trace.core.services import batch_receive, batch_ship, batch_transform

    from django.test import Client

    from tests.factories import EnterpriseFactory, ProductFactory, SiteFactory, UserFactory

    def notices(batch, language):
        return [PageNotice(kind="recall", title="召回公告 R-9", data={"notice_url": "/r/9/"})]

    farmer = UserFactory(organization=EnterpriseFactory(region_code="320324"))
    farm = farmer.membership.organization
    milk = produce(
        farmer,
        ProductFactory(owner=farm, name="生牛乳"),
        lot="RM-FP",
        quantity=Decimal(50),
        site=SiteFactory(owner=farm, address="江苏省徐州市睢宁县魏集镇牧场路1号"),
    )
    batch_ship(batch=milk, to=enterprise.org, quantity=Decimal(50), actor=farmer)
    batch_receive(batch=milk, actor=enterprise.user)
    made = batch_transform(
        inputs=[(milk, Decimal(50))],
        product=product,
        lot="FP-MADE",
        quantity=Decimal(100),
        unit="EA",
        actor=enterprise.user,
    )
    recall(made)
    path = made.digital_link.replace(settings.PUBLIC_BASE_URL, "")
    register_notice_provider("zz-fastpage", notices)
    try:
        status, headers, page = wsgi_get(app, path, HTTP_ACCEPT_LANGUAGE="zh-CN")
        assert status == "200 OK" and "X-Page-Cache" not in headers
        assert not ScanLog.objects.exists()  # queued with the page, not inserted
        own = Client().get(path, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    finally:
        extensions._providers.pop("zz-fastpage")
    assert page == own
    assert status_shown(page) == BatchStatus.RECALLED
    assert 'id="recall-notice"><a href="/r/9/">召回公告 R-9</a>' in page
    assert '<dd id="origin-region">江苏省徐州市睢宁县</dd>' in page and "牧场路" not in page
    kinds = [k for k in ("produced", "transformed", "recalled") if f'data-kind="{k}"' in page]
    assert kinds == ["produced", "transformed", "recalled"]
    assert "生牛乳" in page  # the upstream lot's own steps
    local_pages().flush_scans()
    scan_log_flush()
    assert ScanLog.objects.filter(batch=made).count() == 2  # the miss's and Django's own


def test_a_recalled_lot_is_never_served_from_cache_as_safe(app, lot, transactional_db):
    path = lot.digital_link.replace(settings.PUBLIC_BASE_URL, "")
    for _ in range(3):
        status, headers, body = wsgi_get(app, path, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert headers.get("X-Page-Cache") == "hit" and status_shown(body) == BatchStatus.ACTIVE
    recall(lot)  # commits: on-commit hooks run
    for _ in range(3):
        status, headers, body = wsgi_get(app, path, HTTP_ACCEPT_LANGUAGE="zh-CN")
        assert status_shown(body) == BatchStatus.RECALLED


def test_a_page_rendered_while_the_lot_was_recalled_is_not_kept(lot, transactional_db):
    """The render read 'active', the recall committed before the page was stored."""
    from trace.consumer.fastpage import FastPublicPage

    from config.wsgi import django_application

    def racing(environ, start_response):
        response = django_application(environ, start_response)
        recall(lot)
        return response

    app = FastPublicPage(racing)
    path = lot.digital_link.replace(settings.PUBLIC_BASE_URL, "")
    _, _, body = wsgi_get(app, path, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert status_shown(body) == BatchStatus.ACTIVE  # the racing render itself
    from config.wsgi import application

    _, headers, body = wsgi_get(application, path, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert "X-Page-Cache" not in headers
    assert status_shown(body) == BatchStatus.RECALLED


def test_signed_in_staff_and_machines_bypass_the_cache(app, lot, transactional_db):
    path = lot.digital_link.replace(settings.PUBLIC_BASE_URL, "")
    for _ in range(2):
        wsgi_get(app, path)
    _, headers, _ = wsgi_get(app, path, HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}=abc")
    assert "X-Page-Cache" not in headers
    _, headers, _ = wsgi_get(app, path, HTTP_ACCEPT="application/linkset+json")
    assert "X-Page-Cache" not in headers and headers["Content-Type"].startswith(
        "application/linkset+json"
    )
    _, headers, _ = wsgi_get(app, path + "?lang=en")
    assert "X-Page-Cache" not in headers


def test_a_new_event_for_a_lot_is_on_its_next_scan(app, lot, enterprise, partner, transactional_db):
    """Capture drops the fast page of every lot its events name, from the (GTIN, lot) it
    already resolved: a shipment recorded now is on the very next scan."""
    from trace.core.services import batch_ship

    path = lot.digital_link.replace(settings.PUBLIC_BASE_URL, "")
    for _ in range(3):
        _, headers, body = wsgi_get(app, path, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert headers.get("X-Page-Cache") == "hit" and 'data-kind="shipped"' not in body
    batch_ship(batch=lot, to=partner.org, quantity=Decimal(5), actor=enterprise.user)
    _, headers, body = wsgi_get(app, path, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert "X-Page-Cache" not in headers  # rendered again, not the page kept before
    assert 'data-kind="shipped"' in body


def test_a_machine_asking_for_json_never_gets_the_cached_page(app, lot, transactional_db):
    """One content negotiation (``trace.representation``) for the fast layer and Django."""
    path = lot.digital_link.replace(settings.PUBLIC_BASE_URL, "")
    for _ in range(3):
        wsgi_get(
            app, path, HTTP_ACCEPT_LANGUAGE="zh-CN"
        )  # the HTML page, cached in Redis and memory
    for accept in ("application/json", "application/ld+json", "application/linkset+json"):
        status, headers, body = wsgi_get(app, path, HTTP_ACCEPT=accept)
        assert status == "200 OK" and "X-Page-Cache" not in headers, accept
        assert headers["Content-Type"].startswith("application/") and '"linkset"' in body, accept


def test_a_workers_copy_expires_even_if_it_missed_the_announcement(
    app, lot, transactional_db, settings
):
    """In-process copies live at most ``SUYUAN_FASTPAGE_LOCAL_TTL`` seconds: a lost pub/sub
    message cannot keep a recalled lot shown as safe."""
    import time
    from trace.consumer.fastpage import client, version_key

    settings.SUYUAN_FASTPAGE_LOCAL_TTL = 1
    path = lot.digital_link.replace(settings.PUBLIC_BASE_URL, "")
    for _ in range(3):
        wsgi_get(app, path, HTTP_ACCEPT_LANGUAGE="zh-CN")
    # A recall whose announcement this worker never heard: the version moves in Redis only.
    Batch.objects.filter(pk=lot.pk).update(status=BatchStatus.RECALLED)
    client().incr(version_key(lot.gtin, lot.lot))
    time.sleep(1.1)
    _status, headers, body = wsgi_get(app, path, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert status_shown(body) == BatchStatus.RECALLED


def _networks(tmp_path, settings):
    table = tmp_path / "networks.csv"
    table.write_text("203.0.113.0/24,440106\n203.0.113.128/25,440305\n")
    settings.SCAN_REGION_NETWORKS_FILE = str(table)


def test_a_scan_answered_from_redis_is_placed_in_its_region(
    app, lot, transactional_db, settings, tmp_path
):
    """Issue 12 §6: the fast layer places a scan with the operator's IP-to-region table, as
    Django does; the queued line and the scan log keep the region code, never the address."""
    from trace.consumer.fastpage import client, local_pages, scan_list_key

    _networks(tmp_path, settings)
    path = lot.digital_link.replace(settings.PUBLIC_BASE_URL, "")
    answers = [
        wsgi_get(app, path, HTTP_ACCEPT_LANGUAGE="zh-CN", REMOTE_ADDR=address)
        for address in ("203.0.113.7", "203.0.113.9", "203.0.113.200", "192.0.2.1")
    ]
    assert [a[1].get("X-Page-Cache") for a in answers] == [None, "hit", "hit", "hit"]
    local_pages().flush_scans()
    queued = b"".join(client().lrange(scan_list_key(), 0, -1)).decode()
    assert "440106" in queued and "440305" in queued
    assert "203.0.113" not in queued and "192.0.2" not in queued
    scan_log_flush()
    regions = list(ScanLog.objects.filter(batch=lot).order_by("id").values_list("region_code"))
    # The first scan was rendered by Django, the other three answered from Redis or memory;
    # the most specific network wins; an address the table does not know is not placed.
    assert [r for (r,) in regions] == ["440106", "440106", "440305", ""]
    assert "203.0.113" not in str(list(ScanLog.objects.values()))


def test_scans_from_redis_in_a_city_the_lot_never_reached_raise_the_diversion_signal(
    app, lot, enterprise, transactional_db, settings, tmp_path
):
    from django.core.management import call_command
    from django.utils import timezone

    from complaints.models import RiskSignal

    _networks(tmp_path, settings)
    settings.RISK_SCANS_OUTSIDE_REGION = 4
    path = lot.digital_link.replace(settings.PUBLIC_BASE_URL, "")
    hits = [
        wsgi_get(app, path, HTTP_ACCEPT_LANGUAGE="zh-CN", REMOTE_ADDR=f"203.0.113.{i}")[1].get(
            "X-Page-Cache"
        )
        for i in range(1, 5)
    ]
    assert hits.count("hit") == 3  # all but the first answered without Django
    from trace.consumer.fastpage import local_pages

    local_pages().flush_scans()
    scan_log_flush()
    call_command("sweep_deadlines", "--now", timezone.now().isoformat())
    signal = RiskSignal.objects.get(kind="outside_region")
    assert signal.evidence["region"] == "440100" and signal.evidence["scans"] == 4
    assert signal.producer == enterprise.org
