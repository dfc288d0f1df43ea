"""The EPCIS query index of captured events: the identifiers an event names
(EPCs, classes, parent, places, business transactions, parties), canonical,
as ``EventIdentifier`` rows (``identifier_rows``).
"""

from __future__ import annotations

from trace.models import EventIdentifier

from .identifiers import canonical_identifier
from .prepare import short_type

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
