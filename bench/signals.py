"""Injury monitoring at volume: one run of the injury-signal sweep.

``items`` casualty records in the 7-day window — half injury complaints, half incidents with
casualties — on 100 lots of 10 products, a tenth of them on one lot; every lot has an open injury
signal, as it would have. A run: ``NEW_PER_RUN`` incidents reported in the last minute (a tenth
on the busy lot), queued as the reporting service queues them; the sweep
(``complaints.risk.incident_injury_signals``) evaluates each in the window that closes
at its own time and joins it to its lot's open signal (evidence and a timeline row each).
Target: one run ≤ 1 s at 100 k casualty records in the window.

Baseline, in the same run: the bare SQL the run cannot do without — for each lot the new
incidents name, the people hurt on it in the window (injury complaints plus incident
casualties), the one aggregate statement the sweep sends, prepared beforehand and sent bare: no
Python deciding. Each figure is the median of repeated runs, each over incidents
nobody had swept. Reported beside it: a run with nothing queued.

Run in the suite (``python -m bench signals``) or alone: ``python -m bench.signals --items
100000`` (PostgreSQL in ``DATABASE_URL``). It adds its lots, complaints and incidents, and
removes its complaints and incidents afterwards; the risk-signal tables are emptied (TRUNCATE):
never point it at a database whose signals matter.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal

from bench.common import Context, Measure, short_of

SIZES = {"tiny": 2_000, "small": 20_000, "full": 100_000}
LOTS, PRODUCTS, BUSY_SHARE = 100, 10, 0.1
NEW_PER_RUN = 100
REGION = "320312"
TARGET_SECONDS = 1.0


def _setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _gtin(n: int) -> str:
    from trace.gs1.digital_link import check_digit

    body = f"0690{7_000_000 + n:09d}"
    return body + check_digit(body)


def _world():
    """The producer, its 10 products and 100 lots (reused from an earlier run)."""
    from trace.core.choices import ProductCategory
    from trace.models import Batch, Product

    from core.choices import OrganizationKind
    from core.models import Organization
    from core.validators import credit_code_check_character

    body = f"91{REGION}MA0BENCH1"
    producer, _ = Organization.objects.get_or_create(
        credit_code=body + credit_code_check_character(body),
        defaults={
            "kind": OrganizationKind.ENTERPRISE,
            "name": "bench injury-monitoring dairy",
            "region_code": REGION,
        },
    )
    lots = []
    for p in range(PRODUCTS):
        product, _ = Product.objects.get_or_create(
            gtin=_gtin(p),
            defaults={
                "owner": producer,
                "name": f"bench yogurt {p}",
                "category": ProductCategory.KEY_CONSUMER,
            },
        )
        for n in range(LOTS // PRODUCTS):
            lot, _ = Batch.objects.get_or_create(
                gtin=product.gtin,
                lot=f"INJ{p:02d}{n:03d}",
                defaults={"product": product, "quantity": Decimal(1000), "unit": "EA"},
            )
            lots.append(lot)
    return producer, lots


def _pick(lots, rng: random.Random):
    return lots[0] if rng.random() < BUSY_SHARE else lots[1 + rng.randrange(len(lots) - 1)]


def _incidents(producer, rows):
    """Incidents with casualties as the reporting service writes them, one lot each:
    ``rows`` of (lot, reported_at, people). Returns them, saved (bulk), with their links."""
    from incidents.choices import Grade, Level, Status, level_rank
    from incidents.models import Incident, IncidentBatch

    made = Incident.objects.bulk_create(
        [
            Incident(
                title="bench injury",
                description="bench",
                reporter=producer,
                enterprise=producer,
                region_code=REGION,
                occurred_at=at - timedelta(hours=3),
                discovered_at=at - timedelta(hours=1),
                reported_at=at,
                report_due_at=at,
                grade=Grade.IV,
                computed_grade=Grade.IV,
                required_level=Level.COUNTY,
                status=Status.REPORTED,
                level=Level.COUNTY,
                level_rank=level_rank(Level.COUNTY),
                reached_county=True,
                level_reached_at=at,
                deaths=0,
                serious_injuries=0,
                minor_injuries=people,
                direct_loss=Decimal(0),
            )
            for _lot, at, people in rows
        ],
        batch_size=5_000,
    )
    IncidentBatch.objects.bulk_create(
        [
            IncidentBatch(incident=incident, batch=lot)
            for incident, (lot, _at, _p) in zip(made, rows, strict=True)
        ],
        batch_size=5_000,
    )
    return made


def _fill(*, items: int, producer, lots, now, rng: random.Random) -> dict:
    """``items`` casualty records over the 7 days before ``now`` and an open signal per lot."""
    from complaints.choices import SignalKind
    from complaints.models import Complaint, RiskSignal

    window = 7 * 24 * 3600 - 120
    complaints = items // 2
    batch = []
    for i in range(complaints):
        at = now - timedelta(seconds=120 + rng.randrange(window))
        batch.append(
            Complaint(
                tracking_code=f"Z{i:09d}",
                batch=_pick(lots, rng),
                description="bench",
                injured=True,
                region_code=REGION,
                submitted_at=at,
                accept_due_at=at + timedelta(days=9),
            )
        )
        if len(batch) == 5_000:
            Complaint.objects.bulk_create(batch)
            batch = []
    Complaint.objects.bulk_create(batch)
    rows = [
        (
            _pick(lots, rng),
            now - timedelta(seconds=120 + rng.randrange(window)),
            1 + rng.randrange(3),
        )
        for _ in range(items - complaints)
    ]
    made = _incidents(producer, rows)
    signals = RiskSignal.objects.bulk_create(
        [
            RiskSignal(
                key=f"bench-injury:{lot.pk}",
                kind=SignalKind.INJURY_CLUSTER,
                title="bench",
                region_code=REGION,
                producer=producer,
                gtin=lot.gtin,
                lot=lot.lot,
                raised_at=now - timedelta(days=6),
            )
            for lot in lots
        ]
    )
    RiskSignal.batches.through.objects.bulk_create(
        [
            RiskSignal.batches.through(risksignal_id=s.pk, batch_id=lot.pk)
            for s, lot in zip(signals, lots, strict=True)
        ]
    )
    return {"complaints": complaints, "incidents": len(made)}


def _analyze():
    """Statistics and the visibility map, as autovacuum keeps them (VACUUM cannot run inside a
    transaction: the smoke test gets ANALYZE only)."""
    from django.db import connection

    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cursor:
        for table in (
            "complaints_complaint",
            "incidents_incident",
            "incidents_incidentbatch",
            "complaints_risksignal",
            "complaints_risksignal_batches",
        ):
            cursor.execute(f"{command} {table}")


def _bare(rows, window: timedelta) -> float:
    """The statement the run cannot do without, sent bare: the people hurt on each lot the new
    incidents name, in the window closing at the first of them (one aggregate per lot, in one
    statement as the sweep sends it), prepared before the clock starts."""
    from django.db import connection, transaction

    from complaints.models import Complaint
    from complaints.risk.injury_queue import _WINDOW_CASUALTIES
    from incidents.models import Incident, IncidentBatch

    firsts: dict[int, object] = {}
    for lot, at, _people in rows:
        firsts[lot.pk] = min(at, firsts.get(lot.pk, at))
    sql = _WINDOW_CASUALTIES.format(
        values=", ".join(["(%s, %s, %s, %s)"] * len(firsts)),
        complaint=Complaint._meta.db_table,
        incident=Incident._meta.db_table,
        link=IncidentBatch._meta.db_table,
    )
    params = [
        x for k, (lot_id, at) in enumerate(firsts.items()) for x in (k, lot_id, at - window, at)
    ]
    params += ["rejected", "merged"]
    with transaction.atomic(), connection.cursor() as cursor:
        start = time.perf_counter()
        cursor.execute(sql, params)
        cursor.fetchall()
        return time.perf_counter() - start


def _clean() -> None:
    """Remove what this benchmark added (also what a crashed run left behind)."""
    from django.db import connection

    from incidents.listing import list_changed

    mine = "SELECT id FROM incidents_incident WHERE title = 'bench injury'"
    with connection.cursor() as cursor:
        # Inside a transaction (the smoke test), the deferred foreign-key checks first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "TRUNCATE complaints_risksignaltimeline, complaints_risksignal_batches, "
            "complaints_risksignal_complaints, complaints_risksignal_incidents, "
            "complaints_risksignal RESTART IDENTITY CASCADE"
        )
        cursor.execute(f"DELETE FROM complaints_pendinginjurycheck WHERE incident_id IN ({mine})")
        cursor.execute(f"DELETE FROM incidents_incidentbatch WHERE incident_id IN ({mine})")
        cursor.execute("DELETE FROM incidents_incident WHERE title = 'bench injury'")
        cursor.execute(
            "DELETE FROM complaints_complaint WHERE description = 'bench' "
            "AND tracking_code LIKE 'Z%%'"
        )
    list_changed()


def measure(*, items: int, repetitions: int, seed: int, new_per_run: int = NEW_PER_RUN) -> list:
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from complaints.models import PendingInjuryCheck, RiskSignalTimeline
    from complaints.risk import incident_injury_signals
    from incidents.listing import list_changed

    rng = random.Random(seed)
    _clean()
    producer, lots = _world()
    now = timezone.now()
    print(f"Filling the window with {items:,} casualty records…", flush=True)
    start = time.perf_counter()
    filled = _fill(items=items, producer=producer, lots=lots, now=now, rng=rng)
    list_changed()
    fill_seconds = time.perf_counter() - start
    _analyze()
    window = timedelta(days=settings.RISK_INJURY_WINDOW_DAYS)
    runs, bares, idles, acted, statements = [], [], [], [], 0
    try:
        for r in range(repetitions + 1):  # the first is a warm-up
            at = now + timedelta(minutes=r + 1)
            rows = [
                (_pick(lots, rng), at - timedelta(seconds=rng.randrange(60)), 1)
                for _ in range(new_per_run)
            ]
            made = _incidents(producer, rows)
            PendingInjuryCheck.objects.bulk_create(
                [PendingInjuryCheck(incident=i, queued_at=i.reported_at) for i in made]
            )
            evidence_before = RiskSignalTimeline.objects.count()
            if r == 0:  # the warm-up counts the statements; the measured runs are not traced
                with CaptureQueriesContext(connection) as sent:
                    n = incident_injury_signals(now=at)
                statements, seconds = len(sent.captured_queries), 0.0
            else:
                seconds = time.perf_counter()
                n = incident_injury_signals(now=at)
                seconds = time.perf_counter() - seconds
            assert n == new_per_run, (n, new_per_run)
            assert RiskSignalTimeline.objects.count() - evidence_before == new_per_run
            bare = _bare(rows, window)
            idle = time.perf_counter()
            assert incident_injury_signals(now=at) == 0
            idle = time.perf_counter() - idle
            if r:
                runs.append(seconds)
                bares.append(bare)
                idles.append(idle)
                acted.append(n)
    finally:
        _clean()
    run_ms = statistics.median(runs) * 1000
    bare_ms = statistics.median(bares) * 1000
    idle_ms = statistics.median(idles) * 1000
    ratio = round(run_ms / bare_ms, 3) if bare_ms else None
    busy = sum(1 for lot, _a, _p in rows if lot is lots[0])
    return [
        Measure(
            name="injury_signal_sweep",
            label="injury-signal sweep: one run over new incidents",
            value=round(run_ms, 1),
            unit="ms",
            baseline=round(bare_ms, 1),
            baseline_label="bare SQL: the window aggregate of every lot named, one statement",
            ratio=ratio,
            target="≤ 1000 ms at 100 k casualty records in the window",
            met=run_ms <= TARGET_SECONDS * 1000,
            shortfall=short_of(run_ms, TARGET_SECONDS * 1000, at_most=True, what="ms "),
            notes=(
                f"median of {len(runs)} runs (after a warm-up; min–max "
                f"{min(runs) * 1000:.0f}–{max(runs) * 1000:.0f} ms), each evaluating "
                f"{new_per_run} incidents reported in the minute before it (the last run "
                f"{busy} on the busiest lot) with {items:,} casualty records in the 7-day window "
                f"({filled['complaints']:,} injury complaints, {filled['incidents']:,} incidents; "
                f"{BUSY_SHARE:.0%} on one lot, the rest over {LOTS - 1} lots of {PRODUCTS} "
                f"products), every lot with an open signal: each incident counted in its window "
                f"and joined to the signal (evidence row), {statements} "
                f"statements a run. A run with nothing queued: {idle_ms:.2f} ms (one statement). "
                f"Baseline: that statement's aggregates (people hurt on each lot named, in "
                f"its window) sent bare (median {bare_ms:.0f} ms). "
                f"Window filled in {fill_seconds:.0f} s."
            ),
            details={
                "runs_ms": [round(x * 1000, 1) for x in runs],
                "baseline_ms": [round(x * 1000, 1) for x in bares],
                "idle_ms": [round(x * 1000, 2) for x in idles],
                "acted": acted,
                "statements": statements,
                "items": items,
                "new_per_run": new_per_run,
            },
        )
    ]


def run(ctx: Context) -> list[Measure]:
    items = SIZES.get(ctx.size, SIZES["tiny"])
    repetitions = {"tiny": 2}.get(ctx.size, 5)
    return measure(items=items, repetitions=repetitions, seed=ctx.seed)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.signals", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--items", type=int, default=SIZES["full"])
    parser.add_argument("--repetitions", type=int, default=5, help="runs measured (median)")
    parser.add_argument("--new", type=int, default=NEW_PER_RUN, help="incidents per run")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    _setup_django()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        print("bench.signals: needs PostgreSQL (DATABASE_URL)", file=sys.stderr)
        return 2
    call_command("migrate", verbosity=0)
    results = measure(
        items=args.items, repetitions=args.repetitions, seed=args.seed, new_per_run=args.new
    )
    for m in results:
        print(
            f"{m.label}: {m.value} {m.unit} (baseline {m.baseline}, ratio {m.ratio}, "
            f"target {m.target}, met {m.met})\n  {m.notes}"
        )
    print(json.dumps([m.as_json() for m in results], ensure_ascii=False, default=str, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
