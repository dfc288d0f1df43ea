"""One ordered recall per lot: once a regulator's order (责令召回, SAMR Order 19 Arts. 12–13)
of an incident's lots stands, a second order of them is refused — 409 problem+json on the API,
a message and a link to the standing recall on the workbench — and the incident page links
that recall instead of offering the order form. A cancelled order (an upheld objection) no
longer stands. One rule: ``recalls.selectors.standing_order``, checked by ``recall_create``."""

import threading
from datetime import date
from decimal import Decimal
from trace.core import services as trace_services
from trace.core.choices import ProductCategory

import pytest
from django.db import connection
from django.test import Client

from recalls import services
from recalls.choices import RecallStatus
from recalls.models import Recall
from recalls.services.scope import LotsAlreadyOrdered
from tests.factories import ProductFactory
from tests.recalls import test_from_incident as from_incident

county, lot, incident = from_incident.county, from_incident.lot, from_incident.incident
PLAN = from_incident.PLAN

pytestmark = pytest.mark.django_db


def _page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _order(persona, incident):
    return persona.client.post("/api/v1/recalls/", {**PLAN, "incident": incident.pk}, format="json")


def test_a_second_order_of_the_same_lots_is_refused_on_the_api(county, regulator, incident, lot):
    first = _order(county, incident)
    assert first.status_code == 201, first.json()
    number = first.json()["number"]
    # Again through the incident, or the city over the county naming the lot: the same refusal.
    for response in (
        _order(county, incident),
        regulator.client.post(
            "/api/v1/recalls/",
            {**PLAN, "batches": [lot.pk], "recall_type": "ordered"},
            format="json",
        ),
    ):
        assert response.status_code == 409
        assert response["Content-Type"].startswith("application/problem+json")
        body = response.json()
        assert body["type"].endswith("/lots-already-ordered")
        assert number in body["detail"]
        assert body["recall"] == number and body["lots"] == [lot.pk]
    assert Recall.objects.count() == 1


@pytest.fixture
def merged(enterprise, lot):
    """A second lot, and a lot made from both (raw milk lots 6 and 1 into yogurt lot 11 in the
    demo): ``(other, yogurt)``."""
    other = trace_services.batch_produce(
        product=lot.product, lot="YG02", quantity=Decimal(300), unit="EA", actor=enterprise.user
    )
    yogurt = trace_services.batch_transform(
        inputs=[(lot, Decimal(100)), (other, Decimal(100))],
        product=ProductFactory(owner=enterprise.org, category=ProductCategory.KEY_CONSUMER),
        lot="MIX1",
        quantity=Decimal(400),
        unit="EA",
        actor=enterprise.user,
    )
    return other, yogurt


def test_an_order_whose_scope_meets_a_standing_order_s_is_refused(county, lot, merged):
    """Ordering the second lot is refused, though it names another lot, for its scope would
    recall the yogurt that the first order already does."""
    other, yogurt = merged

    def order(batch):
        return county.client.post(
            "/api/v1/recalls/",
            {**PLAN, "batches": [batch.pk], "recall_type": "ordered"},
            format="json",
        )

    first = order(lot)
    assert first.status_code == 201, first.json()
    first_recall = Recall.objects.get(pk=first.json()["id"])
    assert set(first_recall.scope_batches.values_list("batch_id", flat=True)) == {
        lot.pk,
        yogurt.pk,
    }
    for language in ("en", "zh-hans"):
        refused = county.client.post(
            "/api/v1/recalls/",
            {**PLAN, "batches": [other.pk], "recall_type": "ordered"},
            format="json",
            HTTP_ACCEPT_LANGUAGE=language,
        )
        assert refused.status_code == 409
        body = refused.json()
        assert body["type"].endswith("/lots-already-ordered")
        assert body["recall"] == first_recall.number and body["lots"] == [yogurt.pk]
        assert first_recall.number in body["detail"] and "MIX1" in body["detail"]
    assert Recall.objects.count() == 1

    # Once the first order no longer stands, the second lot may be ordered.
    services.recall_cancel(recall_id=first_recall.pk, actor=county.user, reason="通知有误，撤回")
    assert order(other).status_code == 201


def test_the_incident_page_links_the_standing_order_instead_of_the_form(county, incident):
    page = f"/workbench/incidents/{incident.pk}/"
    order = f"/workbench/incidents/{incident.pk}/order-recall/"
    assert f'href="{order}"' in _page(county.user).get(page).content.decode()
    recall = Recall.objects.get(pk=_order(county, incident).json()["id"])

    html = _page(county.user).get(page).content.decode()
    assert f'href="{order}"' not in html
    assert 'id="ordered-recall"' in html and f'href="/workbench/recalls/{recall.pk}/"' in html

    # The order page itself: 409, the message naming the recall, a link to it, no form.
    for response in (
        _page(county.user).get(order),
        _page(county.user).post(order, {**PLAN, "depth": "consumer", "target_effectiveness": "A"}),
    ):
        assert response.status_code == 409
        html = response.content.decode()
        assert recall.number in html and f'href="/workbench/recalls/{recall.pk}/"' in html
        assert 'id="order-recall-form"' not in html
    assert Recall.objects.count() == 1


