"""The per-organization hash chain over events.

``content_hash = sha256(prev_hash | organization | chain_seq | event ID | canonical JSON)``.
The canonical JSON must come out the same when the chain is verified years later from
the row PostgreSQL stored, so numbers are first put in the form ``jsonb`` gives back:
``jsonb`` keeps a number's decimal value, not its spelling (``1.5e2`` comes back as
``150``, an integer), so an integral float becomes an int and an int beyond 2⁵³ a float.
"""

import hashlib
import json

import orjson

GENESIS = "0" * 64
_EXACT = 2**53  # integers up to here are exact as floats


def normalized(node):
    """``node`` with integral floats as ints and ints beyond ±2⁵³ as floats; containers are
    copied only where something changes (most events have no float at all)."""
    changed = None
    for key, value in node.items() if type(node) is dict else enumerate(node):
        kind = type(value)
        if kind is dict or kind is list:
            new = normalized(value)
        elif kind is float and value.is_integer() and -_EXACT < value < _EXACT:
            new = int(value)
        elif kind is int and not -_EXACT < value < _EXACT:
            new = float(value)
        else:
            continue
        if new is not value:
            if changed is None:
                changed = dict(node) if type(node) is dict else list(node)
            changed[key] = new
    return node if changed is None else changed


def canonicalize(document) -> str:
    """The canonical JSON of ``document`` (numbers normalised, keys sorted, no spaces, UTF-8):
    what is hashed, and what capture stores."""
    return orjson.dumps(normalized(document), option=orjson.OPT_SORT_KEYS).decode()


def legacy_canonical_json(document) -> str:
    """The canonical form of events captured before numbers were normalised (2026-11)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(
    *, prev_hash: str, organization_id: int, chain_seq: int, event_id: str, canonical: str
) -> str:
    payload = f"{prev_hash}|{organization_id}|{chain_seq}|{event_id}|{canonical}"
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
