"""Trace latency: forward + backward trace of random lots, against the bare
recursive SQL for the same lots on a raw psycopg2 connection.

Same footing: the application prepares the walk on PostgreSQL
(``trace.core.rows.Statement``), so the baseline prepares the very same
statement on its connection and only executes it. Five passes over the sampled
lots; each row reports the median of the passes' p95 and their range."""

from __future__ import annotations

import gc
import statistics
import time

import psycopg2

from bench.common import (
    FAN_OUT,
    Context,
    Measure,
    percentile,
    sample_lots,
    short_of,
    summary_ms,
    wide_lots,
)

DEPTH = 20
PASSES = 5
GRAPH_LIMIT_MS = 10


def _spread(values: list[float]) -> dict:
    return {
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
        "passes": [round(v, 3) for v in values],
    }


def run(ctx: Context) -> list[Measure]:
    from trace.core.selectors import _WALKS, lineage_batch_ids, trace_graph
    from trace.models import Batch

    from django.conf import settings
    from django.db import connection

    walk = _WALKS["both"]
    prepared = settings.DATABASE_PREPARED_STATEMENTS
    # Random registered lots, and the widest lots (each feeding thousands of others at the
    # small and full sizes): the sample holds both, and the wide ones are reported apart too.
    wide = wide_lots(depth=DEPTH)
    wide_ids = [pk for pk, _n in wide]
    lots = [pk for pk in sample_lots(ctx, ctx.params["trace_samples"]) if pk not in wide_ids]
    lots += wide_ids
    raw = psycopg2.connect(ctx.database_url)
    raw.autocommit = True
    connection.ensure_connection()
    passes = []  # per pass: {"bare": [...], "selector": [...], "graph": [...]}
    wide_passes = []  # per pass, the wide lots only: {"bare": [...], "graph": [...]}
    sizes = []
    with raw.cursor() as cursor:
        if prepared:  # as the application does on its connection
            cursor.execute(walk._prepare)
            baseline_sql, baseline_params = walk._execute, (lambda lot: [lot, DEPTH])
        else:
            baseline_sql, baseline_params = walk.text, (lambda lot: [lot, DEPTH, lot, DEPTH])
        # Warm both paths on a few lots (plans, caches), then alternate so drift hits both alike.
        for lot in lots[:20]:
            cursor.execute(baseline_sql, baseline_params(lot))
            cursor.fetchall()
            lineage_batch_ids(lot, direction="both", depth=DEPTH)
        # As a server worker does once it has loaded (config/wsgi.py): keep the long-lived
        # heap out of the garbage collector's full passes.
        gc.freeze()
        # A first, untimed-for-the-target pass over every sampled lot, as the first look at each
        # lot after a while: its pages come from disk. It is reported beside the measured passes,
        # which see the working set in memory as a busy server does.
        cold = []
        wide_first = {}  # wide lot → (first pass seconds, events in its trace)
        for lot in lots:
            start = time.perf_counter()
            graph = trace_graph(Batch.objects.get(pk=lot), direction="both", depth=DEPTH)
            cold.append(time.perf_counter() - start)
            if lot in wide_ids:
                wide_first[lot] = (cold[-1], len(graph.events))
            del graph
        for n in range(PASSES):
            bare, selector, graph = [], [], []
            wide_bare, wide_graph = [], []
            for i, lot in enumerate(lots):
                # Alternate which runs first, so neither always meets the other's warmed cache.
                for step in (0, 1) if (i + n) % 2 == 0 else (1, 0):
                    start = time.perf_counter()
                    if step == 0:
                        cursor.execute(baseline_sql, baseline_params(lot))
                        rows = cursor.fetchall()
                        bare.append(time.perf_counter() - start)
                        if n == 0:
                            sizes.append(len(rows))
                    else:
                        lineage_batch_ids(lot, direction="both", depth=DEPTH)
                        selector.append(time.perf_counter() - start)
                start = time.perf_counter()
                root = Batch.objects.get(pk=lot)
                trace_graph(root, direction="both", depth=DEPTH)
                graph.append(time.perf_counter() - start)
                if lot in wide_ids:
                    wide_bare.append(bare[-1])
                    wide_graph.append(graph[-1])
            passes.append(
                {
                    "bare": summary_ms(bare),
                    "selector": summary_ms(selector),
                    "graph": summary_ms(graph),
                }
            )
            if wide_ids:
                wide_passes.append({"bare": summary_ms(wide_bare), "graph": summary_ms(wide_graph)})
    raw.close()
    c = summary_ms(cold)
    p95 = {k: _spread([p[k]["p95_ms"] for p in passes]) for k in ("bare", "selector", "graph")}
    p50 = {k: _spread([p[k]["p50_ms"] for p in passes]) for k in ("bare", "selector", "graph")}
    b, s, g = p95["bare"]["median"], p95["selector"]["median"], p95["graph"]["median"]
    lots_found = {"lots_per_trace_p50": percentile(sizes, 50), "lots_per_trace_max": max(sizes)}
    ratio = s / b
    graph_ratio = g / b
    how = (
        "prepared once on its connection and executed, as the application's `trace.core.rows.Statement` is"
        if prepared
        else "sent as text, as the application does with `DATABASE_PREPARED_STATEMENTS=0`"
    )

    def rng(k):
        return f"{p95[k]['min']}–{p95[k]['max']} ms"

    return [
        Measure(
            name="trace_latency_p95",
            label="trace latency (forward+backward lineage), p95",
            value=s,
            unit="ms",
            baseline=b,
            baseline_label="bare recursive SQL (same statement), p95",
            ratio=round(ratio, 3),
            target="≤ 2× baseline and ≤ 15 ms",
            met=ratio <= 2 and s <= 15,
            shortfall="; ".join(
                x
                for x in (
                    short_of(ratio, 2, at_most=True, what="ratio "),
                    short_of(s, 15, at_most=True, what="p95 ms "),
                )
                if x
            ),
            notes=(
                f"Median of {PASSES} passes' p95 over {len(lots)} registered lots ({len(lots) - len(wide_ids)} "
                f"random and the {len(wide_ids)} widest, see the wide row) (range {rng('selector')}; "
                f"baseline {rng('bare')}), depth {DEPTH}: `trace.core.selectors.lineage_batch_ids` through "
                f"Django against the same recursive statement on a raw psycopg2 connection, {how} "
                f"(alternating which goes first); p50 {p50['selector']['median']} ms vs "
                f"{p50['bare']['median']} ms; {lots_found['lots_per_trace_p50']:.0f} lots "
                f"per trace at the median, {lots_found['lots_per_trace_max']} at most."
            ),
            details={
                "p95_ms": p95,
                "p50_ms": p50,
                "passes": passes,
                "baseline_prepared": bool(prepared),
                **lots_found,
            },
        ),
        Measure(
            name="trace_graph_p95",
            label="trace graph with events and organizations (API selector), p95",
            value=g,
            unit="ms",
            baseline=b,
            baseline_label="bare recursive SQL (same statement), p95",
            ratio=round(graph_ratio, 3),
            target=f"≤ {GRAPH_LIMIT_MS} ms",
            met=g <= GRAPH_LIMIT_MS,
            shortfall=short_of(g, GRAPH_LIMIT_MS, at_most=True, what="p95 ms "),
            notes=(
                f"`trace.core.selectors.trace_graph` (what `/api/v1/batches/{{id}}/trace/` serializes): the "
                f"lineage plus the lots, edges, events and organizations; median of {PASSES} passes' p95 "
                f"over the {len(lots)} lots of the trace row (the {len(wide_ids)} widest among them) "
                f"(range {rng('graph')}), p50 {p50['graph']['median']} ms, after a first "
                f"pass over the same lots (cold: p50 {c['p50_ms']} ms, p95 {c['p95_ms']} ms, the events "
                f"read from disk). Held to the absolute {GRAPH_LIMIT_MS} ms; its ratio to the bare lineage query is shown "
                "for scale."
            ),
            details={"p95_ms": p95, "p50_ms": p50, "trace_graph_first_pass": c},
        ),
        *_wide_row(wide, wide_passes, wide_first),
    ]


