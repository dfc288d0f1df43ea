"""A supermarket answers a recall notice on a phone (headless Chromium through
Playwright): the link from its notice, the banner and remedies, the quantities
form, a refused over-large return, then the answer recorded."""

from trace.demo.seed import YOGURT_GTIN, seed_demo
from trace.models import Batch

import pytest
from django.contrib.auth import get_user_model

from recalls import services
from recalls.models import RecallNotice
from tests.trace.test_browser import phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_supermarket_acknowledges_on_a_phone(browser, live_server, settings, tmp_path):
    settings.PUBLIC_BASE_URL = live_server.url
    seed_demo()
    users = {u.username: u for u in get_user_model().objects.all()}
    yogurt = Batch.objects.filter(gtin=YOGURT_GTIN).order_by("id").first()
    producer = users["producer"]
    recall = services.recall_create(
        actor=producer,
        batch_ids=[yogurt.pk],
        recall_type="voluntary",
        recall_class=1,
        defect="胀包",
        hazard="可能变质",
        remedies=["refund", "replacement"],
        notice_title="酸奶召回",
        notice_text="请停止食用，到购买门店退款或更换。",
        consumer_action="请立即停止使用并退回。",
        contact="客服热线 400-000-0000",
        planned_end="2027-06-30",
    )
    services.recall_edit_scope(recall_id=recall.pk, actor=producer, edits=[], confirm=True)
    services.recall_submit(recall_id=recall.pk, actor=producer)
    services.recall_activate(recall_id=recall.pk, actor=producer)
    notice = RecallNotice.objects.get(
        recall=recall, organization=users["retailer"].membership.organization
    )
    link = services.current_ack_url(notice)
    assert link.startswith(live_server.url)

    page = phone(browser).new_page()
    assert page.goto(link).status == 200
    assert page.locator("#recall-status").get_attribute("data-status") == "recalled"
    assert "退货退款" in page.locator("#recall-status").inner_text()
    assert "10500" in page.locator("#ack-title + p").inner_text()
    # The form fits the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.fill("input[name=returned]", "20000")
    page.get_by_role("button", name="确认收到").click()
    page.wait_for_load_state()
    assert page.locator(".msg--error").first.is_visible()
    notice.refresh_from_db()
    assert notice.acknowledged_at is None

    page.fill("input[name=returned]", "10000")
    page.fill("input[name=on_hand]", "500")
    page.get_by_role("button", name="确认收到").click()
    page.wait_for_load_state()
    assert page.locator("#ack-done").is_visible()
    page.screenshot(path=str(tmp_path / "recall-ack.png"), full_page=True)
    notice.refresh_from_db()
    assert notice.acknowledged_at is not None and notice.returned == 10000 and notice.on_hand == 500
    # The same link does not take a second answer.
    assert page.goto(link).status == 409
