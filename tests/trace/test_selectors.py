"""The trace graph and the consumer journey, read with hand-written SQL, give
exactly what the ORM gives (on SQLite and on PostgreSQL)."""

from decimal import Decimal
from trace.core.capture import capture_events
from trace.core.identifiers import canonical_lot_uri
from trace.core.selectors import TraceGraph, batch_journey, lineage_batch_ids, trace_graph
from trace.core.services import (
    batch_hold,
    batch_inspect,
    batch_receive,
    batch_ship,
    batch_transform,
    event_declare_error,
)
from trace.exports import trace_rows
from trace.models import Batch, Event, EventBatch, LineageEdge
from trace.rest.serializers import BatchSerializer, EventSerializer
from trace.rest.views import _edges

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import Exists, OuterRef
from django.test.utils import CaptureQueriesContext
from rest_framework.renderers import JSONRenderer

from core.models import Organization
from tests.factories import ProductFactory, SiteFactory, produce

# --- the reference: the ORM reads these selectors replaced ---------------------------


def _reference_events(ids):
    about = EventBatch.objects.filter(
        batch_id__in=ids, role__in=("subject", "output", "parent")
    ).values("event_id")
    retracted = Event.objects.filter(event_id=OuterRef("event_id"), error_declaration__isnull=False)
    return (
        Event.objects.filter(pk__in=about, error_declaration__isnull=True)
        .exclude(Exists(retracted))
        .order_by("event_time", "id")
    )


def _reference_graph(batch, *, direction="both", depth=20) -> TraceGraph:
    distances = lineage_batch_ids(batch.pk, direction=direction, depth=depth)
    ids = list(distances)
    batches = list(
        Batch.objects.filter(pk__in=ids).select_related("product__owner", "site").order_by("id")
    )
    edges = list(
        LineageEdge.objects.filter(parent_id__in=ids, child_id__in=ids)
        .select_related("event")
        .order_by("id")
    )
    events = list(
        _reference_events(ids)
        .select_related("organization", "source_org", "destination_org")
        .prefetch_related("batch_links")
    )
    org_ids = {b.product.owner_id for b in batches if b.product_id}
    for e in events:
        org_ids.update(x for x in (e.organization_id, e.source_org_id, e.destination_org_id) if x)
    organizations = list(Organization.objects.filter(pk__in=org_ids).order_by("id"))
    return TraceGraph(batch, direction, depth, batches, distances, edges, events, organizations)


def _render(graph: TraceGraph, viewer) -> bytes:
    """What the trace endpoint and the spreadsheets make of a graph."""
    return JSONRenderer().render(
        {
            "batches": [
                {**BatchSerializer(b).data, "distance": graph.distances.get(b.pk, 0)}
                for b in graph.batches
            ],
            "organizations": [
                {
                    "id": o.pk,
                    "name": o.name,
                    "name_en": o.name_en,
                    "kind": o.kind,
                    "region_code": o.region_code,
                }
                for o in graph.organizations
            ],
            "edges": _edges(graph),
            "events": EventSerializer(graph.events, many=True, context={"viewer_org": viewer}).data,
            "rows": trace_rows(graph, viewer=viewer),
            "distances": sorted(graph.distances.items()),
        }
    )


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


# --- the world ----------------------------------------------------------------------


