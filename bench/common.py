"""What every benchmark shares: configuration, the data set, timing, results."""

from __future__ import annotations

import json
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent

SIZES = {
    # events in the data set, trace samples, scan seconds, capture documents, max document
    "tiny": dict(
        events=2_000,
        trace_samples=100,
        scan_seconds=3,
        scan_repetitions=2,
        scan_lots=100,
        scan_burst_lots=50,
        scan_miss_lots=30,
        capture_documents=2,
        memory_events=2_000,
        export_samples=10,
    ),
    "small": dict(
        events=50_000,
        trace_samples=1_000,
        scan_seconds=10,
        scan_repetitions=5,
        scan_lots=500,
        scan_burst_lots=1_000,
        scan_miss_lots=200,
        capture_documents=5,
        memory_events=10_000,
        export_samples=30,
    ),
    "full": dict(
        events=1_000_000,
        trace_samples=1_000,
        scan_seconds=20,
        scan_repetitions=5,
        scan_lots=1_000,
        scan_burst_lots=1_000,
        scan_miss_lots=200,
        capture_documents=20,
        memory_events=10_000,
        export_samples=50,
    ),
}


class BenchError(Exception):
    """A benchmark cannot run here (missing service, wrong database…)."""


@dataclass
class Measure:
    name: str
    label: str
    value: float | None
    unit: str
    target: str
    met: bool | None
    baseline: float | None = None
    baseline_label: str = "—"
    ratio: float | None = None
    notes: str = ""
    shortfall: str = ""  # how far from the target, when missed
    details: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return asdict(self)


@dataclass
class Context:
    size: str
    events: int
    seed: int
    database_url: str
    redis_url: str
    params: dict
    rng: random.Random
    dataset: dict = field(default_factory=dict)
    gunicorn_workers: int = 0
    gunicorn_threads: int = 0


def short_of(value: float, limit: float, *, at_most: bool, what: str = "") -> str:
    """A sentence on how far ``value`` misses ``limit`` (empty when it does not)."""
    if at_most and value > limit:
        return f"{what}{value:,.3g} against at most {limit:,.3g}: {value / limit:.1f}× the limit"
    if not at_most and value < limit:
        return (
            f"{what}{value:,.3g} against at least {limit:,.3g}: {value / limit * 100:.0f} % of it"
        )
    return ""


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summary_ms(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "max_ms": round(max(ms), 3),
        "mean_ms": round(statistics.fmean(ms), 3),
    }


def timed(func, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return time.perf_counter() - start, result


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- environment ---------------------------------------------------------------


def configure(database_url: str, redis_url: str) -> None:
    """Point Django at the benchmark services; refuse SQLite and a missing Redis."""
    if not database_url or not database_url.startswith(("postgres://", "postgresql://")):
        raise BenchError(
            "The benchmarks need PostgreSQL: pass --database-url postgres://… or set DATABASE_URL "
            f"(got {database_url or 'nothing, i.e. the embedded SQLite'})."
        )
    if not redis_url or not redis_url.startswith("redis://"):
        raise BenchError("The benchmarks need Redis: pass --redis-url redis://… or set REDIS_URL.")
    os.environ["DATABASE_URL"] = database_url
    os.environ["REDIS_URL"] = redis_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("CACHE_KEY_PREFIX", "bench")
    # A development run: without SECRET_KEY, settings use the generated key in var/.
    os.environ.setdefault("SUYUAN_DEV", "1")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _admin_dsn(database_url: str) -> tuple[str, str]:
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    return urlunsplit(parts._replace(path="/postgres")), name


def check_services(database_url: str, redis_url: str) -> None:
    import psycopg2
    import redis

    admin, name = _admin_dsn(database_url)
    try:
        psycopg2.connect(admin, connect_timeout=5).close()
    except psycopg2.Error as exc:
        raise BenchError(f"PostgreSQL is not reachable at {admin}: {exc}") from exc
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=5).ping()
    except redis.RedisError as exc:
        raise BenchError(f"Redis is not reachable at {redis_url}: {exc}") from exc


