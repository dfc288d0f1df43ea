"""Peak memory of capturing one maximum-size EPCIS document through the
production path, each side in a fresh process (``bench.memory_worker``) so
nothing else inflates it: the web side (parse, schema and rule validation, the
stored job) and the worker side (the Celery task function). The row reports
the larger peak: the memory one server process needs for the document."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

from bench import documents
from bench.common import ROOT, BenchError, Context, Measure, short_of

# Peak RSS of a 10,000-event capture, web side and worker (issue #24: ≤ 150 MB).
LIMIT_MB = 150


def _child(args: list[str], env: dict) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "bench.memory_worker", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    line = next((x for x in result.stdout.splitlines() if x.startswith("JSON:")), None)
    if result.returncode != 0 or line is None:
        raise BenchError(f"memory worker ({args[0]}) failed: {result.stderr[-2000:]}")
    return json.loads(line[5:])


def run(ctx: Context) -> list[Measure]:
    from django.conf import settings

    plant, distributor, raw, outputs = documents.parties()
    maximum = getattr(settings, "EPCIS_CAPTURE_LIMIT", 10_000)
    events = min(ctx.params["memory_events"], maximum)
    document, _lots = documents.build(
        events=events,
        plant=plant,
        distributor=distributor,
        raw_product=raw,
        output_products=outputs,
        tag=documents.run_tag() + "M",
        seed=ctx.seed + int(time.time()),
    )
    payload = documents.body(document)
    with tempfile.NamedTemporaryFile("wb", suffix=".json", delete=False) as handle:
        handle.write(payload)
        path = handle.name
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CELERY_TASK_ALWAYS_EAGER": "1"}
    try:
        web = _child(["web", path, str(plant.org.pk), str(plant.user.pk)], env)
    finally:
        os.unlink(path)
    work = _child(["worker", web["job_id"]], env)
    if work["status"] != "success" or work["events"] != events:
        raise BenchError(f"the capture job did not capture the document: {work}")
    peak = max(web["peak_rss_mb"], work["peak_rss_mb"])
    data = {"web": web, "worker": work, "peak_rss_mb": peak}
    size_note = (
        "the maximum document (`EPCIS_CAPTURE_LIMIT`)"
        if events == maximum
        else f"{events:,} events (the maximum, {maximum:,}, at --size full)"
    )
    return [
        Measure(
            name="capture_peak_rss",
            label="capture peak memory, maximum-size document",
            value=round(peak, 1),
            unit="MB RSS",
            target=f"≤ {LIMIT_MB} MB RSS",
            met=peak <= LIMIT_MB,
            shortfall=short_of(peak, LIMIT_MB, at_most=True, what="MB "),
            notes=(
                f"{size_note}: {events:,} events, {len(payload) / 1e6:.1f} MB of JSON. Web side (read, "
                f"`parse_json`, `validate_capture_document`, `capture_job_create`, as `POST /epcis/capture`): "
                f"peak {web['peak_rss_mb']:.0f} MB in {web['seconds']:.1f} s; worker side "
                f"(`trace.epcis.tasks.run_capture_job`: event hashes, canonical identifiers, capture): peak "
                f"{work['peak_rss_mb']:.0f} MB in {work['seconds']:.1f} s; each a fresh process, peak RSS of "
                f"the whole process (VmHWM, its own since exec), of which {web['ready_rss_mb']:.0f} and "
                f"{work['ready_rss_mb']:.0f} MB is the interpreter with Django loaded. The row is the larger."
            ),
            details=data,
        )
    ]
