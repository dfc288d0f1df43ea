"""The regulators' path in a real browser (issue 14, done when): the county signs in, finds the
demo's overdue incident at the top of its inbox, accepts it and passes it up with two clicks,
and the city, already looking at its inbox, sees it arrive without reloading. Every text of the
inbox and of an incident page is English when switched, Chinese by default."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from tests.workbench.conftest import PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")

# The page's own words: everything but data (names, titles, descriptions are marked
# translate="no"), the signed-in organization's name and the switch back to Chinese.
PAGE_WORDS = """() => {
  const clone = document.body.cloneNode(true);
  clone.querySelectorAll('[translate="no"], [lang="zh-Hans"], .wb-who, script').forEach(n => n.remove());
  const attrs = [...clone.querySelectorAll('[data-confirm], [title], [placeholder], [aria-label]')]
    .map(n => ['data-confirm', 'title', 'placeholder', 'aria-label'].map(a => n.getAttribute(a) || '').join(' '));
  return document.title + ' ' + clone.textContent + ' ' + attrs.join(' ');
}"""


@pytest.fixture
def seeded(transactional_db):
    call_command("seed_demo", stdout=io.StringIO())
    return {u.username: u for u in get_user_model().objects.all()}


def test_county_accepts_and_passes_up_the_overdue_incident_and_the_city_sees_it_arrive(
    browser, live_server, seeded, settings, screenshot
):
    settings.WORKBENCH_INBOX_POLL_SECONDS = 2  # the page asks for news every 2 s in this test
    city = sign_in(browser, live_server, "city-regulator")
    assert city.url.endswith("/workbench/")
    city.evaluate("window.__sameDocument = true")  # gone if the page reloads

    county = sign_in(browser, live_server, "county-regulator")
    county.on("dialog", lambda dialog: dialog.accept())  # the pass-up button asks to confirm
    # The first incident of the inbox: the overdue one (an escalated complaint may come first).
    top = county.locator('.wb-inbox-item[data-kind="incident"]').first
    key = top.get_attribute("data-item")
    assert key.startswith("incident-")
    assert "wb-inbox-item--overdue" in top.get_attribute("class")
    assert "已逾期" in top.inner_text()
    assert city.locator(f'[data-item="{key}"]').count() == 0  # the city does not see it yet
    screenshot(county, "county-inbox")

    # Click 1: accept, from the inbox row.
    top.locator('button[data-action="accept"]').click()
    county.wait_for_load_state()
    assert county.url.endswith("/workbench/")
    row = county.locator(f'[data-item="{key}"]')
    assert row.locator('button[data-action="accept"]').count() == 0
    # Click 2: pass up to the next level (the city), from the same row.
    row.locator('button[data-action="report-up"]').click()
    county.wait_for_load_state()
    assert county.locator(".wb-msg--success").count() == 1
    screenshot(county, "county-inbox-after-pass-up")

    arrived = city.locator(f'[data-item="{key}"]')
    arrived.wait_for(timeout=20_000)
    assert city.evaluate("window.__sameDocument") is True  # it came in without a reload
    assert arrived.locator('button[data-action="acknowledge"]').count() == 1
    screenshot(city, "city-inbox-incident-arrived")

    incident_id = key.split("-")[1]
    county.goto(f"{live_server.url}/workbench/incidents/{incident_id}/")
    timeline = county.locator("#timeline").inner_text()
    assert "上报" in timeline or "Passed up" in timeline
    assert county.locator("#incident-level").inner_text().startswith("市")
    screenshot(county, "county-incident-page")

    # The other record pages a regulator works from: a recall and a complaint.
    county.goto(f"{live_server.url}/workbench/recalls/?status=active")
    county.locator("#recall-list a").first.click()
    county.wait_for_load_state()
    assert county.locator("#consignees tbody tr").count() > 0
    assert county.locator("#effectiveness").inner_text()
    screenshot(county, "county-recall-page")
    county.goto(f"{live_server.url}/workbench/complaints/")
    county.locator("#complaint-list a").first.click()
    county.wait_for_load_state()
    assert county.locator("#contact").count() == 1
    screenshot(county, "county-complaint-page")


def _page_words(page) -> str:
    return page.evaluate(PAGE_WORDS)


def test_the_inbox_and_an_incident_page_are_english_when_switched_chinese_by_default(
    browser, live_server, seeded, screenshot
):
    page = sign_in(browser, live_server, "county-regulator")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert "收件箱" in page.locator("h1").inner_text()
    assert CJK.search(_page_words(page))

    page.goto(f"{live_server.url}/workbench/?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    words = _page_words(page)
    assert "Inbox" in words and "overdue" in words
    assert not CJK.findall(words), CJK.findall(words)
    screenshot(page, "county-inbox-en")

    page.locator('.wb-inbox-item[data-kind="incident"] a.wb-inbox-title').first.click()
    page.wait_for_load_state()
    assert "/workbench/incidents/" in page.url
    words = _page_words(page)
    assert "Timeline" in words and "What you can do now" in words
    assert not CJK.findall(words), CJK.findall(words)
    screenshot(page, "county-incident-en")

    phone = sign_in(browser, live_server, "county-regulator", viewport=PHONE)
    phone.goto(f"{live_server.url}/workbench/")
    assert phone.locator(".wb-inbox-item").count() > 0
    screenshot(phone, "county-inbox-phone")
