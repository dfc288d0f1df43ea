"""Reads of the trace graph: one recursive query over lineage edges, then the
events and organizations that touched the lots found.

The trace graph and the consumer page's journey are read with hand-written
statements (``trace.core.rows``): a handful of short statements whose rows become
the same instances ``select_related``/``prefetch_related`` would give, at a
fraction of what building six querysets per trace cost. On PostgreSQL they are
prepared statements (``trace.core.rows.Statement``), parsed and planned once per
connection.
"""

from __future__ import annotations

import re
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from trace.models import Batch, Custody, Event, EventBatch, LineageEdge, Product, ScanLog, Site

from django.db import connections, router
from django.db.models import Count, Q
from django.db.models.expressions import RawSQL

from core import collector
from core.models import Organization, organization_of

from .choices import BatchRole
from .rows import (
    Columns,
    Statement,
    cache_prefetched,
    cache_related,
    percent_spelling,
)
from .rules import reads_every_event


def _reading():
    """The connection the trace reads from: the router's choice (``config.routers``), a
    replica for a replica-safe read, the primary otherwise."""
    return connections[router.db_for_read(Event)]


# One statement walks both ways. CAST: PostgreSQL types the seed term from the
# parameter (integer) and the recursive term from the column (bigint).
def _walk(p, name: str, next_: str, this: str) -> str:
    return (
        f"{name}(batch_id, depth) AS (SELECT CAST({p.value(0)} AS BIGINT), 0 UNION "
        f"SELECT e.{next_}, w.depth + 1 FROM trace_lineageedge e JOIN {name} w ON e.{this} = w.batch_id "
        f"WHERE w.depth < {p.value(1)})"
    )


def _walk_sql(p, direction: str) -> str:
    def down():
        return _walk(p, "downstream", "child_id", "parent_id")

    def up():
        return _walk(p, "upstream", "parent_id", "child_id")

    downstream = "SELECT batch_id, MIN(depth) FROM downstream GROUP BY batch_id"
    upstream = "SELECT batch_id, -MIN(depth) FROM upstream GROUP BY batch_id"
    if direction == "forward":
        return f"WITH RECURSIVE {down()} {downstream}"
    if direction == "backward":
        return f"WITH RECURSIVE {up()} {upstream}"
    return f"WITH RECURSIVE {down()}, {up()} {downstream} UNION ALL {upstream}"


_WALKS = {
    direction: Statement(
        f"suyuan_walk_{direction}",
        ["bigint", "integer"],
        lambda p, direction=direction: _walk_sql(p, direction),
    )
    for direction in ("forward", "backward", "both")
}
# The same statements as text, with %s for (root, depth) — twice for "both".
_SQL = {direction: statement.text for direction, statement in _WALKS.items()}
_FORWARD = _walk(percent_spelling(), "downstream", "child_id", "parent_id")  # (root, depth)


def lineage_batch_ids(batch_id: int, *, direction: str, depth: int) -> dict[int, int]:
    """Batch id → signed distance from the root (negative = upstream)."""
    found: dict[int, int] = {batch_id: 0}
    with _reading().cursor() as cursor:
        for bid, d in _WALKS[direction].fetch(cursor, [batch_id, depth]):
            found.setdefault(bid, d)
    return found


# A lot consumed (input, aggregated child) in an event whose outputs all lie
# outside the trace belongs to another lot's story: a whey-powder lot that went
# into 10,000 other plants' lots must not drag their transformations into the
# trace of one yogurt lot. Such events reach the trace through an output or
# parent link when they matter.
_TRACE_ROLES = [role.value for role in (BatchRole.SUBJECT, BatchRole.OUTPUT, BatchRole.PARENT)]


@dataclass
class TraceGraph:
    root: Batch
    direction: str
    depth: int
    batches: list[Batch]
    distances: dict[int, int]
    edges: list[LineageEdge]
    events: list[Event]
    organizations: list[Organization]


