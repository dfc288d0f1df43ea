"""In Chromium with the demo: the county regulator's dashboard shows its plots (Chinese by
default, English with the switch, the CSV equal to the API's counts), the quality records and
the annual report of Tongshan render, on screen and for print. Screenshots go under the
test's tmp_path."""

import csv
import io
import re
from collections import Counter
from trace.core.identifiers import digital_link_path
from trace.demo.seed import demo_yogurt_batch

import pytest
from django.utils import timezone

from tests.workbench import analytics_world
from tests.workbench.conftest import PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
full_demo = analytics_world.full_demo
CJK = re.compile(r"[\u3400-\u9fff]")
WATCH_CSP = """window.__csp = []; document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"""


def test_the_dashboard_shows_the_demo_in_chinese_then_english(
    browser, live_server, full_demo, settings, tmp_path, screenshot
):
    # Two consumers scan the yogurt lot; the operator's network table places them in Tongshan.
    networks = tmp_path / "networks.csv"
    networks.write_text("127.0.0.0/8,320312\n::1/128,320312\n", encoding="utf-8")
    settings.SCAN_REGION_NETWORKS_FILE = str(networks)
    yogurt = demo_yogurt_batch()
    consumer = browser.new_context(locale="zh-CN").new_page()
    for _ in range(2):
        assert consumer.goto(live_server.url + digital_link_path(yogurt.gtin, yogurt.lot)).ok

    page = sign_in(browser, live_server, "county-regulator", next_path="/workbench/dashboard/")
    assert page.url.endswith("/workbench/dashboard/")
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.add_init_script(WATCH_CSP)
    page.reload()
    assert "看板" in page.locator("h1").inner_text()
    charts = page.locator(".wb-chart svg")
    assert charts.count() == 6
    for i in range(charts.count()):
        assert charts.nth(i).is_visible()
    # The demo's incidents are drawn: bars with a tooltip per grade and month.
    assert page.locator("#figure-incidents svg rect title").count() >= 2
    assert (
        page.locator("#figure-incidents svg > title").first.text_content() == "每月事故数（按等级）"
    )
    screenshot(page, "dashboard-zh")
    assert page.evaluate("() => window.__csp") == [] and errors == []  # nothing the CSP blocks

    # The CSV behind the plot is the API's count for the same signed-in person.
    href = page.locator("#figure-incidents a", has_text="CSV").get_attribute("href")
    rows = list(csv.reader(io.StringIO(page.request.get(live_server.url + href).text())))
    by_grade = Counter()
    for row in rows[1:]:
        by_grade[row[1].lstrip("\ufeff")] += int(row[5])
    counts = page.request.get(f"{live_server.url}/api/v1/incidents/counts/").json()
    assert {k: v for k, v in counts["by_grade"].items() if v} == dict(by_grade)

    page.click("a.wb-lang")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text().startswith("Dashboard")
    texts = page.evaluate(
        """() => Array.from(document.querySelectorAll(
             'h2, th, summary, label, button, .wb-nav a, svg text, .wb-downloads'))
             .map(n => n.textContent)"""
    )
    chinese = [t for t in texts if CJK.search(t)]
    assert chinese == [], chinese
    screenshot(page, "dashboard-en")

    phone = sign_in(
        browser, live_server, "county-regulator", viewport=PHONE, next_path="/workbench/dashboard/"
    )
    assert phone.locator(".wb-chart svg").first.is_visible()
    screenshot(phone, "dashboard-phone")


def test_the_annual_report_and_the_quality_records_of_tongshan_render(
    browser, live_server, full_demo, screenshot
):
    page = sign_in(browser, live_server, "county-regulator", next_path="/workbench/")
    page.click("nav.wb-nav a:has-text('年度质量报告')")
    page.wait_for_load_state()
    year = timezone.localdate().year
    assert page.url.endswith(f"/workbench/reports/annual/{year}/")
    heading = page.locator("#annual-report h1").inner_text()
    assert "铜山区市场监督管理局" in heading and "年度质量报告" in heading
    assert page.locator("#kpis li").count() >= 10
    assert page.locator("#annual-report svg").count() >= 4
    screenshot(page, "annual-report-zh")
    page.emulate_media(media="print")
    assert not page.locator("header.wb-bar").is_visible()
    screenshot(page, "annual-report-print")
    page.emulate_media(media="screen")

    page.click("nav.wb-nav a:has-text('质量档案')")
    page.wait_for_load_state()
    page.click("#quality-list a:has-text('彭城乳业')")
    page.wait_for_load_state()
    assert page.locator("#credit-class .wb-class--big").inner_text() in ("A", "B", "C", "D")
    assert page.locator("#credit-class .wb-reasons li").count() >= 1
    screenshot(page, "quality-record-zh")
