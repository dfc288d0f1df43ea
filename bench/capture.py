"""Capture throughput: EPCIS documents of 1,000 events end to end, through the
path a deployment uses, against a raw PostgreSQL ``COPY`` of every row it wrote.

The capture: ``POST /epcis/capture`` to a gunicorn on loopback (the deployed
``config/gunicorn.py``), which parses and validates the document, stores the
capture job and queues ``trace.epcis.tasks.run_capture_job`` on Redis; a real
Celery worker (``celery -A config worker -Q capture``, as a deployment's capture worker
runs it but with one process so that documents are captured one after another, as
the baseline's ``COPY`` is one stream) takes the job, computes the missing
event IDs, canonicalises the identifiers, stores events, links, lineage,
identifier index, custody and chain head, and commits. A document's time runs
from the POST until the job's committed row reads as finished. The bench learns
that from the database itself, asleep: for the run, a trigger on the job table
notifies (``pg_notify``) when a job's status leaves ``running``, delivered as the
worker's transaction commits, and the bench waits on that notice. Reading the row
every 2 ms, as it did before, woke the bench and a PostgreSQL backend 100 times a
document on the same two cores as the capture and its database; polling
``GET /epcis/capture/{id}`` every 10 ms before that cost the web worker a request
each time and held the capture back by about 60 ms a document. Once finished, the
job is read through ``GET /epcis/capture/{id}`` (untimed) to check that every
event was captured.

The baseline: per document, the same rows — the capture job, the lots, the
events, every row that points at an event (batch links, lineage edges, the
identifier index), the custody rows and the chain head — written again as new
rows into the same tables with their indexes and triggers by ``COPY`` (the
chain head, one row that exists already, by the same UPSERT capture uses),
one transaction per document, rolled back.
"""

from __future__ import annotations

import io
import json
import os
import select
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager

import psycopg2

from bench import documents
from bench.common import ROOT, BenchError, Context, Measure, percentile, short_of

EVENTS_PER_DOCUMENT = 1_000
BASELINE_REPETITIONS = 5
GOAL = 0.5  # capture at half the speed of raw COPY into the same tables (issue #24)
OFFSET = 10**12  # baseline rows get ids and unique keys far from the real ones


class CeleryWorker:
    """``celery -A config worker`` against the benchmark's Redis, stopped on exit."""

    def __init__(self, ctx: Context):
        from config.celery import CAPTURE_QUEUE

        env = {
            **os.environ,
            "DATABASE_URL": ctx.database_url,
            "REDIS_URL": ctx.redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",  # the capture queue alone, as docker-compose.yml's capture-worker
                CAPTURE_QUEUE,
                "--concurrency",
                "1",
                "--loglevel",
                "warning",
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                f"bench-capture-{os.getpid()}@%h",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def check(self) -> None:
        if self.process.poll() is not None:
            raise BenchError(
                f"the Celery worker exited: {self.process.stderr.read().decode()[-2000:]}"
            )

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _capture(bodies, plant, ctx) -> list[dict]:
    """POST each document and wait for its job; per document: seconds end to end, the job."""
    from knox.models import AuthToken

    from bench.scan import Gunicorn

    _instance, token = AuthToken.objects.create(user=plant.user)
    done = []
    # One web worker: the documents come one after another. The first (the warm-up) also
    # waits for the Celery worker to start.
    with (
        _finish_notices(ctx.database_url) as watch,
        CeleryWorker(ctx) as worker,
        Gunicorn(
            "config.wsgi:application", ctx, extra_env={"CELERY_TASK_ALWAYS_EAGER": "0"}, workers=1
        ) as server,
    ):
        server.wait("/healthz")
        for payload in bodies:
            request = urllib.request.Request(
                server.url("/epcis/capture"),
                data=payload,
                method="POST",
                headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
            )
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=300) as response:
                    location = response.headers.get("Location")
                    status = response.status
            except urllib.error.HTTPError as exc:
                raise BenchError(
                    f"POST /epcis/capture answered {exc.code}: {exc.read()[:1000]!r}"
                ) from exc
            if status != 202 or not location:
                raise BenchError(f"POST /epcis/capture answered {status} without a job to follow")
            seen = _wait_for_job(
                server.url(location) if location.startswith("/") else location,
                token,
                worker,
                watch,
            )
            done.append({"seconds": seen["finished"] - start, "job": seen["job"]})
    return done


_CHANNEL = "suyuan_bench_capture_finished"  # the channel, the trigger and its function


