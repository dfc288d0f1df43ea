"""Disclosure, objections and credit repair through the API (Hangzhou Art. 23 质量监管信用信息
公开 … 信用修复机制; Xinjiang Art. 32 质量信用评价, 分类监管)."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from credit import selectors
from tests.workbench.analytics_world import days_ago

pytestmark = pytest.mark.django_db


def _client(world, who=None):
    client = APIClient()
    if who:
        client.force_authenticate(world.users[who])
    return client


def _org(world, who):
    return world.users[who].membership.organization


def test_anyone_reads_the_class_reasons_with_citations_and_period_hangzhou_art23(world):
    world.report("a", at=days_ago(20), deaths=3, handled=True)
    a = _org(world, "a")
    body = _client(world).get(f"/api/v1/public/credit/{a.pk}/").json()
    assert body["credit_class"] == "C"
    assert body["organization"]["id"] == a.pk
    assert body["reasons"] and all(r["citation"] for r in body["reasons"])
    since, until = selectors.window()
    assert body["period"] == {
        "since": timezone.localdate(since).isoformat(),
        "until": timezone.localdate(until).isoformat(),
    }
    assert "facts" not in body  # the disclosure is the class and why, not the case files
    clean = _client(world).get(f"/api/v1/public/credit/{_org(world, 'b').pk}/").json()
    assert clean["credit_class"] == "A" and clean["reasons"][0]["citation"]
    regulator = _org(world, "tongshan")
    assert _client(world).get(f"/api/v1/public/credit/{regulator.pk}/").status_code == 404


def test_the_public_page_shows_the_class_and_its_articles(client, world):
    world.report("a", at=days_ago(9), handled=True)
    page = client.get(f"/credit/{_org(world, 'a').pk}/?lang=en").content.decode()
    assert 'data-class="B"' in page and "QUALITY_CLASS_B_GRADE_IV_INCIDENTS" in page


def test_a_regulator_lists_the_enterprises_it_governs_with_their_class(world):
    world.report("a", at=days_ago(9), handled=True)
    rows = _client(world, "tongshan").get("/api/v1/credit/").json()["results"]
    assert [(r["organization"]["name"], r["credit_class"]) for r in rows] == [("甲乳业", "B")]
    rows = _client(world, "national").get("/api/v1/credit/?class=A").json()["results"]
    assert [r["organization"]["name"] for r in rows] == ["乙电器"]
    assert _client(world, "a").get("/api/v1/credit/").status_code == 403


def test_the_enterprise_objects_and_a_regulator_governing_it_decides_hangzhou_art23(world):
    incident = world.report("a", at=days_ago(9), handled=True)
    a = _org(world, "a")
    fact = f"incident:{incident.pk}"
    owner = _client(world, "a")
    # another enterprise cannot see the record, nor object on it
    assert _client(world, "b").post(f"/api/v1/credit/{a.pk}/objections/", {}).status_code == 404
    r = owner.post(
        f"/api/v1/credit/{a.pk}/objections/",
        {"fact": "incident:999999", "reason": "无此事"},
        format="json",
    )
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "fact"
    r = owner.post(
        f"/api/v1/credit/{a.pk}/objections/",
        {"fact": fact, "reason": "事故系第三方运输造成"},
        format="json",
    )
    assert r.status_code == 201, r.content
    request_id = r.json()["id"]
    again = owner.post(
        f"/api/v1/credit/{a.pk}/objections/", {"fact": fact, "reason": "再次"}, format="json"
    )
    assert again.status_code == 409
    # the pending objection is visible, the fact still counts
    record = owner.get(f"/api/v1/credit/{a.pk}/").json()
    assert record["credit_class"] == "B"
    assert record["objections"][0]["status"] == "pending"
    # the enterprise does not decide its own objection; a regulator elsewhere does not see it
    decide = f"/api/v1/credit/requests/{request_id}/decide/"
    body = {"decision": "upheld", "reason": "复核属实"}
    assert owner.post(decide, body, format="json").status_code == 403
    assert _client(world, "hangzhou").post(decide, body, format="json").status_code == 404
    wrong = _client(world, "tongshan").post(
        decide, {"decision": "granted", "reason": "x"}, format="json"
    )
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "decision"
    assert _client(world, "city").post(decide, body, format="json").status_code == 200
    assert _client(world, "tongshan").post(decide, body, format="json").status_code == 409
    record = owner.get(f"/api/v1/credit/{a.pk}/").json()
    assert record["credit_class"] == "A"
    (listed,) = [f for f in record["facts"] if f["key"] == fact]
    assert listed["counts"] is False and listed["struck"] == "upheld"
    assert [t["action"] for t in record["timeline"]] == ["objection_filed", "objection_upheld"]
    public = _client(world).get(f"/api/v1/public/credit/{a.pk}/").json()
    assert public["objections"][0]["status"] == "upheld" and public["credit_class"] == "A"


def test_repair_opens_after_the_period_its_setting_gives_and_a_grant_stops_the_count(world):
    old = world.report("a", at=days_ago(400), handled=True)
    recent = world.report("a", at=days_ago(9), handled=True)
    a = _org(world, "a")
    owner = _client(world, "a")
    url = f"/api/v1/credit/{a.pk}/repairs/"
    early = owner.post(url, {"fact": f"incident:{recent.pk}", "reason": "已整改"}, format="json")
    assert early.status_code == 400
    (error,) = early.json()["errors"]
    assert error["field"] == "fact" and error["rule"] == "credit_repair_period"
    opens = (timezone.localdate(recent.occurred_at) + timedelta(days=365)).isoformat()
    assert opens in error["message"]
    r = owner.post(url, {"fact": f"incident:{old.pk}", "reason": "已整改"}, format="json")
    assert r.status_code == 201
    decided = _client(world, "tongshan").post(
        f"/api/v1/credit/requests/{r.json()['id']}/decide/",
        {"decision": "granted", "reason": "整改到位"},
        format="json",
    )
    assert decided.status_code == 200
    record = selectors.credit_record(a)
    assert record.incidents_by_grade["IV"] == 1  # the recent one still counts
    assert not record.fact(f"incident:{old.pk}").counts
    assert owner.get(f"/api/v1/credit/{a.pk}/").json()["repairs"][0]["status"] == "granted"


@override_settings(RULEBOOK_OVERRIDES={"credit.repair_wait_days": 5})
def test_the_repair_period_is_the_provinces_setting(world):
    recent = world.report("a", at=days_ago(9), handled=True)
    a = _org(world, "a")
    r = _client(world, "a").post(
        f"/api/v1/credit/{a.pk}/repairs/",
        {"fact": f"incident:{recent.pk}", "reason": "已整改"},
        format="json",
    )
    assert r.status_code == 201
