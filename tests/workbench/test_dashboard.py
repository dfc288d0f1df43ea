"""The dashboard's figures, counted again here from the objects each test creates; who sees
which; the downloads (CSV equal to the API's counts, XLSX equal to the CSV); bad input."""

import csv
import io
from collections import Counter
from datetime import timedelta
from trace.models import ScanLog

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from incidents import services as incident_services
from tests.workbench import analytics_world
from tests.workbench.analytics_world import build_world, days_ago

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = build_world()
    # Tongshan: four incidents over three months (one late, one of grade III), B's two in Hangzhou.
    w.report("a", at=days_ago(70))
    w.report("a", at=days_ago(40), late=True)
    w.report("a", at=days_ago(10), deaths=3)
    w.report("a", at=days_ago(3), minor_injuries=2)
    w.report("b", at=days_ago(40))
    w.report("b", at=days_ago(5), serious_injuries=10)
    county = w.users["tongshan"]
    first = w.incidents[0]
    incident_services.incident_accept(incident_id=first.pk, actor=county, now=days_ago(70, hour=11))
    for days in (20, 12, 4):
        w.complain("a", at=days_ago(days), injured=days == 4)
    w.complain("a", at=days_ago(4, hour=15))
    w.complain("b", at=days_ago(12))
    return w


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _month(at) -> str:
    return timezone.localtime(at).strftime("%Y-%m")


def test_incidents_by_grade_and_status_per_month_are_the_incidents_of_the_county(client, world):
    client.force_login(world.users["tongshan"])
    rows = _csv(client.get("/workbench/dashboard/incidents.csv"))
    got = Counter({(r[0], r[1], r[3]): int(r[5]) for r in rows[1:]})
    expected = Counter(
        (_month(i.reported_at), i.grade, i.status)
        for i in world.fresh_incidents()
        if i.region_code == "320312"
    )
    assert got == expected
    assert sum(got.values()) == 4  # B's incidents in Hangzhou are not Tongshan's


def test_the_csv_of_incidents_equals_the_api_counts_for_the_same_user_and_period(client, world):
    start, end = days_ago(45).date(), days_ago(1).date()
    query = f"date_from={start}&date_to={end}"
    for who in ("tongshan", "hangzhou", "city", "national"):
        client.force_login(world.users[who])
        for params in ("", query):
            rows = _csv(client.get(f"/workbench/dashboard/incidents.csv?{params}"))
            by_grade, by_status = Counter(), Counter()
            for row in rows[1:]:
                by_grade[row[1]] += int(row[5])
                by_status[row[3]] += int(row[5])
            api = "/api/v1/incidents/counts/"
            if params:
                after = timezone.make_aware(
                    timezone.datetime.combine(start, timezone.datetime.min.time())
                )
                before = timezone.make_aware(
                    timezone.datetime.combine(end + timedelta(days=1), timezone.datetime.min.time())
                )
                api += f"?reported_after={after.isoformat()}&reported_before={before.isoformat()}"
                api = api.replace("+", "%2B")
            counts = client.get(api).json()
            assert {k: v for k, v in counts["by_grade"].items() if v} == dict(by_grade), who
            assert {k: v for k, v in counts["by_status"].items() if v} == dict(by_status), who
            assert counts["total"] == sum(by_grade.values())


def test_a_county_sees_its_county_and_not_another(client, world):
    client.force_login(world.users["hangzhou"])
    rows = _csv(client.get("/workbench/dashboard/incidents.csv"))
    assert sum(int(r[5]) for r in rows[1:]) == 2
    complaints = _csv(client.get("/workbench/dashboard/complaints.csv"))
    assert [(r[1], int(r[3])) for r in complaints[1:]] == [("key_consumer", 1)]
    page = client.get("/workbench/dashboard/").content.decode()
    assert "<svg" in page and "甲乳业" not in page


def test_complaints_per_week_and_category_count_the_complaints(client, world):
    client.force_login(world.users["tongshan"])
    rows = _csv(client.get("/workbench/dashboard/complaints.csv"))
    got = {(r[0], r[1]): int(r[3]) for r in rows[1:]}
    expected = Counter()
    for c in world.complaints:
        if c.region_code == "320312":
            day = timezone.localtime(c.submitted_at).date()
            expected[((day - timedelta(days=day.weekday())).isoformat(), "food")] += 1
    assert got == dict(expected)


