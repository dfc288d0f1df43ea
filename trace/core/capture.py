"""The one capture service: every event, from the business endpoints or from
EPCIS, enters here.

In one transaction it validates the events, resolves the batches and parties
they name, asks ``trace.rules`` whether the recorder may record each of them,
moves custody, changes the lots' status the events call for (the only place a
status changes), appends the events to the recorder's hash chain, and derives
batch links and lineage edges. Everything else (traces,
consumer page, recall scope, exports) reads the tables written here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from trace.gs1.eventhash import event_hash_id
from trace.models import (
    Batch,
    ChainHead,
    Custody,
    Event,
    EventBatch,
    EventIdentifier,
    EventKey,
    LineageEdge,
    Product,
)

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.bulk import Json, insert_rows, update_rows
from core.models import Organization
from core.validators import validate_storable_datetime

from . import rules
from .cache import invalidate_batches
from .choices import BatchRole, BatchStatus, EventType
from .hashchain import GENESIS, canonicalize, chain_hash
from .identifiers import canonical_identifier, item_key_from_uri, normalize_gtin
from .retry import retry_concurrent
from .signals import events_captured

CBV_PREFIXES = {
    "bizStep": "https://ref.gs1.org/cbv/BizStep-",
    "disposition": "https://ref.gs1.org/cbv/Disp-",
}
_LEGACY_CBV = {
    "bizStep": "urn:epcglobal:cbv:bizstep:",
    "disposition": "urn:epcglobal:cbv:disp:",
}
_EVENT_TYPES = frozenset(EventType.values)  # Choices.values is rebuilt on every access
_PARTY_TYPES = ("owning_party", "possessing_party")


def short_cbv(kind: str, value: str | None) -> str:
    """Store CBV values by their short name (``shipping``), anything else as given."""
    if not value:
        return ""
    for prefix in (CBV_PREFIXES[kind], _LEGACY_CBV[kind]):
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def short_type(value: str | None) -> str:
    if not value:
        return ""
    for prefix in (
        "https://ref.gs1.org/cbv/SDT-",
        "urn:epcglobal:cbv:sdt:",
        "https://ref.gs1.org/cbv/BTT-",
        "urn:epcglobal:cbv:btt:",
    ):
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


@dataclass
class BatchRef:
    gtin: str
    lot: str
    role: str
    quantity: Decimal | None
    uom: str
    path: str
    batch: LotRow | Batch | None = None


@dataclass
class PreparedEvent:
    index: int
    document: dict
    event_id: str
    event_type: str
    action: str
    event_time: datetime
    zone_offset: str
    biz_step: str
    disposition: str
    read_point: str
    biz_location: str
    source_uri: str | None
    destination_uri: str | None
    error_declaration: dict | None
    refs: list[BatchRef] = field(default_factory=list)
    source_org: Organization | None = None
    destination_org: Organization | None = None


@dataclass
class CaptureResult:
    event_pks: list[int]  # the events stored, in the order sent
    duplicates: list[str]
    # ``on_error="proceed"`` only: (index in ``documents``, the event's ValidationError).
    errors: list[tuple[int, ValidationError]] = field(default_factory=list)

    @property
    def events(self) -> list[Event]:
        """The stored events (one query: capture itself builds no model instances)."""
        by_pk = Event.objects.in_bulk(self.event_pks)
        return [by_pk[pk] for pk in self.event_pks]


def _err(path: str, message: str, code: str) -> ValidationError:
    return ValidationError({path: ValidationError(message, code=code)})


def parse_event_time(value, path: str) -> datetime:
    if not isinstance(value, str):
        raise _err(path, _("A date-time is required."), "required")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise _err(
            path, _("Not an ISO 8601 date-time: %(value)s") % {"value": value}, "datetime_format"
        ) from exc
    if parsed.tzinfo is None:
        raise _err(
            path, _("The time must carry its zone offset (e.g. +08:00 or Z)."), "datetime_offset"
        )
    try:
        validate_storable_datetime(parsed)
    except ValidationError as exc:
        raise _err(path, exc.messages[0], exc.code) from exc
    return parsed


def _quantity(value, path: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _err(path, _("A quantity must be a number."), "quantity_numeric")
    try:
        quantity = Decimal(str(value))
    except InvalidOperation as exc:
        raise _err(path, _("A quantity must be a number."), "quantity_numeric") from exc
    if not quantity.is_finite() or quantity < 0:
        raise _err(path, _("A quantity must be zero or more."), "quantity_negative")
    if quantity > settings.SUYUAN_MAX_QUANTITY:
        raise _err(path, _("This quantity is implausibly large."), "quantity_too_large")
    return quantity


def fallback_event_id(document: dict, context=None) -> str:
    """The CBV 2.0 event hash of an event sent without an ID, so a resend is stored once."""
    return event_hash_id(document, context)


def new_event_id() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


# (list key, role, whether entries are quantity elements {epcClass, quantity, uom} or EPCs)
_REF_LISTS = (
    ("quantityList", BatchRole.SUBJECT, True),
    ("epcList", BatchRole.SUBJECT, False),
    ("childQuantityList", BatchRole.CHILD, True),
    ("childEPCs", BatchRole.CHILD, False),
    ("inputQuantityList", BatchRole.INPUT, True),
    ("inputEPCList", BatchRole.INPUT, False),
    ("outputQuantityList", BatchRole.OUTPUT, True),
    ("outputEPCList", BatchRole.OUTPUT, False),
)
_ONE = Decimal(1)


def _check_gtin(gtin: str, path: str) -> None:
    """A lot's GTIN passes the validator REST uses (GS1 check digit), whichever path names it."""
    try:
        normalize_gtin(gtin)
    except ValidationError as exc:
        raise _err(path, exc.messages[0], exc.code) from exc


