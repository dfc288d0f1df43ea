"""Events recorded through the business endpoints are readable over EPCIS (one capture service)."""

from decimal import Decimal
from trace.core import services
from trace.epcis.validation import validate_query_document

import pytest

from tests.factories import EnterpriseFactory, ProductFactory, UserFactory, produce


@pytest.fixture
def business_events(enterprise, product):
    partner = UserFactory(organization=EnterpriseFactory())
    milk = produce(enterprise.user, product, lot="B1", quantity=Decimal(100))
    services.batch_inspect(batch=milk, result="pass", report_ref="R-1", actor=enterprise.user)
    yogurt = ProductFactory(owner=enterprise.org)
    services.batch_transform(
        inputs=[(milk, Decimal(50))],
        product=yogurt,
        lot="Y1",
        quantity=Decimal(40),
        unit="EA",
        actor=enterprise.user,
    )
    output = yogurt.batches.get()
    services.batch_ship(
        batch=output,
        to=partner.membership.organization,
        quantity=Decimal(10),
        documents={"po": "PO-7"},
        actor=enterprise.user,
    )
    return yogurt


def test_business_events_are_queryable(enterprise, business_events):
    body = enterprise.client.get("/epcis/events", {"perPage": "100"}).json()
    assert len(body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == 4
    made = enterprise.client.get(
        "/epcis/events",
        {
            "eventType": "TransformationEvent",
            "MATCH_outputEPCClass": f"https://id.gs1.org/01/{business_events.gtin}/10/Y1",
        },
    ).json()
    assert len(made["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == 1
    po = f"urn:epcglobal:cbv:bt:{enterprise.org.gln}:PO-7"
    shipped = enterprise.client.get("/epcis/events", {"EQ_bizTransaction_po": po}).json()
    assert len(shipped["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == 1


def test_business_events_validate_against_the_official_schema(enterprise, business_events):
    body = enterprise.client.get("/epcis/events", {"perPage": "100"}).json()
    assert validate_query_document(body) == []


def test_business_hold_release_destroy_and_error_declarations_validate_too(enterprise, product):
    from trace.models import Event

    lot = produce(enterprise.user, product, lot="H1", quantity=Decimal(10))
    services.batch_hold(batch=lot, reason="复检", actor=enterprise.user)
    services.batch_hold(batch=lot, reason="复检合格", release=True, actor=enterprise.user)
    services.batch_sell(batch=lot, quantity=Decimal(2), actor=enterprise.user)
    sale = Event.objects.get(biz_step="retail_selling")
    services.event_declare_error(event=sale, reason="录错", actor=enterprise.user)
    services.batch_destroy(batch=lot, quantity=Decimal(10), reason="过期", actor=enterprise.user)
    body = enterprise.client.get(
        "/epcis/events", {"perPage": "100", "EXISTS_errorDeclaration": "true"}
    ).json()
    assert len(body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == 1
    everything = enterprise.client.get("/epcis/events", {"perPage": "100"}).json()
    assert validate_query_document(everything) == []
    assert validate_query_document(body) == []
