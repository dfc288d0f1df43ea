"""Each persona's main journey in Chromium, as that person would walk it, checking what the
page shows and running axe-core on every page visited: the consumer on a phone (scan page,
recall notice, the status of a report), the producer (lots, a lot, its trace, reporting an
incident), the county (accept the overdue incident from the inbox, pass it up), the city
(acknowledge what arrived, the lot's trace, the dashboard) and the province (acknowledge the
incident passed up to it, read its timeline and the annual report)."""

import re
from datetime import timedelta
from trace.demo.seed import demo_yogurt_batch
from trace.models import Batch

import pytest
from django.utils import timezone

from complaints.models import Complaint
from incidents.models import Incident
from tests.browser import assert_accessible
from tests.browser_journeys.conftest import PHONE, consumer_context, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open(page, url):
    response = page.goto(url)
    assert response.status == 200, (url, response.status)
    assert_accessible(page)


def _after_click(page, selector, url_pattern):
    page.locator(selector).first.click()
    page.wait_for_url(url_pattern)
    page.wait_for_load_state()
    assert_accessible(page)


def test_consumer_scans_a_lot_reads_the_recall_and_follows_a_report_on_a_phone(browser, demo):
    yogurt = demo_yogurt_batch()
    page = consumer_context(browser).new_page()
    _open(page, f"{demo}/01/{yogurt.gtin}/10/{yogurt.lot}")
    assert page.locator("#product-title").inner_text() == yogurt.product.name
    assert page.locator("#recall-status").get_attribute("data-status") == yogurt.status
    assert page.locator("#journey-title").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # A recalled lot: the red banner says so and links to the recall notice.
    recalled = Batch.objects.filter(status="recalled").order_by("pk").first()
    assert recalled is not None, "the demo has a recalled lot"
    _open(page, f"{demo}/01/{recalled.gtin}/10/{recalled.lot}")
    banner = page.locator("#recall-status")
    assert banner.get_attribute("data-status") == "recalled"
    assert "召回" in banner.inner_text()
    page.locator("#recall-notice a").click()
    page.wait_for_url(re.compile(r".*/recalls/[^/]+/$"))
    assert_accessible(page)
    assert recalled.lot in page.content()

    # The same page in English.
    _open(page, f"{demo}/01/{recalled.gtin}/10/{recalled.lot}?lang=en")
    assert "recalled" in page.locator("#recall-status").inner_text()
    _open(page, f"{demo}/01/{recalled.gtin}/10/{recalled.lot}?lang=zh-hans")

    # The status of a report, from the code the consumer kept.
    complaint = Complaint.objects.order_by("pk").first()
    page.locator("#complaint-status-link").click()
    page.wait_for_url("**/report/status/")
    assert_accessible(page)
    page.get_by_label("查询码").fill(complaint.display_code)
    page.get_by_role("button", name="查看进展").click()
    page.wait_for_url(re.compile(r".*/report/status/[^/]+/$"))
    assert_accessible(page)
    assert page.locator("#tracking-code").get_attribute("data-code") == complaint.display_code
    assert page.locator("#complaint-status").inner_text() == complaint.get_status_display()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _local(hours_ago: float) -> str:
    return (timezone.localtime() - timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M")


def test_producer_finds_its_lot_reads_the_trace_and_reports_an_incident(browser, demo):
    yogurt = demo_yogurt_batch()
    page = sign_in(browser, demo, "producer")
    assert_accessible(page)
    assert page.locator("h1").inner_text()
    _open(page, f"{demo}/workbench/lots/")
    assert page.locator(f'#lot-table tr[data-lot="{yogurt.lot}"]').count() == 1
    _after_click(
        page, f'#lot-table a[href="/workbench/lots/{yogurt.pk}/"]', f"**/lots/{yogurt.pk}/"
    )
    assert yogurt.lot in page.locator("h1").inner_text()
    _after_click(page, "#trace-link", f"**/lots/{yogurt.pk}/trace/")
    assert page.locator("svg.wbt-svg").count() == 1
    assert page.locator("#events tbody tr").count() > 0

    _open(page, f"{demo}/workbench/lots/{yogurt.pk}/")
    _after_click(page, "#report-incident", "**/enterprise/incidents/new/**")
    page.fill("#id_title", "酸奶胀杯")
    page.fill("#id_description", "超市反映同批次部分产品胀杯。")
    page.fill("#id_occurred_at", _local(3))
    page.fill("#id_discovered_at", _local(1))
    page.fill("#id_measures_taken", "暂停发货，封存库存")
    page.locator("#incident-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/workbench/incidents/\d+/$"))
    assert_accessible(page)
    incident = Incident.objects.latest("pk")
    assert page.locator("h1").inner_text().endswith("酸奶胀杯")
    assert page.locator("#incident-status").inner_text() == incident.get_status_display()


