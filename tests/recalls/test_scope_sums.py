"""The recall scope's holdings, added up by the database, are what adding up the
lots' events one by one gives: on a generated chain (whey powder into plants'
lots, shipped, received and sold on), with some events retracted, on SQLite and
on PostgreSQL."""

from decimal import Decimal
from trace.core.capture import capture_events
from trace.core.choices import BatchRole, BizStep
from trace.core.rules import RuleViolation
from trace.core.services import batch_ship, event_declare_error
from trace.demo.datagen import generate
from trace.models import Custody, Event, EventBatch

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from recalls.selectors import compute_scope, scope_holdings, scope_lots
from tests.factories import EnterpriseFactory, ProductFactory, UserFactory, produce

# --- the reference: the scope as it was added up in Python, event by event -------------

_OUTBOUND = {BizStep.SHIPPING, BizStep.RETAIL_SELLING}


def _reference_holdings(batch_ids: list[int]) -> list[tuple]:
    rows: dict[tuple[int, int], dict[str, Decimal]] = {}

    def row(org, batch):
        return rows.setdefault(
            (org, batch),
            dict.fromkeys(("produced", "received", "sold_on", "used", "held"), Decimal(0)),
        )

    for custody in Custody.objects.filter(batch_id__in=batch_ids):
        row(custody.organization_id, custody.batch_id)["held"] += (
            custody.quantity + custody.in_transit
        )
    retracted = set(
        Event.objects.filter(error_declaration__isnull=False).values_list("event_id", flat=True)
    )
    links = EventBatch.objects.filter(
        batch_id__in=batch_ids, quantity__isnull=False, event__error_declaration__isnull=True
    ).select_related("event")
    for link in links:
        event = link.event
        if event.event_id in retracted:
            continue
        holding = row(event.organization_id, link.batch_id)
        if link.role == BatchRole.OUTPUT or (
            link.role == BatchRole.SUBJECT
            and event.action == "ADD"
            and event.biz_step == BizStep.COMMISSIONING
        ):
            holding["produced"] += link.quantity
        elif link.role == BatchRole.INPUT:
            holding["used"] += link.quantity
        elif link.role == BatchRole.SUBJECT and event.biz_step == BizStep.RECEIVING:
            holding["received"] += link.quantity
        elif link.role == BatchRole.SUBJECT and event.biz_step in _OUTBOUND:
            holding["sold_on"] += link.quantity
    return [
        (org, batch, h["produced"], h["received"], h["sold_on"], h["used"], h["held"])
        for (org, batch), h in sorted(rows.items())
    ]


def _tuples(holdings) -> list[tuple]:
    return [
        (h.organization_id, h.batch_id, h.produced, h.received, h.sold_on, h.used, h.held)
        for h in holdings
    ]


@pytest.fixture
def chain(db):
    world = generate(size=600, seed=17)
    users = {p.org.pk: p.user for tier in world.parties.values() for p in tier}
    whey = world.whey_lots[0]
    lots = scope_lots([whey.pk])
    # Retract what the custody rules let go, latest first: a shop's sale of a lot of the
    # scope, then its receipt of that lot, then the shipment to it.
    sale = (
        EventBatch.objects.filter(
            batch_id__in=list(lots), role=BatchRole.SUBJECT, event__biz_step=BizStep.RETAIL_SELLING
        )
        .select_related("event")
        .latest("id")
    )
    retracted = []
    for step in (BizStep.RETAIL_SELLING, BizStep.RECEIVING, BizStep.SHIPPING):
        links = EventBatch.objects.filter(
            batch_id=sale.batch_id, role=BatchRole.SUBJECT, event__biz_step=step
        ).select_related("event")
        for link in links.order_by("-id"):
            try:
                with transaction.atomic():
                    event_declare_error(
                        event=link.event, reason="wrong", actor=users[link.event.organization_id]
                    )
            except RuleViolation:
                continue
            retracted.append((step, link.event))
            break
    assert [step for step, _ in retracted] == [
        BizStep.RETAIL_SELLING,
        BizStep.RECEIVING,
        BizStep.SHIPPING,
    ]
    return world, whey, retracted


