"""The scan app in a real browser (Playwright + Debian's Chromium): the producer opens the scan
page, the service worker takes the app's scope, the network goes away, two records are made and
wait on the device (the page shows them); the network returns and each is stored once."""

import time
import uuid
from trace.demo.seed import YOGURT_GTIN
from trace.models import Batch, Event

import pytest

from .conftest import PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def until(page, expression: str, timeout: float = 30.0) -> None:
    """Poll ``expression`` through the DevTools protocol (``wait_for_function`` compiles its
    predicate in the page, which the page's strict CSP forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout}s: {expression}"
        page.wait_for_timeout(200)


def test_records_made_offline_are_sent_when_the_network_returns_and_stored_once(
    browser, live_server, demo
):
    lot = Batch.objects.filter(gtin=YOGURT_GTIN).order_by("id").first()
    code = f"https://id.gs1.org/01/{lot.gtin}/10/{lot.lot}"
    page = sign_in(browser, live_server, "producer", viewport=PHONE, next_path="/workbench/scan/")
    # every Content-Security-Policy violation of the app's pages is kept (tests/test_csp_browser.py)
    page.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    page.reload()
    assert page.url.endswith("/workbench/scan/")
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # installable: the manifest is linked and the worker controls the app's scope
    assert page.locator('link[rel="manifest"]').get_attribute("href") == (
        "/workbench/scan/manifest.webmanifest"
    )
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == f"{live_server.url}/workbench/scan/"
    before = Event.objects.count()

    page.context.set_offline(True)
    until(page, "!navigator.onLine")
    page.fill("#scan-code", code)
    page.select_option("#scan-action", "inspect")
    page.select_option("#scan-result", "pass")
    page.click("#scan-submit")
    page.fill("#scan-code", code)
    page.select_option("#scan-action", "hold")
    page.fill("#scan-reason", "冷链温度记录缺失")
    page.click("#scan-submit")
    assert page.locator("#scan-waiting").inner_text() == "2"
    assert page.locator("#scan-queue li").count() == 2
    assert "is-offline" in page.locator("#scan-network").get_attribute("class")
    queued = page.evaluate(
        "JSON.parse(localStorage.getItem(Object.keys(localStorage)"
        ".find(k => k.startsWith('suyuan-scan-queue:'))))"
    )
    ids = [record["client_id"] for record in queued]
    assert len(set(ids)) == 2 and all(uuid.UUID(i) for i in ids)
    assert Event.objects.count() == before  # nothing reached the server

    # the app still opens offline, from the worker's copy, with the queue
    page.reload()
    assert page.locator("#scan-waiting").inner_text() == "2"

    page.context.set_offline(False)
    until(page, "document.getElementById('scan-waiting').textContent === '0'")
    for client_id in ids:
        assert Event.objects.filter(event_id=f"urn:uuid:{client_id}").count() == 1
    assert Event.objects.count() == before + 2
    lot.refresh_from_db()
    assert lot.status == "on_hold"

    # the same records sent again (a lost answer): still stored once
    for record in queued:
        answer = page.evaluate(
            """record => fetch('/workbench/scan/record/', {method: 'POST',
                 headers: {'Content-Type': 'application/json',
                           'X-CSRFToken': document.querySelector('[name=csrfmiddlewaretoken]').value},
                 body: JSON.stringify(record)}).then(r => r.status)""",
            record,
        )
        assert answer == 200
    assert Event.objects.count() == before + 2
    assert errors == []
    assert page.evaluate("window.__csp") == []
    assert (
        "script-src 'self'"
        in page.context.request.get(f"{live_server.url}/workbench/scan/").headers[
            "content-security-policy"
        ]
    )
