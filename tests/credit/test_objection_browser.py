"""In a real browser: the dairy objects to a fact of its credit record and the county regulator
governing it decides; the decision is on the record's timeline and the public page (Hangzhou
Art. 23: 信用信息公开, 信用修复机制)."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from core.models import Organization
from inspections import services as inspection_services
from tests.workbench.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seeded(transactional_db):
    call_command("seed_demo", stdout=io.StringIO())
    return {u.username: u for u in get_user_model().objects.all()}


def _failed_check(seeded, dairy: Organization):
    """The county draws every enterprise of the dairy's county; the dairy's check fails."""
    county = seeded["county-regulator"]
    candidates = inspection_services.enterprise_candidates(dairy.region_code)
    drawn = inspection_services.draw_make(
        actor=county,
        enterprise_count=len(candidates),
        inspectors_per_check=1,
        region_code=dairy.region_code,
    )
    check = drawn.checks.get(enterprise=dairy)
    return inspection_services.spot_check_record(
        check_id=check.pk,
        actor=county,
        result="fail",
        checked_on=timezone.localdate(),
        findings="菌落总数超标",
    )


def test_the_dairy_objects_to_a_credit_fact_and_the_county_decides(
    browser, live_server, seeded, screenshot
):
    dairy = seeded["producer"].membership.organization
    check = _failed_check(seeded, dairy)
    fact = f"spot_check:{check.pk}"

    producer = sign_in(browser, live_server, "producer", next_path="/workbench/quality/")
    row = producer.locator(f'[data-fact="{fact}"]')
    assert "是" in row.inner_text()  # it counts
    row.locator('select[name="kind"]').select_option("objection")
    row.locator('input[name="reason"]').fill("样品在运输中失温，非出厂质量问题")
    row.locator('button[type="submit"]').click()
    producer.wait_for_load_state()
    assert producer.locator(".wb-msg--success").count() == 1
    assert "等待决定" in producer.locator(f'[data-fact="{fact}"]').inner_text()
    screenshot(producer, "credit-objection-filed")

    county = sign_in(
        browser,
        live_server,
        "county-regulator",
        next_path=f"/workbench/quality/organizations/{dairy.pk}/",
    )
    request = county.locator("#credit-requests tr[data-request]").first
    assert fact in request.inner_text()
    request.locator('select[name="decision"]').select_option("upheld")
    request.locator('input[name="reason"]').fill("复检合格，原抽查样品保存不当")
    request.locator('button[type="submit"]').click()
    county.wait_for_load_state()
    assert county.locator(".wb-msg--success").count() == 1
    decided = county.locator("#credit-requests tr[data-request]").first
    assert decided.locator('[data-status="upheld"]').count() == 1
    timeline = county.locator("#credit-timeline")
    assert timeline.locator('[data-action="objection_upheld"]').count() == 1
    assert "异议成立" in timeline.inner_text()
    assert "否" in county.locator(f'[data-fact="{fact}"]').inner_text()  # struck out
    screenshot(county, "credit-objection-decided")

    public = browser.new_context(locale="zh-CN").new_page()
    public.goto(f"{live_server.url}/credit/{dairy.pk}/")
    assert fact in public.locator("#credit-objections").inner_text()
    assert "异议成立" in public.locator("#credit-objections").inner_text()