def test_deadlines_met_and_missed_per_level(client, world):
    w = world
    county, city = w.users["tongshan"], w.users["city"]
    # The grade III one: the county passes it up within 2 hours, the city does not (the sweep
    # escalates it to the province).
    grade_three = w.incidents[2]
    incident_services.incident_report_up(
        incident_id=grade_three.pk,
        actor=county,
        now=grade_three.reported_at + timedelta(minutes=30),
    )
    incident_services.incidents_sweep(grade_three.reported_at + timedelta(hours=4))
    # A grade IV one goes up to the city (the level it requires), which passes it on to the
    # province anyway: the county met its deadline, the city owed none.
    grade_four = w.incidents[3]
    assert grade_four.grade == "IV"
    incident_services.incident_report_up(
        incident_id=grade_four.pk, actor=county, now=grade_four.reported_at + timedelta(minutes=20)
    )
    incident_services.incident_report_up(
        incident_id=grade_four.pk, actor=city, now=grade_four.reported_at + timedelta(minutes=40)
    )
    client.force_login(county)
    rows = {
        (r[0], r[2]): (int(r[4]), int(r[5]))
        for r in _csv(client.get("/workbench/dashboard/deadlines.csv"))[1:]
    }
    tongshan = [i for i in w.fresh_incidents() if i.region_code == "320312"]
    late = sum(1 for i in tongshan if i.reported_late)
    assert late == 1
    assert rows[("enterprise", "report")] == (len(tongshan) - late, late)
    escalated_from_county = sum(
        1
        for i in tongshan
        for row in i.timeline.filter(action="escalated")
        if row.data["from"] == "county"
    )
    assert escalated_from_county == 2  # the two older ones nobody passed up, by the sweep
    assert rows[("county", "pass_up")] == (2, escalated_from_county)
    assert rows[("city", "pass_up")] == (0, 1)
    client.force_login(city)
    city_rows = {(r[0], r[2]) for r in _csv(client.get("/workbench/dashboard/deadlines.csv"))[1:]}
    assert ("city", "pass_up") in city_rows


def test_scans_per_region_are_the_scans_of_the_lots_the_regulator_sees(client, world):
    at = days_ago(2)
    for region, n in (("320312", 3), ("320102", 2)):
        for _ in range(n):
            ScanLog.objects.create(batch=world.lots["a"], region_code=region, scanned_at=at)
    ScanLog.objects.create(batch=world.lots["b"], region_code="330106", scanned_at=at)
    ScanLog.objects.create(batch=world.lots["a"], scanned_at=at)  # placed nowhere: not counted
    client.force_login(world.users["tongshan"])
    rows = _csv(client.get("/workbench/dashboard/scans.csv"))
    assert [(r[0], int(r[2])) for r in rows[1:]] == [("320312", 3), ("320102", 2)]
    assert rows[1][1] == "江苏省徐州市铜山区"


full_demo = analytics_world.full_demo


def test_recall_effectiveness_is_answered_over_notified_consignees(client, full_demo):
    from recalls.models import Recall, RecallNotice

    client.force_login(full_demo["city-regulator"])
    rows = _csv(client.get("/workbench/dashboard/recalls.csv"))
    assert len(rows) - 1 == Recall.objects.filter(activated_at__isnull=False).count() == 2
    for row in rows[1:]:
        notices = RecallNotice.objects.filter(recall__number=row[0], included=True)
        answered = sum(1 for n in notices if n.acknowledged_at)
        assert float(row[7]) == pytest.approx(100 * answered / len(notices))
        assert row[8] in ("yes", "no", "是", "否")


def test_the_xlsx_holds_what_the_csv_holds(client, world):
    client.force_login(world.users["tongshan"])
    rows = _csv(client.get("/workbench/dashboard/incidents.csv"))
    response = client.get("/workbench/dashboard/incidents.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [
        ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
    ]
    assert cells == rows


def test_an_enterprise_is_refused_the_dashboard_and_its_downloads(client, world):
    client.force_login(world.users["a"])
    assert client.get("/workbench/dashboard/").status_code == 403
    assert client.get("/workbench/dashboard/incidents.csv").status_code == 403


def test_bad_periods_are_refused_with_the_field_named(client, world):
    client.force_login(world.users["tongshan"])
    response = client.get("/workbench/dashboard/?date_from=yesterday")
    assert response.status_code == 400
    assert 'name="date_from"' in response.content.decode()
    response = client.get(
        "/workbench/dashboard/incidents.csv?date_from=2026-05-01&date_to=2026-04-01"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "date_to"
    assert response.json()["errors"][0]["rule"] == "period_reversed"
    response = client.get(
        "/workbench/dashboard/incidents.csv?date_from=1990-01-01&date_to=2026-04-01"
    )
    assert response.status_code == 400
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [
        ("date_from", "period_too_long")
    ]
    response = client.get("/workbench/dashboard/scans.xlsx?date_to=2026-13-01")
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [("date_to", "invalid")]
    assert client.get("/workbench/dashboard/nothing.csv").status_code == 404
    assert client.get("/workbench/dashboard/incidents.pdf").status_code == 404


def test_the_page_is_chinese_by_default_and_english_when_asked(client, world):
    client.force_login(world.users["tongshan"])
    page = client.get("/workbench/dashboard/").content.decode()
    assert page.count("<svg") == 6 and "每月" in page
    page = client.get("/workbench/dashboard/?lang=en").content.decode()
    assert "Incidents per month by grade" in page