@contextmanager
def _finish_notices(database_url: str):
    """A connection of the bench's own (autocommit) listening on ``_CHANNEL``, where a trigger
    on the job table, there for this run only, notifies each job whose status leaves
    ``running`` (the notice is delivered once the worker's transaction has committed)."""
    from trace.epcis.models import CaptureJob

    jobs = CaptureJob._meta.db_table
    conn = psycopg2.connect(database_url)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                f"CREATE OR REPLACE FUNCTION {_CHANNEL}() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN PERFORM pg_notify('{_CHANNEL}', NEW.id::text); RETURN NULL; END $$"
            )
            cursor.execute(f"DROP TRIGGER IF EXISTS {_CHANNEL} ON {jobs}")
            cursor.execute(
                f"CREATE TRIGGER {_CHANNEL} AFTER UPDATE OF status ON {jobs} "
                f"FOR EACH ROW WHEN (NEW.status <> 'running') EXECUTE FUNCTION {_CHANNEL}()"
            )
            cursor.execute(f"LISTEN {_CHANNEL}")
        yield conn
    finally:
        try:
            with conn.cursor() as cursor:
                cursor.execute(f"DROP TRIGGER IF EXISTS {_CHANNEL} ON {jobs}")
                cursor.execute(f"DROP FUNCTION IF EXISTS {_CHANNEL}()")
        finally:
            conn.close()