def recreate_database(database_url: str) -> None:
    import psycopg2

    admin, name = _admin_dsn(database_url)
    conn = psycopg2.connect(admin)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def database_exists(database_url: str) -> bool:
    import psycopg2

    admin, name = _admin_dsn(database_url)
    conn = psycopg2.connect(admin)
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        found = cursor.fetchone() is not None
    conn.close()
    return found


# --- the data set ----------------------------------------------------------------

_DATASET_TABLE = """
CREATE TABLE IF NOT EXISTS bench_dataset (
    events_requested integer, seed integer, events integer, lots integer, organizations integer,
    seconds double precision, generated_at timestamptz, hub_lot_id bigint
)"""


def read_dataset(database_url: str) -> dict | None:
    import psycopg2

    if not database_exists(database_url):
        return None
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT to_regclass('bench_dataset')")
            if cursor.fetchone()[0] is None:
                return None
            cursor.execute(
                "SELECT events_requested, seed, events, lots, organizations, seconds, "
                "generated_at, hub_lot_id FROM bench_dataset LIMIT 1"
            )
            row = cursor.fetchone()
    finally:
        conn.close()
    if row is None:
        return None
    keys = [
        "events_requested",
        "seed",
        "events",
        "lots",
        "organizations",
        "seconds",
        "generated_at",
        "hub_lot_id",
    ]
    data = dict(zip(keys, row, strict=True))
    data["generated_at"] = data["generated_at"].isoformat()
    return data


