"""Event IDs for events captured without one.

Interim: a SHA-256 over the canonical JSON of the event, in the ``ni:`` form
CBV 2.0 uses. Deterministic, so a resent event is stored once.
"""

import hashlib

from .hashchain import canonical_json


def event_hash_id(document: dict) -> str:
    content = {k: v for k, v in document.items() if k not in ("eventID", "recordTime", "@context")}
    digest = hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()
    return f"ni:///sha-256;{digest}?ver=CBV2.0"