def _wait_for_job(url: str, token: str, worker: CeleryWorker, watch) -> dict:
    """Wait, asleep, for the notice that the job has finished (``watch``: the connection of
    ``_finish_notices``), then check it through the API; the check is not timed. The row
    is read first (a job may finish before its POST has answered) and again each second
    without a notice, so a lost notice cannot stall the run."""
    from trace.epcis.models import CaptureJob

    job_id = url.rstrip("/").rsplit("/", 1)[-1]
    jobs = CaptureJob._meta.db_table
    deadline = time.monotonic() + 300

    def noticed() -> bool:
        found = any(notice.payload == job_id for notice in watch.notifies)
        watch.notifies.clear()
        return found

    def running() -> bool:
        with watch.cursor() as cursor:
            cursor.execute(f"SELECT status FROM {jobs} WHERE id = %s", [job_id])
            row = cursor.fetchone()
        # A notice that came with the reply is already read off the socket: seen here.
        return (row is None or row[0] == "running") and not noticed()

    waiting = running()
    while waiting:
        if time.monotonic() > deadline:
            raise BenchError(
                "capture job did not finish within 300 s (is the Celery worker consuming?)"
            )
        worker.check()
        if select.select([watch], [], [], 1.0)[0]:
            watch.poll()
            waiting = not noticed()
        else:
            waiting = running()
    finished = time.perf_counter()
    request = urllib.request.Request(
        url, headers={"Authorization": f"Token {token}", "Accept": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        job = json.loads(response.read() or b"{}")
    if (
        job.get("running") is not False
        or not job.get("success")
        or job.get("capturedEventCount") != job.get("eventCount")
    ):
        raise BenchError(f"capture job failed: {json.dumps(job)[:2000]}")
    return {"job": job, "finished": finished}


def vacuum(database_url: str) -> None:
    """VACUUM the tables capture writes, as autovacuum keeps them on a live server: earlier
    runs' rolled-back baselines leave dead rows and index entries that would slow the
    capture and the baseline alike, but not by the same share."""
    from trace.epcis.models import CaptureJob
    from trace.models import Batch, ChainHead, Custody, Event

    tables = [
        Batch._meta.db_table,
        Event._meta.db_table,
        Custody._meta.db_table,
        ChainHead._meta.db_table,
        CaptureJob._meta.db_table,
    ]
    tables += [
        r.related_model._meta.db_table for r in Event._meta.related_objects if not r.many_to_many
    ]
    conn = psycopg2.connect(database_url)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {', '.join(dict.fromkeys(tables))}")
    finally:
        conn.close()


# --- the COPY baseline ---------------------------------------------------------------


def _columns(model) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


def _select(model, rewrite: dict[str, str], where: str) -> str:
    exprs = [rewrite.get(c, f'"{c}"') for c in _columns(model)]
    return f"SELECT {', '.join(exprs)} FROM {model._meta.db_table} WHERE {where}"


def _plan(job_id: str, event_ids: list[int], lot_names: list[str]) -> list[tuple]:
    """(model, column rewrites, condition) for every table one document's capture wrote."""
    from trace.epcis.models import CaptureJob
    from trace.models import Batch, Custody, Event

    ids = ",".join(str(i) for i in event_ids)
    lots = ",".join("'" + name.replace("'", "''") + "'" for name in lot_names)
    lot_ids = f"SELECT id FROM {Batch._meta.db_table} WHERE lot IN ({lots})"
    plan = [
        (CaptureJob, {"id": "gen_random_uuid()"}, f"id = '{job_id}'"),
        (Batch, {"id": f"id + {OFFSET}", "lot": "lot || '~'"}, f"lot IN ({lots})"),
        (
            Event,
            {
                "id": f"id + {OFFSET}",
                "event_id": "event_id || '~'",
                "chain_seq": f"chain_seq + {OFFSET}",
            },
            f"id IN ({ids})",
        ),
        (
            Custody,
            {"id": f"id + {OFFSET}", "batch_id": f"batch_id + {OFFSET}"},
            f"batch_id IN ({lot_ids})",
        ),
    ]
    # Every table capture writes per event (batch links, lineage edges, the identifier index,
    # and whatever else comes to point at an event).
    for relation in Event._meta.related_objects:
        model, column = relation.related_model, relation.field.column
        if (
            relation.many_to_many
            or not relation.field.concrete
            or model._meta.pk.get_internal_type() not in ("AutoField", "BigAutoField")
        ):
            continue
        plan.append(
            (
                model,
                {
                    model._meta.pk.column: f"{model._meta.pk.column} + {OFFSET}",
                    column: f"{column} + {OFFSET}",
                },
                f"{column} IN ({ids})",
            )
        )
    return plan


def copy_baseline(database_url: str, stored: list[dict]) -> dict:
    """COPY the rows each document's capture wrote (as fresh rows) into the same tables, one
    transaction per document, each rolled back; returns the total seconds and the rows."""
    from trace.models import ChainHead, Event

    conn = psycopg2.connect(database_url)
    rows: dict[str, int] = {}
    documents = []
    try:
        with conn.cursor() as cursor:
            for doc in stored:
                buffers = []
                for model, rewrite, where in _plan(doc["job_id"], doc["event_ids"], doc["lots"]):
                    buffer = io.StringIO()
                    cursor.copy_expert(f"COPY ({_select(model, rewrite, where)}) TO STDOUT", buffer)
                    count = buffer.getvalue().count("\n")
                    rows[model._meta.db_table] = rows.get(model._meta.db_table, 0) + count
                    if count:
                        buffers.append((model, buffer))
                cursor.execute(
                    f"SELECT organization_id, chain_seq + {OFFSET}, content_hash FROM "
                    f"{Event._meta.db_table} WHERE id = %s",
                    [max(doc["event_ids"])],
                )
                documents.append((buffers, cursor.fetchone()))
        conn.rollback()
        rows[ChainHead._meta.db_table] = len(stored)
        head = ChainHead._meta.db_table
        seconds = 0.0
        for buffers, (organization_id, seq, content_hash) in documents:
            with conn.cursor() as cursor:
                start = time.perf_counter()
                for model, buffer in buffers:
                    buffer.seek(0)
                    columns = ", ".join(f'"{c}"' for c in _columns(model))
                    cursor.copy_expert(
                        f"COPY {model._meta.db_table} ({columns}) FROM STDIN", buffer
                    )
                cursor.execute(
                    f"INSERT INTO {head} (organization_id, chain_seq, content_hash, updated_at) "
                    "VALUES (%s, %s, %s, now()) ON CONFLICT (organization_id) DO UPDATE SET "
                    "chain_seq = excluded.chain_seq, content_hash = excluded.content_hash, "
                    "updated_at = excluded.updated_at",
                    [organization_id, seq, content_hash],
                )
                seconds += time.perf_counter() - start
            conn.rollback()
    finally:
        conn.close()
    return {"seconds": seconds, "rows": rows}


def spread(values: list[float]) -> dict:
    """Median, quartiles and range of repeated measurements."""
    return {
        "n": len(values),
        "median": statistics.median(values),
        "p25": percentile(values, 25),
        "p75": percentile(values, 75),
        "min": min(values),
        "max": max(values),
    }


def run(ctx: Context) -> list[Measure]:
    from trace.epcis.models import CaptureJob
    from trace.models import EventBatch

    plant, distributor, raw, outputs = documents.parties()
    tag = documents.run_tag()
    n_docs = ctx.params["capture_documents"]
    bodies, lots, hard = [], [], []
    for i in range(n_docs + 1):  # the first warms the server and the worker up and is not counted
        document, document_lots = documents.build(
            events=EVENTS_PER_DOCUMENT,
            plant=plant,
            distributor=distributor,
            raw_product=raw,
            output_products=outputs,
            tag=f"{tag}{i:02d}",
            seed=ctx.seed * 1000 + i + int(time.time()),
        )
        bodies.append(documents.body(document))
        lots.append(document_lots)
        hard.append(documents.hard_cases(document))
    vacuum(ctx.database_url)
    warmup, *runs = _capture(bodies, plant, ctx)
    stored = []
    for run_, document_lots in zip(runs, lots[1:], strict=True):
        event_ids = sorted(
            set(
                EventBatch.objects.filter(batch__lot__in=document_lots).values_list(
                    "event_id", flat=True
                )
            )
        )
        if len(event_ids) != EVENTS_PER_DOCUMENT:
            raise BenchError(f"{EVENTS_PER_DOCUMENT} events sent, {len(event_ids)} stored")
        stored.append(
            {"job_id": run_["job"]["captureID"], "event_ids": event_ids, "lots": document_lots}
        )
    in_worker = {
        str(j.pk): (j.finished_at - j.created_at).total_seconds()
        for j in CaptureJob.objects.filter(pk__in=[s["job_id"] for s in stored])
    }
    rates = [EVENTS_PER_DOCUMENT / r["seconds"] for r in runs]
    baselines = [copy_baseline(ctx.database_url, stored) for _ in range(BASELINE_REPETITIONS)]
    copy_rates = [EVENTS_PER_DOCUMENT * len(stored) / b["seconds"] for b in baselines]
    c, b = spread(rates), spread(copy_rates)
    ratio = c["median"] / b["median"]
    per_doc = ", ".join(f"{r['seconds'] * 1000:.0f}" for r in runs)
    job_ms = ", ".join(f"{in_worker[s['job_id']] * 1000:.0f}" for s in stored)
    cases = hard[1]
    return [
        Measure(
            name="capture_throughput",
            label="capture throughput (EPCIS documents of 1,000 events)",
            value=round(c["median"], 1),
            unit="events/s",
            baseline=round(b["median"], 1),
            baseline_label="raw PostgreSQL COPY of the same rows",
            ratio=round(ratio, 3),
            target=f"≥ {GOAL * 100:.0f} % of baseline",
            met=ratio >= GOAL,
            shortfall=short_of(ratio, GOAL, at_most=False, what="ratio "),
            notes=(
                f"Median of {len(runs)} documents × {EVENTS_PER_DOCUMENT:,} events (spread p25–p75 "
                f"{c['p25']:,.0f}–{c['p75']:,.0f}, min–max {c['min']:,.0f}–{c['max']:,.0f} events/s), each "
                f"POSTed to `/epcis/capture` (gunicorn, one worker) and captured by a Celery worker "
                f"(`trace.epcis.tasks.run_capture_job`, one process) through Redis, one after another, each "
                f"committed; a document's time ends when its job's row reads as finished (the bench waits, "
                f"asleep, for a notice a trigger sends as the job's status leaves running, rather than reading "
                f"the row every 2 ms or polling `GET /epcis/capture/{{id}}`, which took CPU from the capture); "
                f"per document {per_doc} ms end to end, of which from the job's creation to its end "
                f"(queue wait and capture) {job_ms} ms; one warm-up document first ({warmup['seconds'] * 1000:.0f} ms, not "
                f"counted). Each document has {cases['without_event_id']} events without an eventID (hash "
                f"computed) and {cases['with_urn_identifiers']} naming lots or items by EPC URN. Baseline: "
                f"median of {len(baselines)} repetitions (min–max {b['min']:,.0f}–{b['max']:,.0f} events/s) "
                f"of the same rows (per repetition: {', '.join(f'{k} {v:,}' for k, v in baselines[0]['rows'].items() if v)}) "
                "copied as new rows into the same tables with their indexes and triggers, one transaction "
                "per document, rolled back (so no commit and no deferred foreign-key checks: a generous "
                "baseline). Both start from freshly vacuumed tables."
            ),
            details={
                "transport": "http+celery",
                "documents_ms": [r["seconds"] * 1000 for r in runs],
                "job_ms": [in_worker[s["job_id"]] * 1000 for s in stored],
                "warmup_ms": warmup["seconds"] * 1000,
                "capture_events_per_s": c,
                "copy_events_per_s": b,
                "copy_seconds": [x["seconds"] for x in baselines],
                "copy_rows": baselines[0]["rows"],
                "hard_cases_per_document": cases,
            },
        )
    ]
