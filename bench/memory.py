"""Peak memory of capturing one maximum-size EPCIS document, measured in a
fresh process (``bench.memory_worker``) so nothing else inflates it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

from bench import documents
from bench.common import ROOT, BenchError, Context, Measure, short_of

LIMIT_MB = 300


def run(ctx: Context) -> list[Measure]:
    from django.conf import settings

    plant, distributor, raw, outputs = documents.parties()
    maximum = getattr(settings, "EPCIS_CAPTURE_LIMIT", 10_000)
    events = min(ctx.params["memory_events"], maximum)
    document, _lots = documents.build(events=events, plant=plant, distributor=distributor, raw_product=raw,
                                      output_products=outputs, tag=documents.run_tag() + "M",
                                      seed=ctx.seed + int(time.time()))
    payload = documents.body(document)
    with tempfile.NamedTemporaryFile("wb", suffix=".json", delete=False) as handle:
        handle.write(payload)
        path = handle.name
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bench.memory_worker", path, str(plant.org.pk), str(plant.user.pk)],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
            check=False,
        )
    finally:
        os.unlink(path)
    line = next((x for x in result.stdout.splitlines() if x.startswith("JSON:")), None)
    if result.returncode != 0 or line is None:
        raise BenchError(f"memory worker failed: {result.stderr[-2000:]}")
    data = json.loads(line[5:])
    peak = data["peak_rss_mb"]
    size_note = ("the maximum document (`EPCIS_CAPTURE_LIMIT`)" if events == maximum
                 else f"{events:,} events (the maximum, {maximum:,}, at --size full)")
    return [Measure(
        name="capture_peak_rss", label="capture peak memory, maximum-size document",
        value=round(peak, 1), unit="MB RSS", target=f"≤ {LIMIT_MB} MB RSS", met=peak <= LIMIT_MB,
        shortfall=short_of(peak, LIMIT_MB, at_most=True, what="MB "),
        notes=(f"{size_note}: {events:,} events, {len(payload) / 1e6:.1f} MB of JSON, read, parsed and "
               f"captured in one fresh process; peak RSS of the whole process (ru_maxrss), of which "
               f"{data['ready_rss_mb']:.0f} MB is the interpreter with Django loaded; captured in "
               f"{data['seconds']:.1f} s."),
        details=data,
    )]
