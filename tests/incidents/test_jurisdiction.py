"""Who may file an incident against whom, who then sees it, how the enterprise
answers, and what counts in its credit record.

The story: a county of Suzhou (Wuzhong, 320506) filed ten deaths against a Xuzhou dairy
(Tongshan, 320312); neither the dairy nor its regulators could see it, and it pushed the dairy to
credit class D.
"""

from datetime import timedelta
from decimal import Decimal
from trace.core import services as trace_services

import pytest

from core.choices import RegulatorLevel
from incidents import services
from incidents.models import Incident, IncidentTimeline
from tests.conftest import Persona
from tests.factories import EnterpriseFactory, RegulatorFactory, UserFactory
from tests.incidents.conftest import report_body
from workbench import quality

URL = "/api/v1/incidents/"
WUZHONG = "320506"


@pytest.fixture
def suzhou_county(db):
    return Persona(
        UserFactory(organization=RegulatorFactory(level=RegulatorLevel.COUNTY, region_code=WUZHONG))
    )


def rules(response) -> set[tuple[str, str]]:
    assert response["Content-Type"].startswith("application/problem+json"), response.content
    return {(e["field"], e["rule"]) for e in response.json().get("errors", [])}


def test_a_county_elsewhere_cannot_file_against_an_enterprise_it_does_not_govern(
    suzhou_county, dairy, batch, t0
):
    body = report_body(
        batch, t0, batches=[], region_code=WUZHONG, deaths=10, enterprise=dairy.org.pk
    )
    response = suzhou_county.client.post(URL, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert rules(response) == {("enterprise", "enterprise_outside_jurisdiction")}
    assert "outside your jurisdiction" in response.json()["errors"][0]["message"]
    zh = suzhou_county.client.post(URL, body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "管辖" in zh.json()["errors"][0]["message"]
    assert not Incident.objects.exists()


def test_nor_at_a_place_outside_its_jurisdiction(suzhou_county, dairy, batch, t0):
    body = report_body(batch, t0, batches=[], region_code="320312", enterprise=dairy.org.pk)
    response = suzhou_county.client.post(URL, body, format="json")
    assert response.status_code == 400
    assert rules(response) == {("region_code", "outside_jurisdiction")}
    assert not Incident.objects.exists()


def test_nor_through_a_batch_of_that_enterprise_held_in_its_region(suzhou_county, dairy, batch, t0):
    """A lot of the dairy sold in a Wuzhong shop is visible to Wuzhong's county, but naming it
    would put the case on the dairy's record: refused the same way, naming the batches."""
    shop = UserFactory(organization=EnterpriseFactory(region_code=WUZHONG))
    trace_services.batch_ship(
        batch=batch, to=shop.membership.organization, quantity=Decimal(10), actor=dairy.user
    )
    trace_services.batch_receive(batch=batch, actor=shop)
    body = report_body(batch, t0, region_code=WUZHONG)
    response = suzhou_county.client.post(URL, body, format="json")
    assert response.status_code == 400
    assert rules(response) == {("batches", "enterprise_outside_jurisdiction")}
    # with no enterprise named it may record what happened at its place (and transfer the case)
    response = suzhou_county.client.post(
        URL, report_body(batch, t0, batches=[], region_code=WUZHONG), format="json"
    )
    assert response.status_code == 201 and response.json()["enterprise"] is None


def test_the_named_enterprise_sees_it_answers_it_and_only_a_graded_case_counts(
    chain, dairy, batch, t0
):
    county = chain["county"]
    response = county.client.post(
        URL,
        report_body(batch, t0, deaths=10, source="inspection", enterprise=dairy.org.pk),
        format="json",
    )
    assert response.status_code == 201, response.content
    incident_id = response.json()["id"]
    # the enterprise sees it in its list and detail at once, and is told
    listed = dairy.client.get(URL).json()["results"]
    assert [row["id"] for row in listed] == [incident_id]
    detail = dairy.client.get(f"{URL}{incident_id}/").json()
    assert "answer" in detail["allowed_actions"]
    assert dairy.org.notifications.filter(topic="incident.filed").exists()

    # it answers; the statement is on the timeline, written by the service
    refused = dairy.client.post(f"{URL}{incident_id}/answer/", {"statement": " "}, format="json")
    assert refused.status_code == 400 and rules(refused) == {("statement", "blank")}
    answered = dairy.client.post(
        f"{URL}{incident_id}/answer/",
        {"statement": "该批次出厂检验合格，已申请复检。"},
        format="json",
    )
    assert answered.status_code == 200
    row = IncidentTimeline.objects.get(incident_id=incident_id, action="answered")
    assert row.reason == "该批次出厂检验合格，已申请复检。"
    assert row.actor_organization_id == dairy.org.pk
    timeline = dairy.client.get(f"{URL}{incident_id}/timeline/").json()["results"]
    assert "answered" in [r["action"] for r in timeline]
    # only the enterprise named answers
    assert (
        county.client.post(
            f"{URL}{incident_id}/answer/", {"statement": "x"}, format="json"
        ).status_code
        == 403
    )

    # the credit record: nothing until the handling regulator has accepted and graded it
    record = quality.quality_record(dairy.org)
    assert record.incidents == 0 and record.credit_class == "A"
    assert _incident_free(dairy.org)  # SIP award Art. 11 item 8, read from the record
    services.incident_accept(incident_id=incident_id, actor=county.user)
    assert quality.quality_record(dairy.org).incidents == 0  # accepted, grade provisional
    services.incident_grade(
        incident_id=incident_id, actor=county.user, grade="II", reason="核实死亡人数"
    )
    record = quality.quality_record(dairy.org)
    assert record.incidents_by_grade["II"] == 1 and record.credit_class == "D"
    assert not _incident_free(dairy.org)
    assert not quality.award_eligibility(dairy.org).eligible


def test_an_enterprises_own_report_does_not_count_until_handled_either(chain, dairy, batch, t0):
    response = dairy.client.post(URL, report_body(batch, t0, deaths=10), format="json")
    assert response.status_code == 201
    assert quality.quality_record(dairy.org).incidents == 0
    answer = dairy.client.post(
        f"{URL}{response.json()['id']}/answer/", {"statement": "x"}, format="json"
    )
    assert answer.status_code == 403  # it supplements its own report


def test_a_report_placed_elsewhere_is_seen_by_the_enterprises_regulators_too(
    chain, suzhou_county, dairy, batch, t0
):
    """The dairy reports harm in Wuzhong: Wuzhong's county handles it, the dairy's own county
    sees it (it governs the enterprise), a county governing neither does not."""
    response = dairy.client.post(URL, report_body(batch, t0, region_code=WUZHONG), format="json")
    assert response.status_code == 201
    incident_id = response.json()["id"]
    for persona, status in (
        (suzhou_county, 200),
        (chain["county"], 200),
        (chain["elsewhere"], 404),
        (chain["city"], 404),  # not yet reached the city level
    ):
        assert persona.client.get(f"{URL}{incident_id}/").status_code == status
    assert [r["id"] for r in chain["county"].client.get(URL).json()["results"]] == [incident_id]
    # the dairy's county sees it but does not handle it
    assert chain["county"].client.post(f"{URL}{incident_id}/accept/", {}).status_code == 403
    assert suzhou_county.client.post(f"{URL}{incident_id}/accept/", {}).status_code == 200


def test_the_workbench_page_offers_the_answer_and_records_it(client, chain, dairy, batch, t0):
    incident = services.incident_open(
        actor=chain["county"].user,
        source="inspection",
        title="抽检不合格",
        description="菌落总数超标。",
        region_code="320312",
        occurred_at=t0 - timedelta(hours=3),
        discovered_at=t0 - timedelta(hours=1),
        enterprise=dairy.org,
    )
    client.force_login(dairy.user)
    page = client.get(f"/workbench/incidents/{incident.pk}/").content.decode()
    assert f"/workbench/incidents/{incident.pk}/do/answer/" in page
    listing = client.get("/workbench/incidents/").content.decode()
    assert f"/workbench/incidents/{incident.pk}/" in listing
    response = client.post(
        f"/workbench/incidents/{incident.pk}/do/answer/", {"statement": "已召回并复检。"}
    )
    assert response.status_code == 302
    assert incident.timeline.filter(action="answered", reason="已召回并复检。").exists()


def _incident_free(organization) -> bool:
    """SIP award Art. 11 item 8 (no major incident), as the award check reads it."""
    checks = quality.award_eligibility(organization).conditions
    return next(c for c in checks if c.condition.number == 8).holds
