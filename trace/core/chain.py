"""Verifying the per-organization hash chain of events."""

from dataclasses import dataclass
from trace.models import Event

from .hashchain import GENESIS, canonicalize, chain_hash, legacy_canonical_json


@dataclass
class ChainBreak:
    organization_id: int
    event_pk: int
    chain_seq: int
    reason: str


def verify_chain(organization_id: int, *, batch_size: int = 5000) -> tuple[int, ChainBreak | None]:
    """Walk one organization's chain in order; return (rows checked, first break or None)."""
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    rows = (
        Event.objects.filter(organization_id=organization_id)
        .order_by("chain_seq")
        .values_list("pk", "chain_seq", "prev_hash", "content_hash", "event_id", "document")
    )
    for pk, seq, prev_hash, content_hash, event_id, document in rows.iterator(chunk_size=batch_size):
        if seq != expected_seq:
            return checked, ChainBreak(organization_id, pk, seq, f"sequence gap: expected {expected_seq}")
        if prev_hash != expected_prev:
            return checked, ChainBreak(organization_id, pk, seq, "previous hash does not match the row before")
        key = dict(prev_hash=prev_hash, organization_id=organization_id, chain_seq=seq, event_id=event_id)
        # Events captured before numbers were normalised were hashed over plain json.dumps.
        if chain_hash(**key, canonical=canonicalize(document)) != content_hash and chain_hash(
                **key, canonical=legacy_canonical_json(document)) != content_hash:
            return checked, ChainBreak(organization_id, pk, seq, "content does not match its hash")
        expected_prev, expected_seq, checked = content_hash, seq + 1, checked + 1
    return checked, None
