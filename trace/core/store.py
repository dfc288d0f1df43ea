"""Storing a capture's new events: which of them are stored already (a resend
is harmless), the events themselves appended to the recorder's hash chain
(``insert_events``, one COPY on PostgreSQL; the chain head moves with them),
and the rows that point at them: batch links, lineage edges and the EPCIS
identifier index (``insert_links``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from trace.models import ChainHead, Event, EventBatch, EventIdentifier, EventKey, LineageEdge

from django.db import connection

from core.bulk import Json, array_literal, insert_rows, reserve_ids
from core.models import Organization

from .effects import edges_for
from .eventindex import identifier_rows
from .hashchain import GENESIS, canonicalize, chain_hash
from .lots import sql_in
from .prepare import PreparedEvent


def unique_events(prepared: list[PreparedEvent]) -> list[PreparedEvent]:
    """The events in order, each (ID, original or error declaration) once. An event whose ID
    is not worked out yet (None) is kept: the key table's unique index stands for it."""
    seen: set[tuple[str, bool]] = set()
    unique: list[PreparedEvent] = []
    for p in prepared:
        key = (p.event_id, p.error_declaration is not None)
        if p.event_id is None:
            unique.append(p)
        elif key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def stored_events(unique: list[PreparedEvent]) -> set[tuple[str, bool]]:
    """(event ID, is the original) of the events already stored. The key table's
    (event_id, declaration) unique index answers for every stored event at once (on
    PostgreSQL ``trace_event`` is partitioned by month and would be probed per partition)."""
    stored: set[tuple[str, bool]] = set()
    if not unique:
        return stored
    table = EventKey._meta.db_table
    sent = list({p.event_id for p in unique if p.event_id is not None})
    if not sent:
        return stored
    if connection.vendor == "postgresql":
        # One index probe per ID sent: for an IN list of a thousand IDs the planner prefers
        # to read the whole table once the table is small enough (14 ms against 4 ms).
        query = (
            f"SELECT k.event_id, k.declaration FROM unnest(%s::text[]) AS sent(event_id) "
            f"JOIN {table} k ON k.event_id = sent.event_id"
        )
        params = [array_literal(sent)]
    else:
        condition, params = sql_in("event_id", sent)
        query = f"SELECT event_id, declaration FROM {table} WHERE {condition}"
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        stored.update((event_id, not declaration) for event_id, declaration in cursor.fetchall())
    return stored


def chain_tail(organization: Organization) -> tuple[int, str]:
    """(sequence number, content hash) the organization's chain goes on from. The recorded
    head, not the newest stored row: after a deleted tail the chain goes on from the head,
    so the hole stays visible to verify_event_chain."""
    last = (
        ChainHead.objects.filter(organization=organization)
        .values("chain_seq", "content_hash")
        .first()
    )
    if last is None:
        last = (
            Event.objects.filter(organization=organization)
            .order_by("-chain_seq")
            .values("chain_seq", "content_hash")
            .first()
        )
    return (last["chain_seq"], last["content_hash"]) if last else (0, GENESIS)


def insert_events(
    todo: list[PreparedEvent],
    *,
    organization: Organization,
    user,
    now: datetime,
    event_id_of: Callable[[int], str] | None = None,
) -> tuple[list[int], Links]:
    """Append ``todo`` to the organization's hash chain; returns the events' ids, in order,
    and the rows that point at them (``Links``, for ``insert_links``), worked out while COPY
    stores the events. Each stored document (the one sent with its eventID and recordTime)
    and its canonical text live only until COPY has taken them.

    On PostgreSQL the events' ids are drawn first and their identifier index is stored
    before them (it has no key to check against the events): an event whose ID was left to
    be worked out (``prepare_event(defer_id=True)``) gets ``event_id_of(index)`` there, while
    COPY stores the index rows before it. That index keeps PostgreSQL busier than Python and
    the events' own COPY keeps Python busier, so the hashes are worked out where PostgreSQL
    has the longer part. Elsewhere (SQLite) the IDs are worked out as the events are stored
    and the index follows in ``insert_links``. The key table's unique index refuses an event
    stored already (``IntegrityError``)."""
    seq, prev = chain_tail(organization)
    tail = [seq, prev]
    recorded_at = utc_iso(now)
    recorded_by = user.pk if user is not None and user.is_authenticated else None
    links = Links(todo, organization_id=organization.pk)
    pks = reserve_ids(Event, len(todo))
    if pks is not None:
        insert_identifiers(links.identifiers(pks, event_id_of))

    def event_rows(seq: int, prev: str):
        # A generator: COPY stores one chunk of events while the next are rendered.
        for p in todo:
            seq += 1
            if p.event_id is None:
                p.event_id = event_id_of(p.index)
            document = dict(p.document)
            document["eventID"] = p.event_id
            document["recordTime"] = recorded_at
            text = canonicalize(document)  # serialized once: for the hash and for COPY
            content = chain_hash(
                prev_hash=prev,
                organization_id=organization.pk,
                chain_seq=seq,
                event_id=p.event_id,
                canonical=text,
            )
            declaration = p.error_declaration
            yield (
                p.event_id,
                p.event_type,
                p.action,
                p.event_time,
                p.zone_offset,
                now,
                p.biz_step,
                p.disposition,
                p.read_point,
                p.biz_location,
                p.source_org.pk if p.source_org else None,
                p.destination_org.pk if p.destination_org else None,
                None if declaration is None else Json(declaration, canonicalize(declaration)),
                Json(document, text),
                organization.pk,
                recorded_by,
                seq,
                prev,
                content,
            )
            prev = content
            tail[:] = seq, content

    event_pks = insert_rows(
        Event, _EVENT_COLUMNS, event_rows(seq, prev), ids=pks or len(todo), each=links.add
    )
    if pks is None:
        links.unindexed = event_pks  # the index follows in ``insert_links``
    record_chain_head(organization.pk, chain_seq=tail[0], content_hash=tail[1], at=now)
    return event_pks, links


