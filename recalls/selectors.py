"""Reads for recalls: the scope from the trace graph and the report figures."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from trace.core.choices import BatchRole, BizStep
from trace.core.selectors import lineage_batch_ids
from trace.models import Custody, Event, EventBatch

from django.conf import settings
from django.db.models import Sum

from .models import Recall, RecallNotice

ZERO = Decimal(0)
_OUTBOUND = {BizStep.SHIPPING, BizStep.RETAIL_SELLING}


def scope_lots(batch_ids: list[int]) -> dict[int, int]:
    """Every lot made from the affected lots, through any number of transformations
    and aggregations: lot id → steps down from the nearest affected lot (0 = affected)."""
    found: dict[int, int] = {}
    for root in batch_ids:
        walk = lineage_batch_ids(root, direction="forward", depth=settings.SUYUAN_TRACE_MAX_DEPTH)
        for batch_id, distance in walk.items():
            if batch_id not in found or distance < found[batch_id]:
                found[batch_id] = distance
    return found


@dataclass
class Holding:
    organization_id: int
    batch_id: int
    produced: Decimal = ZERO
    received: Decimal = ZERO
    sold_on: Decimal = ZERO
    used: Decimal = ZERO
    held: Decimal = ZERO


@dataclass
class Scope:
    lots: dict[int, int]
    holdings: list[Holding] = field(default_factory=list)

    def holders(self) -> set[int]:
        return {h.organization_id for h in self.holdings}


def _chunks(ids: list[int], size: int = 10_000):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def scope_holdings(batch_ids: list[int]) -> list[Holding]:
    """Who holds or held any of the lots and how much: produced, received, sold on
    (shipped or sold), used in production, still held (held plus on its way).

    From custody, and from the quantities of the lots' events leaving out
    retracted ones. The links, their events and the retractions are read
    separately, each by its own index (a join lets the planner hash the whole
    events table), and added up here."""
    rows: dict[tuple[int, int], Holding] = {}

    def row(org: int, batch: int) -> Holding:
        key = (org, batch)
        if key not in rows:
            rows[key] = Holding(org, batch)
        return rows[key]

    links: list[tuple[int, int, str, Decimal]] = []
    for chunk in _chunks(list(batch_ids)):
        for org, batch, quantity, in_transit in (
            Custody.objects.filter(batch_id__in=chunk)
            .order_by()
            .values_list("organization_id", "batch_id", "quantity", "in_transit")
        ):
            row(org, batch).held += quantity + in_transit
        links.extend(
            EventBatch.objects.filter(batch_id__in=chunk, quantity__isnull=False)
            .order_by()
            .values_list("event_id", "batch_id", "role", "quantity")
        )
    events: dict[int, tuple[str, int, str, str]] = {}
    for chunk in _chunks(sorted({link[0] for link in links})):
        for pk, event_id, org, step, action in (
            Event.objects.filter(pk__in=chunk, error_declaration__isnull=True)
            .order_by()
            .values_list("pk", "event_id", "organization_id", "biz_step", "action")
        ):
            events[pk] = (event_id, org, step, action)
    retracted: set[str] = set()
    for chunk in _chunks(sorted({e[0] for e in events.values()})):
        retracted.update(
            Event.objects.filter(event_id__in=chunk, error_declaration__isnull=False)
            .order_by()
            .values_list("event_id", flat=True)
        )
    for event_pk, batch, role, quantity in links:
        event = events.get(event_pk)
        if event is None or event[0] in retracted:
            continue
        _event_id, org, step, action = event
        holding = row(org, batch)
        if role == BatchRole.OUTPUT or (
            role == BatchRole.SUBJECT and action == "ADD" and step == BizStep.COMMISSIONING
        ):
            holding.produced += quantity
        elif role == BatchRole.INPUT:
            holding.used += quantity
        elif role == BatchRole.SUBJECT and step == BizStep.RECEIVING:
            holding.received += quantity
        elif role == BatchRole.SUBJECT and step in _OUTBOUND:
            holding.sold_on += quantity
    return sorted(rows.values(), key=lambda h: (h.organization_id, h.batch_id))


def compute_scope(batch_ids: list[int]) -> Scope:
    lots = scope_lots(batch_ids)
    return Scope(lots=lots, holdings=scope_holdings(list(lots)))


# --- report figures ------------------------------------------------------------


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def target_percent(level: str) -> int:
    return settings.RECALL_EFFECTIVENESS_PERCENT[level]


def report_figures(
    recall: Recall, *, units_recovered=None, units_corrected=None, units_destroyed=None
) -> dict:
    """What a progress or summary report states (the Chinese food-recall forms' figures):
    consignees notified and answering, units recovered/corrected/destroyed (as the
    consignees reported unless the producer states its own), recalled ÷ sold,
    recalled ÷ planned, and effectiveness (consignees answered, %) against the target."""
    notices = RecallNotice.objects.filter(recall=recall, included=True)
    totals = notices.aggregate(
        returned=Sum("returned"), corrected=Sum("corrected"), destroyed=Sum("destroyed")
    )
    consignees_total = notices.count()
    consignees_notified = notices.filter(notified_at__isnull=False).count()
    consignees_answered = notices.filter(acknowledged_at__isnull=False).count()
    recovered = (totals["returned"] or ZERO) if units_recovered is None else units_recovered
    corrected = (totals["corrected"] or ZERO) if units_corrected is None else units_corrected
    destroyed = (totals["destroyed"] or ZERO) if units_destroyed is None else units_destroyed
    recalled = recovered + corrected + destroyed
    effectiveness = (
        _percent(Decimal(consignees_answered), Decimal(consignees_total))
        if consignees_total
        else Decimal(100)
    )
    return {
        "consignees_total": consignees_total,
        "consignees_notified": consignees_notified,
        "consignees_answered": consignees_answered,
        "units_recovered": recovered,
        "units_corrected": corrected,
        "units_destroyed": destroyed,
        "units_planned": recall.units_planned,
        "units_sold": recall.units_sold,
        "recalled_over_sold": _percent(recalled, recall.units_sold),
        "recalled_over_planned": _percent(recalled, recall.units_planned),
        "effectiveness": effectiveness,
        "target_effectiveness": recall.target_effectiveness,
        "target_met": effectiveness >= target_percent(recall.target_effectiveness),
    }


def holdings_by_organization(recall: Recall) -> dict[int, dict]:
    """Per holder: lots and quantities over the included lots of the scope."""
    result: dict[int, dict] = defaultdict(
        lambda: {"lots": 0, "received": ZERO, "sold_on": ZERO, "held": ZERO}
    )
    rows = recall.holdings.filter(
        batch__recall_links__recall=recall, batch__recall_links__included=True
    ).values_list("organization_id", "received", "sold_on", "held")
    for org, received, sold_on, held in rows:
        entry = result[org]
        entry["lots"] += 1
        entry["received"] += received
        entry["sold_on"] += sold_on
        entry["held"] += held
    return result
