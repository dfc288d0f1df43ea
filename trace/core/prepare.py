"""The events a capture is sent, checked and digested one by one, before any
database work: ``prepare_event`` turns an EPCIS event document into a
``PreparedEvent`` (its ID, or the CBV 2.0 event hash when it has none; its
times, CBV values and parties; the lots it names, as ``BatchRef``), or raises
``ValidationError`` keyed by the offending path (``eventList[2].eventTime``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from trace.gs1.eventhash import event_hash_id
from trace.models import Batch

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.models import Organization
from core.validators import validate_storable_datetime

from .choices import BatchRole, EventType
from .identifiers import item_key_from_uri, normalize_gtin

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


@dataclass(slots=True)
class LotRow:
    """What capture needs of a batch (no model instance for thousands of lots)."""

    pk: int
    lot: str
    product_id: int | None
    # Inserted by this capture: uncommitted, so no other transaction can have custody of it
    # yet, and this one gives it custody only in ``apply_moves``.
    new: bool = False


@dataclass(slots=True)
class BatchRef:
    gtin: str
    lot: str
    role: str
    quantity: Decimal | None
    uom: str
    path: str
    batch: LotRow | Batch | None = None


@dataclass(slots=True)
class PreparedEvent:
    index: int
    document: dict
    # None: sent without an ID and its hash left to be worked out as it is stored
    # (``prepare_event(defer_id=True)``, ``store.insert_events``).
    event_id: str | None
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


def prepare_event(
    doc: dict,
    index: int,
    context=None,
    *,
    event_id_of: Callable[[int], str] | None = None,
    defer_id: bool = False,
) -> PreparedEvent:
    """Check and digest one event. ``context`` is the enclosing document's
    ``@context`` (it takes part in the event hash of an event without ID).

    An event sent without an ID is given the one ``event_id_of(index)`` works out (an EPCIS
    document's event hash, read against the whole document), by default its own event hash.
    ``defer_id=True`` leaves it None, to be worked out as the event is stored; an error
    declaration's ID is always worked out here (it names the event it retracts)."""
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
    event_id = _short_text(doc, "eventID", f"{base}.eventID") or None
    if event_id is None and not (defer_id and error_declaration is None):
        event_id = (
            event_id_of(index) if event_id_of is not None else fallback_event_id(doc, context)
        )
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