def _collect_refs(doc: dict, base: str) -> list[BatchRef]:
    refs: list[BatchRef] = []
    for key, role, is_class in _REF_LISTS:
        entries = doc.get(key)
        if not entries:
            continue
        for i, entry in enumerate(entries):
            if is_class:
                if not isinstance(entry, dict):
                    raise _err(
                        f"{base}.{key}[{i}]",
                        _("Each entry needs epcClass and quantity."),
                        "invalid",
                    )
                item_key = item_key_from_uri(entry.get("epcClass"))
                if item_key and item_key.lot and len(item_key.lot) <= 20:
                    path = f"{base}.{key}[{i}]"
                    _check_gtin(item_key.gtin, path + ".epcClass")
                    qty = (
                        _quantity(entry["quantity"], path + ".quantity")
                        if "quantity" in entry
                        else None
                    )
                    refs.append(
                        BatchRef(item_key.gtin, item_key.lot, role, qty, entry.get("uom", ""), path)
                    )
                elif "quantity" in entry:  # not a lot of ours, but its quantity must still be sound
                    _quantity(entry["quantity"], f"{base}.{key}[{i}].quantity")
            else:
                item_key = item_key_from_uri(entry)
                if item_key and item_key.lot and len(item_key.lot) <= 20:
                    _check_gtin(item_key.gtin, f"{base}.{key}[{i}]")
                    refs.append(
                        BatchRef(item_key.gtin, item_key.lot, role, _ONE, "", f"{base}.{key}[{i}]")
                    )
    parent = item_key_from_uri(doc.get("parentID"))
    if parent and parent.lot and len(parent.lot) <= 20:
        _check_gtin(parent.gtin, f"{base}.parentID")
        refs.append(
            BatchRef(parent.gtin, parent.lot, BatchRole.PARENT, None, "", f"{base}.parentID")
        )
    return refs


def _party(doc: dict, key: str, attr: str) -> str | None:
    entries = doc.get(key) or []
    by_type = {short_type(e.get("type")): e.get(attr) for e in entries if isinstance(e, dict)}
    for party_type in _PARTY_TYPES:
        if by_type.get(party_type):
            return by_type[party_type]
    return None


def _short_text(doc: dict, key: str, path: str, limit: int = 255) -> str:
    value = doc.get(key)
    if isinstance(value, dict):
        value = value.get("id")
        path += ".id"
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _err(path, _("A URI string is required."), "type")
    if len(value) > limit:
        raise _err(path, _("At most %(limit)s characters.") % {"limit": limit}, "max_length")
    return value


