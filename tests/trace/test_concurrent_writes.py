"""Concurrent writes to one lot (issue #19): nothing accepted is lost, nothing answers 500.

Real threads, each with its own PostgreSQL connection, released together by a barrier:
custody (who holds how much of which lot, and so the recall scope) must add up exactly,
the organization's event chain must verify, and identical business posts sent at once must
store one event and answer the others with it or with a 409 problem, never with a 500.
"""

import threading
from decimal import Decimal
from trace.core.capture import capture_events, new_event_id
from trace.core.chain import verify_chain
from trace.core.identifiers import canonical_lot_uri
from trace.core.retry import retry_concurrent
from trace.core.services import batch_ship
from trace.models import Custody, Event

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.db.models import Value
from django.db.models.functions import Concat
from rest_framework.test import APIClient

from core.models import Organization
from tests.factories import EnterpriseFactory, produce

THREADS = 8


@pytest.fixture
def on_postgres(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL): row locks and concurrent transactions")


def _at_once(work, n=THREADS) -> list:
    """Run ``work(i)`` in ``n`` threads released together; their results (or exceptions)."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        try:
            barrier.wait(10)
            results[i] = work(i)
        except Exception as exc:  # reported by the test's assertions
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def _epcis_shipment(batch, holder, receiver) -> dict:
    return {
        "eventID": new_event_id(),  # without one, identical shipments are one event (its hash)
        "type": "ObjectEvent",
        "action": "OBSERVE",
        "eventTime": "2026-11-20T09:30:00.000+08:00",
        "eventTimeZoneOffset": "+08:00",
        "bizStep": "shipping",
        "disposition": "in_transit",
        "quantityList": [
            {"epcClass": canonical_lot_uri(batch.gtin, batch.lot), "quantity": 1, "uom": "EA"}
        ],
        "sourceList": [{"type": "owning_party", "source": holder.party_uri}],
        "destinationList": [{"type": "owning_party", "destination": receiver.party_uri}],
    }


def _held(batch) -> dict[int, tuple[Decimal, Decimal]]:
    return {
        c.organization_id: (c.quantity, c.in_transit) for c in Custody.objects.filter(batch=batch)
    }


def _ship_at_once(enterprise, product, receivers):
    """Half the shipments through the business service, half as EPCIS captures."""
    batch = produce(enterprise.user, product, lot="RACE1", quantity=Decimal(100))

    def ship(i):
        receiver = receivers[i]
        if i % 2:
            return batch_ship(batch=batch, to=receiver, quantity=Decimal(1), actor=enterprise.user)
        return capture_events(
            documents=[_epcis_shipment(batch, enterprise.org, receiver)],
            organization=enterprise.org,
            user=enterprise.user,
        )

    results = _at_once(ship)
    assert not [r for r in results if isinstance(r, Exception)], results
    return batch


@pytest.mark.postgres
def test_shipments_of_one_lot_at_once_to_different_receivers_all_count(
    enterprise, product, on_postgres
):
    receivers = [EnterpriseFactory(region_code="320311") for _ in range(THREADS)]
    batch = _ship_at_once(enterprise, product, receivers)
    held = _held(batch)
    assert held.pop(enterprise.org.pk) == (Decimal(100 - THREADS), 0)
    assert held == {r.pk: (Decimal(0), Decimal(1)) for r in receivers}
    assert Event.objects.filter(organization=enterprise.org).count() == 1 + THREADS
    assert verify_chain(enterprise.org.pk) == (1 + THREADS, None)
    call_command("verify_event_chain")


@pytest.mark.postgres
def test_shipments_of_one_lot_at_once_to_one_new_receiver_all_arrive(
    enterprise, partner, product, on_postgres
):
    """Every thread creates the receiver's custody row (unique per organization and lot)."""
    batch = _ship_at_once(enterprise, product, [partner.org] * THREADS)
    assert _held(batch) == {
        enterprise.org.pk: (Decimal(100 - THREADS), 0),
        partner.org.pk: (0, Decimal(THREADS)),
    }
    assert Event.objects.filter(organization=enterprise.org).count() == 1 + THREADS
    assert verify_chain(enterprise.org.pk) == (1 + THREADS, None)


