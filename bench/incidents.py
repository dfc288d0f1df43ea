"""Incidents at provincial scale: the deadline sweep and the regulator's filtered list.

* sweep: ``open_items`` open incidents, 1 % of them past their pass-up deadline; times
  (a) the indexed query that finds what is due (partial index on open items by ``next_due_at``)
  and (b) the whole sweep acting on them (escalation, timeline row, outbox notification each).
  Target (DESIGN.md): ≤ 200 ms over 100 k open items.
* list: ``list_items`` incidents; p95 of ``GET /api/v1/incidents/`` for a city regulator with
  random filters (status, grade, overdue, region, date range), in process through the Django
  test client (no HTTP server). Target (issue 11 §13): p95 ≤ 50 ms at 1 M incidents.

Run inside the suite (``python -m bench incidents``) or alone on a database of its own:
``python -m bench.incidents --list-items 20000 --open-items 5000``. It replaces every incident
in that database (TRUNCATE): never point it at a database whose incidents matter.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import timedelta
from decimal import Decimal

from bench.common import Context, Measure, short_of, summary_ms

SIZES = {"tiny": (2_000, 10_000), "small": (20_000, 100_000), "full": (100_000, 1_000_000)}
DUE_FRACTION = 0.01
LIST_SAMPLES = 200


def _setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _clear():
    from django.db import connection

    from incidents.models import Incident, IncidentAttachment, IncidentBatch, IncidentTimeline

    tables = [
        m._meta.db_table for m in (IncidentTimeline, IncidentAttachment, IncidentBatch, Incident)
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 -- table names from the models


def _world(rng: random.Random):
    """Regulators of one province (13 cities, 100 counties) and 300 reporting enterprises."""
    from api.choices import OrganizationKind, RegulatorLevel
    from api.models import Organization
    from api.validators import credit_code_check_character

    province = "32"
    counties = [
        f"{province}{city:02d}{county:02d}" for city in range(1, 14) for county in range(1, 9)
    ][:100]
    regulators = {}
    for level, code in [
        (RegulatorLevel.PROVINCE, f"{province}0000"),
        (RegulatorLevel.NATIONAL, "110000"),
    ] + [(RegulatorLevel.CITY, f"{province}{c:02d}00") for c in range(1, 14)]:
        regulators[code], _ = Organization.objects.get_or_create(
            kind=OrganizationKind.REGULATOR,
            level=level,
            region_code=code,
            defaults={"name": f"bench regulator {code}"},
        )
    enterprises = []
    for i in range(300):
        region = counties[i % len(counties)]
        body = f"91{region}MB{i:07d}"
        org, _ = Organization.objects.get_or_create(
            credit_code=body + credit_code_check_character(body),
            defaults={
                "kind": OrganizationKind.ENTERPRISE,
                "name": f"bench enterprise {i}",
                "region_code": region,
            },
        )
        enterprises.append(org)
    return counties, regulators, enterprises


def _generate(*, list_items: int, open_items: int, rng: random.Random, now) -> dict:
    """Bulk-insert ``list_items`` closed/old incidents plus ``open_items`` open ones, 1 % due."""
    from incidents.choices import LEVEL_ORDER, Grade, Level, Status, level_rank
    from incidents.models import Incident

    counties, regulators, enterprises = _world(rng)
    grades = [Grade.IV] * 85 + [Grade.III] * 10 + [Grade.II] * 4 + [Grade.I]
    closed_states = [Status.CLOSED] * 7 + [
        Status.CONCLUDED,
        Status.REJECTED,
        Status.MERGED,
        Status.TRANSFERRED,
    ]
    batch, total = [], list_items + open_items
    due = int(open_items * DUE_FRACTION)
    for i in range(total):
        is_open = i >= list_items
        reporter = enterprises[rng.randrange(len(enterprises))]
        reported = (
            now - timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
            if not is_open
            else now - timedelta(minutes=rng.randrange(60, 600))
        )
        grade = rng.choice(grades)
        level = (
            rng.choice([Level.COUNTY, Level.COUNTY, Level.CITY, Level.PROVINCE])
            if is_open
            else Level.CITY
        )
        k = i - list_items
        next_due = (
            (now - timedelta(seconds=1 + k))
            if is_open and k < due
            else (now + timedelta(minutes=30 + rng.randrange(600)) if is_open else None)
        )
        batch.append(
            Incident(
                title=f"bench incident {i}",
                description="bench",
                reporter=reporter,
                enterprise=reporter,
                region_code=reporter.region_code,
                occurred_at=reported - timedelta(hours=3),
                discovered_at=reported - timedelta(hours=1),
                reported_at=reported,
                report_due_at=reported,
                grade=grade,
                computed_grade=grade,
                required_level=Level.NATIONAL,
                status=rng.choice([Status.REPORTED, Status.ACCEPTED, Status.INVESTIGATING])
                if is_open
                else rng.choice(closed_states),
                level=level,
                level_rank=level_rank(level),
                # passed up level by level: every level up to the one held has reached it
                **{f"reached_{lv.value}": True for lv in LEVEL_ORDER[: level_rank(level) + 1]},
                level_reached_at=reported,
                deaths=0,
                serious_injuries=rng.randrange(5),
                minor_injuries=rng.randrange(20),
                direct_loss=Decimal(rng.randrange(100_000)),
                is_overdue=rng.random() < 0.05,
                escalation_due_at=next_due if is_open else None,
                reminder_due_at=None,
                next_due_at=next_due,
            )
        )
        if len(batch) >= 5_000:
            Incident.objects.bulk_create(batch)
            batch = []
    if batch:
        Incident.objects.bulk_create(batch)
    return {"counties": counties, "regulators": regulators, "due": due}


def _analyze():
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE incidents_incident")


def measure(*, list_items: int, open_items: int, seed: int = 7) -> list[Measure]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from api.models import Membership
    from incidents.models import OPEN_Q, Incident
    from incidents.services import incidents_sweep

    rng = random.Random(seed)
    now = timezone.now()
    _clear()
    start = time.perf_counter()
    world = _generate(list_items=list_items, open_items=open_items, rng=rng, now=now)
    generated_s = time.perf_counter() - start
    _analyze()

    # (a) the indexed query that finds the due items (what the sweep locks), median of 5.
    find_times = []
    for _ in range(5):
        t = time.perf_counter()
        found = list(
            Incident.objects.filter(OPEN_Q, next_due_at__lte=now)
            .order_by("next_due_at", "id")
            .values_list("id", flat=True)
        )
        find_times.append(time.perf_counter() - t)
    plan = ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            sql, params = (
                Incident.objects.filter(OPEN_Q, next_due_at__lte=now)
                .order_by("next_due_at", "id")
                .values("id")
                .query.sql_with_params()
            )
            cursor.execute("EXPLAIN " + sql, params)
            plan = " / ".join(row[0].strip() for row in cursor.fetchall()[:4])
    # (b) the whole sweep, acting on every due item.
    t = time.perf_counter()
    acted = incidents_sweep(now)
    sweep_s = time.perf_counter() - t
    t = time.perf_counter()
    again = incidents_sweep(now)
    second_s = time.perf_counter() - t

    # The regulator's filtered list.
    User = get_user_model()
    city = world["regulators"][f"32{1:02d}00"]
    user, _ = User.objects.get_or_create(username="bench-city-regulator")
    Membership.objects.get_or_create(user=user, defaults={"organization": city})
    client = Client()
    client.force_login(user)
    filters = [
        {"status": "reported"},
        {"grade": "II"},
        {"overdue": "true"},
        {"region": "320101"},
        {"status": ["accepted", "investigating"], "grade": ["III", "IV"]},
        {"reported_after": (now - timedelta(days=30)).isoformat()},
        {},
        {"level": "city", "ordering": "-reported_at"},
    ]
    client.get("/api/v1/incidents/")  # warm
    times, counts = [], []
    for _ in range(LIST_SAMPLES):
        params = rng.choice(filters)
        t = time.perf_counter()
        response = client.get("/api/v1/incidents/", params)
        times.append(time.perf_counter() - t)
        assert response.status_code == 200, response.content[:300]
        counts.append(response.json()["count"])
    s = summary_ms(times)
    f = summary_ms(find_times)
    total = list_items + open_items
    return [
        Measure(
            name="incident_sweep_find",
            label="deadline sweep: find due incidents (indexed query)",
            value=f["p50_ms"],
            unit="ms",
            target="≤ 200 ms over 100 k open items",
            met=f["p50_ms"] <= 200,
            shortfall=short_of(f["p50_ms"], 200, at_most=True, what="ms "),
            notes=(
                f"{open_items:,} open incidents ({world['due']:,} due) among {total:,}; found {len(found):,}; "
                f"median of 5 runs (min–max {min(find_times) * 1000:.1f}–{f['max_ms']} ms). Plan: {plan or 'n/a'}"
            ),
            details={"timing": f, "open_items": open_items, "due": world["due"]},
        ),
        Measure(
            name="incident_sweep_act",
            label="deadline sweep: escalate every due incident",
            value=round(sweep_s * 1000, 1),
            unit="ms",
            target="≤ 200 ms over 100 k open items (1 % due)",
            met=sweep_s <= 0.2,
            shortfall=short_of(sweep_s * 1000, 200, at_most=True, what="ms "),
            notes=(
                f"`incidents.services.incidents_sweep` acted {acted:,} times on {world['due']:,} due incidents "
                f"(lock SKIP LOCKED, escalate, timeline row, outbox row per regulator); a second sweep at the "
                f"same time acted {again} times in {second_s * 1000:.1f} ms. One run: the sweep changes what it "
                f"sweeps, so a repetition would measure another workload. Generation took {generated_s:.0f} s."
            ),
            details={
                "acted": acted,
                "second_sweep_acted": again,
                "second_sweep_ms": round(second_s * 1000, 1),
            },
        ),
        Measure(
            name="incident_list",
            label="regulator's filtered incident list, p95",
            value=s["p95_ms"],
            unit="ms",
            target="≤ 50 ms at 1 M incidents",
            met=s["p95_ms"] <= 50,
            shortfall=short_of(s["p95_ms"], 50, at_most=True, what="p95 ms "),
            notes=(
                f"{LIST_SAMPLES} GET /api/v1/incidents/ by a city regulator with random filters over {total:,} "
                f"incidents, in process (Django test client); p50 {s['p50_ms']} ms, max {s['max_ms']} ms; "
                f"median match count {sorted(counts)[len(counts) // 2]:,}."
            ),
            details={"timing": s, "incidents": total},
        ),
    ]


def run(ctx: Context) -> list[Measure]:
    open_items, list_items = SIZES.get(ctx.size, SIZES["tiny"])
    return measure(list_items=list_items, open_items=open_items, seed=ctx.seed)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.incidents", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--list-items", type=int, default=SIZES["tiny"][1])
    parser.add_argument("--open-items", type=int, default=SIZES["tiny"][0])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    _setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    results = measure(list_items=args.list_items, open_items=args.open_items, seed=args.seed)
    for m in results:
        print(f"{m.label}: {m.value} {m.unit} (target {m.target}, met {m.met})\n  {m.notes}")
    print(json.dumps([m.as_json() for m in results], ensure_ascii=False, default=str, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