@pytest.fixture
def world(enterprise, partner, product):
    """Milk and a shared whey lot made into two yogurt lots; the first is
    shipped, received, inspected (one inspection retracted), held and released;
    a third lot is made from an unregistered supplier's lot through EPCIS."""
    plant = SiteFactory(owner=enterprise.org, name="铜山工厂")
    whey = produce(enterprise.user, product, lot="WHEY1", quantity=Decimal(100), site=plant)
    milk1 = produce(enterprise.user, product, lot="MILK1", quantity=Decimal("10.5"))
    milk2 = produce(enterprise.user, product, lot="MILK2", quantity=Decimal(10))
    yogurt = ProductFactory(owner=enterprise.org, name="酸奶", name_en="Yogurt")
    y1 = batch_transform(
        inputs=[(milk1, Decimal("10.5")), (whey, Decimal("1.25"))],
        product=yogurt,
        lot="Y1",
        quantity=Decimal(50),
        unit="EA",
        actor=enterprise.user,
        site=plant,
    )
    y2 = batch_transform(
        inputs=[(milk2, Decimal(10)), (whey, Decimal(1))],
        product=yogurt,
        lot="Y2",
        quantity=Decimal(40),
        unit="EA",
        actor=enterprise.user,
    )
    batch_ship(
        batch=y1,
        to=partner.org,
        quantity=Decimal(20),
        actor=enterprise.user,
        documents={"po": "PO-77", "desadv": "", "inv": "INV-9"},
    )
    batch_receive(batch=y1, actor=partner.user, documents={"po": "PO-77"})
    wrong = batch_inspect(batch=y1, result="pass", report_ref="R-1", actor=enterprise.user)
    event_declare_error(event=wrong, reason="wrong lot", actor=enterprise.user)
    batch_inspect(batch=y1, result="pass", report_ref="R-2", actor=enterprise.user)
    batch_hold(batch=y1, reason="check", actor=enterprise.user)
    batch_hold(batch=Batch.objects.get(pk=y1.pk), reason="ok", release=True, actor=enterprise.user)
    supplier_lot = canonical_lot_uri("06970000000017", "SUP1")
    capture_events(
        organization=enterprise.org,
        user=enterprise.user,
        documents=[
            {
                "type": "TransformationEvent",
                "eventTime": "2026-11-21T09:30:00.000+08:00",
                "eventTimeZoneOffset": "+08:00",
                "eventID": "urn:uuid:00000000-0000-4000-8000-00000000c001",
                "bizStep": "commissioning",
                "inputQuantityList": [
                    {"epcClass": supplier_lot, "quantity": 3, "uom": "KGM"},
                    {"epcClass": canonical_lot_uri(y1.gtin, "Y1"), "quantity": 5, "uom": "EA"},
                ],
                "outputQuantityList": [
                    {"epcClass": canonical_lot_uri(yogurt.gtin, "Y3"), "quantity": 8}
                ],
            }
        ],
    )
    return {"whey": whey, "milk1": milk1, "y1": y1, "y2": y2, "y3": Batch.objects.get(lot="Y3")}


CASES = [
    ("y1", "both"),
    ("y1", "backward"),
    ("whey", "forward"),
    ("whey", "both"),
    ("milk1", "both"),
    ("y3", "backward"),
    ("y3", "both"),
]


@pytest.mark.parametrize(("lot", "direction"), CASES)
def test_trace_graph_is_what_the_orm_reads(
    world,
    enterprise,
    partner,
    other_enterprise,
    regulator,
    lot,
    direction,
    django_assert_num_queries,
):
    root = world[lot]
    expected = _reference_graph(root, direction=direction)
    graph = trace_graph(root, direction=direction)
    assert [b.pk for b in graph.batches] == [b.pk for b in expected.batches]
    assert graph.distances == expected.distances
    assert [e.pk for e in graph.edges] == [e.pk for e in expected.edges]
    assert [e.pk for e in graph.events] == [e.pk for e in expected.events]
    assert [o.pk for o in graph.organizations] == [o.pk for o in expected.organizations]
    # Field for field, after the database's converters (SQLite's text dates and decimals, JSON).
    for kind in ("batches", "events", "organizations", "edges"):
        for mine, theirs in zip(getattr(graph, kind), getattr(expected, kind), strict=True):
            assert _fields(mine) == _fields(theirs)
    for mine, theirs in zip(graph.batches, expected.batches, strict=True):
        with django_assert_num_queries(0):
            assert (
                _fields(mine.product.owner) == _fields(theirs.product.owner)
                if theirs.product_id
                else (mine.product is None)
            )
            assert (_fields(mine.site) if mine.site else None) == (
                _fields(theirs.site) if theirs.site else None
            )
    for mine, theirs in zip(graph.events, expected.events, strict=True):
        with django_assert_num_queries(0):
            assert [_fields(x) for x in mine.batch_links.all()] == [
                _fields(x) for x in theirs.batch_links.all()
            ]
            assert {link.event_id for link in mine.batch_links.all()} <= {mine.pk}
    for viewer in (enterprise.org, partner.org, other_enterprise.org, regulator.org, None):
        assert _render(graph, viewer) == _render(expected, viewer)