def test_a_cancelled_order_no_longer_stands(county, incident):
    """The regulator withdraws its notice (cancel, a draft): the lots may be ordered again."""
    first = Recall.objects.get(pk=_order(county, incident).json()["id"])
    services.recall_cancel(recall_id=first.pk, actor=county.user, reason="通知有误，撤回")
    order = f"/workbench/incidents/{incident.pk}/order-recall/"
    assert 'id="order-recall-form"' in _page(county.user).get(order).content.decode()
    assert _order(county, incident).status_code == 201


def test_a_voluntary_recall_does_not_block_an_order(county, enterprise, incident):
    """The producer's own recall is not an order: the regulator may still order one."""
    assert (
        enterprise.client.post(
            "/api/v1/recalls/", {**PLAN, "incident": incident.pk}, format="json"
        ).status_code
        == 201
    )
    assert _order(county, incident).status_code == 201


@pytest.mark.django_db(transaction=True)
def test_two_orders_whose_scopes_meet_at_once_one_stands(county, lot, merged):
    """The scope's lot rows are locked in id order: two regulators ordering the two lots at
    the same moment, one order is made, the other is 409, never two orders of the yogurt."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL) for real row locks")
    other, yogurt = merged
    plan = {**PLAN, "planned_end": date(2027, 6, 30)}
    barrier = threading.Barrier(2)
    outcomes = []

    def order(batch):
        barrier.wait()
        try:
            services.recall_create(
                actor=county.user, batch_ids=[batch.pk], recall_type="ordered", **plan
            )
            outcomes.append("ok")
        except LotsAlreadyOrdered:
            outcomes.append("409")
        finally:
            connection.close()

    threads = [threading.Thread(target=order, args=(b,)) for b in (lot, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["409", "ok"]
    assert Recall.objects.filter(scope_batches__batch=yogurt).count() == 1


def test_a_closed_order_no_longer_stands_but_a_completed_one_does(county, incident):
    """Once the regulator closes an order its lots may be ordered again (a new defect); an order
    completed but not yet closed is still the regulator's to judge, and to have carried out
    again: it still stands."""
    first = Recall.objects.get(pk=_order(county, incident).json()["id"])
    # The workflow to either state is long (tests/recalls/test_scenario.py walks it); the rule
    # reads only the status.
    Recall.objects.filter(pk=first.pk).update(status=RecallStatus.COMPLETED)
    refused = _order(county, incident)
    assert refused.status_code == 409 and refused.json()["recall"] == first.number
    Recall.objects.filter(pk=first.pk).update(status=RecallStatus.CLOSED)
    assert _order(county, incident).status_code == 201


def _edit_scope(persona, recall, batch, include=True, language="en"):
    return persona.client.post(
        f"/api/v1/recalls/{recall.pk}/scope/",
        {"edits": [{"batch": batch.pk, "include": include, "reason": "同一批原料"}]},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )


def _ordered(persona, batch) -> Recall:
    response = persona.client.post(
        "/api/v1/recalls/",
        {**PLAN, "batches": [batch.pk], "recall_type": "ordered"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return Recall.objects.get(pk=response.json()["id"])


def test_an_order_s_scope_cannot_take_in_lots_another_order_recalls(
    county, enterprise, lot, merged
):
    """The producer adding a lot to an ordered recall's scope brings what was made from it: when
    another standing order already recalls one of those, 409 naming that order, nothing added.
    A voluntary recall may add it."""
    other, yogurt = merged
    first = _ordered(county, lot)  # recalls the lot and the yogurt made from it
    third = trace_services.batch_produce(
        product=lot.product, lot="YG03", quantity=Decimal(50), unit="EA", actor=enterprise.user
    )
    second = _ordered(county, third)
    for language in ("en", "zh-hans"):
        refused = _edit_scope(enterprise, second, other, language=language)
        assert refused.status_code == 409, refused.json()
        body = refused.json()
        assert body["type"].endswith("/lots-already-ordered")
        assert body["recall"] == first.number and body["lots"] == [yogurt.pk]
    assert set(second.scope_batches.values_list("batch_id", flat=True)) == {third.pk}

    voluntary = enterprise.client.post(
        "/api/v1/recalls/",
        {**PLAN, "batches": [third.pk], "recall_type": "voluntary"},
        format="json",
    )
    assert voluntary.status_code == 201, voluntary.json()
    own = Recall.objects.get(pk=voluntary.json()["id"])
    assert _edit_scope(enterprise, own, other).status_code == 200
    assert own.scope_batches.filter(batch=yogurt, included=True).exists()


def test_an_order_s_scope_cannot_take_back_a_lot_another_order_now_recalls(
    county, enterprise, lot, merged
):
    """The producer excluded the yogurt from the first order; the regulator then ordered it with
    the second lot. Including it again in the first would make two orders of it: 409."""
    other, yogurt = merged
    first = _ordered(county, lot)
    assert _edit_scope(enterprise, first, yogurt, include=False).status_code == 200
    second = _ordered(county, other)  # the yogurt is no longer in a standing order's scope
    assert second.scope_batches.filter(batch=yogurt, included=True).exists()
    refused = _edit_scope(enterprise, first, yogurt, include=True)
    assert refused.status_code == 409, refused.json()
    assert refused.json()["recall"] == second.number
    assert first.scope_batches.filter(batch=yogurt, included=False).exists()
    # Excluding it again, or including lots no other order recalls, goes on as before.
    assert _edit_scope(enterprise, first, lot, include=False).status_code == 200
    assert _edit_scope(enterprise, first, lot, include=True).status_code == 200
