"""Issue 12 'Done when', in a phone-sized Chromium: a consumer scans a demo yogurt code, reports
an injury with a photo, gets a tracking code and later reads the regulator's reply there; the
code typed from the package reaches the same form; a published warning shows on the page."""

import io
from trace.demo.seed import demo_yogurt_batch, seed_demo

import pytest
from django.contrib.auth import get_user_model
from PIL import Image

from complaints import services
from complaints.models import Complaint, ComplaintPhoto
from complaints.privacy import decrypt_contact

PHONE = {"width": 390, "height": 844}
ANDROID_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Mobile Safari/537.36"
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(live_server, settings, tmp_path):
    settings.PUBLIC_BASE_URL = live_server.url
    settings.MEDIA_ROOT = str(tmp_path / "media")
    seed_demo()
    return demo_yogurt_batch()


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (240, 240, 230)).save(out, format="JPEG")
    return out.getvalue()


def test_report_an_injury_from_the_scan_page_and_read_the_reply(browser, live_server, demo):
    context = browser.new_context(
        locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True, user_agent=ANDROID_UA
    )
    page = context.new_page()
    assert page.goto(f"{live_server.url}/01/{demo.gtin}/10/{demo.lot}").status == 200
    page.get_by_role("link", name="报告产品问题").click()
    page.wait_for_url(f"**/report/01/{demo.gtin}/10/{demo.lot}/")
    page.get_by_label("发生了什么").fill("孩子喝了这批酸奶后呕吐。")
    page.get_by_label("有人受伤或生病").check()
    page.set_input_files(
        "#id_photos", files=[{"name": "cup.jpg", "mimeType": "image/jpeg", "buffer": _photo()}]
    )
    page.get_by_label("您的电话").fill("138 1234 5678")
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("button", name="提交报告").click()
    page.wait_for_url("**/report/status/**")
    code = page.locator("#tracking-code").get_attribute("data-code")
    assert len(code) == 11 and code[5] == "-"
    assert page.locator("#complaint-status").get_attribute("data-status") == "submitted"

    complaint = Complaint.objects.get()
    assert complaint.injured and ComplaintPhoto.objects.filter(complaint=complaint).count() == 1
    assert decrypt_contact(complaint.contact_encrypted)["phone"] == "13812345678"
    county = get_user_model().objects.get(username="county-regulator")
    services.complaint_accept(complaint_id=complaint.pk, actor=county)
    services.complaint_reply(
        complaint_id=complaint.pk, actor=county, reply="已责令企业召回同批次产品并赔偿。"
    )

    # Later, from another phone: type the tracking code, read the reply.
    later = browser.new_context(
        locale="zh-CN", viewport=PHONE, is_mobile=True, user_agent=ANDROID_UA
    ).new_page()
    later.goto(f"{live_server.url}/report/status/")
    later.get_by_label("查询码").fill(code.replace("-", "").lower())
    later.get_by_role("button", name="查看进展").click()
    assert later.locator("#complaint-reply").inner_text() == "已责令企业召回同批次产品并赔偿。"
    assert "1381234" not in later.content()


def test_type_the_code_from_the_package(browser, live_server, demo):
    page = browser.new_context(
        locale="en", viewport=PHONE, is_mobile=True, user_agent=ANDROID_UA
    ).new_page()
    page.goto(f"{live_server.url}/report/?lang=en")
    page.get_by_label("Code from the package").fill(f"(01){demo.gtin}(10){demo.lot}")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"**/report/01/{demo.gtin}/10/{demo.lot}/")
    page.goto(f"{live_server.url}/report/?lang=en")
    page.get_by_label("Code from the package").fill("not a code")
    page.get_by_role("button", name="Continue").click()
    assert "not a GS1 code" in page.content()
