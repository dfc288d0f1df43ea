"""The per-organization hash chain over events."""

import hashlib
import json

GENESIS = "0" * 64


def canonical_json(document) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(*, prev_hash: str, organization_id: int, chain_seq: int, event_id: str, document,
               canonical: str | None = None) -> str:
    """``canonical``: ``canonical_json(document)`` if the caller already has it."""
    text = canonical if canonical is not None else canonical_json(document)
    payload = f"{prev_hash}|{organization_id}|{chain_seq}|{event_id}|{text}"
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