def prepare_event(doc: dict, index: int, context=None) -> PreparedEvent:
    """Check and digest one event. ``context`` is the enclosing document's
    ``@context`` (it takes part in the event hash of an event without ID)."""
    base = f"eventList[{index}]"
    if not isinstance(doc, dict):
        raise _err(base, _("An event must be a JSON object."), "invalid")
    event_type = doc.get("type")
    if event_type not in _EVENT_TYPES:
        raise _err(
            f"{base}.type", _("Unknown event type %(type)s.") % {"type": event_type}, "event_type"
        )
    event_time = parse_event_time(doc.get("eventTime"), f"{base}.eventTime")
    zone_offset = doc.get("eventTimeZoneOffset")
    if not isinstance(zone_offset, str) or len(zone_offset) != 6 or zone_offset[0] not in "+-":
        raise _err(
            f"{base}.eventTimeZoneOffset", _("The zone offset looks like +08:00."), "zone_offset"
        )
    error_declaration = doc.get("errorDeclaration")
    if error_declaration is not None:
        if not isinstance(error_declaration, dict):
            raise _err(f"{base}.errorDeclaration", _("An error declaration is an object."), "type")
        parse_event_time(
            error_declaration.get("declarationTime"), f"{base}.errorDeclaration.declarationTime"
        )
    event_id = _short_text(doc, "eventID", f"{base}.eventID") or fallback_event_id(doc, context)
    return PreparedEvent(
        index=index,
        document=doc,
        event_id=event_id,
        event_type=event_type,
        action=doc.get("action") or "",
        event_time=event_time,
        zone_offset=zone_offset,
        biz_step=short_cbv("bizStep", _short_text(doc, "bizStep", f"{base}.bizStep")),
        disposition=short_cbv(
            "disposition", _short_text(doc, "disposition", f"{base}.disposition")
        ),
        read_point=_short_text(doc, "readPoint", f"{base}.readPoint"),
        biz_location=_short_text(doc, "bizLocation", f"{base}.bizLocation"),
        source_uri=_party(doc, "sourceList", "source"),
        destination_uri=_party(doc, "destinationList", "destination"),
        error_declaration=error_declaration,
        refs=_collect_refs(doc, base),
    )


class PartyResolver:
    """Maps party URIs (GLN Digital Link, pgln URN, our org URN) to organizations."""

    def __init__(self):
        self.cache: dict[str, Organization | None] = {}

    def __call__(self, uri: str | None) -> Organization | None:
        if not uri:
            return None
        if uri not in self.cache:
            self.cache[uri] = self._lookup(uri)
        return self.cache[uri]

    @staticmethod
    def _lookup(uri: str) -> Organization | None:
        if uri.startswith("urn:suyuan:org:"):
            key = uri.rsplit(":", 1)[1]
            q = Q(credit_code=key) | (Q(pk=int(key)) if key.isdigit() else Q(pk__in=[]))
            return Organization.objects.filter(q).first()
        if "/417/" in uri:
            gln = uri.split("/417/", 1)[1][:13]
            return Organization.objects.filter(gln=gln).first()
        if uri.startswith("urn:epc:id:pgln:"):
            cp, ref = uri[len("urn:epc:id:pgln:") :].split(".", 1)
            return Organization.objects.filter(gln__startswith=cp + ref).first()
        return None


@dataclass(slots=True)
class LotRow:
    """What capture needs of a batch (no model instance for thousands of lots)."""

    pk: int
    lot: str
    product_id: int | None


def _in(column: str, values) -> tuple[str, list]:
    values = list(values)
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


def _lots(keys: set[tuple[str, str]]) -> dict[tuple[str, str], LotRow]:
    gtins, gtin_params = _in("gtin", {k[0] for k in keys})
    lots, lot_params = _in("lot", {k[1] for k in keys})
    with connection.cursor() as cursor:
        # gtin IN … AND lot IN …: both are conditions on the (gtin, lot) unique index.
        cursor.execute(
            f"SELECT id, gtin, lot, product_id FROM {Batch._meta.db_table} WHERE {gtins} AND {lots}",
            gtin_params + lot_params,
        )
        return {
            (g, lot): LotRow(pk, lot, product)
            for pk, g, lot, product in cursor.fetchall()
            if (g, lot) in keys
        }


