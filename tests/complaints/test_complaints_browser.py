"""Complaints in a phone-sized Chromium: a consumer scans a demo yogurt code, reports
an injury with a photo, gets a tracking code and later reads the regulator's reply there; the
code typed from the package reaches the same form; a published warning shows on the page.
Issue 22: a complaint with its claim and respondent (SAMR Order 20 Art. 9) is answered by the
maker, mediated with both parties' consent (Art. 16), paused for testing (2024 Consumer Rights
Regulation Arts. 46 ¶3, 47) and ends in an agreement on the record (Art. 22)."""

import io
from trace.demo.seed import demo_yogurt_batch, seed_demo

import pytest
from django.contrib.auth import get_user_model
from PIL import Image

from complaints import services
from complaints.models import Complaint, ComplaintPhoto
from complaints.privacy import decrypt_contact
from tests.workbench.conftest import sign_in

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
    page.get_by_label("您的投诉请求是什么？").select_option("compensation")
    page.get_by_label("您的姓名").fill("陈女士")
    page.get_by_label("您的电话").fill("138 1234 5678")
    page.get_by_label("您的通讯地址").fill("江苏省徐州市铜山区北京路1号")
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


def test_complaint_with_claim_and_respondent_is_mediated_to_an_agreement(
    browser, live_server, demo
):
    phone = browser.new_context(
        locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True, user_agent=ANDROID_UA
    ).new_page()
    phone.goto(f"{live_server.url}/report/01/{demo.gtin}/10/{demo.lot}/")
    maker = demo.product.owner.name
    assert phone.locator("#id_respondent_name").input_value() == maker  # from the scanned lot
    assert phone.locator("#tip-link").is_visible()  # a report (举报) is offered instead
    phone.get_by_label("发生了什么").fill("酸奶开盖胀袋，有酸臭味。")
    phone.get_by_label("您的投诉请求是什么？").select_option("refund")
    phone.get_by_label("购买地点").fill("铜山区万家福超市")
    phone.get_by_label("购买价格").fill("12.80")
    phone.get_by_label("您的姓名").fill("陈女士")
    phone.get_by_label("您的电话").fill("13812345678")
    phone.get_by_label("您的通讯地址").fill("江苏省徐州市铜山区北京路1号")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.get_by_role("button", name="提交报告").click()
    phone.wait_for_url("**/report/status/**")
    code = phone.locator("#tracking-code").get_attribute("data-code")
    complaint = Complaint.objects.get()
    assert (complaint.claim, complaint.respondent_name, complaint.complete) == (
        "refund",
        maker,
        True,
    )

    # The county accepts it on its workbench, finding it by the tracking code.
    county = sign_in(browser, live_server, "county-regulator", next_path="/workbench/complaints/")
    county.goto(f"{live_server.url}/workbench/complaints/?q={code}")
    assert county.locator("#complaint-list tbody tr[data-id]").count() == 1
    county.click(f'#complaint-list a[href="/workbench/complaints/{complaint.pk}/"]')
    county.click('button[data-action="accept"]')
    county.wait_for_load_state()
    assert county.locator("#complaint-status").inner_text() == "已受理，处理中"

    # The maker, the respondent, answers and agrees to mediate on its own workbench.
    producer = sign_in(
        browser, live_server, "producer", next_path="/workbench/enterprise/complaints/"
    )
    producer.click(
        f'#complaints-against-us a[href="/workbench/enterprise/complaints/{complaint.pk}/"]'
    )
    assert "13812345678" not in producer.content() and "北京路" not in producer.content()
    producer.click('details[data-action="answer"] summary')
    producer.fill("#f-answer-answer", "已联系消费者，愿意协商。")
    producer.click('details[data-action="answer"] button[type=submit]')
    producer.wait_for_load_state()
    producer.click('details[data-action="agree-mediation"] summary')
    producer.click('details[data-action="agree-mediation"] button[type=submit]')
    producer.wait_for_load_state()
    assert producer.locator("#complaint-status").get_attribute("data-status") == "mediating"
    complaint.refresh_from_db()
    due = complaint.close_due_at

    # Testing pauses the clock (the regulator names the body: the parties disagreed).
    county.reload()
    county.click('details[data-action="pause"] summary')
    county.fill("#f-pause-testing_body", "江苏省产品质量监督检验研究院")
    county.check("#f-pause-designated")
    county.click('details[data-action="pause"] button[type=submit]')
    county.wait_for_load_state()
    assert county.locator("#complaint-paused").is_visible()
    phone.reload()
    assert "检测期间暂停计时" in phone.locator("#complaint-mediation").inner_text()
    county.click('details[data-action="resume"] summary')
    county.click('details[data-action="resume"] button[type=submit]')
    county.wait_for_load_state()
    complaint.refresh_from_db()
    assert complaint.paused_at is None and complaint.testing_body_designated
    moved = (complaint.close_due_at - due).total_seconds()  # by the time paused
    assert moved > 0 and int(moved) == complaint.paused_seconds
    assert complaint.timeline.filter(action="testing_started").exists()

    # Mediation ends in an agreement, on the record, and the consumer reads it.
    county.click('details[data-action="record-agreement"] summary')
    county.fill("#f-record-agreement-agreement", "企业退还货款12.80元并赔偿一箱同款酸奶。")
    county.click('details[data-action="record-agreement"] button[type=submit]')
    county.wait_for_load_state()
    assert county.locator("#complaint-outcome").get_attribute("data-outcome") == "agreement"
    assert "退还货款" in county.locator("#mediation-document").inner_text()
    phone.reload()
    assert phone.locator("#complaint-outcome").get_attribute("data-outcome") == "agreement"
    assert "退还货款12.80元" in phone.locator("#complaint-outcome").inner_text()
