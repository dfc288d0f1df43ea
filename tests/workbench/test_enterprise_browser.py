"""The enterprise's main path in a real browser (Playwright + Debian's Chromium): the dairy's
quality manager signs in, reports an incident on a yogurt lot and lands on its page, runs a
recall drill and reads its timings, registers a lot, prints its labels and ships it; the
pages in Chinese and in English, and the lots page on a phone."""

import re
from datetime import timedelta
from trace.demo.seed import YOGURT_GTIN
from trace.models import Batch, Event

import pytest
from django.utils import timezone

from incidents.models import Incident
from recalls.models import RecallDrill

from .conftest import PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _yogurt():
    return Batch.objects.filter(gtin=YOGURT_GTIN).order_by("id").first()


def _local(hours_ago: float) -> str:
    return (timezone.localtime() - timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M")


def test_producer_reports_an_incident_then_runs_a_drill(browser, live_server, demo, screenshot):
    lot = _yogurt()
    page = sign_in(browser, live_server, "producer", next_path="/workbench/lots/")
    assert page.url.endswith("/workbench/lots/")
    page.click(f'#lot-table a[href="/workbench/lots/{lot.pk}/"]')
    page.wait_for_url(f"**/workbench/lots/{lot.pk}/")
    page.click("#report-incident")
    page.wait_for_url("**/workbench/enterprise/incidents/new/**")
    assert page.locator(f'#id_batches option[value="{lot.pk}"]').evaluate("o => o.selected")
    page.fill("#id_title", "酸奶胀杯")
    page.fill("#id_description", "超市反映同批次部分产品胀杯。")
    page.fill("#id_occurred_at", _local(3))
    page.fill("#id_discovered_at", _local(1))
    page.fill("#id_minor_injuries", "1")
    page.fill("#id_measures_taken", "暂停发货，封存库存")
    screenshot(page, "enterprise-incident-form")
    page.click("#incident-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/workbench/incidents/\d+/$"))
    incident = Incident.objects.latest("id")
    assert page.url.endswith(f"/workbench/incidents/{incident.pk}/")
    assert incident.title == "酸奶胀杯" and incident.batch_links.get().batch_id == lot.pk
    screenshot(page, "enterprise-incident-reported")

    events = Event.objects.count()
    page.goto(f"{live_server.url}/workbench/lots/{lot.pk}/")
    page.click("#drill-lot")
    page.wait_for_url("**/workbench/enterprise/drill/**")
    page.click("#drill-form button[type=submit]")
    page.wait_for_url("**/workbench/enterprise/drill/?drill=*")
    drill = RecallDrill.objects.latest("pk")
    result = page.locator("#result")
    assert result.locator(".wb-timings tbody tr").count() == 4
    assert result.locator('[data-figure="holders"]').inner_text() == str(drill.holders)
    assert drill.holders >= 2 and Event.objects.count() == events
    screenshot(page, "enterprise-drill")


def test_producer_registers_a_lot_prints_labels_and_ships_it(
    browser, live_server, demo, screenshot
):
    page = sign_in(browser, live_server, "producer", next_path="/workbench/lots/new/")
    page.select_option("#id_product", label="彭城原味酸奶 200g")
    page.fill("#id_lot", "YGBROWSER01")
    page.fill("#id_quantity", "500")
    page.fill("#id_production_date", timezone.localdate().isoformat())
    page.click("#lot-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/workbench/lots/\d+/$"))
    batch = Batch.objects.get(lot="YGBROWSER01")
    assert page.locator("#held").inner_text().startswith("500")

    # The label sheet and the QR code open for the signed-in session.
    href = page.locator("#labels-link").get_attribute("href")
    labels = page.context.request.get(f"{live_server.url}{href}")
    assert labels.status == 200 and "<svg" in labels.text()
    qr = page.context.request.get(
        f"{live_server.url}{page.locator('#qr-link').get_attribute('href')}"
    )
    assert qr.status == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    page.click("#labels-link")
    page.wait_for_load_state()
    assert page.locator("svg").count() >= 1
    screenshot(page, "enterprise-labels")
    page.go_back()

    page.select_option("#id_ship-to_organization", label="云龙万家超市有限公司")
    page.fill("#id_ship-quantity", "120")
    page.click("#form-ship button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".wb-msg--success").count() == 1
    assert page.locator('#events tr[data-step="shipping"]').count() == 1
    assert page.locator("#held").inner_text().startswith("380")
    shipment = Event.objects.filter(batch_links__batch=batch, biz_step="shipping").get()
    assert shipment.destination_org.name == "云龙万家超市有限公司"
    screenshot(page, "enterprise-lot-shipped")


def test_the_pages_are_chinese_by_default_and_fully_english_when_switched(
    browser, live_server, demo, screenshot
):
    lot = _yogurt()
    page = sign_in(browser, live_server, "producer", next_path="/workbench/lots/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.locator("main h1").inner_text() == "产品与批次"
    # Record data: product names, and the demo incident filed against the dairy (its title).
    data = {"彭城原味酸奶 200g", "生鲜牛乳", "200 g/杯", "酸奶疑致多人腹泻（消费者投诉）"}
    paths = (
        "/workbench/lots/",
        f"/workbench/lots/{lot.pk}/",
        "/workbench/lots/new/",
        "/workbench/enterprise/incidents/new/",
        "/workbench/enterprise/recalls/new/",
        "/workbench/enterprise/drill/",
        "/workbench/enterprise/notices/",
        "/workbench/enterprise/complaints/",
    )
    for path in paths:
        page.goto(f"{live_server.url}{path}?lang=en")
        assert page.locator("html").get_attribute("lang") == "en"
        text = page.locator("main").inner_text()
        for item in data:
            text = text.replace(item, "")
        # Select options name lots and products (data); the rest must be English.
        options = page.locator("main option").all_inner_texts()
        leftover = [w for w in CJK.findall(text) if not any(w in o for o in options)]
        assert not leftover, (path, "".join(leftover)[:40])
    screenshot(page, "enterprise-complaints-en")


def test_the_lots_page_is_usable_on_a_phone(browser, live_server, demo, screenshot):
    page = sign_in(browser, live_server, "producer", viewport=PHONE, next_path="/workbench/lots/")
    assert page.locator("#lot-table").count() == 1
    # No horizontal scroll of the page: wide tables scroll inside their .wb-scroll box.
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    lot_link = page.locator("#lot-table tbody a").first
    box = lot_link.bounding_box()
    assert box is not None and box["x"] >= 0
    screenshot(page, "enterprise-lots-phone")
    lot_link.click()
    page.wait_for_url(re.compile(r".*/workbench/lots/\d+/$"))
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    screenshot(page, "enterprise-lot-phone")
