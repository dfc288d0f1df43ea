"""What captured events do, decided and applied in event order: the rules
``trace.rules`` sets for each event (``check_rules``), the lots' status changes
(``apply_status``, the only place a status changes), the custody moves
(``moves_for``, ``apply_moves``; ``undo_moves`` reverses the events an error
declaration retracts) and the lineage edges an event makes (``edges_for``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from trace.models import Batch, Custody, Event, EventKey

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from core.bulk import array_literal, insert_rows, update_rows
from core.models import Organization

from . import rules
from .choices import BatchRole, BatchStatus, EventType
from .prepare import LotRow, PreparedEvent, prepare_event


def check_rules(
    prepared: list[PreparedEvent],
    organization: Organization,
    facts: dict[int, rules.LotFacts],
    *,
    fresh: set[int] = frozenset(),
) -> tuple[dict[int, str], set[int]]:
    """Ask ``trace.rules`` about every event, in order. Returns the status changes the events
    make (lot id → status) and the lots whose owner recorded a destruction. ``fresh``: lots
    inserted by this capture, which nobody holds yet."""
    registered = sorted(
        pk for pk, lot in facts.items() if lot.owner_id is not None and pk not in fresh
    )
    related = [
        pk
        for start in range(0, len(registered), 1000)  # SQLite: at most 32,766 parameters
        for pk in Custody.objects.filter(
            organization=organization, batch_id__in=registered[start : start + 1000]
        ).values_list("batch_id", flat=True)
    ]
    actor = rules.Actor.of(organization, related)
    declared = [p.event_id for p in prepared if p.error_declaration is not None]
    recorders = (
        dict(
            Event.objects.keyed(
                EventKey.objects.filter(event_id__in=declared, declaration=False)
            ).values_list("event_id", "organization_id")
        )
        if declared
        else {}
    )
    status = {pk: lot.status for pk, lot in facts.items()}
    changes: dict[int, str] = {}
    destroyed: set[int] = set()
    for p in prepared:
        base = f"eventList[{p.index}]"
        if p.error_declaration is not None:
            rules.check_declaration(
                actor, recorder_id=recorders.get(p.event_id), path=base + ".errorDeclaration"
            )
            continue
        wanted = rules.status_effect(p.event_type, p.biz_step, p.disposition)
        for r in p.refs:
            lot = facts[r.batch.pk]
            rules.check_ref(
                actor,
                lot,
                event_type=p.event_type,
                action=p.action,
                biz_step=p.biz_step,
                role=r.role,
                status=status[lot.pk],
                path=r.path,
            )
            if r.role != BatchRole.SUBJECT:
                continue
            if wanted:
                new = rules.check_status_change(
                    actor, lot, wanted=wanted, status=status[lot.pk], path=r.path
                )
                if new:
                    status[lot.pk] = changes[lot.pk] = new
            elif rules.is_destruction(p.action, p.biz_step) and rules.may_decide(actor, lot):
                destroyed.add(lot.pk)
    return changes, destroyed


def emptied(batch_ids: set[int]) -> dict[int, str]:
    """Of the lots whose owner recorded a destruction, those nobody holds any more: destroyed."""
    left = set(
        Custody.objects.filter(batch_id__in=batch_ids)
        .filter(Q(quantity__gt=0) | Q(in_transit__gt=0))
        .values_list("batch_id", flat=True)
    )
    return {pk: BatchStatus.DESTROYED for pk in batch_ids - left}


def apply_status(changes: dict[int, str], facts: dict[int, rules.LotFacts]) -> None:
    """The one place a lot's status changes: by an event captured in this transaction (the
    consumer pages of every lot the events name are invalidated when it commits)."""
    now = timezone.now()
    by_status: dict[str, list[int]] = {}
    for pk, status in changes.items():
        if facts[pk].status != status:
            by_status.setdefault(status, []).append(pk)
    for status, ids in by_status.items():
        Batch.objects.filter(pk__in=ids).update(
            status=status, status_changed_at=now, updated_at=now
        )


@dataclass(slots=True)
class Move:
    organization_id: int
    batch: LotRow | Batch
    held: Decimal
    transit: Decimal
    path: str


def moves_for(p: PreparedEvent, recorder: Organization, sign: int = 1) -> list[Move]:
    """How an event changes who holds what. ``sign=-1`` undoes it (error declaration)."""
    moves: list[Move] = []
    zero = Decimal(0)
    step = p.biz_step
    for r in p.refs:
        if r.quantity is None:
            continue
        q = r.quantity * sign
        if p.event_type == EventType.TRANSFORMATION:
            if r.role == BatchRole.INPUT:
                moves.append(Move(recorder.pk, r.batch, -q, zero, r.path))
            elif r.role == BatchRole.OUTPUT:
                moves.append(Move(recorder.pk, r.batch, q, zero, r.path))
            continue
        if r.role != BatchRole.SUBJECT:
            continue
        # An organization's events move only its own stock: whatever the source
        # list claims, a shipment leaves the recorder's custody, and the
        # destination holds it only once it records the receipt itself.
        if step == "shipping":
            moves.append(Move(recorder.pk, r.batch, -q, zero, r.path))
            if p.destination_org is not None and p.destination_org.pk != recorder.pk:
                moves.append(Move(p.destination_org.pk, r.batch, zero, q, r.path))
        elif step == "receiving":
            moves.append(Move(recorder.pk, r.batch, q, -q, r.path))
        elif p.action == "ADD" and step in ("commissioning", ""):
            moves.append(Move(recorder.pk, r.batch, q, zero, r.path))
        elif p.action == "DELETE" or (step in rules.OUTBOUND_STEPS and step != "shipping"):
            moves.append(Move(recorder.pk, r.batch, -q, zero, r.path))
    return moves


def apply_moves(
    moves: list[Move], registered: set[int] = frozenset(), fresh: set[int] = frozenset()
) -> None:
    """Apply custody moves; ``registered``: the lots of GTINs registered here (strict stock
    rules); ``fresh``: lots inserted by this capture, which have no custody rows to look up."""
    if not moves:
        return
    pairs = {(m.organization_id, m.batch.pk) for m in moves if m.batch.pk not in fresh}
    # (organization, batch) → [id or None, held, in transit]
    custody = {
        (org, batch): [pk, held, transit]
        for org, batch, pk, held, transit in (_locked_custody(pairs) if pairs else ())
        if (org, batch) in pairs
    }
    zero = Decimal(0)
    for m in moves:
        key = (m.organization_id, m.batch.pk)
        row = custody.get(key)
        if row is None:
            row = custody[key] = [None, zero, zero]
        held = row[1] + m.held
        transit = row[2] + m.transit
        rules.check_stock(
            lot=m.batch.lot,
            registered=m.batch.pk in registered or m.batch.product_id is not None,
            held=held,
            transit=transit,
            held_before=row[1],
            transit_before=row[2],
            path=m.path + ".quantity",
        )
        row[1] = held if held > zero else zero
        row[2] = transit if transit > zero else zero
    now = timezone.now()
    update_rows(
        Custody,
        ["quantity", "in_transit", "updated_at"],
        [(pk, held, transit, now) for pk, held, transit in custody.values() if pk is not None],
    )
    insert_rows(
        Custody,
        ["organization_id", "batch_id", "quantity", "in_transit", "updated_at"],
        [
            (org, batch, held, transit, now)
            for (org, batch), (pk, held, transit) in custody.items()
            if pk is None
        ],
    )


def _locked_custody(pairs: set[tuple[int, int]]):
    """(organization, batch, id, held, in transit) of the custody rows of ``pairs``, locked.

    Locked in one order (id) by every capture, so two cannot wait on each other. Read under
    the lock: another organization's capture moving the same rows is seen once it commits,
    never lost. A row created at the same moment by another capture fails the insert of
    ``apply_moves`` on the unique (organization, batch): this capture is tried again
    (``trace.core.retry``) and then finds the row."""
    if connection.vendor != "postgresql":
        return (
            Custody.objects.select_for_update()
            .filter(organization_id__in={p[0] for p in pairs}, batch_id__in={p[1] for p in pairs})
            .order_by("id")
            .values_list("organization_id", "batch_id", "id", "quantity", "in_transit")
        )
    # One probe of the (organization, batch) unique index per pair: with IN lists of every
    # organization and every lot the planner reads the whole table once it is small enough.
    table = Custody._meta.db_table
    organizations, batches = zip(*pairs, strict=True)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.organization_id, c.batch_id, c.id, c.quantity, c.in_transit "
            f"FROM unnest(%s::bigint[], %s::bigint[]) AS moved(organization_id, batch_id) "
            f"JOIN {table} c ON c.organization_id = moved.organization_id "
            f"AND c.batch_id = moved.batch_id ORDER BY c.id FOR UPDATE OF c",
            [array_literal(organizations), array_literal(batches)],
        )
        return cursor.fetchall()


def edges_for(p: PreparedEvent, event_pk: int) -> list[tuple]:
    """(parent id, child id, event id, quantity) of the lineage edges an event makes."""
    if p.event_type == EventType.TRANSFORMATION:
        inputs = [r for r in p.refs if r.role == BatchRole.INPUT]
        outputs = [r for r in p.refs if r.role == BatchRole.OUTPUT]
        return [
            (i.batch.pk, o.batch.pk, event_pk, i.quantity)
            for i in inputs
            for o in outputs
            if i.batch.pk != o.batch.pk
        ]
    if p.event_type == EventType.AGGREGATION and p.action == "ADD":
        # A pallet/case lot aggregating lots: children flow into the parent.
        parents = [r for r in p.refs if r.role == BatchRole.PARENT]
        children = [r for r in p.refs if r.role == BatchRole.CHILD]
        return [
            (c.batch.pk, par.batch.pk, event_pk, c.quantity)
            for c in children
            for par in parents
            if c.batch.pk != par.batch.pk
        ]
    return []


def undo_moves(event_ids: list[str]) -> list[Move]:
    """Custody moves that reverse the stored events an error declaration retracts."""
    moves: list[Move] = []
    originals = (
        Event.objects.keyed(EventKey.objects.filter(event_id__in=event_ids, declaration=False))
        .select_related("organization", "source_org", "destination_org")
        .prefetch_related("batch_links__batch")
    )
    for original in originals:
        p = prepare_event(original.document, 0)
        p.source_org, p.destination_org = original.source_org, original.destination_org
        by_key = {
            (link.batch.gtin, link.batch.lot): link.batch for link in original.batch_links.all()
        }
        for r in p.refs:
            r.batch = by_key.get((r.gtin, r.lot))
        p.refs = [r for r in p.refs if r.batch is not None]
        moves.extend(moves_for(p, original.organization, sign=-1))
    return moves
