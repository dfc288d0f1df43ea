"""The report (举报) pages of the workbench: the handling county's list (overdue first), the
record with its timeline, and its actions posting through ``complaints.report_services`` (the
API's); the reporter only for the handling county; no page for an enterprise."""

from datetime import timedelta
from trace.demo.seed import demo_yogurt_batch

import pytest
from django.utils import timezone

from complaints import report_services
from complaints import services as complaint_services
from complaints.models import Report
from incidents.models import Incident
from tests.workbench.test_records import _messages, _text, seeded  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def _report(*, real_name=False, received=None, **extra) -> Report:
    yogurt = demo_yogurt_batch()
    return report_services.report_submit(
        subject="冒用他人厂名厂址",
        enterprise_name=yogurt.product.owner.name,
        region_code=yogurt.product.owner.region_code,
        facts="包装上的生产地址与实际不符。",
        gtin=yogurt.gtin,
        lot=yogurt.lot,
        contact_name="李四" if real_name else "",
        contact_phone="13800138000" if real_name else "",
        now=received,
        **extra,
    )


def test_the_list_puts_the_overdue_report_first_and_shows_the_deadline(client, seeded):  # noqa: F811
    fresh = _report()
    late = _report(received=timezone.now() - timedelta(days=40))
    client.force_login(seeded["county-regulator"])
    response = client.get("/workbench/tips/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(f'data-code="{late.display_code}"') < html.index(
        f'data-code="{fresh.display_code}"'
    )
    assert "行政处罚程序规定" in _text(response) or "处罚" in _text(response)
    assert "13800138000" not in html
    # Filtered by stage: a verified report is not among the received ones.
    report_services.report_verify(report_id=fresh.pk, actor=seeded["county-regulator"])
    html = client.get("/workbench/tips/?status=received").content.decode()
    assert late.display_code in html and fresh.display_code not in html


def test_only_the_handling_county_sees_the_reporter(client, seeded):  # noqa: F811
    report = _report(real_name=True)
    client.force_login(seeded["county-regulator"])
    assert "13800138000" in client.get(f"/workbench/tips/{report.pk}/").content.decode()
    client.force_login(seeded["city-regulator"])
    page = client.get(f"/workbench/tips/{report.pk}/")
    assert page.status_code == 200 and "13800138000" not in page.content.decode()
    assert f"/workbench/tips/{report.pk}/do/" not in page.content.decode()
    client.force_login(seeded["producer"])  # the enterprise reported on: no page at all
    assert client.get(f"/workbench/tips/{report.pk}/").status_code == 403
    assert client.get("/workbench/tips/").status_code == 403


def test_verify_then_open_a_case_as_a_new_incident_links_both_ways(client, seeded):  # noqa: F811
    report = _report()
    client.force_login(seeded["county-regulator"])
    response = client.post(f"/workbench/tips/{report.pk}/do/verify/", follow=True)
    report.refresh_from_db()
    assert report.status == "verified" and _messages(response)
    response = client.post(
        f"/workbench/tips/{report.pk}/do/open-case/",
        {"open_incident": "true", "title": "冒用厂址立案", "incident": "", "reason": ""},
        follow=True,
    )
    report.refresh_from_db()
    assert report.status == "case_opened"
    incident = Incident.objects.get(pk=report.incident_id)
    assert incident.title == "冒用厂址立案"
    assert f'href="/workbench/incidents/{incident.pk}/"' in response.content.decode()
    page = client.get(f"/workbench/incidents/{incident.pk}/").content.decode()
    assert f'href="/workbench/tips/{report.pk}/"' in page
    assert incident.timeline.filter(action="from_report").exists()
    assert list(report.timeline.values_list("action", flat=True)) == [
        "received",
        "verified",
        "case_opened",
    ]


def test_decline_needs_a_reason_and_a_refusal_changes_nothing(client, seeded):  # noqa: F811
    report = _report()
    client.force_login(seeded["county-regulator"])
    response = client.post(f"/workbench/tips/{report.pk}/do/decline/", {"reason": ""}, follow=True)
    report.refresh_from_db()
    assert report.status == "received"
    assert any("reason" in m for m in _messages(response))
    # open-case before the check: the transition table refuses (409), shown as a message
    response = client.post(f"/workbench/tips/{report.pk}/do/open-case/", {}, follow=True)
    report.refresh_from_db()
    assert report.status == "received" and _messages(response)
    client.post(f"/workbench/tips/{report.pk}/do/decline/", {"reason": "查无实据"})
    report.refresh_from_db()
    assert report.status == "declined" and report.public_reason == "查无实据"


def test_a_city_regulator_cannot_act(client, seeded):  # noqa: F811
    report = _report()
    client.force_login(seeded["city-regulator"])
    response = client.post(f"/workbench/tips/{report.pk}/do/verify/", follow=True)
    report.refresh_from_db()
    assert report.status == "received" and _messages(response)


def test_the_inbox_lists_the_reports_due_and_the_nav_links_the_list(client, seeded):  # noqa: F811
    report = _report()
    client.force_login(seeded["county-regulator"])
    html = client.get("/workbench/").content.decode()
    assert f'data-item="report-{report.pk}"' in html
    assert 'href="/workbench/tips/"' in html
    assert f"/workbench/tips/{report.pk}/do/verify/" in html
    client.force_login(seeded["producer"])
    html = client.get("/workbench/").content.decode()
    assert 'href="/workbench/tips/"' not in html and f"report-{report.pk}" not in html


def test_a_report_from_a_complaint_links_to_it_and_back(client, seeded):  # noqa: F811
    county = seeded["county-regulator"]
    complaint = complaint_services.complaint_submit(
        batch=demo_yogurt_batch(), description="标签地址不实", injured=False
    )
    report = report_services.report_from_complaint(complaint_id=complaint.pk, actor=county)
    client.force_login(county)
    page = client.get(f"/workbench/complaints/{complaint.pk}/").content.decode()
    assert f'href="/workbench/tips/{report.pk}/"' in page
    page = client.get(f"/workbench/tips/{report.pk}/").content.decode()
    assert f'href="/workbench/complaints/{complaint.pk}/"' in page
