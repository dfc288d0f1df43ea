"""The attacks of a hostile tenant on the demo chain, each refused.

Every rule of ``trace.rules`` is tried on each path that records events: the
REST business actions, EPCIS capture (``POST /epcis/capture``) and the phone
forms of the consumer page. Visibility (one step up, one step down; EU
178/2002 Art. 18, FSMA 204) is tried on ``/api/v1/events/``, ``/epcis/events``,
``/epcis/events/<id>``, named-query results and webhook deliveries.
"""

import json
from decimal import Decimal
from trace.consumer.public import public_journey
from trace.core.choices import BatchStatus
from trace.core.identifiers import canonical_lot_uri, digital_link_path
from trace.core.services import batch_hold, batch_inspect
from trace.demo.seed import YOGURT_GTIN, demo_yogurt_batch, seed_demo
from trace.models import Batch, Custody, Event

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.conftest import Persona

from .conftest import document, object_event
from .test_subscriptions import TOKEN, Receiver


class Demo:
    def __init__(self):
        seed_demo()
        users = get_user_model().objects
        for name in (
            "ranch",
            "producer",
            "distributor",
            "retailer",
            "retailer2",
            "county-regulator",
            "province-regulator",
        ):
            setattr(self, name.replace("-", "_"), Persona(users.get(username=name)))
        self.yogurt = demo_yogurt_batch()


@pytest.fixture
def demo(db):
    return Demo()


def lot_event(batch, quantity=None, **fields):
    item = {"epcClass": canonical_lot_uri(batch.gtin, batch.lot)}
    if quantity is not None:
        item["quantity"] = quantity
    event = object_event(quantityList=[item], **fields)
    del event["epcList"]
    return event


def shipment(batch, quantity, to):
    """An EPCIS shipping event of ``quantity`` of ``batch`` to the organization ``to``."""
    return lot_event(
        batch,
        quantity,
        bizStep="shipping",
        disposition="in_transit",
        destinationList=[{"type": "owning_party", "destination": to.party_uri}],
    )


def refusal(job) -> tuple[str, int, str, str]:
    """(EPCIS exception, status, field, rule) of a failed capture job."""
    assert job["success"] is False, job
    error = job["errors"][0]
    return (
        error["type"].split(":")[1],
        error["status"],
        error["errors"][0]["field"],
        error["errors"][0]["rule"],
    )


def rules_of(response) -> set[tuple[str, str]]:
    return {(e["field"], e["rule"]) for e in response.json().get("errors", [])}


def phone(persona) -> Client:
    client = Client()
    client.force_login(persona.user)
    return client


def page(batch, suffix=""):
    return digital_link_path(batch.gtin, batch.lot) + suffix


def held(org, batch) -> Decimal:
    custody = Custody.objects.filter(organization=org, batch=batch).first()
    return custody.quantity if custody else Decimal(0)


# --- commissioning only by the product's owner --------------------------------------


def test_forged_custody_through_epcis_is_refused(demo, job_of):
    """The ranch cannot commission the dairy's yogurt lot, so it never holds, sees or ships it."""
    ranch, yogurt = demo.ranch, demo.yogurt
    assert ranch.client.get(f"/api/v1/batches/{yogurt.pk}/").status_code == 404
    job = job_of(ranch, document(lot_event(yogurt, 100, action="ADD", bizStep="commissioning")))
    assert refusal(job) == (
        "SecurityException",
        403,
        "epcisBody.eventList[0].quantityList[0]",
        "product_not_owned",
    )
    assert held(ranch.org, yogurt) == 0
    assert ranch.client.get(f"/api/v1/batches/{yogurt.pk}/").status_code == 404
    shipped = ranch.client.post(
        f"/api/v1/batches/{yogurt.pk}/ship/",
        {"to_organization": demo.retailer.org.pk, "quantity": "100"},
    )
    assert shipped.status_code == 404


def test_only_the_owner_registers_a_lot_over_rest(demo):
    response = demo.ranch.client.post(
        "/api/v1/batches/",
        {"product": demo.yogurt.product_id, "lot": "FAKE1", "quantity": "100", "unit": "EA"},
    )
    assert response.status_code == 403 and ("product", "product_not_owned") in rules_of(response)
    assert not Batch.objects.filter(gtin=YOGURT_GTIN, lot="FAKE1").exists()