def _resolve_batches(prepared: list[PreparedEvent]) -> None:
    """Find or create the lots the events name. A lot we only know from events is still a
    node of the trace. One statement when the lots are new (an EPCIS upload), two when they
    exist (INSERT … ON CONFLICT DO NOTHING returns only the rows it inserted)."""
    keys = {(r.gtin, r.lot) for p in prepared for r in p.refs}
    if not keys:
        return
    template = Batch(gtin="", lot="")  # the model's defaults for the other columns
    fields = [f for f in Batch._meta.concrete_fields if not f.primary_key]
    defaults = [f.get_db_prep_save(f.pre_save(template, add=True), connection) for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    at_gtin, at_lot, at_product = (
        next(i for i, f in enumerate(fields) if f.attname == name)
        for name in ("gtin", "lot", "product_id")
    )
    # A lot of a GTIN registered here is a lot of that product, however it was first named.
    products = dict(Product.objects.filter(gtin__in={k[0] for k in keys}).values_list("gtin", "pk"))
    returning = connection.features.can_return_rows_from_bulk_insert
    ordered = sorted(keys)  # one order for every capture, so concurrent ones do not deadlock
    found: dict[tuple[str, str], LotRow] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(ordered), 1000):  # SQLite takes at most 32,766 parameters
            chunk = ordered[start : start + 1000]
            params = []
            for gtin, lot in chunk:
                values = list(defaults)
                values[at_gtin], values[at_lot] = gtin, lot
                values[at_product] = products.get(gtin)
                params.extend(values)
            cursor.execute(
                f"INSERT INTO {Batch._meta.db_table} ({columns}) VALUES {', '.join([row] * len(chunk))} "
                "ON CONFLICT (gtin, lot) DO NOTHING"
                + (" RETURNING id, gtin, lot, product_id" if returning else ""),
                params,
            )
            if returning:
                found.update(
                    ((g, lot), LotRow(pk, lot, product))
                    for pk, g, lot, product in cursor.fetchall()
                )
    missing = keys - found.keys()
    if missing:
        found.update(_lots(missing))
    # Lots first named before their GTIN was registered get their product now.
    for (gtin, _lot), lot_row in found.items():
        if lot_row.product_id is None and gtin in products:
            lot_row.product_id = products[gtin]
            Batch.objects.filter(pk=lot_row.pk, product__isnull=True).update(
                product_id=lot_row.product_id
            )
    for p in prepared:
        for r in p.refs:
            r.batch = found[(r.gtin, r.lot)]


def _lot_facts(prepared: list[PreparedEvent]) -> dict[int, rules.LotFacts]:
    """Status and owner (by GTIN) of every lot the events name; the lots whose status the
    events may change are locked first, in one order, so two holds cannot cross."""
    ids = sorted({r.batch.pk for p in prepared for r in p.refs})
    if not ids:
        return {}
    lock = connection.features.has_select_for_update_of and any(
        rules.status_effect(p.event_type, p.biz_step, p.disposition)
        or rules.is_destruction(p.action, p.biz_step)
        for p in prepared
    )
    facts: dict[int, rules.LotFacts] = {}
    batch, product = Batch._meta.db_table, Product._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 1000):
            condition, params = _in("b.id", ids[start : start + 1000])
            cursor.execute(
                f"SELECT b.id, b.lot, b.status, p.owner_id FROM {batch} b LEFT JOIN {product} p ON p.gtin = b.gtin "
                f"WHERE {condition} ORDER BY b.id" + (" FOR UPDATE OF b" if lock else ""),
                params,
            )
            for pk, lot, status, owner in cursor.fetchall():
                facts[pk] = rules.LotFacts(pk, lot, status, owner)
    return facts


def _check_rules(
    prepared: list[PreparedEvent], organization: Organization, facts: dict[int, rules.LotFacts]
) -> tuple[dict[int, str], set[int]]:
    """Ask ``trace.rules`` about every event, in order. Returns the status changes the events
    make (lot id → status) and the lots whose owner recorded a destruction."""
    registered = sorted(pk for pk, lot in facts.items() if lot.owner_id is not None)
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
            Event.objects.filter(event_id__in=declared, error_declaration__isnull=True).values_list(
                "event_id", "organization_id"
            )
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


def _emptied(batch_ids: set[int]) -> dict[int, str]:
    """Of the lots whose owner recorded a destruction, those nobody holds any more: destroyed."""
    left = set(
        Custody.objects.filter(batch_id__in=batch_ids)
        .filter(Q(quantity__gt=0) | Q(in_transit__gt=0))
        .values_list("batch_id", flat=True)
    )
    return {pk: BatchStatus.DESTROYED for pk in batch_ids - left}


