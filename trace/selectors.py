"""Reads of the trace graph: one recursive query over lineage edges, then the
events and organizations that touched the lots found."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

from api.models import Organization

from .choices import BatchRole
from .models import Batch, Custody, Event, EventBatch, LineageEdge

# One statement walks both ways. CAST: PostgreSQL types the seed term from the
# parameter (integer) and the recursive term from the column (bigint).
_WALK = """
{name}(batch_id, depth) AS (
    SELECT CAST(%s AS BIGINT), 0
    UNION
    SELECT e.{next}, w.depth + 1 FROM trace_lineageedge e JOIN {name} w ON e.{this} = w.batch_id
    WHERE w.depth < %s
)"""
_FORWARD = _WALK.format(name="downstream", next="child_id", this="parent_id")
_BACKWARD = _WALK.format(name="upstream", next="parent_id", this="child_id")
_SQL = {
    "forward": f"WITH RECURSIVE {_FORWARD} SELECT batch_id, MIN(depth) FROM downstream GROUP BY batch_id",
    "backward": f"WITH RECURSIVE {_BACKWARD} SELECT batch_id, -MIN(depth) FROM upstream GROUP BY batch_id",
    "both": f"WITH RECURSIVE {_FORWARD}, {_BACKWARD} "
    "SELECT batch_id, MIN(depth) FROM downstream GROUP BY batch_id "
    "UNION ALL SELECT batch_id, -MIN(depth) FROM upstream GROUP BY batch_id",
}


def lineage_batch_ids(batch_id: int, *, direction: str, depth: int) -> dict[int, int]:
    """Batch id → signed distance from the root (negative = upstream)."""
    found: dict[int, int] = {batch_id: 0}
    params = [batch_id, depth] * (2 if direction == "both" else 1)
    with connection.cursor() as cursor:
        cursor.execute(_SQL[direction], params)
        for bid, d in cursor.fetchall():
            found.setdefault(bid, d)
    return found


# A lot consumed (input, aggregated child) in an event whose outputs all lie
# outside the trace belongs to another lot's story: a whey-powder lot that went
# into 10,000 other plants' lots must not drag their transformations into the
# trace of one yogurt lot. Such events reach the trace through an output or
# parent link when they matter.
_TRACE_ROLES = (BatchRole.SUBJECT, BatchRole.OUTPUT, BatchRole.PARENT)


def trace_events(batch_ids) -> QuerySet[Event]:
    """The events of a trace over ``batch_ids``, oldest first, without retracted ones."""
    about = EventBatch.objects.filter(batch_id__in=batch_ids, role__in=_TRACE_ROLES).values("event_id")
    # NOT EXISTS probes the partial index of error declarations per event; a NOT IN
    # over all declarations lets the planner scan the whole events table.
    retracted = Event.objects.filter(event_id=OuterRef("event_id"), error_declaration__isnull=False)
    return (
        Event.objects.filter(pk__in=about, error_declaration__isnull=True)
        .exclude(Exists(retracted))
        .order_by("event_time", "id")
    )


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


def trace_graph(batch: Batch, *, direction: str = "both", depth: int = 20) -> TraceGraph:
    distances = lineage_batch_ids(batch.pk, direction=direction, depth=depth)
    ids = list(distances)
    batches = list(
        Batch.objects.filter(pk__in=ids).select_related("product__owner", "site").order_by("id")
    )
    edges = list(
        LineageEdge.objects.filter(parent_id__in=ids, child_id__in=ids)
        .select_related("event").order_by("id")
    )
    events = list(
        trace_events(ids).select_related("organization", "source_org", "destination_org")
        .prefetch_related("batch_links")
    )
    org_ids = {b.product.owner_id for b in batches if b.product_id}
    for e in events:
        org_ids.update(x for x in (e.organization_id, e.source_org_id, e.destination_org_id) if x)
    organizations = list(Organization.objects.filter(pk__in=org_ids).order_by("id"))
    return TraceGraph(batch, direction, depth, batches, distances, edges, events, organizations)


def batch_journey(batch: Batch, *, depth: int = 20) -> list[Event]:
    """What the consumer page shows: the events of this lot and of every lot
    upstream of it (back to the ranch), oldest first."""
    ids = list(lineage_batch_ids(batch.pk, direction="backward", depth=depth))
    return list(
        trace_events(ids).select_related("organization", "source_org", "destination_org")
        .prefetch_related("batch_links__batch__product")
    )


def downstream_holders(batch: Batch, *, depth: int = 100) -> list[dict]:
    """Every organization that holds, or has on its way, this lot or anything
    made from it: what a recall needs to notify."""
    # One statement: the walk is a subquery, so 10,000 lot ids never travel to Python and back.
    downstream = RawSQL(f"WITH RECURSIVE {_FORWARD} SELECT batch_id FROM downstream", [batch.pk, depth])
    rows = (
        Custody.objects.filter(batch_id__in=downstream)
        .filter(Q(quantity__gt=0) | Q(in_transit__gt=0))
        .values("organization_id", "organization__name", "batch_id", "batch__lot", "quantity", "in_transit")
        .order_by("organization_id", "batch_id")
    )
    return list(rows)




def site_names(location_uris) -> dict[str, str]:
    """Names of our sites for the location URIs events carry (GLN Digital Link or our URN)."""
    glns, pks = {}, {}
    for uri in set(location_uris):
        if "/414/" in uri:
            glns[uri.split("/414/", 1)[1][:13]] = uri
        elif uri.startswith("urn:suyuan:site:") and uri.rsplit(":", 1)[1].isdigit():
            pks[int(uri.rsplit(":", 1)[1])] = uri
    if not glns and not pks:
        return {}
    from .models import Site

    names = {}
    for site in Site.objects.filter(Q(gln__in=glns) | Q(pk__in=pks)).only("pk", "gln", "name"):
        uri = glns.get(site.gln) if site.gln in glns else pks.get(site.pk)
        if uri:
            names[uri] = site.name
    return names
