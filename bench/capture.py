"""Capture throughput: EPCIS documents of 1,000 events end to end (parsed,
validated, stored, custody moved, lineage derived, committed), against a raw
PostgreSQL ``COPY`` of the same rows into the same tables.

Transport: the HTTP endpoint ``POST /epcis/capture`` when this checkout has it
(a gunicorn on loopback, like the scan benchmark), else the capture service
``trace.core.capture.capture_events`` called with the parsed request body — the
only difference being the HTTP and request-parsing layer in front.
"""

from __future__ import annotations

import io
import json
import time
import urllib.error
import urllib.request

import psycopg2

from bench import documents
from bench.common import BenchError, Context, Measure, short_of

EVENTS_PER_DOCUMENT = 1_000
OFFSET = 10**12  # baseline rows get ids and unique keys far from the real ones


def http_endpoint_available() -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve("/epcis/capture")
        return True
    except Resolver404:
        return False


def _capture_service(bodies, plant) -> list[float]:
    from trace.core.capture import capture_events

    times = []
    for payload in bodies:  # the first is the warm-up
        start = time.perf_counter()
        data = json.loads(payload)
        capture_events(documents=data["epcisBody"]["eventList"], organization=plant.org, user=plant.user)
        times.append(time.perf_counter() - start)
    return times


def _capture_http(bodies, plant, ctx) -> list[float]:
    from knox.models import AuthToken

    from bench.scan import Gunicorn

    _instance, token = AuthToken.objects.create(user=plant.user)
    times = []
    # One worker: the documents come one after another, as the baseline's COPY is one stream,
    # and the warm-up document (the first) warms the worker that serves them all.
    with Gunicorn("config.wsgi:application", ctx, extra_env={"CELERY_TASK_ALWAYS_EAGER": "1"},
                  workers=1) as server:
        server.wait("/api/schema/")
        for payload in bodies:
            request = urllib.request.Request(
                server.url("/epcis/capture"), data=payload, method="POST",
                headers={"Content-Type": "application/json", "Authorization": f"Token {token}"})
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=300) as response:
                    location = response.headers.get("Location")
                    status = response.status
            except urllib.error.HTTPError as exc:
                raise BenchError(f"POST /epcis/capture answered {exc.code}: {exc.read()[:1000]!r}") from exc
            if status == 202 and location:
                _wait_for_job(server.url(location) if location.startswith("/") else location, token)
            times.append(time.perf_counter() - start)
    return times


