"""A recall opened from an incident in one step (``POST /api/v1/recalls/``
with ``incident``). A regulator orders it (SAMR Order 19 Art. 22: 责令召回, the objection
window runs); the producer opens it voluntarily (Art. 12). The scope follows from the
incident's lots the producer made; both timelines record it; the link shows both ways."""

from datetime import timedelta
from decimal import Decimal
from trace.core import services as trace_services
from trace.core.choices import ProductCategory

import pytest
from django.utils import timezone

from core.choices import RegulatorLevel
from incidents import services as incident_services
from incidents.models import Incident, IncidentTimeline
from recalls.models import Recall, RecallTimelineEntry
from tests.conftest import Persona
from tests.factories import ProductFactory, RegulatorFactory, UserFactory

pytestmark = pytest.mark.django_db

PLAN = {
    "recall_class": 1,
    "defect": "酸奶被致病菌污染",
    "hazard": "食用后可致腹泻、呕吐",
    "remedies": ["refund", "replacement"],
    "notice_title": "酸奶召回",
    "notice_text": "请立即停止食用并退货。",
    "consumer_action": "请立即停止使用，凭购物凭证到购买门店办理退款。",
    "contact": "客服热线 400-000-0000",
    "planned_end": "2027-06-30",
}


@pytest.fixture
def county(db):
    """The county regulator of Tongshan (320312), where the dairy is: the incident reaches it at once."""
    return Persona(
        UserFactory(
            organization=RegulatorFactory(level=RegulatorLevel.COUNTY, region_code="320312")
        )
    )


@pytest.fixture
def lot(enterprise, partner):
    # A consumer product (SAMR Order 19): a county may send its notice to recall. A food
    # recall's order is a districted city's from 2026-12-01 (``test_food_order_level``).
    product = ProductFactory(owner=enterprise.org, category=ProductCategory.KEY_CONSUMER)
    lot = trace_services.batch_produce(
        product=product, lot="YG01", quantity=Decimal(300), unit="EA", actor=enterprise.user
    )
    trace_services.batch_ship(
        batch=lot, to=partner.org, quantity=Decimal(100), actor=enterprise.user
    )
    trace_services.batch_receive(batch=lot, actor=partner.user)
    return lot


def _incident(enterprise, batch_ids) -> Incident:
    now = timezone.now()
    return incident_services.incident_report(
        actor=enterprise.user,
        title="酸奶疑似变质致腹泻",
        description="多名消费者食用后腹泻。",
        region_code="320312",
        occurred_at=now - timedelta(hours=3),
        discovered_at=now - timedelta(hours=1),
        batch_ids=batch_ids,
        minor_injuries=3,
    )


@pytest.fixture
def incident(enterprise, lot):
    return _incident(enterprise, [lot.pk])


def rules(response) -> set[str]:
    body = response.json()
    return {(e.get("field"), e["rule"]) for e in body.get("errors", [])} | {
        (None, body["type"].rsplit("/", 1)[1])
    }