_BATCH = Columns(Batch)
_PRODUCT = Columns(Product)
_SITE = Columns(Site)
# A site's primary key in our own location URI: ASCII digits that fit a bigint ('²' is a digit to
# str.isdigit but not to int()).
_SITE_PK = re.compile(r"[0-9]{1,18}")
_EDGE = Columns(LineageEdge)
_EDGE_EVENT = Columns(Event, ["id", "event_id"])
_EVENT = Columns(Event)
_LINK = Columns(EventBatch)
_ORGANIZATION = Columns(Organization)


# Not joined to the walk: its estimate (hundreds of rows for a handful) makes the
# planner scan all lots.
_BATCHES = Statement(
    "suyuan_trace_batches",
    ["bigint[]"],
    lambda p: (
        f"SELECT {_BATCH.sql('b')}, {_PRODUCT.sql('p')}, {_SITE.sql('s')} FROM trace_batch b "
        "LEFT JOIN trace_product p ON p.id = b.product_id LEFT JOIN trace_site s ON s.id = b.site_id "
        f"WHERE {p.member('b.id', 0)} ORDER BY b.id"
    ),
)


def _trace_batches(cursor, ids: list[int]) -> list[Batch]:
    """The lots ``ids`` with their products and sites, by id."""
    rows = _BATCHES.fetch(cursor, [ids])
    batches = _BATCH.load(rows, 0, cursor.db)
    products = _PRODUCT.load(rows, _BATCH.width, cursor.db, nullable=True)
    sites = _SITE.load(rows, _BATCH.width + _PRODUCT.width, cursor.db, nullable=True)
    for batch, product, site in zip(batches, products, sites, strict=True):
        cache_related(batch, "product", product)
        cache_related(batch, "site", site)
    return batches


_LOT = Statement(
    "suyuan_lot_by_code",
    ["varchar", "varchar"],
    lambda p: (
        f"SELECT {_BATCH.sql('b')}, {_PRODUCT.sql('p')}, {_ORGANIZATION.sql('o')}, {_SITE.sql('s')} "
        "FROM trace_batch b LEFT JOIN trace_product p ON p.id = b.product_id "
        "LEFT JOIN api_organization o ON o.id = p.owner_id LEFT JOIN trace_site s ON s.id = b.site_id "
        f"WHERE b.gtin = {p.value(0)} AND b.lot = {p.value(1)}"
    ),
)


def lot_by_code(gtin14: str, lot: str, *, using: str) -> Batch | None:
    """The lot with this GTIN-14 and lot number (unique), read from the database ``using``,
    with its product, the product's owner and its site, as ``select_related`` gives them."""
    with connections[using].cursor() as cursor:
        rows = _LOT.fetch(cursor, [gtin14, lot])
        if not rows:
            return None
        (batch,) = _BATCH.load(rows, 0, cursor.db)
        start = _BATCH.width
        (product,) = _PRODUCT.load(rows, start, cursor.db, nullable=True)
        (owner,) = _ORGANIZATION.load(rows, start + _PRODUCT.width, cursor.db, nullable=True)
        start += _PRODUCT.width + _ORGANIZATION.width
        (site,) = _SITE.load(rows, start, cursor.db, nullable=True)
    if product is not None:
        cache_related(product, "owner", owner)
    cache_related(batch, "product", product)
    cache_related(batch, "site", site)
    return batch


_EDGES = Statement(
    "suyuan_trace_edges",
    ["bigint[]"],
    lambda p: (
        f"SELECT {_EDGE.sql('le')}, {_EDGE_EVENT.sql('ev')} FROM trace_lineageedge le "
        f"JOIN trace_event ev ON ev.id = le.event_id "
        f"WHERE {p.member('le.parent_id', 0)} AND {p.member('le.child_id', 0)} ORDER BY le.id"
    ),
)


