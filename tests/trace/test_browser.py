"""End to end, as a person would: print the QR code, decode it, open it on a
phone (headless Chromium through Playwright), read the journey, see a recall,
switch language, and sign in to record a receipt."""

import io
import json
import urllib.request
from decimal import Decimal

import pytest

PHONE = {"width": 390, "height": 844}
ANDROID_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Mobile Safari/537.36"
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def phone(browser, locale="zh-CN"):
    return browser.new_context(
        locale=locale,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        user_agent=ANDROID_UA,
    )


def _http(url, *, data=None, headers=None):
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(
        url,
        data=body,
        headers={**({"Content-Type": "application/json"} if body else {}), **(headers or {})},
    )
    with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 (our live server)
        return response.read()


@pytest.fixture
def demo(live_server, settings):
    from trace.demo.seed import demo_yogurt_batch, seed_demo

    settings.PUBLIC_BASE_URL = live_server.url
    seed_demo()
    return demo_yogurt_batch()


def test_scan_the_printed_code_and_read_the_journey_on_a_phone(
    browser, live_server, demo, tmp_path
):
    from trace.models import ScanLog

    import zxingcpp
    from PIL import Image

    from tests.factories import recall

    token = json.loads(
        _http(
            f"{live_server.url}/api/v1/auth/token/",
            data={"username": "producer", "password": "demo-pass-2026"},
        )
    )["token"]
    png = _http(
        f"{live_server.url}/api/v1/batches/{demo.pk}/qr.png",
        headers={"Authorization": f"Token {token}"},
    )
    codes = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert [c.text for c in codes] == [f"{live_server.url}/01/{demo.gtin}/10/{demo.lot}"]
    uri = codes[0].text

    context = phone(browser)
    page = context.new_page()
    response = page.goto(uri)
    assert response.status == 200
    assert 'rel="linkset"' in response.headers["link"]
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.locator("h1").inner_text() == "彭城原味酸奶 200g"
    journey = page.locator("ol.timeline")
    assert "徐州绿源牧业有限公司" in journey.inner_text()  # back to the ranch
    produced = journey.locator("li[data-kind=produced]")  # the two raw-milk lots, one line
    assert produced.count() == 1
    raw_lots = {edge.parent.lot for edge in demo.parent_edges.select_related("parent")}
    assert len(raw_lots) == 2 and all(lot in produced.inner_text() for lot in raw_lots)
    assert journey.locator("li[data-kind=inspected] .badge--pass").count() == 2
    assert journey.locator("li[data-kind=transformed]").count() == 1
    assert page.locator("#recall-status").get_attribute("data-status") == "active"
    page.screenshot(path=str(tmp_path / "consumer-page.png"), full_page=True)

    recall(demo)
    page.reload()
    banner = page.locator("#recall-status")
    assert banner.get_attribute("data-status") == "recalled"
    assert banner.is_visible()
    assert banner.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(179, 38, 30)"
    page.screenshot(path=str(tmp_path / "consumer-page-recalled.png"), full_page=False)

    # The visible language switch.
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Xuzhou Lvyuan Ranch Co., Ltd." in page.locator("ol.timeline").inner_text()
    assert page.locator("#recall-status").get_attribute("data-status") == "recalled"

    # Machines get the linkset from the same URI.
    linkset = page.request.get(uri, headers={"Accept": "application/linkset+json"})
    assert linkset.headers["content-type"] == "application/linkset+json"
    assert linkset.json()["linkset"][0]["anchor"] == uri

    scans = ScanLog.objects.filter(batch=demo)
    assert scans.count() >= 3
    assert set(scans.values_list("client", flat=True)) == {"android"}

    missing = page.goto(f"{live_server.url}/01/{demo.gtin}/10/NO-SUCH-LOT")
    assert missing.status == 404
    assert page.locator("h1").is_visible()
    context.close()