@pytest.mark.postgres
def test_the_same_error_declaration_posted_at_once_is_stored_once_never_500(
    enterprise, partner, product, on_postgres
):
    batch = produce(enterprise.user, product, lot="RACE2", quantity=Decimal(100))
    shipment = batch_ship(batch=batch, to=partner.org, quantity=Decimal(40), actor=enterprise.user)

    def declare(_i):
        client = APIClient()
        client.force_authenticate(enterprise.user)
        response = client.post(
            f"/api/v1/events/{shipment.pk}/declare-error/", {"reason": "重复"}, format="json"
        )
        return response.status_code, response.json()

    answers = _at_once(declare)
    declarations = Event.objects.filter(event_id=shipment.event_id, error_declaration__isnull=False)
    assert declarations.count() == 1
    stored = declarations.get()
    for status, body in answers:
        # The declaration itself (201, the stored one), a 409 problem for a post that met it
        # mid-write, or the refusal a later resend gets (already declared): never a 500.
        if status == 201:
            assert body["id"] == stored.pk
        elif status == 409:
            assert body["status"] == 409 and body["type"].startswith("https://suyuan.cn/problems/")
        else:
            assert status == 400 and body["errors"][0]["rule"] == "already_declared", body
    assert sum(status == 201 for status, _ in answers) >= 1
    # The retraction undid the shipment exactly once.
    assert _held(batch) == {enterprise.org.pk: (Decimal(100), 0), partner.org.pk: (0, 0)}
    assert verify_chain(enterprise.org.pk)[1] is None


@pytest.mark.postgres
def test_the_same_lot_registered_at_once_is_stored_once_never_500(enterprise, product, on_postgres):
    body = {"product": product.pk, "lot": "RACE3", "quantity": "10", "unit": "EA"}

    def register(_i):
        client = APIClient()
        client.force_authenticate(enterprise.user)
        response = client.post("/api/v1/batches/", body, format="json")
        return response.status_code, response.json()

    answers = _at_once(register)
    statuses = sorted(status for status, _ in answers)
    assert statuses.count(201) == 1, answers
    for status, answer in answers:
        if status == 409:
            assert answer["status"] == 409
        elif status == 400:
            assert answer["errors"][0]["rule"] == "lot_unique", answer
    assert set(statuses) <= {201, 400, 409}
    assert Event.objects.filter(organization=enterprise.org).count() == 1
    assert verify_chain(enterprise.org.pk) == (1, None)


@pytest.mark.postgres
def test_two_writes_that_deadlock_are_both_stored_by_trying_again(on_postgres):
    """The one retry rule (capture, EPCIS jobs, business endpoints): PostgreSQL refuses one of
    two writes locking two rows in opposite orders (deadlock detected); tried again, it commits."""
    orgs = [EnterpriseFactory(name="甲"), EnterpriseFactory(name="乙")]
    both_locked = threading.Barrier(2)
    attempts = [0, 0]

    def write(i):
        first, second = orgs if i == 0 else orgs[::-1]

        def body():
            attempts[i] += 1
            Organization.objects.select_for_update().filter(pk=first.pk).exists()
            if attempts[i] == 1:
                both_locked.wait(10)
            Organization.objects.filter(pk=second.pk).update(name=Concat("name", Value(str(i))))

        retry_concurrent(body, what="deadlock test")

    assert _at_once(write, n=2) == [None, None]
    # One was refused at least once (the retried one may meet the other again: still stored).
    assert sum(attempts) >= 3 and max(attempts) <= 4
    assert sorted(o.name for o in Organization.objects.filter(pk__in=[o.pk for o in orgs])) == [
        "乙0",
        "甲1",
    ]


@pytest.mark.postgres
def test_a_receipt_posted_several_times_at_once_is_counted_once(
    enterprise, partner, product, on_postgres
):
    """Each post reads "40 on the way" before the others commit; custody, read under its row
    lock, lets one receipt through and refuses the others with a 409 naming the rule."""
    batch = produce(enterprise.user, product, lot="RACE4", quantity=Decimal(100))
    batch_ship(batch=batch, to=partner.org, quantity=Decimal(40), actor=enterprise.user)

    def receive(_i):
        client = APIClient()
        client.force_authenticate(partner.user)
        response = client.post(f"/api/v1/batches/{batch.pk}/receive/", {}, format="json")
        return response.status_code, response.json()

    answers = _at_once(receive)
    assert sorted(status for status, _ in answers) == [201] + [409] * (THREADS - 1), answers
    assert {body["errors"][0]["rule"] for status, body in answers if status == 409} <= {
        "quantity_exceeds_shipped",
        "nothing_in_transit",
    }
    assert _held(batch) == {
        enterprise.org.pk: (Decimal(60), 0),
        partner.org.pk: (Decimal(40), 0),
    }
    assert Event.objects.filter(organization=partner.org).count() == 1
    assert verify_chain(partner.org.pk) == (1, None)
