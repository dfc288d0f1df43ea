"""Verifying the record: the hash chains, and everything the application reads beside them.

The hash chain proves each stored EPCIS document is the one captured. But the API, the
consumer page, traces, custody and visibility read the *columns* capture derived from the
documents (``biz_step``, ``destination_org_id``, ``event_time``…) and the *derived tables*
(event–lot links, lineage edges, custody, the EPCIS identifier index). :func:`verify_record`
recomputes all of them from the hashed documents, the way capture does, and names every
difference (event, column, stored value, recomputed value); it compares each chain's tail
with the head capture recorded (:class:`~trace.models.ChainHead`), so deleting an
organization's newest events is named; and it checks signed digests kept outside
(:mod:`trace.core.digest`). One streaming pass in capture order: memory grows with the number of
organizations and custody rows, not with the number of events.

Not covered, because no document states them: ``recorded_by`` (who, among the
organization's staff, sent the events) and lots' master data (product, dates, status).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from itertools import islice
from trace.models import (
    Batch,
    ChainDigest,
    ChainHead,
    Custody,
    Event,
    EventBatch,
    EventIdentifier,
    LineageEdge,
)

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q

from . import signing
from .digest import heads_root, parse_payload
from .effects import edges_for, moves_for
from .eventindex import identifier_rows
from .hashchain import GENESIS, canonicalize, chain_hash, legacy_canonical_json, normalized
from .lots import PartyResolver
from .partitions import detached_links, detached_tails
from .prepare import LotRow, prepare_event


def batched(iterable, size: int):
    """``itertools.batched`` of Python 3.12: tuples of ``size`` items, the last maybe fewer."""
    iterator = iter(iterable)
    while chunk := tuple(islice(iterator, size)):
        yield chunk


@dataclass
class ChainBreak:
    organization_id: int
    event_pk: int
    chain_seq: int
    reason: str


def verify_chain(organization_id: int, *, batch_size: int = 5000) -> tuple[int, ChainBreak | None]:
    """Walk one organization's chain in order; return (rows checked, first break or None)."""
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    # Retention detached the chain's oldest months: it goes on from their last link.
    tail = detached_tails().get(organization_id)
    if tail is not None:
        expected_seq, expected_prev = tail[0] + 1, tail[1]
    rows = (
        Event.objects.filter(organization_id=organization_id)
        .order_by("chain_seq")
        .values_list("pk", "chain_seq", "prev_hash", "content_hash", "event_id", "document")
    )
    for pk, seq, prev_hash, content_hash, event_id, document in rows.iterator(
        chunk_size=batch_size
    ):
        if seq != expected_seq:
            return checked, ChainBreak(
                organization_id, pk, seq, f"sequence gap: expected {expected_seq}"
            )
        if prev_hash != expected_prev:
            return checked, ChainBreak(
                organization_id, pk, seq, "previous hash does not match the row before"
            )
        if not _hash_matches(organization_id, seq, prev_hash, content_hash, event_id, document):
            return checked, ChainBreak(organization_id, pk, seq, "content does not match its hash")
        expected_prev, expected_seq, checked = content_hash, seq + 1, checked + 1
    return checked, None


def _hash_matches(organization_id, seq, prev_hash, content_hash, event_id, document) -> bool:
    key = dict(
        prev_hash=prev_hash, organization_id=organization_id, chain_seq=seq, event_id=event_id
    )
    # Events captured before numbers were normalised were hashed over plain json.dumps.
    return (
        chain_hash(**key, canonical=canonicalize(document)) == content_hash
        or chain_hash(**key, canonical=legacy_canonical_json(document)) == content_hash
    )


@dataclass
class Finding:
    """One difference between what is stored and what the hashed documents say."""

    kind: str  # chain | column | head | link | lineage | identifier | custody | digest
    subject: str  # "event 12 (urn:uuid:…)", "organization 3", "custody of lot 5 at organization 3"
    column: str
    stored: object
    recomputed: object

    def __str__(self) -> str:
        return f"[{self.kind}] {self.subject}: {self.column}: stored {self.stored!r}, recomputed {self.recomputed!r}"