def ensure_dataset(ctx: Context, *, regenerate: bool, progress: bool = True) -> dict:
    """Reuse the data set if it was generated with the same size and seed, else rebuild it."""
    existing = None if regenerate else read_dataset(ctx.database_url)
    if existing and existing["events_requested"] == ctx.events and existing["seed"] == ctx.seed:
        print(
            f"Reusing the data set in the benchmark database: {existing['events']} events, "
            f"{existing['lots']} lots.",
            flush=True,
        )
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)  # the code may have moved on
        return existing
    print(
        f"Building the data set: {ctx.events} events, seed {ctx.seed} (fresh database).", flush=True
    )
    from django.db import connections

    connections.close_all()
    recreate_database(ctx.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from trace.demo.datagen import estimate_events, generate

    from tqdm import tqdm

    started = time.perf_counter()
    with tqdm(
        total=estimate_events(ctx.events),
        unit="ev",
        unit_scale=True,
        disable=not progress,
        mininterval=2,
    ) as bar:
        world = generate(size=ctx.events, seed=ctx.seed, progress=bar.update)
    seconds = time.perf_counter() - started
    hub = hub_lot(world)
    lots = len(world.raw_lot_ids) + len(world.finished_lot_ids) + len(world.whey_lots)
    organizations = sum(len(v) for v in world.parties.values())
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute(_DATASET_TABLE)
        cursor.execute(
            "INSERT INTO bench_dataset VALUES (%s, %s, %s, %s, %s, %s, now(), %s)",
            [ctx.events, ctx.seed, world.events, lots, organizations, seconds, hub],
        )
    print(
        f"Generated {world.events} events, {lots} lots in {seconds:.0f} s "
        f"({world.events / seconds:.0f} events/s).",
        flush=True,
    )
    return read_dataset(ctx.database_url)


def hub_lot(world) -> int:
    """The ingredient lot with the most lots made from it (the recall case)."""
    from trace.models import LineageEdge

    from django.db.models import Count

    row = (
        LineageEdge.objects.filter(parent_id__in=[b.pk for b in world.whey_lots])
        .values("parent_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    return row["parent_id"] if row else world.whey_lots[0].pk


def sample_lots(ctx: Context, n: int, *, finished_only: bool = False) -> list[int]:
    """``n`` random lot ids, repeatable for a seed."""
    from trace.models import Batch

    qs = Batch.objects.filter(product__isnull=False)
    if finished_only:
        qs = qs.exclude(lot__startswith="RM").exclude(lot__startswith="WP")
    ids = list(qs.order_by("id").values_list("id", flat=True))
    rng = random.Random(ctx.seed * 7919 + n)
    return rng.sample(ids, min(n, len(ids)))


FAN_OUT = 1_000  # downstream lots that make a lot "wide" for the trace measure
WIDE_LOTS = 4


def wide_lots(n: int = WIDE_LOTS, *, depth: int = 20) -> list[tuple[int, int]]:
    """The ``n`` lots with the most lots made from them (the ingredient lots, each feeding a
    share of all production runs), as (lot id, downstream lots within ``depth``), widest first.
    At the small and full sizes each has well over ``FAN_OUT``; a tiny data set has fewer."""
    from trace.core.selectors import lineage_batch_ids
    from trace.models import LineageEdge

    from django.db.models import Count

    parents = (
        LineageEdge.objects.values("parent_id")
        .annotate(n=Count("id"))
        .order_by("-n", "parent_id")
        .values_list("parent_id", flat=True)[: n * 3]
    )
    sized = [
        (pk, len(lineage_batch_ids(pk, direction="forward", depth=depth)) - 1) for pk in parents
    ]
    return sorted(sized, key=lambda x: (-x[1], x[0]))[:n]


# --- the machine -------------------------------------------------------------------


def machine() -> dict:
    import django
    import redis
    from django.conf import settings
    from django.db import connection

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
        settings_shown = {}
        for name in _PG_SETTINGS:
            cursor.execute(f"SHOW {name}")
            settings_shown[name] = cursor.fetchone()[0]
    redis_version = redis.Redis.from_url(settings.REDIS_URL).info("server").get("redis_version")
    wrk = (
        subprocess.run(["wrk", "--version"], capture_output=True, text=True)
        if _has("wrk")
        else None
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": ram_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": pg,
        "postgresql_settings": settings_shown,
        "redis": redis_version,
        "wrk": (wrk.stdout or wrk.stderr).splitlines()[0] if wrk else None,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


# The server settings that move these figures, reported beside them.
_PG_SETTINGS = [
    "shared_buffers",
    "effective_cache_size",
    "work_mem",
    "random_page_cost",
    "jit",
    "synchronous_commit",
]


def _has(program: str) -> bool:
    from shutil import which

    return which(program) is not None


# --- results ---------------------------------------------------------------------

# The method the figures were measured with, recorded in every report: reports of another
# method (or none, before it was recorded) are not like for like. "fair-1": baselines on the same footing
# (prepared trace baseline, COPY of every table capture writes, capture through the Celery
# worker, documents with the hard cases, medians and spreads of repeated runs).
METHOD = "fair-1"


class ReportExists(BenchError):
    pass


def report_paths(out: Path, *, partial: bool, overwrite: bool) -> tuple[Path, Path]:
    """Where a run writes: a run of some measures only writes ``*.partial.*`` beside the full
    report unless ``overwrite``."""
    if partial and not overwrite:
        return out / "benchmarks.partial.json", out / "BENCHMARKS.partial.md"
    return out / "benchmarks.json", out / "BENCHMARKS.md"


def check_overwrite(
    path_json: Path, *, size: str, events: int, partial: bool, overwrite: bool
) -> None:
    """Refuse, before measuring, to replace a full report with a different run unless asked."""
    if overwrite or not path_json.exists():
        return
    try:
        old = json.loads(path_json.read_text())
    except ValueError:
        return
    old_events = old.get("dataset", {}).get("events_requested")
    if old.get("partial"):
        return
    if partial or old.get("size") != size or old_events != events:
        what = "a run of some measures" if partial else f"a --size {size} run ({events:,} events)"
        raise ReportExists(
            f"{path_json} holds a full --size {old.get('size')} run ({old_events:,} events); {what} would "
            "replace it. Write elsewhere (--output DIR) or pass --overwrite."
        )


def compared_name(path: str, doc: dict) -> str:
    """How a report names the report it is compared with: its path in the repository, or, for
    a file outside it (a copy in /tmp), its file name and its run's date: the committed report
    never names a path of the machine it was written on."""
    resolved = Path(path).resolve()
    root = README.parent
    if resolved.is_relative_to(root):
        return str(resolved.relative_to(root))
    date = (doc.get("machine") or {}).get("date", "")[:10]
    return f"{resolved.name}, the run of {date}" if date else resolved.name


def rerender(
    path_json: Path, path_md: Path, *, compare: dict | None = None, compare_name: str = ""
) -> None:
    doc = json.loads(path_json.read_text())
    path_md.write_text(
        render_markdown(doc, compare=compare, compare_name=compare_name, here=path_md.parent)
    )
    _readme_follows(path_json, doc)


README = Path(__file__).resolve().parents[1] / "README.md"
CURRENT = README.parent / "docs" / "benchmarks.json"


def _readme_follows(path_json: Path, doc: dict) -> None:
    """The README quotes the current full report (docs/benchmarks.json) and no other."""
    if path_json.resolve() == CURRENT and not doc.get("partial"):
        update_readme(README, doc)


def write_results(
    path_json: Path,
    path_md: Path,
    *,
    measures: list[Measure],
    ctx: Context,
    info: dict,
    requested: list[str],
    all_measures: list[str],
    failed: list[str],
    compare: dict | None = None,
    compare_name: str = "",
) -> None:
    ran = [m.name for m in measures]
    order = [name for name in _ORDER if name in ran] + [n for n in ran if n not in _ORDER]
    by_name = {m.name: m.as_json() for m in measures}
    doc = {
        "method": METHOD,
        "size": ctx.size,
        "partial": set(requested) != set(all_measures) or bool(failed),
        "benchmarks_run": [b for b in requested if b not in failed],
        "benchmarks_not_run": [b for b in all_measures if b not in requested],
        "benchmarks_failed": failed,
        "compared_with": compare_name or None,
        "machine": info,
        "dataset": ctx.dataset,
        "server": {
            "gunicorn_workers": ctx.gunicorn_workers,
            "gunicorn_threads": ctx.gunicorn_threads,
        },
        "measures": [by_name[name] for name in order],
    }
    path_json.parent.mkdir(parents=True, exist_ok=True)
    path_json.write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n")
    path_md.write_text(
        render_markdown(doc, compare=compare, compare_name=compare_name, here=path_md.parent)
    )
    _readme_follows(path_json, doc)


_ORDER = [
    "capture_throughput",
    "trace_latency_p95",
    "trace_graph_p95",
    "scan_throughput",
    "scan_p99",
    "scan_errors",
    "downstream_holders",
    "capture_peak_rss",
    "trace_export_xlsx",
]

# Which way is better, by unit.
_HIGHER_IS_BETTER = ("events/s", "requests/s")

_CLAUSE = re.compile(r"([≤≥])\s*([\d.,]+)\s*(%|×)?\s*(?:of\s+)?(baseline)?")


def limits(target: str) -> list[tuple[str, bool, float]]:
    """The target's limits as (``value`` or ``ratio``, at most?, limit): "≤ 2× baseline and ≤ 15 ms"
    → [("ratio", True, 2.0), ("value", True, 15.0)]. Conditions after "with", "over", "at" are
    the setting, not a limit; "0" is at most 0."""
    head = re.split(r"\s(?:with|over|at)\s", target)[0].strip()
    if re.fullmatch(r"[\d.]+", head):
        return [("value", True, float(head))]
    found = []
    for clause in head.split(" and "):
        match = _CLAUSE.search(clause)
        if not match:
            continue
        sign, number, scale, baseline = match.groups()
        limit = float(number.replace(",", ""))
        if scale == "%":
            limit /= 100
        found.append(("ratio" if baseline else "value", sign == "≤", limit))
    return found


def margin(measure: dict) -> str:
    """How far inside (or outside) each of its limits a measure came, as a sentence part."""
    parts = []
    for what, at_most, limit in limits(measure.get("target") or ""):
        got = measure.get(what)
        if got is None:
            continue
        if limit == 0:
            parts.append(f"{_fmt(got)} against 0")
            continue
        share = got / limit
        inside = share <= 1 if at_most else share >= 1
        off = abs(1 - share) * 100
        name = "ratio" if what == "ratio" else "value"
        bound = f"{'at most' if at_most else 'at least'} {_fmt(limit, 3)}"
        if inside:
            parts.append(
                f"{name} {_fmt(got, 3)}, {off:.0f} % {'below' if at_most else 'above'} {bound}"
            )
        else:
            parts.append(f"{name} {_fmt(got, 3)} misses {bound} by {off:.0f} %")
    return "; ".join(parts)


def _change(new: float | None, old: float | None) -> str:
    if new is None or old is None:
        return "—"
    if old == 0:
        return "±0" if new == 0 else "new"
    return f"{(new - old) / abs(old) * 100:+.0f} %"


def _better(unit: str, new: float | None, old: float | None) -> str:
    if new is None or old is None or new == old:
        return "same" if new == old and new is not None else "—"
    higher = unit in _HIGHER_IS_BETTER
    return "better" if (new > old) == higher else "worse"


def comparison(doc: dict, old: dict, name: str) -> list[str]:
    """The table of how each row moved against a previous report, with what makes them unlike."""
    lines = ["", f"## Against the previous run (`{name}`)", ""]
    od, nd = old.get("dataset", {}), doc.get("dataset", {})
    om = old.get("machine", {})
    unlike = []
    if old.get("size") != doc.get("size") or od.get("events") != nd.get("events"):
        unlike.append(
            f"the previous run was `--size {old.get('size')}` on {_fmt(od.get('events'))} events, "
            f"this one `--size {doc.get('size')}` on {_fmt(nd.get('events'))}: figures that depend "
            "on the data set's size are not like for like"
        )
    nm = doc.get("machine", {})
    if om.get("cpu") and (om.get("cpu"), om.get("cores")) != (nm.get("cpu"), nm.get("cores")):
        unlike.append(
            f"the previous run was on another machine ({om.get('cpu')}, {om.get('cores')} cores; "
            f"this one {nm.get('cpu')}, {nm.get('cores')} cores): the absolute figures moved with "
            "the machine, the ratios to their baselines are what compares"
        )
    if old.get("method") != doc.get("method"):
        unlike.append(
            f"the previous run's method was `{old.get('method') or 'unrecorded (before fair-1)'}`, "
            f"this one's `{doc.get('method')}`: baselines and summaries differ (see the notes), so "
            "ratios moved for that reason too"
        )
    if om.get("date"):
        lines.append(f"The previous run is of {om.get('date')}.")
    if unlike:
        lines += ["", "Not like for like: " + "; ".join(unlike) + ".", ""]
    lines += [
        "| measure | previous | now | change | previous ratio | ratio now | met before → now |",
        "|---|---:|---:|---:|---:|---:|:---:|",
    ]
    previous = {m["name"]: m for m in old.get("measures", [])}
    yes = {True: "yes", False: "no", None: "—"}
    for x in doc["measures"]:
        p = previous.get(x["name"])
        if p is None:
            lines.append(
                f"| {x['label']} | (not measured) | {_fmt(x['value'])} | — | — | {_fmt(x['ratio'], 3)} | "
                f"— → {yes[x['met']]} |"
            )
            continue
        lines.append(
            f"| {x['label']} | {_fmt(p['value'])} | {_fmt(x['value'])} {x['unit']} | "
            f"{_change(x['value'], p['value'])} ({_better(x['unit'], x['value'], p['value'])}) | "
            f"{_fmt(p.get('ratio'), 3)} | {_fmt(x['ratio'], 3)} | {yes[p['met']]} → {yes[x['met']]} |"
        )
    gone = [
        p["label"] for n, p in previous.items() if n not in {x["name"] for x in doc["measures"]}
    ]
    if gone:
        lines += ["", "In the previous run, not in this one: " + ", ".join(gone) + "."]
    return lines


def summary(doc: dict) -> list[str]:
    """Computed statements on this run's rows: how many met their targets and by how much."""
    rows = doc["measures"]
    met = [x for x in rows if x["met"] is True]
    missed = [x for x in rows if x["met"] is False]
    lines = [
        "",
        "## Summary (computed from the rows above)",
        "",
        f"{len(met)} of {len(met) + len(missed)} rows with a target met it"
        + (f"; {len(missed)} missed" if missed else "")
        + (
            f"; {len(rows) - len(met) - len(missed)} only reported."
            if len(rows) > len(met) + len(missed)
            else "."
        ),
    ]
    for x in missed:
        lines.append(
            f"- Missed: **{x['label']}**: {x.get('shortfall') or margin(x) or 'see the notes'}."
        )
    for x in met:
        how = margin(x)
        if how:
            lines.append(f"- Met: {x['label']}: {how}.")
    return lines


def _others(here: Path | None, doc: dict) -> list[str]:
    """Other reports beside this one (``docs/bench-*/``), named with their date and size."""
    if here is None:
        return []
    mine = doc.get("machine", {}).get("date") or ""
    found = []
    for path in sorted(here.glob("bench-*/benchmarks*.json")):
        try:
            other = json.loads(path.read_text())
        except ValueError:
            continue
        date = other.get("machine", {}).get("date") or ""
        newer = "newer than this one" if date > mine else "older than this one"
        found.append(
            f"- `{path.relative_to(here).parent}/{'BENCHMARKS.md' if path.name == 'benchmarks.json' else 'BENCHMARKS.partial.md'}`: "
            f"`--size {other.get('size')}`, method `{other.get('method') or 'unrecorded'}`, "
            f"{date} ({newer}){', partial' if other.get('partial') else ''}."
        )
    return ["", "## Other reports", "", *found] if found else []


def _fmt(value, digits=2) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def render_markdown(
    doc: dict, *, compare: dict | None = None, compare_name: str = "", here: Path | None = None
) -> str:
    m = doc["machine"]
    d = doc["dataset"]
    lines = [
        "# Benchmarks" + (" (partial run)" if doc.get("partial") else ""),
        "",
        "Generated by `python -m bench` (`make bench`); do not edit by hand. Every figure was "
        "measured in the run described here, with its baseline measured in the same run on the "
        "same machine, so the ratios — not the absolute numbers — are what carries over to "
        "other machines.",
        "",
    ]
    if doc.get("method") != METHOD:
        lines += [
            f"**This run predates the current method (`{METHOD}`)**: its method is "
            f"`{doc.get('method') or 'unrecorded'}`. In it the trace baseline sent the walk as text while "
            "the application prepares it; the capture baseline copied neither custody nor the chain head "
            "nor the capture job; capture ran with its job inline in the web process, not through the "
            "Celery worker; the documents carried every eventID and no URN identifiers; the memory measure "
            "skipped the parser's validation; capture and its baseline were a single run and the best of "
            "3. Its rows are not like for like with a run of the current method.",
            "",
        ]
    if doc.get("partial"):
        lines += [
            f"**A partial run**: it has the benchmarks {', '.join(f'`{b}`' for b in doc.get('benchmarks_run', []))}"
            + (
                f"; not run: {', '.join(f'`{b}`' for b in doc['benchmarks_not_run'])}"
                if doc.get("benchmarks_not_run")
                else ""
            )
            + (
                f"; failed: {', '.join(f'`{b}`' for b in doc['benchmarks_failed'])}"
                if doc.get("benchmarks_failed")
                else ""
            )
            + ".",
            "",
        ]
    lines += [
        "## Results",
        "",
        "| measure | value | unit | baseline | baseline value | ratio | target | met |",
        "|---|---:|---|---|---:|---:|---|:---:|",
    ]
    for x in doc["measures"]:
        met = {True: "yes", False: "**no**", None: "—"}[x["met"]]
        lines.append(
            f"| {x['label']} | {_fmt(x['value'])} | {x['unit']} | {x['baseline_label']} | "
            f"{_fmt(x['baseline'])} | {_fmt(x['ratio'], 3)} | {x['target']} | {met} |"
        )
    lines += summary(doc)
    if compare is not None:
        lines += comparison(doc, compare, compare_name or "previous benchmarks.json")
    lines += ["", "## Notes per measure", ""]
    for x in doc["measures"]:
        if x["notes"]:
            lines.append(f"- **{x['label']}**: {x['notes']}")
    lines += _others(here, doc)
    lines += [
        "",
        "## Machine",
        "",
        f"- CPU: {m.get('cpu')}, {m.get('cores')} cores; RAM {m.get('ram_gb')} GB; {m.get('os')}",
        f"- PostgreSQL {m.get('postgresql')}, Redis {m.get('redis')}, Python {m.get('python')}, "
        f"Django {m.get('django')}; load generator: {m.get('wrk') or 'n/a'}",
        *(
            [
                "- PostgreSQL settings: "
                + ", ".join(f"`{k} = {v}`" for k, v in m["postgresql_settings"].items())
            ]
            if m.get("postgresql_settings")
            else []
        ),
        f"- Date (UTC): {m.get('date')}",
        *(
            [
                f"- Load average (1, 5, 15 min) on {m.get('cores')} cores: "
                f"{', '.join(map(str, m['load_average']['start']))} at the start, "
                f"{', '.join(map(str, m['load_average']['end']))} at the end"
            ]
            if m.get("load_average")
            else []
        ),
        f"- gunicorn for the scan measures: {doc['server']['gunicorn_workers']} workers × "
        f"{doc['server']['gunicorn_threads']} threads (gthread), the same for the bare WSGI baseline",
        "",
        "## Data set",
        "",
        f"- Size setting `{doc['size']}`: `gen_supply_chain --size {d.get('events_requested')} "
        f"--seed {d.get('seed')}` → {_fmt(d.get('events'))} events, {_fmt(d.get('lots'))} lots, "
        f"{_fmt(d.get('organizations'))} enterprises.",
        f"- Generated through the capture service in {_fmt(d.get('seconds'))} s "
        f"({_fmt((d.get('events') or 0) / (d.get('seconds') or 1))} events/s) on "
        f"{d.get('generated_at')}.",
        "",
        "Raw figures with percentiles and sample sizes: `benchmarks.json` beside this file"
        + (" (`benchmarks.partial.json` for a partial run)." if doc.get("partial") else "."),
        "",
    ]
    return "\n".join(lines)


README_START = "<!-- bench:readme:start (generated by `python -m bench --render-only`) -->"
README_END = "<!-- bench:readme:end -->"


def readme_block(doc: dict) -> str:
    """The README's benchmark figures, made from ``benchmarks.json`` (never written by hand):
    every row with its value, baseline ratio and target, and how many were met."""
    rows = doc["measures"]
    judged = [r for r in rows if r.get("met") is not None]
    met = [r for r in judged if r["met"]]
    m, d = doc["machine"], doc["dataset"]
    lines = [
        README_START,
        f"The current report ([docs/BENCHMARKS.md](docs/BENCHMARKS.md), from "
        f"`docs/benchmarks.json`): `--size {doc['size']}`, {d.get('events', 0):,} events, "
        f"method `{doc.get('method')}`, {m.get('date', '')[:10]}, {m.get('cores')} cores; "
        f"**{len(met)} of {len(judged)} targets met**"
        + (" (partial run)" if doc.get("partial") else "")
        + ".",
        "",
        "| Measure | Value | Baseline ratio | Target | Met |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        ratio = "—" if r.get("ratio") is None else f"{r['ratio']:.3g}×"
        verdict = {True: "yes", False: "**no**", None: "reported"}[r.get("met")]
        lines.append(
            f"| {r['label']} | {_fmt(r['value'])} {r['unit']} | {ratio} | {r['target']} "
            f"| {verdict} |"
        )
    lines.append(README_END)
    return "\n".join(lines)


def update_readme(readme: Path, doc: dict) -> bool:
    """Put ``readme_block(doc)`` between the README's markers; True when it changed."""
    text = readme.read_text(encoding="utf-8")
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        raise BenchError(f"{readme} has no benchmark markers ({README_START!r} … {README_END!r})")
    new = text[:start] + readme_block(doc) + text[end + len(README_END) :]
    if new != text:
        readme.write_text(new, encoding="utf-8")
    return new != text