def test_the_scope_sums_match_adding_up_the_events_one_by_one(chain):
    world, whey, retracted = chain
    scope = compute_scope([whey.pk])
    assert len(scope.lots) > 20 and len(scope.holders()) > 5
    expected = _reference_holdings(list(scope.lots))
    assert _tuples(scope.holdings) == expected
    # Every column is exercised, and the figures keep the lots' three decimals.
    for column in range(2, 7):
        assert any(row[column] for row in expected), column
    assert all(
        str(v) == str(w)
        for a, b in zip(_tuples(scope.holdings), expected, strict=True)
        for v, w in zip(a, b, strict=True)
    )


def test_retracted_events_count_for_nothing(chain):
    world, whey, retracted = chain
    holdings = {(h.organization_id, h.batch_id): h for h in compute_scope([whey.pk]).holdings}
    gone = [e.event_id for _, e in retracted]
    steps = {"received": [BizStep.RECEIVING], "sold_on": sorted(_OUTBOUND)}
    for step, event in retracted:
        lot = event.batch_links.get(role=BatchRole.SUBJECT).batch_id
        figure = "received" if step == BizStep.RECEIVING else "sold_on"
        kept = (
            EventBatch.objects.filter(
                batch_id=lot,
                role=BatchRole.SUBJECT,
                event__organization_id=event.organization_id,
                event__biz_step__in=steps[figure],
                event__error_declaration__isnull=True,
            )
            .exclude(event__event_id__in=gone)
            .aggregate(total=Sum("quantity"))["total"]
        )
        holding = holdings[(event.organization_id, lot)]
        assert getattr(holding, figure) == (kept or 0)


def test_several_roots_and_any_lot_of_the_chain(chain):
    world, whey, _ = chain
    roots = [w.pk for w in world.whey_lots] + world.raw_lot_ids[:3] + world.finished_lot_ids[:3]
    for batch_ids in ([*roots], world.finished_lot_ids[:1], world.raw_lot_ids[:2]):
        lots = list(scope_lots(batch_ids))
        with CaptureQueriesContext(connection) as queries:
            holdings = scope_holdings(lots)
        # One statement; on PostgreSQL with its planner settings set and put back around it.
        assert len(queries) == (3 if connection.vendor == "postgresql" else 1)
        assert _tuples(holdings) == _reference_holdings(lots)
    assert scope_holdings([]) == []


def test_a_link_carries_its_events_facts_and_an_event_declared_wrong_before_it_came_counts_for_nothing(
    db,
):
    """An error declaration may name an event not stored yet (``trace.core.rules``: it then
    retracts nothing at once). The links of an event keep their own copy of its organization,
    action and business step (trace 0016), yet whether it is retracted is still read from the
    declarations: the event captured after its declaration counts for nothing either."""
    maker = UserFactory(organization=EnterpriseFactory())
    shop = EnterpriseFactory()
    lot = produce(maker, ProductFactory(owner=maker.membership.organization), lot="D1")
    organization = maker.membership.organization
    with transaction.atomic():
        shipped = batch_ship(batch=lot, to=shop, quantity=Decimal(7), actor=maker)
        document = {k: v for k, v in shipped.document.items() if k != "recordTime"}
        transaction.set_rollback(True)
    assert not Event.objects.filter(event_id=document["eventID"]).exists()
    declared = {
        **document,
        "errorDeclaration": {
            "declarationTime": "2026-12-01T08:00:00.000+08:00",
            "reason": "incorrect_data",
        },
    }
    capture_events(documents=[declared], organization=organization, user=maker)
    capture_events(documents=[document], organization=organization, user=maker)

    original = Event.objects.by_event_id(document["eventID"], declaration=False).get()
    link = original.batch_links.get(batch=lot)
    assert (
        (link.event_organization_id, link.event_action, link.event_biz_step)
        == (
            original.organization_id,
            original.action,
            original.biz_step,
        )
        == (organization.pk, "OBSERVE", BizStep.SHIPPING)
    )
    (holding,) = [
        h for h in compute_scope([lot.pk]).holdings if h.organization_id == organization.pk
    ]
    assert holding.produced == Decimal(100) and holding.sold_on == 0
    assert _tuples(compute_scope([lot.pk]).holdings) == _reference_holdings([lot.pk])