@dataclass
class Report:
    events: int = 0
    organizations: int = 0
    custody_rows: int | None = None  # None: custody not checked (one organization only)
    digests: int = 0
    findings: list[Finding] = field(default_factory=list)
    total: int = 0  # findings, including those beyond ``limit`` that were counted only
    limit: int = 1000

    def add(self, finding: Finding) -> None:
        self.total += 1
        if len(self.findings) < self.limit:
            self.findings.append(finding)

    @property
    def intact(self) -> bool:
        return self.total == 0


_EVENT_COLUMNS = (
    "pk",
    "organization_id",
    "chain_seq",
    "prev_hash",
    "content_hash",
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
)
# Columns compared one to one with the prepared event: (column, PreparedEvent attribute).
_SAME = (
    ("event_id", "event_id"),
    ("event_type", "event_type"),
    ("action", "action"),
    ("event_time", "event_time"),
    ("event_time_zone_offset", "zone_offset"),
    ("biz_step", "biz_step"),
    ("disposition", "disposition"),
    ("read_point", "read_point"),
    ("biz_location", "biz_location"),
)
_MILLI = Decimal("0.001")


def _q(value) -> Decimal | None:
    """A quantity as stored (three decimals): PostgreSQL's numeric rounds half up, Django
    rounds half to even before it writes to SQLite."""
    if value is None:
        return None
    rounding = ROUND_HALF_UP if connection.vendor == "postgresql" else ROUND_HALF_EVEN
    return Decimal(value).quantize(_MILLI, rounding=rounding)


@dataclass(slots=True)
class _Org:
    pk: int


@dataclass(slots=True)
class _Missing:
    """A lot a document names that is not in the batch table: shown by its key."""

    pk: str
    lot: str
    product_id: None = None


@dataclass
class _Chain:
    expected_seq: int = 1
    expected_prev: str = GENESIS
    tail_seq: int = 0
    tail_hash: str = GENESIS


