"""Events are append-only and hash-chained; mistakes are corrected by error declarations."""

import json
from decimal import Decimal
from trace.core.chain import verify_chain
from trace.core.services import batch_ship, batch_transform
from trace.models import Custody, Event, EventImmutableError, LineageEdge

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from tests.factories import ProductFactory, produce


@pytest.fixture
def shipped(enterprise, partner, product):
    batch = produce(enterprise.user, product, lot="L1", quantity=Decimal(100))
    event = batch_ship(batch=batch, to=partner.org, quantity=Decimal(30), actor=enterprise.user)
    return batch, event


def test_events_cannot_be_updated_or_deleted_through_the_orm(shipped):
    _, event = shipped
    event.biz_step = "receiving"
    with pytest.raises(EventImmutableError):
        event.save()
    with pytest.raises(EventImmutableError):
        event.delete()
    with pytest.raises(EventImmutableError):
        Event.objects.filter(pk=event.pk).update(biz_step="x")
    with pytest.raises(EventImmutableError):
        Event.objects.all().delete()


def test_events_have_no_write_endpoints(enterprise, shipped):
    _, event = shipped
    assert (
        enterprise.client.patch(f"/api/v1/events/{event.pk}/", {"biz_step": "x"}).status_code == 405
    )
    assert enterprise.client.delete(f"/api/v1/events/{event.pk}/").status_code == 405


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's"
)
def test_database_refuses_updates_to_events(shipped):
    _, event = shipped
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE trace_event SET biz_step = 'x' WHERE id = %s", [event.pk])


def test_hash_chain_verifies_and_names_the_first_tampered_row(enterprise, shipped):
    checked, failure = verify_chain(enterprise.org.pk)
    assert (checked, failure) == (2, None)
    call_command("verify_event_chain")

    first = Event.objects.filter(organization=enterprise.org).order_by("chain_seq").first()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A superuser tampering behind the trigger's back: the chain still catches it.
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE trace_event SET document = %s WHERE id = %s",
            ['{"type": "ObjectEvent", "forged": true}', first.pk],
        )
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")
    checked, failure = verify_chain(enterprise.org.pk)
    assert checked == 0
    assert failure.event_pk == first.pk
    assert "content" in failure.reason
    with pytest.raises(CommandError):
        call_command("verify_event_chain")


def _rewrite(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def test_chain_still_verifies_events_hashed_before_numbers_were_normalised(enterprise, shipped):
    """Rows hashed over plain json.dumps (integral floats such as 20.0 kept) still verify."""
    from trace.core.hashchain import chain_hash, legacy_canonical_json

    prev = "0" * 64
    for event in Event.objects.filter(organization=enterprise.org).order_by("chain_seq"):
        document = {**event.document, "example:q": 20.0}
        content = chain_hash(
            prev_hash=prev,
            organization_id=enterprise.org.pk,
            chain_seq=event.chain_seq,
            event_id=event.event_id,
            canonical=legacy_canonical_json(document),
        )
        _rewrite(
            "UPDATE trace_event SET document = %s, prev_hash = %s, content_hash = %s WHERE id = %s",
            [json.dumps(document), prev, content, event.pk],
        )
        prev = content
    assert verify_chain(enterprise.org.pk) == (2, None)


def test_error_declaration_undoes_custody_and_keeps_the_original(enterprise, partner, shipped):
    batch, event = shipped
    original_document = dict(event.document)
    response = enterprise.client.post(
        f"/api/v1/events/{event.pk}/declare-error/",
        {"reason": "数量录入错误", "corrective_event_ids": []},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["error_declaration"]["reason"] == "incorrect_data"
    event.refresh_from_db()
    assert event.document == original_document and event.error_declaration is None
    held = {
        c.organization_id: (c.quantity, c.in_transit) for c in Custody.objects.filter(batch=batch)
    }
    assert held == {enterprise.org.pk: (100, 0), partner.org.pk: (0, 0)}
    again = enterprise.client.post(f"/api/v1/events/{event.pk}/declare-error/", {"reason": "again"})
    assert again.status_code == 400
    assert again.json()["errors"][0]["rule"] == "already_declared"
    # The retracted shipment is gone from the trace.
    trace = enterprise.client.get(f"/api/v1/batches/{batch.pk}/trace/").json()
    assert event.event_id not in {e["event_id"] for e in trace["events"]}


def test_only_the_recorder_may_declare_an_error(
    enterprise, partner, other_enterprise, regulator, shipped
):
    _, event = shipped
    url = f"/api/v1/events/{event.pk}/declare-error/"
    refused = partner.client.post(url, {"reason": "not mine"})
    assert refused.status_code == 403 and refused.json()["errors"][0]["rule"] == "not_event_owner"
    assert other_enterprise.client.post(url, {"reason": "x"}).status_code == 404
    assert regulator.client.post(url, {"reason": "x"}).status_code == 403


def test_retracting_a_transformation_removes_its_lineage(enterprise, product):
    raw = produce(enterprise.user, product, lot="RAW", quantity=Decimal(10))
    output = batch_transform(
        inputs=[(raw, Decimal(10))],
        product=ProductFactory(owner=enterprise.org),
        lot="OUT",
        quantity=Decimal(5),
        unit="EA",
        actor=enterprise.user,
    )
    event = Event.objects.get(event_type="TransformationEvent")
    assert LineageEdge.objects.filter(parent=raw, child=output).exists()
    enterprise.client.post(f"/api/v1/events/{event.pk}/declare-error/", {"reason": "wrong input"})
    assert not LineageEdge.objects.filter(parent=raw, child=output).exists()
    assert Custody.objects.get(batch=raw).quantity == 10


def test_events_visible_by_persona(
    enterprise, partner, other_enterprise, regulator, regulator_elsewhere, shipped
):
    _, event = shipped
    for persona, visible in (
        (enterprise, True),
        (partner, True),
        (regulator, True),
        (other_enterprise, False),
        (regulator_elsewhere, False),
    ):
        status = persona.client.get(f"/api/v1/events/{event.pk}/").status_code
        assert status == (200 if visible else 404), persona


def test_an_event_cannot_move_another_organizations_stock(enterprise, partner, product):
    """Capturing a shipment that names someone else as the source still only ships the recorder's
    stock: a stranger to the lot may record nothing on it (``trace.rules``)."""
    from trace.core.capture import capture_events
    from trace.core.identifiers import canonical_lot_uri

    batch = produce(enterprise.user, product, lot="L1", quantity=Decimal(100))
    forged = {
        "type": "ObjectEvent",
        "action": "OBSERVE",
        "bizStep": "shipping",
        "eventTime": "2026-11-20T08:00:00+08:00",
        "eventTimeZoneOffset": "+08:00",
        "quantityList": [{"epcClass": canonical_lot_uri(batch.gtin, batch.lot), "quantity": 50}],
        "sourceList": [{"type": "owning_party", "source": enterprise.org.party_uri}],
        "destinationList": [{"type": "owning_party", "destination": partner.org.party_uri}],
    }
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as info:
        capture_events(documents=[forged], organization=partner.org, user=partner.user)
    [error] = info.value.error_dict["eventList[0].quantityList[0]"]
    assert error.code == "lot_not_held" and info.value.status == 403
    assert Custody.objects.get(batch=batch, organization=enterprise.org).quantity == 100