def _trace_edges(cursor, ids: list[int]) -> list[LineageEdge]:
    """Lineage edges between lots of the trace; ``edge.event`` carries only its id and event_id."""
    rows = _EDGES.fetch(cursor, [ids])
    edges = _EDGE.load(rows, 0, cursor.db)
    for edge, event in zip(edges, _EDGE_EVENT.load(rows, _EDGE.width, cursor.db), strict=True):
        cache_related(edge, "event", event)
    return edges


# The events of a trace over some lots, oldest first: those naming a lot of the
# trace as subject, output or parent (_TRACE_ROLES), leaving out error
# declarations and the events they retract. NOT EXISTS probes the partial
# unique index of error declarations per event; a NOT IN over all
# declarations lets the planner scan the whole events table.
_EVENTS = Statement(
    "suyuan_trace_events",
    ["bigint[]"],
    lambda p: (
        f"SELECT {_EVENT.sql('ev')} FROM trace_event ev "
        # One branch a role, each an equality on the (batch, role, event) index: a prepared
        # statement's generic plan would filter "role IN (…)" over a whey lot's 12,000 links.
        "WHERE ev.id IN ("
        + " UNION ALL ".join(
            f"SELECT l.event_id FROM trace_eventbatch l WHERE {p.member('l.batch_id', 0)} AND l.role = '{role}'"
            for role in _TRACE_ROLES
        )
        + ") "
        "AND ev.error_declaration IS NULL AND NOT EXISTS (SELECT 1 FROM trace_event r "
        "WHERE r.event_id = ev.event_id AND r.error_declaration IS NOT NULL)"
        # No ORDER BY: sorting whole rows (documents and all) spills a wide trace's thousands
        # of events to disk; ``_trace_events`` sorts the instances.
    ),
)
_EVENT_ORDER = attrgetter("event_time", "pk")
_LINKS = Statement(
    "suyuan_trace_links",
    ["bigint[]"],
    lambda p: (
        f"SELECT {_LINK.sql('l')} FROM trace_eventbatch l WHERE {p.member('l.event_id', 0)} ORDER BY l.id"
    ),
)
_LINKS_WITH_LOTS = Statement(
    "suyuan_trace_links_lots",
    ["bigint[]"],
    lambda p: (
        f"SELECT {_LINK.sql('l')}, {_BATCH.sql('b')}, {_PRODUCT.sql('p')} FROM trace_eventbatch l "
        "JOIN trace_batch b ON b.id = l.batch_id LEFT JOIN trace_product p ON p.id = b.product_id "
        f"WHERE {p.member('l.event_id', 0)} ORDER BY l.id"
    ),
)


def _trace_events(cursor, ids: list[int], *, link_batches: bool = False) -> list[Event]:
    """The events of a trace over the lots ``ids`` (``_EVENTS``) with their
    batch links prefetched (``event.batch_links.all()``), and with
    ``link_batches`` each link's lot and its product (``link.batch.product``).

    A link does not hold its event (``link.event`` would be read from the database): with
    the event holding its links, that cycle kept each trace's thousands of objects alive
    until a garbage collection found them, and those collections were the trace's slowest
    tail (bench trace_graph_p95)."""
    events = _EVENT.load(_EVENTS.fetch(cursor, [ids]), 0, cursor.db)
    if not events:
        return events
    events.sort(key=_EVENT_ORDER)  # oldest first (event time, then id)
    by_id = {e.pk: e for e in events}
    rows = (_LINKS_WITH_LOTS if link_batches else _LINKS).fetch(cursor, [list(by_id)])
    loaded = _LINK.load(rows, 0, cursor.db)
    if link_batches:
        batches: dict[int, Batch] = {}
        products = _PRODUCT.load(rows, _LINK.width + _BATCH.width, cursor.db, nullable=True)
        for link, batch, product in zip(
            loaded, _BATCH.load(rows, _LINK.width, cursor.db), products, strict=True
        ):
            if batch.pk not in batches:
                cache_related(batch, "product", product)
                batches[batch.pk] = batch
            cache_related(link, "batch", batches[batch.pk])
    links: dict[int, list[EventBatch]] = {pk: [] for pk in by_id}
    for link in loaded:
        links[link.event_id].append(link)
    for event in events:
        cache_prefetched(event, "batch_links", links[event.pk])
    return events