class Links:
    """The rows that point at new events: batch links (each with its event's recording
    organization, action and business step) and lineage edges, worked out as ``add`` takes
    the events' ids one by one, in order; the identifier index rows, worked out by
    ``identifiers`` as their own COPY stores them (``unindexed``: the events' ids where the
    index is still to be stored)."""

    def __init__(self, todo: list[PreparedEvent], *, organization_id: int):
        self._all = todo
        self._todo = iter(todo)
        self.organization_id = organization_id
        self.batches: list[tuple] = []
        self.edges: dict[tuple[int, int, int], tuple] = {}
        self.unindexed: list[int] = []

    def identifiers(
        self, pks: list[int], event_id_of: Callable[[int], str] | None = None
    ) -> Iterator[tuple]:
        """The index rows of the events, whose ids are ``pks``; an event whose ID is still
        open gets it here (see ``insert_events``). The document as sent: its identifiers are
        the same with or without the eventID and recordTime storing adds."""
        for pk, p in zip(pks, self._all, strict=True):
            if p.event_id is None:
                p.event_id = event_id_of(p.index)
            yield from identifier_rows(p.document, pk)

    def add(self, pk: int) -> None:
        p = next(self._todo)
        if p.error_declaration is not None:
            return
        for r in p.refs:
            self.batches.append(
                (
                    pk,
                    r.batch.pk,
                    r.role,
                    r.quantity,
                    r.uom,
                    self.organization_id,
                    p.action,
                    p.biz_step,
                )
            )
        # The events are new, so the only possible duplicate edges are within one event.
        for edge in edges_for(p, pk):
            self.edges.setdefault(edge[:3], edge)


def insert_identifiers(rows: Iterable[tuple]) -> None:
    """The EPCIS identifier index, each row worked out while COPY stores the ones before it
    (the index's three indexes keep PostgreSQL busier than Python)."""
    insert_rows(EventIdentifier, ["event_id", "kind", "type", "value", "gtin"], rows)


def insert_links(links: Links) -> None:
    """Store the rows ``insert_events`` worked out (batch links, lineage edges), then the
    identifier index if it is not stored yet."""
    insert_rows(
        EventBatch,
        [
            "event_id",
            "batch_id",
            "role",
            "quantity",
            "uom",
            "event_organization_id",
            "event_action",
            "event_biz_step",
        ],
        links.batches,
    )
    insert_rows(
        LineageEdge, ["parent_id", "child_id", "event_id", "quantity"], list(links.edges.values())
    )
    if links.unindexed:
        insert_identifiers(links.identifiers(links.unindexed))


def record_chain_head(
    organization_id: int, *, chain_seq: int, content_hash: str, at: datetime
) -> None:
    """Move the organization's recorded chain head (one UPSERT, in capture's transaction)."""
    table = ChainHead._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (organization_id, chain_seq, content_hash, updated_at) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (organization_id) DO UPDATE SET chain_seq = excluded.chain_seq, "
            "content_hash = excluded.content_hash, updated_at = excluded.updated_at",
            [
                organization_id,
                chain_seq,
                content_hash,
                connection.ops.adapt_datetimefield_value(at),
            ],
        )


_EVENT_COLUMNS = [
    "event_id",
    "event_type",
    "action",
    "event_time",
    "event_time_zone_offset",
    "record_time",
    "biz_step",
    "disposition",
    "read_point",
    "biz_location",
    "source_org_id",
    "destination_org_id",
    "error_declaration",
    "document",
    "organization_id",
    "recorded_by_id",
    "chain_seq",
    "prev_hash",
    "content_hash",
]


def utc_iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