def test_the_trace_leaves_out_retracted_events_and_other_lots_transformations(world):
    graph = trace_graph(world["y1"], direction="both")
    reports = [(e.document.get("sy:inspection") or {}).get("reportRef") for e in graph.events]
    assert (
        "R-2" in reports and "R-1" not in reports
    )  # the retracted one and its declaration are left out
    assert not any(e.error_declaration for e in graph.events)
    made = {
        e.batch_links.get(role="output").batch_id
        for e in graph.events
        if e.event_type == "TransformationEvent"
    }
    assert made == {world["y1"].pk, world["y3"].pk}  # not Y2, which the whey also went into
    assert {b.lot for b in graph.batches} == {"Y1", "MILK1", "WHEY1", "Y3"}
    upstream = trace_graph(world["y3"], direction="backward")
    assert {b.lot: b.product for b in upstream.batches if b.lot == "SUP1"} == {"SUP1": None}
    assert sum(e.biz_step == "shipping" for e in graph.events) == 1


def test_trace_graph_serializes_without_further_queries(
    world, enterprise, django_assert_num_queries
):
    graph = trace_graph(world["y1"], direction="both")
    with django_assert_num_queries(0):
        _edges(graph)
        assert [BatchSerializer(b).data for b in graph.batches]
        assert EventSerializer(graph.events, many=True, context={"viewer_org": enterprise.org}).data


def test_prefetched_links_stay_those_of_their_event_when_queried_further(world):
    graph = trace_graph(world["y1"], direction="both")
    transformation = next(e for e in graph.events if e.event_type == "TransformationEvent")
    expected = list(EventBatch.objects.filter(event=transformation, role="input").order_by("id"))
    assert list(transformation.batch_links.filter(role="input")) == expected
    assert transformation.batch_links.all().count() == len(list(transformation.batch_links.all()))


@pytest.mark.parametrize("lot", ["y1", "y3", "whey", "milk1"])
def test_batch_journey_is_what_the_orm_reads(world, lot, django_assert_num_queries):
    root = world[lot]
    ids = list(lineage_batch_ids(root.pk, direction="backward", depth=20))
    expected = list(
        _reference_events(ids)
        .select_related("organization", "source_org", "destination_org")
        .prefetch_related("batch_links__batch__product")
    )

    def seen(events):
        return [
            (
                _fields(e),
                _fields(e.organization),
                e.source_org and _fields(e.source_org),
                e.destination_org and _fields(e.destination_org),
                [
                    (
                        _fields(link),
                        _fields(link.batch),
                        link.batch.product and _fields(link.batch.product),
                    )
                    for link in e.batch_links.all()
                ],
            )
            for e in events
        ]

    with django_assert_num_queries(4):
        journey = batch_journey(root)
    with django_assert_num_queries(0):
        mine = seen(journey)
    assert mine == seen(expected)


def test_a_document_with_a_number_beyond_64_bits_reads_back_as_the_orm_reads_it(
    enterprise, product
):
    """The trace reads documents with orjson, which makes integers past 64 bits floats; such
    a document (PostgreSQL's jsonb gives the number back as an integer) comes back as the
    ORM reads it."""
    lot = produce(enterprise.user, product, lot="BIG1")
    capture_events(
        organization=enterprise.org,
        user=enterprise.user,
        documents=[
            {
                "type": "ObjectEvent",
                "action": "OBSERVE",
                "eventTime": "2026-11-21T10:00:00.000+08:00",
                "eventTimeZoneOffset": "+08:00",
                "bizStep": "inspecting",
                "quantityList": [{"epcClass": canonical_lot_uri(lot.gtin, lot.lot), "quantity": 1}],
                "sy:counter": 2**70,
            }
        ],
    )
    graph = trace_graph(lot, direction="both")
    mine = next(e for e in graph.events if "sy:counter" in e.document)
    expected = Event.objects.get(pk=mine.pk).document
    assert mine.document == expected
    assert type(mine.document["sy:counter"]) is type(expected["sy:counter"])