def test_a_regulator_orders_a_recall_from_an_incident(county, enterprise, incident, lot):
    """Art. 22: the regulator orders (recall_type ordered, the producer's objection window starts);
    the scope is the incident's lot and what was made from it; both timelines record it."""
    response = county.client.post(
        "/api/v1/recalls/", {**PLAN, "incident": incident.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["recall_type"] == "ordered" and body["ordered_by"]["id"] == county.org.pk
    assert body["producer"]["id"] == enterprise.org.pk
    assert body["objection_due_at"] and body["status"] == "draft"
    assert (
        body["linked_incidents"] == [incident.pk] and body["lots"] == 1 and body["consignees"] == 1
    )
    recall = Recall.objects.get(pk=body["id"])
    assert list(recall.scope_batches.values_list("batch_id", flat=True)) == [lot.pk]
    opened = RecallTimelineEntry.objects.get(recall=recall, action="opened_from_incident")
    assert opened.data == {"incident": incident.pk, "batches": [lot.pk]}
    noted = IncidentTimeline.objects.get(incident=incident, action="recall_opened")
    assert noted.data["number"] == recall.number and noted.data["recall_type"] == "ordered"
    assert noted.actor_organization_id == county.org.pk

    # The link shows both ways: the recall lists the incident, the incident its recalls.
    detail = county.client.get(f"/api/v1/incidents/{incident.pk}/").json()
    assert detail["recalls"] == [
        {"id": recall.pk, "number": recall.number, "recall_type": "ordered", "status": "draft"}
    ]
    assert (
        enterprise.client.get(f"/api/v1/incidents/{incident.pk}/").json()["recalls"][0]["id"]
        == recall.pk
    )
    assert county.client.get(f"/api/v1/recalls/{recall.pk}/").json()["linked_incidents"] == [
        incident.pk
    ]


def test_the_producer_opens_a_voluntary_recall_from_its_incident(enterprise, incident, lot):
    """Art. 12: the producer recalls voluntarily; no objection window (that is for an order)."""
    response = enterprise.client.post(
        "/api/v1/recalls/", {**PLAN, "incident": incident.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["recall_type"] == "voluntary" and body["ordered_by"] is None
    assert body["objection_due_at"] is None and body["linked_incidents"] == [incident.pk]
    assert (
        IncidentTimeline.objects.filter(
            incident=incident, action="recall_opened", data__recall=body["id"]
        ).count()
        == 1
    )
    assert (
        enterprise.client.get(f"/api/v1/incidents/{incident.pk}/").json()["recalls"][0]["number"]
        == body["number"]
    )


def test_only_the_lots_the_producer_made_are_in_scope(enterprise, partner, county, lot):
    """An incident naming lots of two makers: the producer's recall covers its own lot only."""
    theirs = trace_services.batch_produce(
        product=ProductFactory(owner=partner.org),
        lot="P9",
        quantity=Decimal(5),
        unit="EA",
        actor=partner.user,
    )
    incident = _incident(enterprise, [lot.pk])
    incident.batch_links.create(batch=theirs)
    response = enterprise.client.post(
        "/api/v1/recalls/", {**PLAN, "incident": incident.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    recall = Recall.objects.get(pk=response.json()["id"])
    assert list(recall.scope_batches.filter(distance=0).values_list("batch_id", flat=True)) == [
        lot.pk
    ]
    # The regulator orders from the enterprise the incident concerns: the same lot.
    response = county.client.post(
        "/api/v1/recalls/", {**PLAN, "incident": incident.pk}, format="json"
    )
    assert response.status_code == 201
    assert Recall.objects.get(pk=response.json()["id"]).producer_id == enterprise.org.pk


def test_wrong_persona_or_jurisdiction_is_refused_and_nothing_written(
    county, enterprise, partner, regulator_elsewhere, enterprise_viewer, incident
):
    before = IncidentTimeline.objects.filter(incident=incident).count()
    url, body = "/api/v1/recalls/", {**PLAN, "incident": incident.pk}
    # A regulator outside the place does not see the incident at all.
    assert regulator_elsewhere.client.post(url, body, format="json").status_code == 404
    # The partner neither reported it nor made its lots (and the incident is not accepted): unseen.
    assert partner.client.post(url, body, format="json").status_code == 404
    # A regulator orders; it does not suggest a voluntary recall. An enterprise cannot order.
    response = county.client.post(url, {**body, "recall_type": "voluntary"}, format="json")
    assert response.status_code == 403
    assert (
        enterprise.client.post(url, {**body, "recall_type": "ordered"}, format="json").status_code
        == 403
    )
    # A viewer only reads.
    assert enterprise_viewer.client.post(url, body, format="json").status_code == 403
    assert Recall.objects.count() == 0
    assert IncidentTimeline.objects.filter(incident=incident).count() == before


def test_an_enterprise_that_did_not_make_the_lots_cannot_recall_them(
    county, enterprise, partner, lot
):
    """The partner reported an incident about the dairy's lot it sells: it sees it, but only the
    producer recalls (403), while the regulator may order the dairy's recall."""
    now = timezone.now()
    incident = incident_services.incident_report(
        actor=partner.user,
        title="顾客投诉酸奶变质",
        description="多名顾客反映。",
        region_code="320311",
        occurred_at=now - timedelta(hours=2),
        discovered_at=now - timedelta(hours=1),
        batch_ids=[lot.pk],
    )
    response = partner.client.post(
        "/api/v1/recalls/", {**PLAN, "incident": incident.pk}, format="json"
    )
    assert response.status_code == 403
    assert Recall.objects.count() == 0


def test_bad_input_names_the_field_and_rule(county, enterprise, other_enterprise, incident, lot):
    url = "/api/v1/recalls/"
    bare = _incident(enterprise, [])
    response = county.client.post(url, {**PLAN, "incident": bare.pk}, format="json")
    assert response.status_code == 400 and ("incident", "incident_has_no_batches") in rules(
        response
    )
    response = enterprise.client.post(url, {**PLAN, "incident": bare.pk}, format="json")
    assert response.status_code == 400 and ("incident", "incident_has_no_batches") in rules(
        response
    )
    # The scope follows from the incident: lots sent with it are refused, not merged.
    response = enterprise.client.post(
        url, {**PLAN, "incident": incident.pk, "batches": [lot.pk]}, format="json"
    )
    assert response.status_code == 400 and ("batches", "scope_from_incident") in rules(response)
    # Without an incident, lots and type are required.
    response = enterprise.client.post(url, {**PLAN, "recall_type": "voluntary"}, format="json")
    assert response.status_code == 400 and ("batches", "required") in rules(response)
    response = enterprise.client.post(url, {**PLAN, "incident": 999999}, format="json")
    assert response.status_code == 404
    assert Recall.objects.count() == 0 and RecallTimelineEntry.objects.count() == 0
    assert not IncidentTimeline.objects.filter(action="recall_opened").exists()


def test_linked_incidents_must_be_ones_you_can_see(enterprise, other_enterprise, incident, lot):
    """``linked_incidents`` is a relation now: an incident you cannot see is refused like an unknown one."""
    now = timezone.now()
    theirs = incident_services.incident_report(
        actor=other_enterprise.user,
        title="别家的事件",
        description="与本企业无关。",
        region_code="330106",
        occurred_at=now - timedelta(hours=2),
        discovered_at=now - timedelta(hours=1),
    )
    url = "/api/v1/recalls/"
    body = {**PLAN, "recall_type": "voluntary", "batches": [lot.pk]}
    for ids in ([theirs.pk], [999999]):
        response = enterprise.client.post(url, {**body, "linked_incidents": ids}, format="json")
        assert response.status_code == 400 and ("linked_incidents", "does_not_exist") in rules(
            response
        )
    assert Recall.objects.count() == 0
    response = enterprise.client.post(
        url, {**body, "linked_incidents": [incident.pk]}, format="json"
    )
    assert response.status_code == 201 and response.json()["linked_incidents"] == [incident.pk]
    recall_id = response.json()["id"]
    response = enterprise.client.patch(
        f"/api/v1/recalls/{recall_id}/", {"linked_incidents": [theirs.pk]}, format="json"
    )
    assert response.status_code == 400 and ("linked_incidents", "does_not_exist") in rules(response)
    response = enterprise.client.patch(
        f"/api/v1/recalls/{recall_id}/", {"linked_incidents": []}, format="json"
    )
    assert response.status_code == 200 and response.json()["linked_incidents"] == []
    assert Incident.objects.get(pk=incident.pk).recalls.count() == 0
