"""Downstream holders of the ingredient lot with the most lots made from it:
what a recall must notify."""

from __future__ import annotations

import statistics
import time

from bench.common import Context, Measure, short_of, summary_ms

REPEATS = 5


def run(ctx: Context) -> list[Measure]:
    from trace.core.selectors import downstream_holders, lineage_batch_ids
    from trace.models import Batch

    hub = Batch.objects.get(pk=ctx.dataset["hub_lot_id"])
    downstream = len(lineage_batch_ids(hub.pk, direction="forward", depth=100)) - 1
    downstream_holders(hub)  # warm
    times, holders = [], []
    for _ in range(REPEATS):
        start = time.perf_counter()
        holders = downstream_holders(hub)
        times.append(time.perf_counter() - start)
    s = summary_ms(times)
    seconds = statistics.median(times)
    organizations = len({row["organization_id"] for row in holders})
    return [
        Measure(
            name="downstream_holders",
            label="downstream holders of a lot (recall scope)",
            value=round(seconds, 4),
            unit="s",
            target="≤ 1 s with ≥ 10 k downstream lots",
            met=seconds <= 1 and downstream >= 10_000 if ctx.size == "full" else seconds <= 1,
            shortfall=short_of(seconds, 1, at_most=True, what="seconds ")
            or f"only {downstream:,} downstream lots",
            notes=(
                f"lot {hub.lot} ({hub.gtin}, whey powder) has {downstream:,} downstream lots; "
                f"`trace.core.selectors.downstream_holders` returned {len(holders):,} holdings at "
                f"{organizations} organizations; median of {REPEATS} runs (min–max {min(times) * 1000:.1f}–"
                f"{max(times) * 1000:.1f} ms)."
                + (
                    ""
                    if downstream >= 10_000
                    else " The data set is too small for 10 k downstream lots: "
                    "the target applies to the full size."
                )
            ),
            details={
                "downstream_lots": downstream,
                "holdings": len(holders),
                "organizations": organizations,
                "timing": s,
            },
        )
    ]
