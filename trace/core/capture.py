"""The one capture service: every event, from the business endpoints or from
EPCIS, enters here (``capture_events``).

In one transaction it validates the events (``trace.core.prepare``), resolves
the batches and parties they name (``trace.core.lots``), asks ``trace.rules``
whether the recorder may record each of them, moves custody and changes the
lots' status the events call for (``trace.core.effects``, the only place a
status changes), appends the events to the recorder's hash chain and derives
batch links, lineage edges and the identifier index (``trace.core.store``).
Everything else (traces, consumer page, recall scope, exports) reads the
tables written here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from trace.models import Event, LineageEdge

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from core.models import Organization

from .cache import invalidate_batches
from .effects import apply_moves, apply_status, check_rules, emptied, moves_for, undo_moves
from .lots import PartyResolver, lot_facts, resolve_batches
from .prepare import (
    PreparedEvent,
    new_event_id,
    prepare_event,
    short_cbv,
    short_type,
)
from .retry import is_concurrent, retry_concurrent
from .signals import events_captured
from .store import insert_events, insert_links, stored_events, unique_events


@dataclass
class CaptureResult:
    event_pks: list[int]  # the events stored, in the order sent
    duplicates: list[str]
    # ``on_error="proceed"`` only: (index in ``documents``, the event's ValidationError).
    errors: list[tuple[int, ValidationError]] = field(default_factory=list)

    @property
    def events(self) -> list[Event]:
        """The stored events (one query: capture itself builds no model instances)."""
        by_pk = Event.objects.by_pks(self.event_pks).in_bulk()
        return [by_pk[pk] for pk in self.event_pks]


def capture_events(
    *,
    documents: list[dict],
    organization: Organization,
    user=None,
    record_time: datetime | None = None,
    on_error: str = "rollback",
    context=None,
    event_id_of: Callable[[int], str] | None = None,
) -> CaptureResult:
    """Validate and store EPCIS events for ``organization``.

    ``on_error="rollback"`` (the default) is all or nothing: it raises
    ``ValidationError`` whose keys are paths like
    ``eventList[2].quantityList[0].quantity``. ``on_error="proceed"`` stores
    every event that is valid on its own and returns the others' errors in
    ``CaptureResult.errors`` (EPCIS ``GS1-Capture-Error-Behaviour: proceed``):
    it tries the whole batch first and falls back to one savepoint per event
    only when the batch fails. An event whose ID is already stored is skipped
    (returned in ``duplicates``), so a resend is harmless. ``context`` is the
    enclosing EPCIS document's ``@context``.

    An event sent without an ID gets ``event_id_of(its index)`` (an EPCIS document's event
    hash), by default its own event hash. Under ``rollback`` with ``event_id_of`` given, those
    IDs are first worked out while the events are stored (``_optimistic``).

    A capture that meets a concurrent one (the same event IDs, a custody row created at the
    same moment, a deadlock) is tried again (``trace.core.retry``): it then finds the other's
    events stored (duplicates) and its custody rows locked in turn.
    """
    if on_error not in ("rollback", "proceed"):
        raise ValueError(f"on_error must be rollback or proceed, not {on_error!r}")
    what = f"capture for organization {organization.pk}"
    if on_error == "rollback" and event_id_of is not None and _without_id(documents):
        result = _optimistic(
            lambda: _capture(
                documents, organization, user, record_time, on_error, context, event_id_of, True
            ),
            what=what,
        )
        if result is not None:
            return result
    return retry_concurrent(
        lambda: _capture(
            documents, organization, user, record_time, on_error, context, event_id_of, False
        ),
        what=what,
    )


def _without_id(documents: list[dict]) -> bool:
    """Whether some event (not an error declaration) was sent without an ID."""
    return any(
        type(doc) is dict and not doc.get("eventID") and doc.get("errorDeclaration") is None
        for doc in documents
    )


def _optimistic(write: Callable[[], CaptureResult], *, what: str) -> CaptureResult | None:
    """One try of a capture whose events sent without an ID get it (the event hash) while COPY
    stores rows before them (``insert_events``), instead of all before anything is stored: the
    hashes are worked out while PostgreSQL is busy. Which events are stored already is then not known
    beforehand, so the try looks none up (``_store(assume_new=True)``; for the events sent with
    an ID the lookup would read a random index page per ID, which COPY now reads while this
    process renders rows) and applies their effects as if none were stored; the key table's
    unique index refuses one that is (``IntegrityError``). Any failure (a resend, a refused
    event, a concurrent capture) undoes the try (a savepoint) and returns None: the capture
    is then done as ever, every ID first, which tells duplicates from new events and reports
    an error as it always has."""
    try:
        with transaction.atomic():
            return write()
    except (ValidationError, IntegrityError):
        return None
    except OperationalError as exc:
        if not is_concurrent(exc):
            raise
        return None


def _capture(
    documents, organization, user, record_time, on_error, context, event_id_of, defer
) -> CaptureResult:
    def prepare(doc, i):
        return prepare_event(doc, i, context, event_id_of=event_id_of, defer_id=defer)

    def store(prepared):
        return _store(
            prepared,
            organization=organization,
            user=user,
            record_time=record_time,
            event_id_of=event_id_of,
            assume_new=defer,
        )

    if on_error == "rollback":
        return store([prepare(doc, i) for i, doc in enumerate(documents)])
    errors: list[tuple[int, ValidationError]] = []
    prepared = []
    for i, doc in enumerate(documents):
        try:
            prepared.append(prepare(doc, i))
        except ValidationError as exc:
            errors.append((i, exc))
    try:
        with transaction.atomic():
            result = store(prepared)
    except ValidationError:
        result = CaptureResult(event_pks=[], duplicates=[])
        for p in prepared:
            try:
                with transaction.atomic():
                    one = store([p])
            except ValidationError as exc:
                errors.append((p.index, exc))
                continue
            result.event_pks.extend(one.event_pks)
            result.duplicates.extend(one.duplicates)
    result.errors = sorted(errors, key=lambda item: item[0])
    return result


def _store(
    prepared: list[PreparedEvent],
    *,
    organization: Organization,
    user,
    record_time: datetime | None,
    event_id_of: Callable[[int], str] | None = None,
    assume_new: bool = False,
) -> CaptureResult:
    """``assume_new`` (the optimistic try): no event is looked up as stored already; the key
    table's unique index refuses one that is, as it does an event whose ID is left open."""
    unique = unique_events(prepared)
    # The organization's chain lock, first: its captures run one after another from here, so
    # one sees what the other stored (its events are duplicates, not a unique violation) and
    # reads custody, lots and chain head after it. Then the lots' rows (``lot_facts``), then
    # custody rows, each set in id order: one lock order for every capture, no deadlock.
    # NO KEY UPDATE: rows that merely reference the organization (events, custody of other
    # recorders) are still written meanwhile.
    Organization.objects.select_for_update(no_key=True).filter(pk=organization.pk).exists()
    stored = set() if assume_new else stored_events(unique)
    duplicates = [p.event_id for p in unique if (p.event_id, p.error_declaration is None) in stored]
    todo = [p for p in unique if (p.event_id, p.error_declaration is None) not in stored]
    if not todo:
        return CaptureResult(event_pks=[], duplicates=duplicates)
    retracted_ids = _apply_effects(todo, organization)
    now = record_time or timezone.now()
    event_pks, links = insert_events(
        todo, organization=organization, user=user, now=now, event_id_of=event_id_of
    )
    insert_links(links)
    if retracted_ids:
        LineageEdge.objects.filter(
            event__event_id__in=retracted_ids, event__error_declaration__isnull=True
        ).delete()
    lots = {r.batch.pk: (r.gtin, r.lot) for p in todo for r in p.refs}
    transaction.on_commit(lambda: _after_commit(lots, event_pks))
    return CaptureResult(event_pks=event_pks, duplicates=duplicates)


