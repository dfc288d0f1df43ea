"""Incidents by category: each follows its own instrument for who is told, how fast, the grade,
who investigates and from which day the clocks count (``incidents.law``).

Citations (rulebook keys in brackets):
- food: Food Safety Law Art. 103 ¶3 (the county reports up) [food_incident.report_up_min_level],
  Art. 106 (districted city or higher investigates) [food_incident.investigator_min_level], the
  national plan §4.2.2 (business reports in 2 hours) [food_incident.business_report_hours] and
  its graded response [food_incident.gradeN.response_level], Jiangsu's grades (template B)
  [food_incident.jiangsu.*];
- special equipment: SAMR Order 50 Art. 7 (1 hour) [incident.special_equipment.report_hours],
  Art. 8 (up to SAMR) [incident.special_equipment.report_up_to], Art. 11 (casualty changes
  within 30 days of the accident), Art. 30 (60 days from the team's formation); the Regulations
  Arts. 61–64 (grades); the Special Equipment Safety Law Art. 72 (investigating level);
- product: the local emergency plan (UNVERIFIED: 60 days from the incident
  [incident.product.investigation_days]; casualty changes within 30 days of it
  [incident.product.supplement_days]); a consumer-product defect: SAMR Order 19 Art. 8
  (2 working days, the province; death or injury, or a recall abroad).
Day periods: Civil Code Art. 201 (from the next day), Art. 203 (a last day on a holiday moves).
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from core.rulebook import rule
from incidents import services
from incidents.models import Incident, IncidentTimeline

from .conftest import report_body

SH = ZoneInfo("Asia/Shanghai")
URL = "/api/v1/incidents/"
PUBLIC = "/api/v1/public/incident-results/"
FEB_10 = datetime(2026, 2, 10, 10, 0, tzinfo=SH)


def end_of(y, m, d):
    return datetime(y, m, d, 23, 59, 59, 999999, tzinfo=SH)


def report(dairy, *, occurred=FEB_10, now=None, **kwargs):
    now = now or occurred + timedelta(minutes=40)
    return services.incident_report(
        actor=dairy.user,
        title="事故",
        description="经过",
        region_code="320312",
        occurred_at=occurred,
        discovered_at=occurred + timedelta(minutes=20),
        now=now,
        **kwargs,
    )


def test_a_product_incident_of_10_february_2026_is_due_for_investigation_60_days_after_it(
    chain, dairy
):
    """The local plan [incident.product.investigation_days] counts from the incident, not from
    acceptance: 10 Feb 2026 + 60 calendar days (from 11 Feb, Civil Code Art. 201) is Saturday
    11 April, no public holiday, so the report is due at its 24:00 — accepted after the Spring
    Festival break (15–23 Feb) or not. The old rule (60 days after acceptance) said 25 April."""
    incident = report(dairy)
    assert incident.category == "product"
    found = rule("incident.product.investigation_days", on=FEB_10)
    assert (found.value, found.unit) == (60, "calendar_days") and not found.verified
    services.incident_accept(
        incident_id=incident.pk, actor=chain["county"].user, now=datetime(2026, 2, 24, 9, tzinfo=SH)
    )
    incident.refresh_from_db()
    assert incident.investigation_due_at == end_of(2026, 4, 11)
    accepted = IncidentTimeline.objects.get(incident=incident, action="status_changed")
    assert accepted.data["investigation_rule"] == found.citation()


def test_a_special_equipment_accident_is_due_60_days_after_its_team_is_formed(chain, dairy):
    """SAMR Order 50 Art. 30: 60 days from the investigation team's formation (here 24 Feb 2026,
    the first working day after the Spring Festival break), so 25 April; the accident of
    10 Feb is reported within 1 hour (Art. 7), goes up to SAMR (Art. 8), and a grade IV accident
    is investigated by the districted city (Special Equipment Safety Law Art. 72)."""
    incident = report(dairy, category="special_equipment")
    assert incident.report_due_at == FEB_10 + timedelta(minutes=20, hours=1)
    assert (incident.grade, incident.required_level) == ("IV", "national")
    # each level passes it up within 2 hours (Order 50 Art. 8)
    assert incident.escalation_due_at == incident.reported_at + timedelta(hours=2)
    assert incident.investigating_level == "city"
    county, city = chain["county"].user, chain["city"].user
    services.incident_accept(incident_id=incident.pk, actor=county, now=FEB_10 + timedelta(hours=1))
    incident.refresh_from_db()
    assert incident.investigation_due_at is None  # no team yet: no clock
    services.incident_report_up(
        incident_id=incident.pk, actor=county, now=FEB_10 + timedelta(hours=1)
    )
    with pytest.raises(services.NotYourAction):  # the county does not investigate it
        services.incident_investigate(
            incident_id=incident.pk, actor=county, now=datetime(2026, 2, 24, 9, tzinfo=SH)
        )
    services.incident_investigate(
        incident_id=incident.pk, actor=city, now=datetime(2026, 2, 24, 9, tzinfo=SH)
    )
    incident.refresh_from_db()
    assert incident.investigation_due_at == end_of(2026, 4, 25)


def test_special_equipment_grades_and_investigators_follow_the_regulations(chain, dairy):
    """The Regulations Art. 63: 3 deaths is grade III; the Law Art. 72: the province
    investigates it."""
    incident = report(dairy, category="special_equipment", deaths=3)
    assert (incident.grade, incident.investigating_level) == ("III", "province")


def test_food_incidents_are_graded_by_the_province_profile_and_investigated_by_the_city(
    chain, dairy
):
    """Jiangsu (template B): 35 people harmed, no death, is grade IV, reported up at least to the
    city (Food Safety Law Art. 103 ¶3) and investigated by the city (Art. 106); 120 harmed with a
    death is grade II, answered and investigated by the province. The business reports within
    2 hours (national plan §4.2.2)."""
    small = report(dairy, category="food", minor_injuries=35)
    assert (small.grade, small.required_level, small.investigating_level) == ("IV", "city", "city")
    assert small.report_due_at == FEB_10 + timedelta(minutes=20, hours=2)
    large = report(dairy, category="food", deaths=1, minor_injuries=119)
    assert (large.grade, large.required_level, large.investigating_level) == (
        "II",
        "province",
        "province",
    )
    assert rule("food_incident.jiangsu.grade2.harmed_people", on=FEB_10).value == 100


def test_the_supplementary_window_counts_from_the_incident(chain, dairy):
    """Casualty changes are reported within 30 days of the incident (SAMR Order 50 Art. 11; the
    local plan [incident.product.supplement_days]), not 30 days after the report: an incident
    of 10 Feb reported on 12 Feb has its window end at 24:00 on 12 March."""
    reported = datetime(2026, 2, 12, 9, tzinfo=SH)
    for category in ("product", "special_equipment"):
        incident = report(dairy, category=category, now=reported)
        assert incident.supplement_due_at == end_of(2026, 3, 12), category
    food = report(dairy, category="food", now=reported)
    assert food.supplement_due_at is None  # the national plan sets no period (§4.2.3)


def test_a_consumer_product_defect_with_a_death_reaches_the_province(chain, dairy, batch):
    """SAMR Order 19 Art. 8 (1): a defect that caused death or injury is reported within
    2 working days to the provincial regulator — found on Friday 13 Feb 2026, the days are
    Saturday 14 Feb (a working day) and Tuesday 24 Feb, after the Spring Festival break. The
    province handles and investigates it and sees it at once; the county does not handle it."""
    found = datetime(2026, 2, 13, 10, tzinfo=SH)
    response = dairy.client.post(
        URL,
        {
            **report_body(batch, found, batches=[], deaths=1, kind="defect"),
            "occurred_at": (found - timedelta(hours=1)).isoformat(),
            "discovered_at": found.isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    incident = Incident.objects.get(pk=response.json()["id"])
    assert (incident.kind, incident.deaths, incident.level) == ("defect", 1, "province")
    assert incident.handling_level == incident.investigating_level == "province"
    assert incident.report_due_at == end_of(2026, 2, 24)
    assert Incident.objects.visible_to(chain["province"].user).filter(pk=incident.pk).exists()


def test_a_recall_abroad_is_a_reportable_defect(chain, dairy):
    """SAMR Order 19 Art. 8 (2): a recall abroad is reported to the province too."""
    incident = report(dairy, kind="defect", recalled_abroad=True)
    assert incident.recalled_abroad and incident.level == "province"
    opened = IncidentTimeline.objects.get(incident=incident, action="reported")
    assert opened.data["recalled_abroad"] is True


def test_the_category_is_in_the_api_and_filters_the_list(chain, dairy, batch, t0):
    created = dairy.client.post(
        URL, report_body(batch, t0, category="special_equipment"), format="json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["category"] == "special_equipment"
    assert created.json()["investigating_level"] == "city"
    dairy.client.post(URL, report_body(batch, t0), format="json")
    listed = chain["county"].client.get(URL, {"category": "special_equipment"}).json()
    assert [row["category"] for row in listed["results"]] == ["special_equipment"]
    refused = dairy.client.post(
        URL, report_body(batch, t0, category="food", kind="defect"), format="json"
    )
    assert refused.status_code == 400
    errors = {(e["field"], e["rule"]) for e in refused.json()["errors"]}
    assert ("kind", "defect_is_consumer_product") in errors


def test_concluded_results_are_published_without_personal_data(chain, dairy):
    """Food Safety Law Art. 105: the incident and its handling are published; the public list
    holds the concluded incidents' public results and nothing about who reported them."""
    incident = report(dairy, category="food", minor_injuries=3)
    county, city = chain["county"].user, chain["city"].user
    services.incident_accept(incident_id=incident.pk, actor=county, now=FEB_10 + timedelta(hours=1))
    services.incident_report_up(
        incident_id=incident.pk, actor=county, now=FEB_10 + timedelta(hours=1)
    )
    services.incident_investigate(
        incident_id=incident.pk, actor=city, now=FEB_10 + timedelta(days=1)
    )
    open_one = report(dairy, category="food")
    anonymous = APIClient()
    assert anonymous.get(PUBLIC).json()["results"] == []
    services.incident_conclude(
        incident_id=incident.pk,
        actor=city,
        findings="内部调查记录：联系人张三 13800000000",
        public_result="经调查，事故系原料污染所致，已责令召回并立案处罚。",
        now=FEB_10 + timedelta(days=20),
    )
    rows = anonymous.get(PUBLIC).json()["results"]
    assert [r["id"] for r in rows] == [incident.pk] and open_one.pk not in [r["id"] for r in rows]
    assert rows[0]["public_result"].startswith("经调查") and rows[0]["category"] == "food"
    assert rows[0]["occurred_on"] == "2026-02-10"
    text = str(rows)
    assert "张三" not in text and "reporter" not in rows[0] and "title" not in rows[0]
    assert anonymous.get(PUBLIC, {"category": "product"}).json()["results"] == []