_ORGANIZATIONS = Statement(
    "suyuan_trace_organizations",
    ["bigint[]"],
    lambda p: (
        f"SELECT {_ORGANIZATION.sql('o')} FROM api_organization o WHERE {p.member('o.id', 0)} ORDER BY o.id"
    ),
)


def _attach_organizations(cursor, products, events) -> list[Organization]:
    """The owners of ``products`` and the parties of ``events``, in one statement,
    by id; each object's ``owner``/``organization``… is set to them."""
    ids = {p.owner_id for p in products}
    for e in events:
        ids.update(x for x in (e.organization_id, e.source_org_id, e.destination_org_id) if x)
    if not ids:
        return []
    rows = _ORGANIZATIONS.fetch(cursor, [list(ids)])
    organizations = _ORGANIZATION.load(rows, 0, cursor.db)
    by_id = {o.pk: o for o in organizations}
    for p in products:
        cache_related(p, "owner", by_id[p.owner_id])
    for e in events:
        cache_related(e, "organization", by_id[e.organization_id])
        cache_related(e, "source_org", by_id.get(e.source_org_id))
        cache_related(e, "destination_org", by_id.get(e.destination_org_id))
    return organizations


# The collector is held off only while a wide lineage's instances are built (tens of thousands
# of objects, all still in use: collections meanwhile walk them for nothing). For an ordinary
# trace of a few lots, holding it off only moved a collection onto a later request: the trace
# sample's p95 went from 12 to 15 ms at 1 M events (bench trace_graph_p95).
_PAUSE_FROM_LOTS = 1_000


def _building(lots: int):
    return collector.paused() if lots >= _PAUSE_FROM_LOTS else nullcontext()


def trace_graph(batch: Batch, *, direction: str = "both", depth: int = 20) -> TraceGraph:
    """The lots ``depth`` steps up and/or down the lineage of ``batch``, the
    edges between them, their events (``_EVENTS``) and every organization
    that made one of the lots or took part in one of the events: six short
    statements, whatever the size of the trace."""
    distances = lineage_batch_ids(batch.pk, direction=direction, depth=depth)
    ids = list(distances)
    with _reading().cursor() as cursor, _building(len(ids)):
        batches = _trace_batches(cursor, ids)
        edges = _trace_edges(cursor, ids)
        events = _trace_events(cursor, ids)
        products = [b.product for b in batches if b.product is not None]
        organizations = _attach_organizations(cursor, products, events)
    return TraceGraph(batch, direction, depth, batches, distances, edges, events, organizations)


def visible_trace_graph(
    user, batch: Batch, *, direction: str = "both", depth: int = 20
) -> TraceGraph:
    """The trace of ``batch`` as ``user`` may read it: the lineage's lots, and of their events
    only those ``Event.objects.visible_to`` grants (one step up, one step down). One rule for
    the API's trace and its spreadsheets and the workbench's trace page; the caller has found
    ``batch`` through ``Batch.objects.visible_to(user)``."""
    graph = trace_graph(batch, direction=direction, depth=depth)
    if reads_every_event(organization_of(user)):
        return graph
    visible = set(
        Event.objects.visible_to(user)
        .filter(pk__in=[e.pk for e in graph.events])
        .values_list("pk", flat=True)
    )
    graph.events = [e for e in graph.events if e.pk in visible]
    return graph


def batch_journey(batch: Batch, *, depth: int = 20) -> list[Event]:
    """What the consumer page shows: the events of this lot and of every lot
    upstream of it (back to the ranch), oldest first, with their organizations
    and their links' lots and products."""
    return batch_provenance(batch, depth=depth, sources_depth=None).events