def _apply_effects(todo: list[PreparedEvent], organization: Organization) -> list[str]:
    """Resolve the parties and lots the new events name, check the rules, and move custody
    and status as they say. Returns the IDs of the events their error declarations retract."""
    resolve_party = PartyResolver()
    for p in todo:
        p.source_org = resolve_party(p.source_uri)
        p.destination_org = resolve_party(p.destination_uri)
    resolve_batches(todo)
    # The lots this capture inserted: nobody has custody of them yet (``LotRow.new``), so
    # their custody rows are not looked up.
    fresh = {r.batch.pk for p in todo for r in p.refs if r.batch.new}

    facts = lot_facts(todo)
    status_changes, destroyed = check_rules(todo, organization, facts, fresh=fresh)

    moves = []
    retracted_ids: list[str] = []
    for p in todo:
        if p.error_declaration is not None:
            retracted_ids.append(p.event_id)
        else:
            moves.extend(moves_for(p, organization))
    if retracted_ids:
        moves.extend(undo_moves(retracted_ids))
    apply_moves(moves, {pk for pk, lot in facts.items() if lot.owner_id is not None}, fresh)
    if destroyed:
        status_changes.update(emptied(destroyed))
    apply_status(status_changes, facts)
    return retracted_ids


def _after_commit(lots: dict[int, tuple[str, str]], event_pks: list[int]) -> None:
    invalidate_batches(lots, lots=lots)
    events_captured.send(sender=capture_events, event_pks=event_pks)


__all__ = [
    "capture_events",
    "CaptureResult",
    "new_event_id",
    "prepare_event",
    "short_cbv",
    "short_type",
]
