"""``GET /api/v1/rules/?on=YYYY-MM-DD``: the rules in force on a day, public, zh and en."""

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.throttling import AnonRateThrottle

from api.views import RulesView

URL = "/api/v1/rules/"


def by_key(response) -> dict:
    return {r["key"]: r for r in response.json()["rules"]}


@pytest.mark.django_db
def test_anyone_reads_the_rules_of_a_day_without_the_database(django_assert_num_queries):
    """Public (no login), and answered from the code: no query at all."""
    with django_assert_num_queries(0):
        response = Client().get(URL, {"on": "2026-12-01"})
    assert response.status_code == 200
    assert response.json()["on"] == "2026-12-01"
    rule = by_key(response)["food_recall.grade3.start_hours"]
    assert set(rule) >= {
        "key",
        "value",
        "unit",
        "instrument",
        "article",
        "verified",
        "in_force_from",
        "in_force_to",
    }


@pytest.mark.django_db
def test_the_samr_order_122_switch_72_to_48_hours_and_working_to_calendar_days():
    """CFDA Order 12 Arts. 13, 17 until 2026-11-30; SAMR Order 122 Arts. 11, 15 from 2026-12-01."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    old = by_key(client.get(URL, {"on": "2026-11-30"}))
    new = by_key(client.get(URL, {"on": "2026-12-01"}))
    assert (
        old["food_recall.grade3.start_hours"]["value"],
        new["food_recall.grade3.start_hours"]["value"],
    ) == (72, 48)
    assert old["food_recall.grade1.complete_days"]["unit"] == "working_days"
    assert new["food_recall.grade1.complete_days"]["unit"] == "calendar_days"
    assert old["food_recall.grade3.start_hours"]["in_force_to"] == "2026-11-30"
    assert new["food_recall.grade3.start_hours"]["in_force_from"] == "2026-12-01"
    assert new["food_recall.grade3.start_hours"]["article"] == "Art. 11"
    assert "food_recall.final_report_days" not in old and "food_recall.final_report_days" in new


@pytest.mark.django_db
def test_instrument_and_article_in_the_language_of_the_request():
    """SAMR Order 19 Art. 13 in Chinese by default, in English with Accept-Language or ?lang=en."""
    zh = by_key(Client().get(URL, {"on": "2026-12-01"}))["recall.objection_working_days"]
    assert zh["instrument"] == "《消费品召回管理暂行规定》（国家市场监督管理总局令第19号）"
    assert zh["article"] == "第十三条" and zh["unit_label"] == "个工作日"
    assert zh["value"] == 10 and zh["verified"] is True and zh["status"] == "VERIFIED"
    en = by_key(Client(HTTP_ACCEPT_LANGUAGE="en").get(URL, {"on": "2026-12-01"}))[
        "recall.objection_working_days"
    ]
    assert en["instrument"].startswith("Interim Provisions on the Administration of Consumer")
    assert en["article"] == "Art. 13" and en["unit_label"] == "working days"
    lang = by_key(Client().get(URL, {"on": "2026-12-01", "lang": "en"}))
    assert lang["recall.objection_working_days"]["article"] == "Art. 13"


@pytest.mark.django_db
def test_the_day_defaults_to_today_in_china(monkeypatch):
    """At 16:30 UTC on 30 November it is already 1 December in Beijing: Order 122 applies."""
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 11, 30, 16, 30, tzinfo=UTC))
    response = Client().get(URL)
    assert response.json()["on"] == "2026-12-01"
    assert by_key(response)["food_recall.grade3.start_hours"]["value"] == 48


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad", ["2026-13-01", "2026-02-30", "tomorrow", "20261201", "2026-12-01T00:00"]
)
def test_a_bad_day_is_a_400_naming_the_field(bad):
    response = Client().get(URL, {"on": bad})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    error = response.json()["errors"][0]
    assert (error["field"], error["rule"]) == ("on", "invalid")
    assert error["message"] == "请按 YYYY-MM-DD 格式填写日期，例如 2026-12-01。"
    en = Client(HTTP_ACCEPT_LANGUAGE="en").get(URL, {"on": bad}).json()
    assert en["detail"] == "on: Give the day as YYYY-MM-DD, e.g. 2026-12-01."


@pytest.mark.django_db
def test_an_override_from_settings_shows_overridden_and_the_local_citation(settings):
    settings.RULEBOOK_OVERRIDES = {
        "food_incident.grade4.poisoned_people": {
            "value": 20,
            "instrument_en": "Province X food-safety incident plan",
            "instrument_zh": "《某省食品安全事故应急预案》",
        },
        "complaint.accept_working_days": 5,
    }
    rules = by_key(Client(HTTP_ACCEPT_LANGUAGE="en").get(URL, {"on": "2026-12-01"}))
    plan = rules["food_incident.grade4.poisoned_people"]
    assert (plan["value"], plan["overridden"], plan["verified"]) == (20, True, False)
    assert plan["instrument"] == "Province X food-safety incident plan"
    setting = rules["complaint.accept_working_days"]
    assert (setting["value"], setting["overridden"]) == (5, True)
    assert setting["instrument"] == "Local setting (RULEBOOK_OVERRIDES)"
    assert rules["recall.objection_working_days"]["overridden"] is False


@pytest.mark.django_db
def test_unverified_figures_say_so():
    """RULEBOOK §1d: food-incident grades of a provincial plan are UNVERIFIED defaults."""
    rule = by_key(Client().get(URL, {"on": "2026-12-01"}))["food_incident.grade2.deaths"]
    assert (rule["verified"], rule["status"], rule["overridden"]) == (False, "UNVERIFIED", False)


@pytest.mark.django_db
def test_the_rules_are_throttled_like_every_public_endpoint(monkeypatch):
    assert AnonRateThrottle in RulesView.throttle_classes
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})
    codes = [Client().get(URL).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_the_schema_documents_the_day_and_the_rule_fields():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"][URL]["get"]
    assert operation.get("security") in (None, [], [{}])  # no credentials needed
    on = next(p for p in operation["parameters"] if p["name"] == "on")
    assert on["in"] == "query" and on["schema"]["format"] == "date"
    rule = schema["components"]["schemas"]["Rule"]["properties"]
    assert {"key", "value", "unit", "instrument", "article", "verified", "overridden"} <= set(rule)