@dataclass
class Provenance:
    """A lot's way back: ``events`` as ``batch_journey`` gives them, and ``sources``, the lots
    furthest upstream within ``sources_depth`` (none for a lot with no recorded inputs) with
    their products, the products' owners and their sites, by id."""

    events: list[Event]
    sources: list[Batch]


def batch_provenance(
    batch: Batch, *, depth: int = 20, sources_depth: int | None = None
) -> Provenance:
    """The consumer page's reads of the lineage in one walk (up to the larger of ``depth``
    and ``sources_depth``; a lot's least distance is the same in a shorter walk) and four
    statements: the journey's events (``depth`` steps up), their links, the source lots
    (``sources_depth`` steps up; skipped when None) and every organization named."""
    walked = max(depth, sources_depth or 0)
    distances = lineage_batch_ids(batch.pk, direction="backward", depth=walked)
    ids = [pk for pk, d in distances.items() if -d <= depth]
    sources: list[Batch] = []
    with _reading().cursor() as cursor, _building(len(ids)):
        events = _trace_events(cursor, ids, link_batches=True)
        if sources_depth is not None:
            within = {pk: d for pk, d in distances.items() if -d <= sources_depth}
            furthest = min(within.values())
            if furthest:
                sources = _trace_batches(cursor, [pk for pk, d in within.items() if d == furthest])
        products = [b.product for b in sources if b.product is not None]
        _attach_organizations(cursor, products, events)
    return Provenance(events, sources)


def downstream_holders(batch: Batch, *, depth: int = 100) -> list[dict]:
    """Every organization that holds, or has on its way, this lot or anything
    made from it: what a recall needs to notify."""
    # One statement: the walk is a subquery, so 10,000 lot ids never travel to Python and back.
    downstream = RawSQL(
        f"WITH RECURSIVE {_FORWARD} SELECT batch_id FROM downstream", [batch.pk, depth]
    )
    rows = (
        Custody.objects.filter(batch_id__in=downstream)
        .filter(Q(quantity__gt=0) | Q(in_transit__gt=0))
        .values(
            "organization_id",
            "organization__name",
            "batch_id",
            "batch__lot",
            "quantity",
            "in_transit",
        )
        .order_by("organization_id", "batch_id")
    )
    return list(rows)


def site_names(location_uris) -> dict[str, str]:
    """Names of our sites for the location URIs events carry (GLN Digital Link or our URN)."""
    glns, pks = {}, {}
    for uri in set(location_uris):
        if "/414/" in uri:
            glns[uri.split("/414/", 1)[1][:13]] = uri
        elif uri.startswith("urn:suyuan:site:") and _SITE_PK.fullmatch(uri.rsplit(":", 1)[1]):
            pks[int(uri.rsplit(":", 1)[1])] = uri
    if not glns and not pks:
        return {}
    names = {}
    for site in Site.objects.filter(Q(gln__in=glns) | Q(pk__in=pks)).only("pk", "gln", "name"):
        uri = glns.get(site.gln) if site.gln in glns else pks.get(site.pk)
        if uri:
            names[uri] = site.name
    return names


def scans_by_region(user, start: date, end: date) -> list[tuple[str, int]]:
    """Consumer scans of the lots ``user`` sees (``Batch.objects.visible_to``) from day ``start``
    to day ``end`` (both included), per region the scan was placed in (a scan no network table
    placed is not counted): (region code, scans), most scans first."""
    rows = (
        ScanLog.objects.filter(
            batch__in=Batch.objects.visible_to(user).values("pk"),
            scanned_at__date__gte=start,
            scanned_at__date__lte=end,
        )
        .exclude(region_code="")
        .order_by()
        .values("region_code")
        .annotate(n=Count("pk"))
    )
    return sorted(((r["region_code"], r["n"]) for r in rows), key=lambda r: (-r[1], r[0]))