def _wait_for_job(url: str, token: str) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        request = urllib.request.Request(url, headers={"Authorization": f"Token {token}",
                                                       "Accept": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            job = json.loads(response.read() or b"{}")
        if job.get("running") is False or job.get("success") is not None or job.get("status") in (
                "done", "succeeded", "success", "failed", "error", "completed"):
            if job.get("success") is False or job.get("status") in ("failed", "error"):
                raise BenchError(f"capture job failed: {job}")
            return
        time.sleep(0.05)
    raise BenchError("capture job did not finish within 300 s")


def vacuum(database_url: str) -> None:
    """VACUUM the tables capture writes, as autovacuum keeps them on a live server: earlier
    runs' rolled-back baselines leave dead rows and index entries that would slow the
    capture and the baseline alike, but not by the same share."""
    from trace.models import Batch, Custody, Event

    tables = [Batch._meta.db_table, Event._meta.db_table, Custody._meta.db_table]
    tables += [r.related_model._meta.db_table for r in Event._meta.related_objects if not r.many_to_many]
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


def copy_baseline(database_url: str, event_ids: list[int], lot_names: list[str]) -> dict:
    """COPY the rows capture wrote (as fresh rows) into the same tables; roll back."""
    from trace.models import Batch, Event

    ids = ",".join(str(i) for i in event_ids)
    lots = ",".join("'" + name.replace("'", "''") + "'" for name in lot_names)
    plan = [
        (Batch, {"id": f"id + {OFFSET}", "lot": "lot || '~'"}, f"lot IN ({lots})"),
        (Event, {"id": f"id + {OFFSET}", "event_id": "event_id || '~'", "chain_seq": f"chain_seq + {OFFSET}"},
         f"id IN ({ids})"),
    ]
    # Every table capture writes per event (batch links, lineage edges, and whatever else
    # points at an event, e.g. the EPCIS identifier index once it lands).
    for relation in Event._meta.related_objects:
        model, column = relation.related_model, relation.field.column
        if relation.many_to_many or not relation.field.concrete or model._meta.pk.get_internal_type() not in (
                "AutoField", "BigAutoField"):
            continue
        plan.append((model, {model._meta.pk.column: f"{model._meta.pk.column} + {OFFSET}",
                             column: f"{column} + {OFFSET}"}, f"{column} IN ({ids})"))
    conn = psycopg2.connect(database_url)
    rows = {}
    buffers = []
    try:
        with conn.cursor() as cursor:
            for model, rewrite, where in plan:
                buffer = io.StringIO()
                cursor.copy_expert(f"COPY ({_select(model, rewrite, where)}) TO STDOUT", buffer)
                rows[model._meta.db_table] = buffer.getvalue().count("\n")
                if rows[model._meta.db_table]:
                    buffers.append((model, buffer))
        conn.rollback()
        with conn.cursor() as cursor:
            start = time.perf_counter()
            for model, buffer in buffers:
                buffer.seek(0)
                columns = ", ".join(f'"{c}"' for c in _columns(model))
                cursor.copy_expert(f"COPY {model._meta.db_table} ({columns}) FROM STDIN", buffer)
            seconds = time.perf_counter() - start
        conn.rollback()
    finally:
        conn.close()
    return {"seconds": seconds, "rows": rows}


def run(ctx: Context) -> list[Measure]:
    from trace.models import Event

    plant, distributor, raw, outputs = documents.parties()
    tag = documents.run_tag()
    n_docs = ctx.params["capture_documents"]
    bodies, lots, event_ids = [], [], []
    for i in range(n_docs + 1):  # the first warms the server up and is not counted
        document, document_lots = documents.build(
            events=EVENTS_PER_DOCUMENT, plant=plant, distributor=distributor, raw_product=raw,
            output_products=outputs, tag=f"{tag}{i:02d}", seed=ctx.seed * 1000 + i + int(time.time()))
        bodies.append(documents.body(document))
        if i:
            lots.extend(document_lots)
            event_ids.extend(e["eventID"] for e in document["epcisBody"]["eventList"])
    vacuum(ctx.database_url)
    via_http = http_endpoint_available()
    warmup, *times = _capture_http(bodies, plant, ctx) if via_http else _capture_service(bodies, plant)
    stored = list(Event.objects.filter(event_id__in=event_ids, error_declaration__isnull=True)
                  .values_list("id", flat=True))
    if len(stored) != len(event_ids):
        raise BenchError(f"{len(event_ids)} events sent, {len(stored)} stored")
    events = len(event_ids)
    capture_rate = events / sum(times)
    baselines = [copy_baseline(ctx.database_url, stored, lots) for _ in range(3)]
    best = min(baselines, key=lambda b: b["seconds"])
    copy_rate = events / best["seconds"]
    ratio = capture_rate / copy_rate
    transport = ("HTTP `POST /epcis/capture` (one gunicorn worker on loopback, the job run inline as "
                 "without a broker)" if via_http else
                 "the capture service `trace.core.capture.capture_events` on the parsed JSON body")
    per_doc = ", ".join(f"{t * 1000:.0f}" for t in times)
    return [Measure(
        name="capture_throughput", label="capture throughput (EPCIS documents of 1,000 events)",
        value=round(capture_rate, 1), unit="events/s", baseline=round(copy_rate, 1),
        baseline_label="raw PostgreSQL COPY of the same rows", ratio=round(ratio, 3),
        target="≥ 25 % of baseline", met=ratio >= 0.25,
        shortfall=short_of(ratio, 0.25, at_most=False, what="ratio "),
        notes=(f"{n_docs} documents × {EVENTS_PER_DOCUMENT} events through {transport}, one after another, "
               f"each its own transaction, committed; per document {per_doc} ms, after one warm-up document "
               f"({warmup * 1000:.0f} ms, not counted). Baseline: the same rows "
               f"({', '.join(f'{k} {v:,}' for k, v in best['rows'].items() if v)}) copied as new rows into the same "
               "tables with their indexes in one transaction, best of 3, rolled back (so no commit and no "
               "foreign-key checks: a generous baseline). Both start from freshly vacuumed tables."),
        details={"transport": "http" if via_http else "service", "documents_ms": [t * 1000 for t in times],
                 "warmup_ms": warmup * 1000, "copy_seconds": [b["seconds"] for b in baselines],
                 "copy_rows": best["rows"]},
    )]