def test_a_transformation_cannot_output_another_enterprises_product(demo, job_of):
    raw = Batch.objects.filter(product__owner=demo.ranch.org).first()
    event = {
        "type": "TransformationEvent",
        "eventTime": "2026-11-20T09:30:00.000+08:00",
        "eventTimeZoneOffset": "+08:00",
        "bizStep": "commissioning",
        "inputQuantityList": [{"epcClass": canonical_lot_uri(raw.gtin, raw.lot), "quantity": 1}],
        "outputQuantityList": [
            {"epcClass": canonical_lot_uri(YOGURT_GTIN, "FAKE2"), "quantity": 1}
        ],
    }
    job = job_of(demo.ranch, document(event))
    assert refusal(job)[3] in ("product_not_owned", "lot_not_held")
    assert not Event.objects.filter(
        event_type="TransformationEvent", organization=demo.ranch.org
    ).exists()


# --- moves only of stock held ---------------------------------------------------------


def test_a_stranger_records_nothing_on_a_lot_through_epcis(demo, job_of):
    """Nor a failed inspection on a lot it cannot read (it would show on the public journey)."""
    failed = lot_event(demo.yogurt, bizStep="inspecting", disposition="non_conformant")
    assert refusal(job_of(demo.ranch, document(failed))) == (
        "SecurityException",
        403,
        "epcisBody.eventList[0].quantityList[0]",
        "lot_not_held",
    )
    journey = public_journey(demo.yogurt)
    assert all(
        step.organization != demo.ranch.org.name or step.kind != "inspected"
        for step in journey
        if step.lots == [demo.yogurt.lot]
    )


def test_moving_more_than_held_is_refused_on_every_path(demo, job_of):
    retailer2, yogurt, to = demo.retailer2, demo.yogurt, demo.retailer.org
    assert held(retailer2.org, yogurt) == 8500
    ship = shipment(yogurt, 9000, to)
    assert refusal(job_of(retailer2, document(ship))) == (
        "ValidationException",
        409,
        "epcisBody.eventList[0].quantityList[0].quantity",
        "quantity_exceeds_held",
    )
    rest = retailer2.client.post(
        f"/api/v1/batches/{yogurt.pk}/ship/", {"to_organization": to.pk, "quantity": "9000"}
    )
    assert rest.status_code == 409 and ("quantity", "quantity_exceeds_held") in rules_of(rest)
    form = phone(retailer2).post(
        page(yogurt, "/actions/ship"),
        {"ship-to_organization": to.pk, "ship-quantity": "9000"},
        follow=True,
    )
    assert "field-quantity rule-quantity_exceeds_held" in form.content.decode()
    assert held(retailer2.org, yogurt) == 8500


def test_a_resent_shipment_without_event_id_is_a_duplicate_not_a_refusal(demo, job_of):
    """An event sent without an eventID is known by its CBV 2.0 event hash, worked out while
    the events before it are stored. Sent again after it emptied the sender's stock, it is a
    duplicate: not a second shipment, and not refused as moving more than is held."""
    retailer2, yogurt, to = demo.retailer2, demo.yogurt, demo.retailer.org
    in_transit = Custody.objects.filter(organization=to, batch=yogurt).first()
    in_transit = in_transit.in_transit if in_transit else Decimal(0)
    ship = shipment(yogurt, 8500, to)
    first = job_of(retailer2, document(ship))
    assert first["success"] and first["capturedEventCount"] == 1, first["errors"]
    assert held(retailer2.org, yogurt) == 0
    again = job_of(retailer2, document(ship))
    assert again["success"], again["errors"]
    assert (again["capturedEventCount"], again["duplicateEventCount"]) == (0, 1)
    assert held(retailer2.org, yogurt) == 0
    receiver = Custody.objects.get(organization=to, batch=yogurt)
    assert receiver.in_transit == in_transit + 8500  # shipped once
    assert Event.objects.filter(organization=retailer2.org, biz_step="shipping").count() == 1