def _wide_row(
    wide: list[tuple[int, int]], passes: list[dict], first: dict[int, tuple[float, int]]
) -> list[Measure]:
    """The trace graph of the widest lots alone (their share of the sample above is small);
    ``first`` is each one's first pass (seconds) and the events its trace holds."""
    if not passes:
        return []
    g = _spread([p["graph"]["p95_ms"] for p in passes])
    b = _spread([p["bare"]["p95_ms"] for p in passes])
    value, base = g["median"], b["median"]
    sizes = [n for _pk, n in wide]
    events = [first[pk][1] for pk, _n in wide]
    first_ms = max(round(first[pk][0] * 1000, 3) for pk, _n in wide)
    return [
        Measure(
            name="trace_graph_wide_p95",
            label=f"trace graph of the widest lots (≥ {FAN_OUT:,} downstream lots at full size), p95",
            value=value,
            unit="ms",
            baseline=base,
            baseline_label="bare recursive SQL (same statement), same lots, p95",
            ratio=round(value / base, 3) if base else None,
            # Reported, not judged: the issue's ≤ 10 ms is the p95 of a sample holding these lots
            # (the graph row); a whole trace of one of them is tens of thousands of events, whose
            # answer is as large as that (the contract returns every event of the lineage).
            target="reported",
            met=None,
            notes=(
                f"`trace_graph` of the {len(wide)} lots with the most lots made from them (the "
                f"ingredient lots: {', '.join(f'{n:,}' for n in sizes)} downstream lots within depth "
                f"{DEPTH}; {sum(n >= FAN_OUT for n in sizes)} of them ≥ {FAN_OUT:,}; "
                f"{', '.join(f'{n:,}' for n in events)} events in their traces), timed within the "
                f"passes of the rows above; median of {len(passes)} passes' p95 (range {g['min']}–"
                f"{g['max']} ms; baseline {b['min']}–{b['max']} ms); first pass, slowest "
                f"{first_ms} ms."
            ),
            details={
                "lots": [
                    {
                        "id": pk,
                        "downstream": n,
                        "events": first[pk][1],
                        "first_pass_ms": round(first[pk][0] * 1000, 3),
                    }
                    for pk, n in wide
                ],
                "graph": g,
                "bare": b,
            },
        )
    ]
