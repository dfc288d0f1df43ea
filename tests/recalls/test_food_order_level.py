"""Who may order a food recall (责令召回) depends on the day: the Food Safety Law Art. 63 lets
any county-or-higher regulator order a business that has not recalled; from 2026-12-01 SAMR
Order 122 Art. 20 gives the notice ordering a food recall (责令召回通知书) to a districted city's
regulator or higher. The rule is ``food_recall.order_level``; ``recalls.policy`` asks it."""

from datetime import date
from decimal import Decimal
from trace.core import services as trace_services
from trace.core.choices import ProductCategory

import pytest
from django.test import Client

from core import rulebook
from incidents.models import IncidentTimeline
from recalls import policy
from recalls.models import Recall, RecallTimelineEntry
from tests.factories import ProductFactory
from tests.recalls import test_from_incident as from_incident

county, PLAN = from_incident.county, from_incident.PLAN

pytestmark = pytest.mark.django_db


@pytest.fixture
def food_lot(enterprise, partner):
    product = ProductFactory(owner=enterprise.org, category=ProductCategory.FOOD)
    lot = trace_services.batch_produce(
        product=product, lot="NF01", quantity=Decimal(200), unit="EA", actor=enterprise.user
    )
    trace_services.batch_ship(
        batch=lot, to=partner.org, quantity=Decimal(50), actor=enterprise.user
    )
    trace_services.batch_receive(batch=lot, actor=partner.user)
    return lot


@pytest.fixture
def food_incident(enterprise, food_lot):
    return from_incident._incident(enterprise, [food_lot.pk])


def test_the_rule_changes_on_the_day_order_122_takes_effect(county, regulator):
    before = rulebook.rule("food_recall.order_level", on=date(2026, 11, 30))
    after = rulebook.rule("food_recall.order_level", on=date(2026, 12, 1))
    assert (before.value, before.article.en) == ("county", "Art. 63")
    assert (after.value, after.article.en) == ("city", "Art. 20")
    assert "设区的市级以上" in after.phrase
    assert policy.may_order_food(county.org, date(2026, 11, 30))
    assert not policy.may_order_food(county.org, date(2026, 12, 1))
    assert policy.may_order_food(regulator.org, date(2026, 12, 1))


def test_a_county_may_not_order_a_food_recall_and_nothing_is_written(
    county, food_incident, food_lot
):
    before = IncidentTimeline.objects.filter(incident=food_incident).count()
    response = county.client.post(
        "/api/v1/recalls/",
        {**PLAN, "incident": food_incident.pk},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 403
    body = response.json()
    assert body["type"].endswith("/food-order-level")
    assert "Art. 20" in body["detail"] and "Order 122" in body["detail"]
    zh = county.client.post(
        "/api/v1/recalls/", {**PLAN, "incident": food_incident.pk}, format="json"
    ).json()
    assert "第二十条" in zh["detail"] and "市级" in zh["detail"]
    assert Recall.objects.count() == 0 and RecallTimelineEntry.objects.count() == 0
    assert IncidentTimeline.objects.filter(incident=food_incident).count() == before


def test_the_county_sees_no_order_link_on_a_food_incident(county, food_incident):
    assert not policy.can_order_from_incident(county.user, food_incident)
    client = Client()
    client.force_login(county.user)
    url = f"/workbench/incidents/{food_incident.pk}/order-recall/"
    assert url not in client.get(f"/workbench/incidents/{food_incident.pk}/").content.decode()
    assert client.get(url).status_code == 403


def test_the_city_orders_the_food_recall(regulator, enterprise, food_lot):
    response = regulator.client.post(
        "/api/v1/recalls/",
        {**PLAN, "batches": [food_lot.pk], "recall_type": "ordered"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["recall_type"] == "ordered" and body["ordered_by"]["id"] == regulator.org.pk
    assert body["producer"]["id"] == enterprise.org.pk
    assert Recall.objects.get(pk=body["id"]).recall_category == "food"


def test_a_food_recall_s_notice_is_the_order_with_no_objection_window(
    regulator, enterprise, food_lot
):
    """Neither the Food Safety Law Art. 63 nor SAMR Order 122 Art. 20 gives the producer an
    objection window (that is SAMR Order 19 Art. 13's, for consumer products): the order
    stands at once and the producer may not object."""
    body = regulator.client.post(
        "/api/v1/recalls/",
        {**PLAN, "batches": [food_lot.pk], "recall_type": "ordered"},
        format="json",
    ).json()
    recall = Recall.objects.get(pk=body["id"])
    assert body["objection_due_at"] is None
    assert recall.order_issued_at is not None and recall.order_issued_by_id == regulator.org.pk
    assert not policy.can(enterprise.user, "object", recall)
    refused = enterprise.client.post(
        f"/api/v1/recalls/{recall.pk}/object/", {"reason": "不服"}, format="json"
    )
    assert refused.status_code == 403 and refused.json()["type"].endswith("/food-order-stands")
    recall.refresh_from_db()
    assert recall.objected_at is None
    proposed = RecallTimelineEntry.objects.get(recall=recall, action="scope_proposed")
    assert "第二十条" in proposed.data["order_rule"] or "Art. 20" in proposed.data["order_rule"]