def _apply_status(changes: dict[int, str], facts: dict[int, rules.LotFacts]) -> None:
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


@dataclass
class _Move:
    organization_id: int
    batch: LotRow | Batch
    held: Decimal
    transit: Decimal
    path: str


def _moves_for(p: PreparedEvent, recorder: Organization, sign: int = 1) -> list[_Move]:
    """How an event changes who holds what. ``sign=-1`` undoes it (error declaration)."""
    moves: list[_Move] = []
    zero = Decimal(0)
    step = p.biz_step
    for r in p.refs:
        if r.quantity is None:
            continue
        q = r.quantity * sign
        if p.event_type == EventType.TRANSFORMATION:
            if r.role == BatchRole.INPUT:
                moves.append(_Move(recorder.pk, r.batch, -q, zero, r.path))
            elif r.role == BatchRole.OUTPUT:
                moves.append(_Move(recorder.pk, r.batch, q, zero, r.path))
            continue
        if r.role != BatchRole.SUBJECT:
            continue
        # An organization's events move only its own stock: whatever the source
        # list claims, a shipment leaves the recorder's custody, and the
        # destination holds it only once it records the receipt itself.
        if step == "shipping":
            moves.append(_Move(recorder.pk, r.batch, -q, zero, r.path))
            if p.destination_org is not None and p.destination_org.pk != recorder.pk:
                moves.append(_Move(p.destination_org.pk, r.batch, zero, q, r.path))
        elif step == "receiving":
            moves.append(_Move(recorder.pk, r.batch, q, -q, r.path))
        elif p.action == "ADD" and step in ("commissioning", ""):
            moves.append(_Move(recorder.pk, r.batch, q, zero, r.path))
        elif p.action == "DELETE" or (step in rules.OUTBOUND_STEPS and step != "shipping"):
            moves.append(_Move(recorder.pk, r.batch, -q, zero, r.path))
    return moves


