"""Reads for recalls: the scope from the trace graph and the report figures."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from trace.core.choices import BatchRole, BizStep
from trace.core.rows import Statement
from trace.core.selectors import lineage_batch_ids
from trace.models import EventBatch

from django.conf import settings
from django.db import connection, transaction
from django.db.models import DecimalField, F, Sum
from django.db.models.functions import Least

from . import law, policy
from .choices import RecallStatus, RecallType
from .models import QUANTITY, Recall, RecallNotice, RecallProgressReport

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


# Quantities per holder and lot, added up by the database: custody (held plus on its
# way), and the quantities of the lots' links in events not retracted by an error
# declaration. A link carries its event's organization, action and business step
# (``EventBatch.event_*``, copied at capture; declarations have no links), so no event is
# read per link; the retracted events are found from the declarations (their partial
# unique index: a handful of rows) once per statement. One row per (organization, lot)
# that has custody or a link with a quantity, as many as a recall of the whey lot has
# holdings (≈ 71 k); a sum is NULL where nothing added to it.
_PRODUCED = (
    f"l.role = '{BatchRole.OUTPUT.value}' OR (l.role = '{BatchRole.SUBJECT.value}' "
    f"AND l.event_action = 'ADD' AND l.event_biz_step = '{BizStep.COMMISSIONING}')"
)
_OUTBOUND_SQL = ", ".join(f"'{step}'" for step in sorted(_OUTBOUND))
_HOLDINGS = Statement(
    "suyuan_scope_holdings",
    ["bigint[]"],
    lambda p: (
        "WITH retracted AS MATERIALIZED (SELECT e.id FROM trace_event d "
        "JOIN trace_event e ON e.event_id = d.event_id AND e.error_declaration IS NULL "
        "WHERE d.error_declaration IS NOT NULL) "
        "SELECT organization_id, batch_id, SUM(produced), SUM(received), SUM(sold_on), "
        "SUM(used), SUM(held) FROM ("
        "SELECT c.organization_id, c.batch_id, CAST(NULL AS NUMERIC) AS produced, "
        "CAST(NULL AS NUMERIC) AS received, CAST(NULL AS NUMERIC) AS sold_on, "
        "CAST(NULL AS NUMERIC) AS used, c.quantity + c.in_transit AS held "
        f"FROM trace_custody c WHERE {p.member('c.batch_id', 0)} "
        "UNION ALL "
        "SELECT l.event_organization_id, l.batch_id, "
        f"CASE WHEN {_PRODUCED} THEN l.quantity END, "
        f"CASE WHEN l.role = '{BatchRole.SUBJECT.value}' AND l.event_biz_step = "
        f"'{BizStep.RECEIVING}' AND NOT ({_PRODUCED}) THEN l.quantity END, "
        f"CASE WHEN l.role = '{BatchRole.SUBJECT.value}' AND l.event_biz_step IN ({_OUTBOUND_SQL}) "
        f"AND NOT ({_PRODUCED}) THEN l.quantity END, "
        f"CASE WHEN l.role = '{BatchRole.INPUT.value}' THEN l.quantity END, NULL "
        f"FROM trace_eventbatch l WHERE {p.member('l.batch_id', 0)} AND l.quantity IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM retracted r WHERE r.id = l.event_id)"
        ") x GROUP BY organization_id, batch_id ORDER BY organization_id, batch_id"
    ),
)
_SCALE = Decimal(1).scaleb(-EventBatch._meta.get_field("quantity").decimal_places)


def _decimal(value) -> Decimal:
    """A sum as the ORM would read it: SQLite adds decimals up as floats."""
    if value is None:
        return ZERO
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(value)).quantize(_SCALE)


def scope_holdings(batch_ids: list[int]) -> list[Holding]:
    """Who holds or held any of the lots and how much: produced, received, sold on
    (shipped or sold), used in production, still held (held plus on its way).

    From custody, and from the quantities of the lots' events leaving out
    retracted ones, added up by the database (``_HOLDINGS``): one statement on
    PostgreSQL, one per 10,000 lots on SQLite (its limit of parameters)."""
    ids = sorted(set(batch_ids))
    chunks = [ids] if connection.vendor == "postgresql" else list(_chunks(ids))
    if connection.vendor == "postgresql":
        rows = _fetch_holdings(ids)
    else:
        with connection.cursor() as cursor:
            rows = [row for chunk in chunks for row in _HOLDINGS.fetch(cursor, [chunk])]
    if connection.vendor == "postgresql":  # decimals already; spelled out, for 71 k rows
        return [
            Holding(
                org,
                batch,
                ZERO if produced is None else produced,
                ZERO if received is None else received,
                ZERO if sold_on is None else sold_on,
                ZERO if used is None else used,
                ZERO if held is None else held,
            )
            for org, batch, produced, received, sold_on, used, held in rows
        ]
    if len(chunks) > 1:
        rows.sort(key=lambda row: (row[0], row[1]))
    return [Holding(org, batch, *map(_decimal, sums)) for org, batch, *sums in rows]


# How ``_HOLDINGS`` is planned on PostgreSQL, for its transaction only: one process, no JIT
# (compiling the plan cost more than it saved), and memory enough to sort the whey lot's
# ≈ 226 k rows in it (7 MB went to disk under the default 4 MB).
_PLANNER = {
    "max_parallel_workers_per_gather": "0",
    "jit": "off",
    "work_mem": "32MB",
}


def _fetch_holdings(ids: list[int]) -> list[tuple]:
    """``_HOLDINGS`` on PostgreSQL with the settings of ``_PLANNER``, put back after."""
    names = list(_PLANNER)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join("current_setting(%s), set_config(%s, %s, true)" for _ in names),
            [v for name in names for v in (name, name, _PLANNER[name])],
        )
        before = cursor.fetchone()[::2]
        rows = _HOLDINGS.fetch(cursor, [ids])
        cursor.execute(
            "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in names),
            [v for name, value in zip(names, before, strict=True) for v in (name, value)],
        )
    return rows


def compute_scope(batch_ids: list[int]) -> Scope:
    lots = scope_lots(batch_ids)
    return Scope(lots=lots, holdings=scope_holdings(list(lots)))


# --- report figures ------------------------------------------------------------


def _largest(model, name: str) -> Decimal:
    """The largest value a decimal column stores."""
    f = model._meta.get_field(name)
    return Decimal(10) ** (f.max_digits - f.decimal_places) - Decimal(1).scaleb(-f.decimal_places)


# A ratio beyond what the report's column stores (a tiny denominator) is shown at that bound.
_PERCENT_MAX = _largest(RecallProgressReport, "recalled_over_sold")
_THOUSANDTH = Decimal("0.001")


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    percent = (Decimal(100) * part / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return min(percent, _PERCENT_MAX)


def target_percent(level: str, on=None) -> int:
    """The share of consignees an effectiveness check of ``level`` reaches and verifies
    (FDA 21 CFR 7.42(b)(3), from the rulebook; level B: ``RECALL_EFFECTIVENESS_B``)."""
    return law.effectiveness_percent(level, on)


def _counted(value) -> Decimal:
    """A sum as stored (SQLite adds decimals up as floats)."""
    if value is None:
        return ZERO
    return Decimal(value if isinstance(value, Decimal) else repr(value)).quantize(_THOUSANDTH)


def _bounded_by_held() -> dict:
    """Each consignee's answers counted up to what it held: returned, then
    destroyed, then corrected, never more than ``held`` together. Answers are refused above it
    since; an answer stored before that counts no more than the consignee could have had."""
    held = F("held")
    returned = Least(F("returned"), held)
    destroyed = Least(F("destroyed"), held - returned)
    corrected = Least(F("corrected"), held - returned - destroyed)
    out = DecimalField(**{k: QUANTITY[k] for k in ("max_digits", "decimal_places")})
    return {
        "counted_returned": Sum(returned, output_field=out),
        "counted_destroyed": Sum(destroyed, output_field=out),
        "counted_corrected": Sum(corrected, output_field=out),
    }


def report_figures(
    recall: Recall, *, units_recovered=None, units_corrected=None, units_destroyed=None
) -> dict:
    """What a progress or summary report states (the Chinese food-recall forms' figures):
    consignees notified and answering, units recovered/corrected/destroyed (as the
    consignees reported, each up to what it held, unless the producer states its own),
    recalled ÷ sold, recalled ÷ planned, and effectiveness (consignees answered, %) against
    the target. A recall without consignees has no effectiveness (``None``, not 100 % of
    nothing) and does not meet its target by itself: the regulator closes it by override,
    with the reason on the record."""
    notices = RecallNotice.objects.filter(recall=recall, included=True)
    totals = notices.aggregate(**_bounded_by_held())
    consignees_total = notices.count()
    consignees_notified = notices.filter(notified_at__isnull=False).count()
    consignees_answered = notices.filter(acknowledged_at__isnull=False).count()
    recovered = _counted(totals["counted_returned"]) if units_recovered is None else units_recovered
    corrected = (
        _counted(totals["counted_corrected"]) if units_corrected is None else units_corrected
    )
    destroyed = (
        _counted(totals["counted_destroyed"]) if units_destroyed is None else units_destroyed
    )
    recalled = recovered + corrected + destroyed
    effectiveness = _percent(Decimal(consignees_answered), Decimal(consignees_total))
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
        # The producer's own stock of the lots is in the units to recover and in its hands
        # from the start (its lots are recalled then): recovered for this share.
        "recalled_over_planned": _percent(
            recalled + recall.units_producer_held, recall.units_planned
        ),
        "effectiveness": effectiveness,
        "target_effectiveness": recall.target_effectiveness,
        "target_met": effectiveness is not None
        and effectiveness >= target_percent(recall.target_effectiveness, law.recall_date(recall)),
    }


def holdings_by_organization(recall: Recall) -> dict[int, dict]:
    """Per holder: lots and quantities over the included lots of the scope."""
    result: dict[int, dict] = defaultdict(
        lambda: {"lots": 0, "received": ZERO, "sold_on": ZERO, "held": ZERO}
    )
    # Two plain reads joined here: joined in SQL, a scope written in this transaction (no
    # statistics yet) got a nested loop over the (recall, organization, batch) index, 1 ms
    # per lot — 24 s for the 23,807 lots of the bench's whey recall.
    included = set(recall.scope_batches.filter(included=True).values_list("batch_id", flat=True))
    rows = recall.holdings.values_list("organization_id", "batch_id", "received", "sold_on", "held")
    for org, batch, received, sold_on, held in rows:
        if batch not in included:
            continue
        entry = result[org]
        entry["lots"] += 1
        entry["received"] += received
        entry["sold_on"] += sold_on
        entry["held"] += held
    return result


def pending_scope_changes(recall: Recall) -> list[dict]:
    """The scope's refreshes (``scope_refreshed`` timeline rows) since it was last confirmed,
    oldest first, each with its time and row id: what the producer confirms before the start."""
    if recall.scope_confirmed_at is not None:
        return []
    timeline = recall.timeline.all()
    confirmed = timeline.filter(action="scope_confirmed").order_by("-id").first()
    rows = timeline.filter(action="scope_refreshed").order_by("id")
    if confirmed is not None:
        rows = rows.filter(id__gt=confirmed.id)
    return [{"entry": row.pk, "at": row.at, **row.data} for row in rows]


def activated_between(user, start_at: datetime, end_at: datetime):
    """The recalls ``user`` sees (``Recall.objects.visible_to``) that started (were activated)
    from ``start_at`` up to, not including, ``end_at``, in the order they started."""
    return (
        Recall.objects.visible_to(user)
        .filter(activated_at__gte=start_at, activated_at__lt=end_at)
        .order_by("activated_at", "id")
    )


def effectiveness_rows(recalls) -> list[dict]:
    """Per recall: its number, products (as recorded), class, status, target level and the share
    of consignees it asks for, the share that answered, whether the target is met, recalled ÷
    planned, defect and root cause (``report_figures``)."""
    rows = []
    for recall in recalls:
        figures = report_figures(recall)
        rows.append(
            {
                "number": recall.number,
                "product_names": list(recall.product_names or []),
                "recall_class": recall.recall_class,
                "status": recall.status,
                "target": recall.target_effectiveness,
                "target_percent": target_percent(recall.target_effectiveness),
                "effectiveness": figures["effectiveness"],
                "met": figures["target_met"],
                "recalled_over_planned": figures["recalled_over_planned"],
                "defect": recall.defect,
                "root_cause": recall.root_cause,
            }
        )
    return rows


def stated_causes(incidents, recall_rows: list[dict], limit: int = 5) -> list[tuple[str, int]]:
    """The most frequent stated defect causes: recalls' root causes (their defect where no cause
    was stated) and concluded incidents' findings, counted by their text."""
    causes: Counter[str] = Counter()
    for row in recall_rows:
        text = (row["root_cause"] or row["defect"] or "").strip()
        if text:
            causes[text] += 1
    for findings in incidents.exclude(findings="").order_by().values_list("findings", flat=True):
        causes[findings.strip()] += 1
    return sorted(causes.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


# An ordered recall that no longer stands: withdrawn (an upheld objection cancels the notice),
# ended early, or closed by the regulator after its completion. Any other ordered recall of a
# lot makes a second order of it a duplicate: one completed but not yet closed is still the
# regulator's to judge, and to have carried out again if it fell short.
_ORDER_ENDED = (RecallStatus.CANCELLED, RecallStatus.TERMINATED, RecallStatus.CLOSED)


def standing_order(batch_ids, *, other_than: Recall | None = None) -> Recall | None:
    """The ordered recall (责令召回) whose scope already includes one of ``batch_ids`` and that
    stands (not cancelled, terminated or closed), other than ``other_than``: ``recall_create``
    refuses a second order of those lots (409), an order's scope edit refuses to take them in,
    and the incident page links this one instead of its order form."""
    orders = Recall.objects.filter(
        recall_type=RecallType.ORDERED,
        scope_batches__batch_id__in=list(batch_ids),
        scope_batches__included=True,
    ).exclude(status__in=_ORDER_ENDED)
    if other_than is not None:
        orders = orders.exclude(pk=other_than.pk)
    return orders.order_by("id").first()


def incident_standing_order(incident) -> Recall | None:
    """``standing_order`` of the lots a recall ordered from ``incident`` would recall (its lots
    made by ``policy.order_producer`` and every lot made from them, as ``recall_create``
    checks); None when there is no such producer."""
    producer = policy.order_producer(incident)
    if producer is None:
        return None
    named = incident.batches.filter(product__owner=producer).values_list("pk", flat=True)
    return standing_order(sorted(scope_lots(list(named))))
