"""Two regulator journeys of issue 22 in Chromium, as a new user would walk them, with axe-core
and the one-language check on every page visited: an anonymous report sent from a lot's tip
page is checked by the county in its workbench and becomes a case (a new incident, linked both
ways); the county makes a random draw of spot checks, records a result and re-draws the draw
from its seed, which the page says matches."""

import re
from trace.demo.seed import demo_yogurt_batch

import pytest

from complaints.models import Report
from inspections.models import SpotCheck, SpotCheckDraw
from tests.browser import assert_accessible, assert_one_language
from tests.browser_journeys.conftest import consumer_context, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _checked(page, shot=None):
    page.wait_for_load_state()
    assert_accessible(page)
    assert_one_language(page)
    if shot is not None:
        page.screenshot(path=str(shot), full_page=True)


def _open(page, url):
    response = page.goto(url)
    assert response.status == 200, (url, response.status)
    _checked(page)


def _submit_action(page, name, fill=None):
    """Open an action's form (a disclosure) on a record page, fill it, send it."""
    form = page.locator(f'details[data-action="{name}"]')
    form.locator("summary").click()
    if fill:
        fill(form)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_an_anonymous_tip_is_checked_by_the_county_and_becomes_a_case(browser, demo, tmp_path):
    yogurt = demo_yogurt_batch()
    seeded = list(Report.objects.values_list("pk", flat=True))  # the demo's own report
    consumer = consumer_context(browser).new_page()
    _open(consumer, f"{demo}/report/tip/01/{yogurt.gtin}/10/{yogurt.lot}/")
    consumer.fill("#id_facts", "包装上的生产地址与实际不符，疑似冒用厂址。")
    assert consumer.input_value("#id_enterprise_name")  # prefilled from the lot
    consumer.locator("#tip-form button[type=submit]").click()
    _checked(consumer, tmp_path / "tip-sent.png")
    report = Report.objects.exclude(pk__in=seeded).get()
    assert report.display_code in consumer.content() and not report.real_name

    page = sign_in(browser, demo, "county-regulator")
    page.on("dialog", lambda dialog: dialog.accept())
    _checked(page)
    item = page.locator(f'[data-item="report-{report.pk}"]')
    assert "待核查" in item.inner_text()
    page.locator('nav a[href="/workbench/tips/"]').first.click()
    page.wait_for_url("**/workbench/tips/")
    _checked(page)
    row = page.locator(f'#report-list tr[data-code="{report.display_code}"]')
    assert "匿名" in row.inner_text()
    row.locator("a").click()
    page.wait_for_url(f"**/workbench/tips/{report.pk}/")
    _checked(page)
    assert "匿名" in page.locator("#reporter").inner_text()

    _submit_action(page, "verify")
    _checked(page)
    assert page.locator("#report-status").get_attribute("data-status") == "verified"

    def new_incident(form):
        form.get_by_label("为此立案新建事故").check()
        form.get_by_label("新建事故的标题").fill("冒用厂址线索立案")

    _submit_action(page, "open-case", new_incident)
    _checked(page, tmp_path / "report-case-opened.png")
    assert page.locator("#report-status").get_attribute("data-status") == "case_opened"
    report.refresh_from_db()
    case_link = page.locator("#case-incident")
    assert case_link.get_attribute("href") == f"/workbench/incidents/{report.incident_id}/"
    assert "冒用厂址线索立案" in case_link.inner_text()
    assert "立案" in page.locator("#timeline").inner_text()

    case_link.click()
    page.wait_for_url(f"**/workbench/incidents/{report.incident_id}/")
    _checked(page)
    back = page.locator(f"#incident-report-{report.pk}")
    assert back.inner_text() == report.display_code
    assert "根据举报立案" in page.locator("#timeline").inner_text()


def test_a_random_draw_gets_a_result_and_its_re_draw_from_the_seed_matches(browser, demo, tmp_path):
    seeded = list(SpotCheckDraw.objects.values_list("pk", flat=True))  # the demo's own draw
    page = sign_in(browser, demo, "county-regulator")
    _checked(page)
    page.locator('nav a[href="/workbench/spot-checks/"]').first.click()
    page.wait_for_url("**/workbench/spot-checks/")
    _checked(page)
    page.locator("#new-draw").click()
    page.wait_for_url("**/workbench/spot-checks/draw/")
    _checked(page)
    page.get_by_label("抽取企业数量").fill("1")
    page.get_by_label("每项检查的检查人员数").fill("1")
    page.locator("#draw-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/workbench/spot-checks/draws/\d+/$"))
    _checked(page, tmp_path / "draw.png")
    draw = SpotCheckDraw.objects.exclude(pk__in=seeded).get()
    assert page.locator("#draw-seed").inner_text() == draw.seed
    check = SpotCheck.objects.get(draw=draw)

    box = page.locator(f"#check-{check.pk}")
    box.locator('details[data-action="record"] summary').click()
    box.locator("select[name=result]").select_option("pass")
    box.locator("button[type=submit]").click()
    page.wait_for_load_state()
    _checked(page)
    assert page.locator(f"#check-{check.pk}").get_attribute("data-status") == "done"
    assert page.locator(f'#check-{check.pk} [data-result="pass"]').count() == 1

    page.locator("#verify-link").click()
    page.wait_for_url(f"**/workbench/spot-checks/draws/{draw.pk}/verify/")
    _checked(page, tmp_path / "draw-verified.png")
    verdict = page.locator("#verdict")
    assert verdict.get_attribute("data-matches") == "true"
    assert "结果一致" in verdict.inner_text()
    assert (
        page.locator("#stored li").all_inner_texts()
        == page.locator("#redrawn li").all_inner_texts()
    )

    _open(page, f"{demo}/workbench/spot-checks/")
    assert check.enterprise.name in page.locator("#published").inner_text()