def test_the_same_event_twice_without_an_id_in_one_document_is_stored_once(demo, job_of):
    retailer2, yogurt = demo.retailer2, demo.yogurt
    count = Event.objects.filter(organization=retailer2.org).count()
    inspected = lot_event(yogurt, bizStep="inspecting", disposition="conformant")
    job = job_of(retailer2, document(inspected, inspected))
    assert job["success"], job["errors"]
    assert job["capturedEventCount"] == 1
    assert Event.objects.filter(organization=retailer2.org).count() == count + 1


def test_a_resent_shipment_with_its_id_beside_a_new_event_without_one(demo, job_of):
    """The first try of a document with events sent without an ID looks up none of its
    events as stored; a shipment stored earlier under its eventID is still a duplicate
    (shipped once, not refused for stock it already moved), and the new event is stored."""
    retailer2, yogurt, to = demo.retailer2, demo.yogurt, demo.retailer.org
    ship = {
        **shipment(yogurt, 8500, to),
        "eventID": "urn:uuid:6c1f1f5e-2b7a-4c55-9d0e-5e1f3a7b9c11",
    }
    first = job_of(retailer2, document(ship))
    assert first["success"] and first["capturedEventCount"] == 1, first["errors"]
    inspected = lot_event(yogurt, bizStep="inspecting", disposition="conformant")
    again = job_of(retailer2, document(ship, inspected))
    assert again["success"], again["errors"]
    assert (again["capturedEventCount"], again["duplicateEventCount"]) == (1, 1)
    assert held(retailer2.org, yogurt) == 0
    assert Event.objects.filter(organization=retailer2.org, biz_step="shipping").count() == 1
    assert Event.objects.filter(organization=retailer2.org, biz_step="inspecting").exists()


# --- hold, release and consequences only by the owner ------------------------------------


def test_hold_and_release_by_a_former_holder_are_refused(demo, job_of):
    """retailer2 holds stock of the lot but does not own it: it cannot hold or release it."""
    yogurt, retailer2 = demo.yogurt, demo.retailer2
    batch_hold(batch=yogurt, reason="Quality hold", actor=demo.producer.user)
    release = lot_event(yogurt, bizStep="inspecting", disposition="sellable_accessible")
    assert refusal(job_of(retailer2, document(release))) == (
        "SecurityException",
        403,
        "epcisBody.eventList[0].quantityList[0]",
        "not_lot_owner",
    )
    rest = retailer2.client.post(f"/api/v1/batches/{yogurt.pk}/release/", {"reason": "mine now"})
    assert rest.status_code == 403 and ("batch", "not_lot_owner") in rules_of(rest)
    yogurt.refresh_from_db()
    assert yogurt.status == BatchStatus.ON_HOLD


def test_a_holder_cannot_put_the_whole_lot_on_hold(demo, job_of):
    yogurt, retailer2 = demo.yogurt, demo.retailer2
    hold = lot_event(yogurt, bizStep="holding", disposition="non_sellable_other")
    assert refusal(job_of(retailer2, document(hold)))[1:] == (
        403,
        "epcisBody.eventList[0].quantityList[0]",
        "not_lot_owner",
    )
    rest = retailer2.client.post(f"/api/v1/batches/{yogurt.pk}/hold/", {"reason": "x"})
    assert rest.status_code == 403 and ("batch", "not_lot_owner") in rules_of(rest)
    client = phone(retailer2)
    assert "/actions/hold" not in client.get(page(yogurt)).content.decode()
    assert client.post(page(yogurt, "/actions/hold"), {"hold-reason": "x"}).status_code == 403
    yogurt.refresh_from_db()
    assert yogurt.status == BatchStatus.ACTIVE