def test_garbage_collection_is_back_on_after_a_trace_even_one_that_failed(world, monkeypatch):
    """The trace pauses the collector while it builds its instances (``core.collector.paused``)."""
    import gc
    from trace.core import selectors

    trace_graph(world["y1"], direction="both")
    batch_journey(world["y3"])
    assert gc.isenabled()

    def broken(*args, **kwargs):
        raise DatabaseError("gone")

    monkeypatch.setattr(selectors, "_trace_events", broken)
    with pytest.raises(DatabaseError):
        trace_graph(world["y1"], direction="both")
    assert gc.isenabled()


# --- prepared statements (PostgreSQL) ------------------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


def _prepared_here() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE 'suyuan_%%'")
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.postgres
@postgres_only
def test_the_trace_is_prepared_once_per_connection_then_only_executed(world):
    trace_graph(world["y1"], direction="both")
    assert {
        "suyuan_walk_both",
        "suyuan_trace_batches",
        "suyuan_trace_edges",
        "suyuan_trace_events",
        "suyuan_trace_links",
        "suyuan_trace_organizations",
    } <= _prepared_here()
    with CaptureQueriesContext(connection) as captured:
        graph = trace_graph(world["y2"], direction="both")
    assert captured.captured_queries and all(
        q["sql"].startswith("EXECUTE ") for q in captured.captured_queries
    )
    expected = _reference_graph(world["y2"], direction="both")
    assert [e.pk for e in graph.events] == [e.pk for e in expected.events]
    assert [b.pk for b in graph.batches] == [b.pk for b in expected.batches]


@pytest.mark.postgres
@postgres_only
def test_a_connection_that_lost_its_prepared_statements_fails_once_then_reads_without(
    world, request
):
    """What a pooler's DISCARD ALL does: the next trace fails on that connection (inside a
    savepoint here), after which the connection reads with plain statements, and right."""
    from trace.core import rows

    trace_graph(world["y1"], direction="both")
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    request.addfinalizer(
        lambda: rows._PREPARED.pop(connection.connection, None)
    )  # the next tests prepare again
    with pytest.raises(DatabaseError), transaction.atomic():
        trace_graph(world["y1"], direction="both")
    with CaptureQueriesContext(connection) as captured:
        graph = trace_graph(world["y1"], direction="both")
    assert not any(q["sql"].startswith(("EXECUTE", "PREPARE")) for q in captured.captured_queries)
    expected = _reference_graph(world["y1"], direction="both")
    assert [e.pk for e in graph.events] == [e.pk for e in expected.events]
    assert [e.pk for e in graph.edges] == [e.pk for e in expected.edges]


@pytest.mark.postgres
@postgres_only
@pytest.mark.parametrize(("lot", "direction"), CASES)
def test_without_prepared_statements_the_trace_reads_the_same(world, lot, direction, settings):
    """DATABASE_PREPARED_STATEMENTS=0, for a pooler in transaction mode."""
    settings.DATABASE_PREPARED_STATEMENTS = False
    with CaptureQueriesContext(connection) as captured:
        graph = trace_graph(world[lot], direction=direction)
    assert not any(q["sql"].startswith(("EXECUTE", "PREPARE")) for q in captured.captured_queries)
    expected = _reference_graph(world[lot], direction=direction)
    assert graph.distances == expected.distances
    for kind in ("batches", "events", "organizations", "edges"):
        assert [_fields(x) for x in getattr(graph, kind)] == [
            _fields(x) for x in getattr(expected, kind)
        ]


def test_a_dropped_trace_is_freed_without_the_garbage_collector(world):
    """The trace's instances hold no reference cycle (an event holds its links, a link does not
    hold its event; a prefetched queryset names its object by key), so dropping the graph frees
    them at once: collections during later traces have nothing of it to walk (the trace's tail
    latency, bench trace_graph_p95)."""
    import gc

    trace_graph(world["y1"], direction="both")  # converters and statements cached first
    gc.collect()
    gc.disable()
    try:
        graph = trace_graph(world["y1"], direction="both")
        assert graph.events and any(e.batch_links.all() for e in graph.events)
        gc.set_debug(gc.DEBUG_SAVEALL)
        del graph
        gc.collect()
        kinds = {type(o).__name__ for o in gc.garbage}
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert not kinds & {"Event", "EventBatch", "Batch", "Organization", "ModelState"}