def test_distributor_signs_in_on_the_phone_and_receives_through_the_form(
    browser, live_server, demo, tmp_path
):
    from trace.core.services import batch_ship
    from trace.models import Custody

    from django.contrib.auth import get_user_model

    from core.models import Organization

    producer = get_user_model().objects.get(username="producer")
    distributor = Organization.objects.get(memberships__user__username="distributor")
    batch_ship(batch=demo, to=distributor, quantity=Decimal(500), actor=producer)
    before = Custody.objects.get(organization=distributor, batch=demo).quantity

    context = phone(browser)
    page = context.new_page()
    page.goto(demo.digital_link)
    assert page.locator("form.action").count() == 0
    page.locator("footer a[href^='/accounts/login/']").click()
    page.fill("#id_username", "distributor")
    page.fill("#id_password", "demo-pass-2026")
    page.locator("form button[type=submit]").click()
    page.wait_for_url(demo.digital_link)

    receive = page.locator("form[action$='/actions/receive']")
    assert receive.is_visible()
    assert page.locator("form[action$='/actions/hold']").count() == 0  # not the maker
    # The link at the top jumps to the form.
    page.evaluate("window.scrollTo(0, 0)")
    page.locator("#jump-to-log").click()
    page.wait_for_function("location.hash === '#log'")
    assert page.evaluate("window.scrollY") > 0
    receive.locator("button[type=submit]").click()
    page.wait_for_load_state()
    # Back at the form, not the top of the page, told what was recorded.
    assert page.url.endswith("#log")
    assert page.evaluate("window.scrollY") > 0
    success = page.locator("#log .msg--success")
    assert success.is_visible()
    assert success.inner_text() == "已记录：收货 500 件。"
    box = success.bounding_box()
    assert box is not None and 0 <= box["y"] < PHONE["height"]  # in view
    page.screenshot(path=str(tmp_path / "phone-form-after-receipt.png"))
    assert page.locator("form[action$='/actions/receive']").count() == 0
    custody = Custody.objects.get(organization=distributor, batch=demo)
    assert (custody.quantity - before, custody.in_transit) == (Decimal(500), Decimal(0))

    # An over-large sale comes back as a message on the page, not an error page.
    sell = page.locator("form[action$='/actions/sell']")
    sell.locator("input[name='sell-quantity']").fill("99999999")
    sell.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "rule-quantity_exceeds_held" in (
        page.locator(".msg--error").get_attribute("data-tags") or ""
    )
    assert "8500" in page.locator(".msg--error").inner_text()  # not "8.5E+3"
    context.close()


def test_printed_label_sheet_scans_and_fits_one_a4_page(browser, live_server, demo, tmp_path):
    import re

    import zxingcpp
    from PIL import Image

    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "producer")
    page.fill("#id_password", "demo-pass-2026")
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/accounts/")
    response = page.goto(f"{live_server.url}/api/v1/batches/{demo.pk}/labels/")
    assert response.status == 200

    shot = tmp_path / "labels.png"
    page.screenshot(path=str(shot), full_page=True)
    codes = zxingcpp.read_barcodes(Image.open(shot))
    assert len(codes) == 24
    assert {c.text for c in codes} == {demo.digital_link}

    pdf = page.pdf(prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
    context.close()


def test_newcomer_in_english_on_a_phone_reads_english_and_finds_a_way_on(
    browser, live_server, demo, tmp_path
):
    """Issue 10: the English page without Chinese regions or units, an unknown lot that
    offers the code typed in, and a favicon in the tab."""
    import re

    context = phone(browser, locale="en-US")
    page = context.new_page()
    page.goto(demo.digital_link + "?lang=en")
    facts = page.locator("dl.facts").inner_text()
    assert "Tongshan District, Xuzhou, Jiangsu" in facts  # the plant
    assert "Suining County, Xuzhou, Jiangsu" in facts  # the ranch, where the milk came from
    assert page.locator("#product-title + .sub").inner_text() == "200 g/cup"
    assert not re.search(r"[\u4e00-\u9fff]", facts + page.locator("h1").inner_text())
    page.screenshot(path=str(tmp_path / "consumer-page-en.png"), full_page=True)
    assert page.request.get(f"{live_server.url}/favicon.ico").status == 200

    # A code mistyped: the page explains and takes the right one.
    missing = page.goto(f"{live_server.url}/01/{demo.gtin}/10/{demo.lot}X")
    assert missing.status == 404
    assert page.locator("#lookup-form").is_visible() and page.locator("#way-home").is_visible()
    page.screenshot(path=str(tmp_path / "unknown-lot-en.png"), full_page=True)
    page.fill("#id_lot", demo.lot)
    page.locator("#lookup-form button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(f"/01/{demo.gtin}/10/{demo.lot}") + "$"))
    assert page.locator("#recall-status").is_visible()
    context.close()


def test_operator_signing_in_without_a_link_sees_their_lots(browser, live_server, demo, tmp_path):
    context = phone(browser)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "producer")
    page.fill("#id_password", "demo-pass-2026")
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/accounts/")
    link = page.locator(f"ul.lots a[href$='/10/{demo.lot}#log']")
    assert link.is_visible()
    page.screenshot(path=str(tmp_path / "your-lots.png"), full_page=True)
    link.click()
    page.wait_for_function("location.hash === '#log'")
    assert page.locator("#log form.action").first.is_visible()
    context.close()