class _Verifier:
    def __init__(self, report: Report, *, organization_id: int | None, chunk_size: int):
        self.report = report
        self.organization_id = organization_id
        self.chunk_size = chunk_size
        self.chains: dict[int, _Chain] = {}
        self.detached_tails = detached_tails()
        self.resolve = PartyResolver()
        self.custody: dict[tuple[int, int | str], list[Decimal]] | None = (
            {} if organization_id is None else None
        )
        self.retracted: set[str] = set(
            Event.objects.filter(error_declaration__isnull=False).values_list("event_id", flat=True)
        )

    # --- one pass over the events, in capture order --------------------------------------
    def run(self) -> None:
        rows = Event.objects.order_by("pk").values_list(*_EVENT_COLUMNS)
        if self.organization_id is not None:
            rows = rows.filter(organization_id=self.organization_id)
        for chunk in batched(rows.iterator(chunk_size=self.chunk_size), self.chunk_size):
            self.chunk([dict(zip(_EVENT_COLUMNS, row, strict=True)) for row in chunk])
        self.report.organizations = len(self.chains)
        self.heads()
        if self.custody is not None:
            self.compare_custody()

    def chunk(self, rows: list[dict]) -> None:
        prepared = {}
        for row in rows:
            self.report.events += 1
            self.chain(row)
            p = self.columns(row)
            if p is not None:
                prepared[row["pk"]] = p
        batches = self.lots({(r.gtin, r.lot) for p in prepared.values() for r in p.refs})
        for p in prepared.values():
            for r in p.refs:
                r.batch = batches.get((r.gtin, r.lot)) or _Missing(
                    f"{r.gtin}/{r.lot} (no such lot)", r.lot
                )
        pks = [row["pk"] for row in rows]
        self.links(rows, prepared, pks)
        self.lineage(rows, prepared, pks)
        self.identifiers(rows, pks)
        if self.custody is not None:
            for row in rows:
                if row["pk"] in prepared:
                    self.replay(row, prepared[row["pk"]])

    @staticmethod
    def subject(row: dict) -> str:
        return f"event {row['pk']} ({row['event_id']})"

    def chain(self, row: dict) -> None:
        org, seq = row["organization_id"], row["chain_seq"]
        state = self.chains.get(org)
        if state is None:
            # Retention detached the chain's oldest months: it goes on from their last link.
            seq0, hash0 = self.detached_tails.get(org, (0, GENESIS))
            state = self.chains[org] = _Chain(seq0 + 1, hash0, seq0, hash0)
        subject = f"{self.subject(row)} of organization {org}"
        if seq != state.expected_seq:
            what = "events missing before it" if seq > state.expected_seq else "out of order"
            self.report.add(
                Finding("chain", subject, f"chain_seq ({what})", seq, state.expected_seq)
            )
        elif row["prev_hash"] != state.expected_prev:
            self.report.add(
                Finding("chain", subject, "prev_hash", row["prev_hash"], state.expected_prev)
            )
        if not _hash_matches(
            org, seq, row["prev_hash"], row["content_hash"], row["event_id"], row["document"]
        ):
            self.report.add(
                Finding(
                    "chain",
                    subject,
                    "document (does not match content_hash)",
                    row["content_hash"],
                    "another hash",
                )
            )
        state.expected_seq, state.expected_prev = seq + 1, row["content_hash"]
        if seq > state.tail_seq:
            state.tail_seq, state.tail_hash = seq, row["content_hash"]

    def columns(self, row: dict):
        """Recompute the event's columns from its document; name each that differs."""
        document = row["document"]
        try:
            if not isinstance(document, dict):
                raise ValidationError("not an object")
            p = prepare_event(document, 0)
        except ValidationError as exc:
            self.report.add(
                Finding("column", self.subject(row), "document", "stored", f"does not parse: {exc}")
            )
            return None
        add = self.report.add
        for column, attr in _SAME:
            if row[column] != getattr(p, attr):
                add(Finding("column", self.subject(row), column, row[column], getattr(p, attr)))
        for column, uri in (
            ("source_org_id", p.source_uri),
            ("destination_org_id", p.destination_uri),
        ):
            org = self.resolve(uri)
            if row[column] != (org.pk if org else None):
                add(
                    Finding(
                        "column", self.subject(row), column, row[column], org.pk if org else None
                    )
                )
        p.source_org, p.destination_org = (
            self.resolve(p.source_uri),
            self.resolve(p.destination_uri),
        )
        declared = None if p.error_declaration is None else canonicalize(p.error_declaration)
        stored = (
            None
            if row["error_declaration"] is None
            else canonicalize(normalized(row["error_declaration"]))
        )
        if stored != declared:
            add(Finding("column", self.subject(row), "error_declaration", stored, declared))
        recorded = document.get("recordTime")
        if isinstance(recorded, str):  # the document carries it to the millisecond
            stored_time = row["record_time"]
            stored_time = stored_time.replace(microsecond=stored_time.microsecond // 1000 * 1000)
            try:
                in_document = datetime.fromisoformat(recorded)
            except ValueError:
                in_document = recorded
            if stored_time != in_document:
                add(
                    Finding(
                        "column", self.subject(row), "record_time", row["record_time"], in_document
                    )
                )
        return p

    @staticmethod
    def lots(keys: set[tuple[str, str]]) -> dict[tuple[str, str], LotRow]:
        if not keys:
            return {}
        rows = Batch.objects.filter(
            gtin__in={k[0] for k in keys}, lot__in={k[1] for k in keys}
        ).values_list("pk", "gtin", "lot", "product_id")
        return {
            (g, lot): LotRow(pk, lot, product) for pk, g, lot, product in rows if (g, lot) in keys
        }

    def _compare(
        self, kind: str, row: dict, column: str, stored: Counter, recomputed: Counter
    ) -> None:
        if stored != recomputed:
            extra, missing = stored - recomputed, recomputed - stored
            self.report.add(
                Finding(
                    kind,
                    self.subject(row),
                    column,
                    sorted(map(str, extra.elements())),
                    sorted(map(str, missing.elements())),
                )
            )

    def links(self, rows, prepared, pks) -> None:
        stored: dict[int, Counter] = {pk: Counter() for pk in pks}
        for event, batch, role, quantity, uom in EventBatch.objects.filter(
            event_id__in=pks
        ).values_list("event_id", "batch_id", "role", "quantity", "uom"):
            stored[event][(batch, role, _q(quantity), uom)] += 1
        for row in rows:
            p = prepared.get(row["pk"])
            recomputed = Counter()
            if p is not None and p.error_declaration is None:
                recomputed.update((r.batch.pk, r.role, _q(r.quantity), r.uom) for r in p.refs)
            if p is not None or stored[row["pk"]]:
                self._compare(
                    "link",
                    row,
                    "event-lot links (batch, role, quantity, uom)",
                    stored[row["pk"]],
                    recomputed,
                )

    def lineage(self, rows, prepared, pks) -> None:
        stored: dict[int, Counter] = {pk: Counter() for pk in pks}
        for parent, child, event, quantity in LineageEdge.objects.filter(
            event_id__in=pks
        ).values_list("parent_id", "child_id", "event_id", "quantity"):
            stored[event][(parent, child, _q(quantity))] += 1
        for row in rows:
            p = prepared.get(row["pk"])
            recomputed = Counter()
            if (
                p is not None
                and p.error_declaration is None
                and row["event_id"] not in self.retracted
            ):
                edges = {}
                for edge in edges_for(p, row["pk"]):
                    edges.setdefault(edge[:3], edge)
                recomputed.update(
                    (parent, child, _q(quantity)) for parent, child, _, quantity in edges.values()
                )
            self._compare(
                "lineage",
                row,
                "lineage edges (parent, child, quantity)",
                stored[row["pk"]],
                recomputed,
            )

    def identifiers(self, rows, pks) -> None:
        stored: dict[int, Counter] = {pk: Counter() for pk in pks}
        for event, kind, type_, value, gtin in EventIdentifier.objects.filter(
            event_id__in=pks
        ).values_list("event_id", "kind", "type", "value", "gtin"):
            stored[event][(kind, type_, value, gtin)] += 1
        for row in rows:
            if not isinstance(row["document"], dict):
                continue
            recomputed = Counter(r[1:] for r in identifier_rows(row["document"], row["pk"]))
            self._compare(
                "identifier",
                row,
                "EPCIS query index (kind, type, value, gtin)",
                stored[row["pk"]],
                recomputed,
            )

    # --- custody: replayed in capture order, as capture applies it ------------------------
    def replay(self, row: dict, p) -> None:
        if p.error_declaration is None:
            moves = moves_for(p, _Org(row["organization_id"]))
        else:
            moves = []
            originals = (
                Event.objects.by_event_id(row["event_id"], declaration=False)
                .filter(pk__lt=row["pk"])
                .values_list("organization_id", "document")
            )
            for organization_id, document in originals:
                try:
                    original = prepare_event(document, 0)
                except ValidationError:
                    continue  # named as a column finding when its own row was read
                original.source_org = self.resolve(original.source_uri)
                original.destination_org = self.resolve(original.destination_uri)
                batches = self.lots({(r.gtin, r.lot) for r in original.refs})
                for r in original.refs:
                    r.batch = batches.get((r.gtin, r.lot))
                original.refs = [r for r in original.refs if r.batch is not None]
                moves = moves_for(original, _Org(organization_id), sign=-1)
        zero = Decimal(0)
        for m in moves:
            held = self.custody.setdefault((m.organization_id, m.batch.pk), [zero, zero])
            # Capture refuses to go below zero on lots registered here and clamps the others.
            held[0] = max(held[0] + m.held, zero)
            held[1] = max(held[1] + m.transit, zero)

    def compare_custody(self) -> None:
        recomputed, checked = self.custody, 0
        rows = Custody.objects.order_by("pk").values_list(
            "pk", "organization_id", "batch_id", "quantity", "in_transit"
        )
        for pk, org, batch, quantity, in_transit in rows.iterator(chunk_size=self.chunk_size):
            checked += 1
            subject = f"custody row {pk} (lot {batch} at organization {org})"
            expected = recomputed.pop((org, batch), None)
            if expected is None:
                self.report.add(
                    Finding("custody", subject, "row", "present", "no event moves this lot here")
                )
                continue
            for column, stored, value in (
                ("quantity", quantity, expected[0]),
                ("in_transit", in_transit, expected[1]),
            ):
                if _q(stored) != _q(value):
                    self.report.add(Finding("custody", subject, column, _q(stored), _q(value)))
        for (org, batch), (held, transit) in recomputed.items():
            self.report.add(
                Finding(
                    "custody",
                    f"lot {batch} at organization {org}",
                    "row",
                    "absent",
                    f"quantity {_q(held)}, in_transit {_q(transit)}",
                )
            )
        self.report.custody_rows = checked

    # --- the recorded heads ---------------------------------------------------------------
    def heads(self) -> None:
        heads = ChainHead.objects.values_list("organization_id", "chain_seq", "content_hash")
        if self.organization_id is not None:
            heads = heads.filter(organization_id=self.organization_id)
        recorded = {org: (seq, content) for org, seq, content in heads}
        for org in sorted(recorded.keys() | self.chains.keys()):
            chain = self.chains.get(org)
            actual = (
                (chain.tail_seq, chain.tail_hash)
                if chain
                else self.detached_tails.get(org, (0, GENESIS))
            )
            head = recorded.get(org)
            if head is None:
                self.report.add(
                    Finding(
                        "head",
                        f"organization {org}",
                        "chain head",
                        "absent",
                        f"chain ends at sequence {actual[0]} ({actual[1]})",
                    )
                )
            elif head != actual:
                missing = " (its newest events were deleted)" if head[0] > actual[0] else ""
                self.report.add(
                    Finding(
                        "head",
                        f"organization {org}",
                        f"chain head{missing}",
                        f"sequence {head[0]} ({head[1]})",
                        f"chain ends at sequence {actual[0]} ({actual[1]})",
                    )
                )


def verify_record(
    *, organization_id: int | None = None, chunk_size: int = 2000, limit: int = 1000
) -> Report:
    """Recompute and compare everything the application reads; see the module docstring."""
    report = Report(limit=limit)
    _Verifier(report, organization_id=organization_id, chunk_size=chunk_size).run()
    return report


# --- signed digests ---------------------------------------------------------------------------
def check_digest(signed: dict, *, key, report: Report, label: str) -> None:
    """Check a signed digest (as downloaded) against ``key`` and against the stored chains:
    every head it states must still be a stored event with the same hash."""
    report.digests += 1
    payload_text, signature = signed.get("payload"), signed.get("signature")
    if not isinstance(payload_text, str) or not isinstance(signature, str):
        report.add(Finding("digest", label, "file", "payload and signature", "missing"))
        return
    if not signing.signature_valid(key, payload_text.encode(), signature):
        report.add(
            Finding(
                "digest",
                label,
                "signature",
                signature[:16] + "…",
                f"not valid for key {signing.key_id(key)[:16]}…",
            )
        )
        return
    payload = parse_payload(payload_text)
    heads = payload.get("heads") or []
    if heads_root(heads) != payload.get("root"):
        report.add(Finding("digest", label, "root", payload.get("root"), heads_root(heads)))
    stored = _stored_heads(heads)
    for head in heads:
        key_ = (head["organization"], head["chain_seq"])
        content = stored.get(key_, "no such event")
        if content != head["content_hash"]:
            report.add(
                Finding(
                    "digest",
                    f"{label}: organization {key_[0]} at sequence {key_[1]}",
                    "content_hash",
                    content,
                    head["content_hash"],
                )
            )


def _stored_heads(heads: list[dict]) -> dict[tuple[int, int], str]:
    """The stored content hash of each link a digest names: an attached event's, else the
    row of a month retention detached (kept), whose document is hashed again here."""
    stored: dict[tuple[int, int], str] = {}
    for chunk in batched(heads, 500):
        condition = Q()
        for head in chunk:
            condition |= Q(organization_id=head["organization"], chain_seq=head["chain_seq"])
        stored.update(
            ((org, seq), content)
            for org, seq, content in Event.objects.filter(condition).values_list(
                "organization_id", "chain_seq", "content_hash"
            )
        )
    elsewhere = {(h["organization"], h["chain_seq"]) for h in heads} - stored.keys()
    for (org, seq), (table, prev, content, event_id, document) in detached_links(
        sorted(elsewhere)
    ).items():
        if _hash_matches(org, seq, prev, content, event_id, document):
            stored[(org, seq)] = content
        else:
            stored[(org, seq)] = f"{content} (in {table}; its document does not match it)"
    return stored


def check_stored_digests(*, key, report: Report) -> None:
    """The digests kept here form a chain of their own; the newest is checked against the events."""
    previous, latest = None, None
    for digest in ChainDigest.objects.order_by("date").iterator(chunk_size=500):
        label = f"digest of {digest.date}"
        if hashlib.sha256(digest.payload.encode()).hexdigest() != digest.sha256:
            report.add(Finding("digest", label, "sha256", digest.sha256, "another hash"))
        named = parse_payload(digest.payload).get("previous")
        if named != previous:
            report.add(Finding("digest", label, "previous", named, previous))
        previous, latest = digest.sha256, digest
    if latest is not None and latest.key_id == signing.key_id(key):
        check_digest(
            {"payload": latest.payload, "signature": latest.signature},
            key=key,
            report=report,
            label=f"digest of {latest.date}",
        )
