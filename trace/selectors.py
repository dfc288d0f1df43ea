"""Reads of the trace graph: one recursive query over lineage edges, then the
events and organizations that touched the lots found."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Q

from api.models import Organization

from .models import Batch, Custody, Event, LineageEdge

_DIRECTIONS = ("forward", "backward", "both")

_FORWARD_SQL = """
WITH RECURSIVE walk(batch_id, depth) AS (
    SELECT CAST(%s AS BIGINT), 0
    UNION
    SELECT e.child_id, w.depth + 1 FROM trace_lineageedge e JOIN walk w ON e.parent_id = w.batch_id
    WHERE w.depth < %s
)
SELECT batch_id, MIN(depth) FROM walk GROUP BY batch_id
"""

_BACKWARD_SQL = """
WITH RECURSIVE walk(batch_id, depth) AS (
    SELECT CAST(%s AS BIGINT), 0
    UNION
    SELECT e.parent_id, w.depth + 1 FROM trace_lineageedge e JOIN walk w ON e.child_id = w.batch_id
    WHERE w.depth < %s
)
SELECT batch_id, MIN(depth) FROM walk GROUP BY batch_id
"""


def lineage_batch_ids(batch_id: int, *, direction: str, depth: int) -> dict[int, int]:
    """Batch id → signed distance from the root (negative = upstream)."""
    found: dict[int, int] = {batch_id: 0}
    with connection.cursor() as cursor:
        if direction in ("forward", "both"):
            cursor.execute(_FORWARD_SQL, [batch_id, depth])
            for bid, d in cursor.fetchall():
                found.setdefault(bid, d)
        if direction in ("backward", "both"):
            cursor.execute(_BACKWARD_SQL, [batch_id, depth])
            for bid, d in cursor.fetchall():
                found.setdefault(bid, -d)
    return found


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
        Event.objects.filter(batch_links__batch_id__in=ids, error_declaration__isnull=True)
        .exclude(event_id__in=Event.objects.filter(error_declaration__isnull=False).values("event_id"))
        .select_related("organization", "source_org", "destination_org")
        .prefetch_related("batch_links")
        .distinct()
        .order_by("event_time", "id")
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
        Event.objects.filter(batch_links__batch_id__in=ids, error_declaration__isnull=True)
        .exclude(event_id__in=Event.objects.filter(error_declaration__isnull=False).values("event_id"))
        .select_related("organization", "source_org", "destination_org")
        .prefetch_related("batch_links__batch__product")
        .distinct()
        .order_by("event_time", "id")
    )


def downstream_holders(batch: Batch, *, depth: int = 100) -> list[dict]:
    """Every organization that holds, or has on its way, this lot or anything
    made from it: what a recall needs to notify."""
    ids = list(lineage_batch_ids(batch.pk, direction="forward", depth=depth))
    rows = (
        Custody.objects.filter(batch_id__in=ids)
        .filter(Q(quantity__gt=0) | Q(in_transit__gt=0))
        .values("organization_id", "organization__name", "batch_id", "batch__lot", "quantity", "in_transit")
        .order_by("organization_id", "batch_id")
    )
    return list(rows)


def validate_direction(direction: str) -> str:
    return direction if direction in _DIRECTIONS else ""



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
