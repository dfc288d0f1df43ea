"""Signed daily digests of the event chains, for an outside party to keep.

A digest states, for one calendar day (``TIME_ZONE``), each organization's chain head
as of the end of that day — its sequence number, the event count and the head's
``content_hash`` — and one ``root`` hash over them all, names the previous digest's hash
(so the digests form a chain of their own), and is signed with Ed25519
(:mod:`trace.core.signing`). A regulator who downloads it (``GET /api/v1/chain/digests/``)
can later run ``verify_event_chain --digest FILE``: any event at or before a head it
kept that was changed or deleted since no longer matches.
"""

from __future__ import annotations

import hashlib
from datetime import date as Date
from datetime import datetime, time, timedelta
from trace.models import ChainDigest, Event

import orjson
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from . import signing
from .hashchain import canonicalize

FORMAT = "suyuan-chain-digest/1"


def day_end(day: Date) -> datetime:
    """The first instant after ``day`` in the project's time zone."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def heads_root(heads: list[dict]) -> str:
    return hashlib.sha256(canonicalize(heads).encode()).hexdigest()


def heads_at(cutoff: datetime) -> list[dict]:
    """Each organization's newest chain link recorded before ``cutoff``, with its event count."""
    tails = list(
        Event.objects.filter(record_time__lt=cutoff)
        .values("organization_id")
        .annotate(seq=Max("chain_seq"), events=Count("id"))
        .order_by("organization_id")
    )
    hashes: dict[tuple[int, int], str] = {}
    for start in range(0, len(tails), 500):
        condition = Q()
        for tail in tails[start : start + 500]:
            condition |= Q(organization_id=tail["organization_id"], chain_seq=tail["seq"])
        hashes.update(
            ((org, seq), content)
            for org, seq, content in Event.objects.filter(condition).values_list(
                "organization_id", "chain_seq", "content_hash"
            )
        )
    return [
        {
            "organization": t["organization_id"],
            "chain_seq": t["seq"],
            "events": t["events"],
            "content_hash": hashes[(t["organization_id"], t["seq"])],
        }
        for t in tails
    ]


def digest_make(*, day: Date) -> tuple[ChainDigest, bool]:
    """The signed digest of ``day`` (made now if there is none yet): (digest, created)."""
    existing = ChainDigest.objects.filter(date=day).first()
    if existing is not None:
        return existing, False
    cutoff = day_end(day)
    heads = heads_at(cutoff)
    previous = (
        ChainDigest.objects.filter(date__lt=day)
        .order_by("-date")
        .values_list("sha256", flat=True)
        .first()
    )
    key = signing.public_key()
    payload = {
        "format": FORMAT,
        "date": day.isoformat(),
        "cutoff": cutoff.isoformat(),
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "heads": heads,
        "events": sum(h["events"] for h in heads),
        "root": heads_root(heads),
        "previous": previous,
        "key_id": signing.key_id(key),
    }
    text = canonicalize(payload)
    try:
        with transaction.atomic():
            digest = ChainDigest.objects.create(
                date=day,
                payload=text,
                signature=signing.sign(text.encode()),
                key_id=payload["key_id"],
                sha256=hashlib.sha256(text.encode()).hexdigest(),
            )
    except IntegrityError:  # made by a concurrent run a moment ago
        return ChainDigest.objects.get(date=day), False
    return digest, True


def signed_file(digest: ChainDigest) -> dict:
    """What a regulator downloads and keeps: the payload text exactly as signed, and the signature."""
    return {
        "algorithm": "Ed25519",
        "key_id": digest.key_id,
        "payload": digest.payload,
        "signature": digest.signature,
        "sha256": digest.sha256,
    }


def parse_payload(text: str) -> dict:
    return orjson.loads(text)