def test_county_accepts_the_overdue_incident_and_passes_it_up(browser, demo):
    page = sign_in(browser, demo, "county-regulator")
    page.on("dialog", lambda dialog: dialog.accept())
    assert_accessible(page)
    # The first incident of the inbox: the overdue one (an escalated complaint may come first).
    top = page.locator('.wb-inbox-item[data-kind="incident"]').first
    key = top.get_attribute("data-item")
    assert key.startswith("incident-") and "已逾期" in top.inner_text()
    top.locator('button[data-action="accept"]').click()
    page.wait_for_load_state()
    assert_accessible(page)
    row = page.locator(f'[data-item="{key}"]')
    row.locator('button[data-action="report-up"]').click()
    page.wait_for_load_state()
    assert page.locator(".wb-msg--success").count() == 1
    assert_accessible(page)

    # Passed up, it has left the county's inbox; its page shows where it now stands.
    assert page.locator(f'[data-item="{key}"]').count() == 0
    _open(page, f"{demo}/workbench/incidents/{key.split('-')[1]}/")
    assert page.locator("#incident-level").inner_text().startswith("市")
    assert "上报" in page.locator("#timeline").inner_text()
    _open(page, f"{demo}/workbench/complaints/")
    _after_click(page, "#complaint-list a", re.compile(r".*/workbench/complaints/\d+/$"))
    assert page.locator("#contact").count() == 1
    _open(page, f"{demo}/workbench/dashboard/")
    assert page.locator("svg").count() > 0


def test_city_acknowledges_what_arrived_and_reads_the_lot_trace(browser, demo):
    page = sign_in(browser, demo, "city-regulator")
    page.on("dialog", lambda dialog: dialog.accept())
    assert_accessible(page)
    waiting = page.locator(
        '.wb-inbox-item[data-kind="incident"]:has(button[data-action="acknowledge"])'
    )
    assert waiting.count() >= 1
    key = waiting.first.get_attribute("data-item")
    incident = Incident.objects.get(pk=key.split("-")[1])
    waiting.first.locator('button[data-action="acknowledge"]').click()
    page.wait_for_load_state()
    assert page.locator(".wb-msg--success").count() == 1
    assert_accessible(page)

    _open(page, f"{demo}/workbench/incidents/{incident.pk}/")
    assert "已签收" in page.locator("#incident-level").inner_text()
    lot = incident.batch_links.first().batch
    _after_click(page, f'a[href="/workbench/lots/{lot.pk}/trace/"]', f"**/lots/{lot.pk}/trace/")
    assert lot.lot in page.locator("h1").inner_text()
    _open(page, f"{demo}/workbench/recalls/")
    _after_click(page, "#recall-list a", re.compile(r".*/workbench/recalls/\d+/$"))
    assert page.locator("#consignees tbody tr").count() > 0
    _open(page, f"{demo}/workbench/dashboard/?lang=en")
    assert "Dashboard" in page.locator("h1").inner_text()


def test_province_acknowledges_the_incident_passed_up_and_reads_the_annual_report(browser, demo):
    page = sign_in(browser, demo, "province-regulator")
    page.on("dialog", lambda dialog: dialog.accept())
    assert_accessible(page)
    incident = Incident.objects.get(level="province")
    row = page.locator(f'[data-item="incident-{incident.pk}"]')
    assert incident.title in row.inner_text()
    row.locator('button[data-action="acknowledge"]').click()
    page.wait_for_load_state()
    assert page.locator(".wb-msg--success").count() == 1
    assert_accessible(page)

    _open(page, f"{demo}/workbench/incidents/{incident.pk}/")
    assert page.locator("#incident-level").inner_text().startswith("省")
    timeline = page.locator("#timeline").inner_text()
    assert "县" in timeline or "上报" in timeline
    _open(page, f"{demo}/workbench/reports/annual/{timezone.localdate().year}/")
    assert page.locator("h1").inner_text()
    _open(page, f"{demo}/workbench/quality/")