@pytest.mark.parametrize("path", ["rest", "epcis", "phone"])
def test_a_holders_failed_inspection_is_recorded_without_holding_the_lot(demo, job_of, path):
    """Its finding, not a decision for everybody: only the owner's failed inspection holds the lot."""
    yogurt, retailer2 = demo.yogurt, demo.retailer2
    before = Event.objects.filter(organization=retailer2.org, biz_step="inspecting").count()
    if path == "rest":
        response = retailer2.client.post(
            f"/api/v1/batches/{yogurt.pk}/inspect/", {"result": "fail"}
        )
        assert response.status_code == 201
    elif path == "epcis":
        failed = lot_event(yogurt, bizStep="inspecting", disposition="non_conformant")
        assert job_of(retailer2, document(failed))["success"] is True
    else:
        phone(retailer2).post(page(yogurt, "/actions/inspect"), {"inspect-result": "fail"})
    assert (
        Event.objects.filter(organization=retailer2.org, biz_step="inspecting").count()
        == before + 1
    )
    yogurt.refresh_from_db()
    assert yogurt.status == BatchStatus.ACTIVE
    batch_inspect(batch=yogurt, result="fail", actor=demo.producer.user)
    yogurt.refresh_from_db()
    assert yogurt.status == BatchStatus.ON_HOLD


def test_the_owner_holds_and_releases_through_epcis_and_the_status_follows(demo, job_of):
    yogurt = demo.yogurt
    hold = lot_event(yogurt, bizStep="holding", disposition="non_sellable_other")
    assert job_of(demo.producer, document(hold))["success"] is True
    yogurt.refresh_from_db()
    assert yogurt.status == BatchStatus.ON_HOLD
    assert 'data-status="on_hold"' in Client().get(page(yogurt)).content.decode()
    again = job_of(demo.producer, document(dict(hold, eventTime="2026-11-20T10:30:00.000+08:00")))
    assert refusal(again)[1:] == (409, "epcisBody.eventList[0].quantityList[0]", "batch_not_active")
    release = lot_event(yogurt, bizStep="inspecting", disposition="sellable_accessible")
    assert job_of(demo.producer, document(release))["success"] is True
    yogurt.refresh_from_db()
    assert yogurt.status == BatchStatus.ACTIVE


# --- status guards -----------------------------------------------------------------------


def test_a_lot_on_hold_cannot_be_shipped_or_sold_on_any_path(demo, job_of):
    yogurt, retailer = demo.yogurt, demo.retailer
    batch_hold(batch=yogurt, reason="Quality hold", actor=demo.producer.user)
    sale = lot_event(yogurt, 10, bizStep="retail_selling", disposition="retail_sold")
    assert refusal(job_of(retailer, document(sale))) == (
        "ValidationException",
        409,
        "epcisBody.eventList[0].quantityList[0]",
        "batch_not_movable",
    )
    rest = retailer.client.post(f"/api/v1/batches/{yogurt.pk}/sell/", {"quantity": "10"})
    assert rest.status_code == 409 and ("batch", "batch_not_movable") in rules_of(rest)
    client = phone(retailer)
    assert "/actions/sell" not in client.get(page(yogurt)).content.decode()
    assert client.post(page(yogurt, "/actions/sell"), {"sell-quantity": "10"}).status_code == 403
    assert held(retailer.org, yogurt) == 10500


# --- error declarations only by the recorder ----------------------------------------------


def test_retracting_another_organizations_events_through_epcis_is_refused(demo, job_of):
    yogurt, retailer2 = demo.yogurt, demo.retailer2
    inspection = Event.objects.filter(
        organization=demo.producer.org, biz_step="inspecting", batch_links__batch=yogurt
    ).get()
    declared = dict(
        inspection.document,
        errorDeclaration={
            "declarationTime": "2026-11-21T08:00:00.000+08:00",
            "reason": "incorrect_data",
        },
    )
    assert refusal(job_of(retailer2, document(declared))) == (
        "SecurityException",
        403,
        "epcisBody.eventList[0].errorDeclaration",
        "not_event_owner",
    )
    assert any(step.kind == "inspected" for step in public_journey(yogurt))

    sale = Event.objects.filter(organization=demo.retailer.org, biz_step="retail_selling").get()
    retract = dict(
        sale.document,
        errorDeclaration={
            "declarationTime": "2026-11-21T08:00:00.000+08:00",
            "reason": "incorrect_data",
        },
    )
    assert refusal(job_of(retailer2, document(retract)))[3] == "not_event_owner"
    assert held(demo.retailer.org, yogurt) == 10500
    assert not Event.objects.filter(error_declaration__isnull=False).exists()