def _apply_moves(moves: list[_Move], registered: set[int] = frozenset()) -> None:
    """Apply custody moves; ``registered``: the lots of GTINs registered here (strict stock rules)."""
    if not moves:
        return
    pairs = {(m.organization_id, m.batch.pk) for m in moves}
    rows = (
        Custody.objects.select_for_update()
        .filter(organization_id__in={p[0] for p in pairs}, batch_id__in={p[1] for p in pairs})
        # Locked in one order (id) by every capture, so two cannot wait on each other. Read
        # under the lock: another organization's capture moving the same rows is seen once it
        # commits, never lost. A row created at the same moment by another capture fails the
        # insert below on the unique (organization, batch): this capture is tried again
        # (``trace.core.retry``) and then finds the row.
        .order_by("id")
        .values_list("organization_id", "batch_id", "id", "quantity", "in_transit")
    )
    # (organization, batch) → [id or None, held, in transit]
    custody = {
        (org, batch): [pk, held, transit]
        for org, batch, pk, held, transit in rows
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


def _utc_iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def capture_events(
    *,
    documents: list[dict],
    organization: Organization,
    user=None,
    record_time: datetime | None = None,
    on_error: str = "rollback",
    context=None,
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

    A capture that meets a concurrent one (the same event IDs, a custody row created at the
    same moment, a deadlock) is tried again (``trace.core.retry``): it then finds the other's
    events stored (duplicates) and its custody rows locked in turn.
    """
    if on_error not in ("rollback", "proceed"):
        raise ValueError(f"on_error must be rollback or proceed, not {on_error!r}")
    return retry_concurrent(
        lambda: _capture(documents, organization, user, record_time, on_error, context),
        what=f"capture for organization {organization.pk}",
    )


def _capture(documents, organization, user, record_time, on_error, context) -> CaptureResult:
    if on_error == "rollback":
        prepared = [prepare_event(doc, i, context) for i, doc in enumerate(documents)]
        return _store(prepared, organization=organization, user=user, record_time=record_time)
    errors: list[tuple[int, ValidationError]] = []
    prepared = []
    for i, doc in enumerate(documents):
        try:
            prepared.append(prepare_event(doc, i, context))
        except ValidationError as exc:
            errors.append((i, exc))
    try:
        with transaction.atomic():
            result = _store(prepared, organization=organization, user=user, record_time=record_time)
    except ValidationError:
        result = CaptureResult(event_pks=[], duplicates=[])
        for p in prepared:
            try:
                with transaction.atomic():
                    one = _store([p], organization=organization, user=user, record_time=record_time)
            except ValidationError as exc:
                errors.append((p.index, exc))
                continue
            result.event_pks.extend(one.event_pks)
            result.duplicates.extend(one.duplicates)
    result.errors = sorted(errors, key=lambda item: item[0])
    return result


def _store(
    prepared: list[PreparedEvent], *, organization: Organization, user, record_time: datetime | None
) -> CaptureResult:
    seen: set[tuple[str, bool]] = set()
    unique: list[PreparedEvent] = []
    for p in prepared:
        key = (p.event_id, p.error_declaration is not None)
        if key not in seen:
            seen.add(key)
            unique.append(p)
    # The organization's chain lock, first: its captures run one after another from here, so
    # one sees what the other stored (its events are duplicates, not a unique violation) and
    # reads custody, lots and chain head after it. Then the lots' rows (``_lot_facts``), then
    # custody rows, each set in id order: one lock order for every capture, no deadlock.
    # NO KEY UPDATE: rows that merely reference the organization (events, custody of other
    # recorders) are still written meanwhile.
    Organization.objects.select_for_update(no_key=True).filter(pk=organization.pk).exists()
    # The key table's (event_id, declaration) unique index answers for every stored event
    # at once (on PostgreSQL ``trace_event`` is partitioned and would be probed per partition).
    stored: set[tuple[str, bool]] = set()
    if unique:
        condition, params = _in("event_id", {p.event_id for p in unique})
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT event_id, declaration FROM {EventKey._meta.db_table} WHERE {condition}",
                params,
            )
            stored.update(
                (event_id, not declaration) for event_id, declaration in cursor.fetchall()
            )
    duplicates = [p.event_id for p in unique if (p.event_id, p.error_declaration is None) in stored]
    todo = [p for p in unique if (p.event_id, p.error_declaration is None) not in stored]
    if not todo:
        return CaptureResult(event_pks=[], duplicates=duplicates)

    resolve_party = PartyResolver()
    for p in todo:
        p.source_org = resolve_party(p.source_uri)
        p.destination_org = resolve_party(p.destination_uri)
    _resolve_batches(todo)

    facts = _lot_facts(todo)
    status_changes, destroyed = _check_rules(todo, organization, facts)

    moves: list[_Move] = []
    retracted_ids: list[str] = []
    for p in todo:
        if p.error_declaration is not None:
            retracted_ids.append(p.event_id)
        else:
            moves.extend(_moves_for(p, organization))
    if retracted_ids:
        moves.extend(_undo_moves(retracted_ids))
    _apply_moves(moves, {pk for pk, lot in facts.items() if lot.owner_id is not None})
    if destroyed:
        status_changes.update(_emptied(destroyed))
    _apply_status(status_changes, facts)

    # The recorded head, not the newest stored row: after a deleted tail the chain goes on
    # from the head, so the hole stays visible to verify_event_chain.
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
    seq, prev = (last["chain_seq"], last["content_hash"]) if last else (0, GENESIS)
    tail = [seq, prev]

    now = record_time or timezone.now()
    recorded_at = _utc_iso(now)
    recorded_by = user.pk if user is not None and user.is_authenticated else None
    documents: list[dict] = []

    def event_rows(seq: int, prev: str):
        # A generator: COPY stores one chunk of events while the next are hashed.
        for p in todo:
            seq += 1
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
            documents.append(document)
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

    event_pks = insert_rows(Event, _EVENT_COLUMNS, event_rows(seq, prev), ids=len(todo))
    record_chain_head(organization.pk, chain_seq=tail[0], content_hash=tail[1], at=now)

    links: list[tuple] = []
    edges: dict[tuple[int, int, int], tuple] = {}
    for p, pk in zip(todo, event_pks, strict=True):
        if p.error_declaration is not None:
            continue
        for r in p.refs:
            links.append((pk, r.batch.pk, r.role, r.quantity, r.uom))
        # The events are new, so the only possible duplicate edges are within one event.
        for edge in _edges_for(p, pk):
            edges.setdefault(edge[:3], edge)
    insert_rows(EventBatch, ["event_id", "batch_id", "role", "quantity", "uom"], links)
    insert_rows(
        LineageEdge, ["parent_id", "child_id", "event_id", "quantity"], list(edges.values())
    )
    insert_rows(
        EventIdentifier,
        ["event_id", "kind", "type", "value", "gtin"],
        (
            row
            for pk, document in zip(event_pks, documents, strict=True)
            for row in identifier_rows(document, pk)
        ),
    )
    if retracted_ids:
        LineageEdge.objects.filter(
            event__event_id__in=retracted_ids, event__error_declaration__isnull=True
        ).delete()
    lots = {r.batch.pk: (r.gtin, r.lot) for p in todo for r in p.refs}
    transaction.on_commit(lambda: _after_commit(lots, event_pks))
    return CaptureResult(event_pks=event_pks, duplicates=duplicates)


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
_K = EventIdentifier.Kind
_EPC_LISTS = (
    ("epcList", _K.EPC),
    ("childEPCs", _K.CHILD),
    ("inputEPCList", _K.INPUT),
    ("outputEPCList", _K.OUTPUT),
)
_CLASS_LISTS = (
    ("quantityList", _K.CLASS),
    ("childQuantityList", _K.CHILD_CLASS),
    ("inputQuantityList", _K.INPUT_CLASS),
    ("outputQuantityList", _K.OUTPUT_CLASS),
)
_GTIN_PREFIX = "https://id.gs1.org/01/"


def identifier_rows(doc: dict, event_pk: int) -> list[tuple]:
    """The identifiers ``doc`` names, canonical, for the EPCIS query index:
    ``(event_id, kind, type, value, gtin)`` rows of ``EventIdentifier``."""
    seen: set[tuple[str, str, str]] = set()
    rows: list[tuple] = []

    def add(kind: str, value, type_: str = "") -> None:
        if not isinstance(value, str) or not value:
            return
        canonical = canonical_identifier(value)[:512]
        key = (kind, type_, canonical)
        if key in seen:
            return
        seen.add(key)
        gtin = (
            canonical[len(_GTIN_PREFIX) : len(_GTIN_PREFIX) + 14]
            if canonical.startswith(_GTIN_PREFIX)
            else ""
        )
        rows.append((event_pk, kind, type_[:255], canonical, gtin))

    for key, kind in _EPC_LISTS:
        for epc in doc.get(key) or ():
            add(kind, epc)
    for key, kind in _CLASS_LISTS:
        for item in doc.get(key) or ():
            if isinstance(item, dict):
                add(kind, item.get("epcClass"))
    add(_K.PARENT, doc.get("parentID"))
    for key, kind in (("readPoint", _K.READ_POINT), ("bizLocation", _K.BIZ_LOCATION)):
        place = doc.get(key)
        if isinstance(place, dict):
            add(kind, place.get("id"))
    for entry in doc.get("bizTransactionList") or ():
        if isinstance(entry, dict):
            add(_K.BIZ_TRANSACTION, entry.get("bizTransaction"), short_type(entry.get("type")))
    for key, attr, kind in (
        ("sourceList", "source", _K.SOURCE),
        ("destinationList", "destination", _K.DESTINATION),
    ):
        for entry in doc.get(key) or ():
            if isinstance(entry, dict):
                add(kind, entry.get(attr), short_type(entry.get("type")))
    return rows


def _edges_for(p: PreparedEvent, event_pk: int) -> list[tuple]:
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


def _undo_moves(event_ids: list[str]) -> list[_Move]:
    """Custody moves that reverse the stored events an error declaration retracts."""
    moves: list[_Move] = []
    originals = (
        Event.objects.filter(event_id__in=event_ids, error_declaration__isnull=True)
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
        moves.extend(_moves_for(p, original.organization, sign=-1))
    return moves


def _after_commit(lots: dict[int, tuple[str, str]], event_pks: list[int]) -> None:
    invalidate_batches(lots, lots=lots)
    events_captured.send(sender=capture_events, event_pks=event_pks)


__all__ = ["capture_events", "CaptureResult", "new_event_id", "short_cbv"]