# --- who sees what -----------------------------------------------------------------------


def _sees(persona, event) -> dict[str, bool]:
    """Whether the event is visible to ``persona`` on each read path."""
    rest = persona.client.get(f"/api/v1/events/{event.pk}/").status_code == 200
    by_id = persona.client.get(f"/epcis/events/{event.event_id}").status_code == 200
    listed = persona.client.get("/epcis/events", {"EQ_eventID": event.event_id, "perPage": "10"})
    query = bool(listed.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"])
    return {"rest": rest, "epcis_by_id": by_id, "epcis_query": query}


def test_one_step_up_one_step_down(demo):
    """EU 178/2002 Art. 18 and FSMA 204: each sees its supplier and its customer, no further."""
    shipments = Event.objects.filter(biz_step="shipping", batch_links__batch=demo.yogurt)
    to_distributor = shipments.get(destination_org=demo.distributor.org)
    to_retailer2 = shipments.get(destination_org=demo.retailer2.org)
    retailer2_sale = Event.objects.get(organization=demo.retailer2.org, biz_step="retail_selling")
    everywhere, nowhere = (
        dict.fromkeys(("rest", "epcis_by_id", "epcis_query"), True),
        dict.fromkeys(("rest", "epcis_by_id", "epcis_query"), False),
    )
    assert _sees(demo.distributor, to_distributor) == everywhere  # its supplier
    assert _sees(demo.producer, to_retailer2) == nowhere  # its customer's customer
    assert (
        _sees(demo.retailer, retailer2_sale) == nowhere
    )  # a competitor's quantities on a shared lot
    assert _sees(demo.retailer, to_retailer2) == nowhere
    assert _sees(demo.retailer2, to_retailer2) == everywhere
    assert _sees(demo.county_regulator, to_retailer2) == everywhere  # the whole graph of its lots
    assert _sees(demo.ranch, to_distributor) == nowhere


def test_business_documents_only_to_the_parties(demo):
    """A purchase order shows to the shipper and its customer; the owner's inspection report
    number to the owner: never to another company that can see the event."""
    inspection = Event.objects.get(
        organization=demo.producer.org, biz_step="inspecting", batch_links__batch=demo.yogurt
    )
    shipment = Event.objects.get(biz_step="shipping", destination_org=demo.distributor.org)
    assert "bizTransactionList" in inspection.document and "bizTransactionList" in shipment.document

    def documents(persona, event):
        rest = persona.client.get(f"/api/v1/events/{event.pk}/").json()
        by_id = persona.client.get(f"/epcis/events/{event.event_id}").json()
        listed = persona.client.get("/epcis/events", {"EQ_eventID": event.event_id}).json()
        assert rest["biz_transactions"] == rest["document"].get("bizTransactionList", [])
        return [
            rest["document"],
            *by_id["epcisBody"]["queryResults"]["resultsBody"]["eventList"],
            *listed["epcisBody"]["queryResults"]["resultsBody"]["eventList"],
        ]

    assert all("bizTransactionList" not in d for d in documents(demo.retailer, inspection))
    assert all("bizTransactionList" in d for d in documents(demo.producer, inspection))
    assert all("bizTransactionList" in d for d in documents(demo.distributor, shipment))
    assert all("bizTransactionList" in d for d in documents(demo.county_regulator, shipment))


def test_webhooks_carry_no_other_companys_business_documents(
    demo, receiver, django_capture_on_commit_callbacks, settings
):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]  # the test's receiver listens on loopback
    listener = receiver()
    retailer = demo.retailer
    created = retailer.client.post(
        "/epcis/queries",
        {"name": "inspections", "query": {"EQ_bizStep": ["inspecting"]}},
        format="json",
    )
    assert created.status_code == 201
    subscribed = retailer.client.post(
        "/epcis/queries/inspections/subscriptions",
        {"dest": listener.url, "signatureToken": TOKEN, "stream": True},
        format="json",
    )
    assert subscribed.status_code == 201, subscribed.content
    with django_capture_on_commit_callbacks(execute=True):
        batch_inspect(
            batch=demo.yogurt, result="pass", report_ref="PC-QC-SECRET", actor=demo.producer.user
        )
    [(_headers, body)] = listener.requests
    events = json.loads(body)["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert len(events) == 1 and "bizTransactionList" not in events[0]
    assert "PC-QC-SECRET" not in body.decode()


@pytest.fixture
def receiver():
    created = []

    def make():
        created.append(Receiver())
        return created[-1]

    yield make
    for r in created:
        r.close()


# --- status only through recorded events --------------------------------------------------


@pytest.fixture
def operator(demo):
    """Staff of the dairy with the admin site."""
    user = demo.producer.user
    user.is_staff = user.is_superuser = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


def test_the_admin_cannot_change_a_lots_status_quantity_or_gtin(demo, operator):
    yogurt = demo.yogurt
    change = f"/admin/trace/batch/{yogurt.pk}/change/"
    body = operator.get(change).content.decode()
    assert (
        'name="status"' not in body and 'name="quantity"' not in body and 'name="gtin"' not in body
    )
    assert (
        operator.post(change, {"status": "recalled", "quantity": "1", "gtin": "0" * 14}).status_code
        == 403
    )
    assert operator.get("/admin/trace/batch/add/").status_code == 403
    assert (
        operator.post(f"/admin/trace/batch/{yogurt.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert operator.get(f"/admin/trace/event/{Event.objects.first().pk}/change/").status_code == 200
    assert (
        operator.post(
            f"/admin/trace/event/{Event.objects.first().pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    yogurt.refresh_from_db()
    assert yogurt.status == BatchStatus.ACTIVE and yogurt.gtin == YOGURT_GTIN


def test_an_admin_hold_records_its_event(demo, operator, django_capture_on_commit_callbacks):
    yogurt = demo.yogurt
    Client().get(page(yogurt))  # the page is cached as safe
    before = yogurt.status_changed_at
    data = {"action": "hold_lots", "_selected_action": [yogurt.pk]}
    asked = operator.post("/admin/trace/batch/", data)
    assert asked.status_code == 200 and 'name="reason"' in asked.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        operator.post("/admin/trace/batch/", {**data, "reason": "Supplier alert"})
    yogurt.refresh_from_db()
    assert yogurt.status == BatchStatus.ON_HOLD and yogurt.status_changed_at > before
    event = Event.objects.filter(biz_step="holding", batch_links__batch=yogurt).get()
    assert (
        event.organization == demo.producer.org and event.document["sy:reason"] == "Supplier alert"
    )
    assert 'data-status="on_hold"' in Client().get(page(yogurt)).content.decode()


def test_json_and_linkset_requests_never_get_the_page(demo):
    yogurt = demo.yogurt
    Client().get(page(yogurt))  # cache the HTML page
    for accept in (
        "application/json",
        "application/linkset+json",
        "application/ld+json, text/html;q=0.5",
    ):
        response = Client().get(page(yogurt), HTTP_ACCEPT=accept)
        assert response["Content-Type"].startswith("application/"), accept
        assert "linkset" in response.json()
    for accept in ("text/html", "*/*", "text/html, application/json;q=0.9", ""):
        response = Client().get(page(yogurt), HTTP_ACCEPT=accept)
        assert response["Content-Type"].startswith("text/html"), accept


def test_the_trace_graph_shows_only_the_events_one_may_see(demo):
    """The lineage is the lot's; the events in it follow the same rule as everywhere else."""
    retailer2_sale = Event.objects.get(organization=demo.retailer2.org, biz_step="retail_selling")
    own_sale = Event.objects.get(organization=demo.retailer.org, biz_step="retail_selling")
    trace = demo.retailer.client.get(f"/api/v1/batches/{demo.yogurt.pk}/trace/").json()
    ids = {e["event_id"] for e in trace["events"]}
    assert own_sale.event_id in ids and retailer2_sale.event_id not in ids
    regulator = demo.county_regulator.client.get(f"/api/v1/batches/{demo.yogurt.pk}/trace/").json()
    assert retailer2_sale.event_id in {e["event_id"] for e in regulator["events"]}
