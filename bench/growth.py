"""Growth: the same measures on a data set and on one K× its size, side by side.

``python -m bench.growth --small postgresql://…/suyuan_bench --large postgresql://…/suyuan_bench10``

runs, for each group of measures, the small data set and then the large one in the same
run (capture, trace and holders through ``python -m bench`` — each measure module's
``run(ctx)`` — and the incidents sweep and list through ``python -m bench.incidents``
with its incidents scaled as the data sets are), each in a process of its own (its own
Django connection, its own cache key prefix), and writes ``docs/GROWTH.md`` and
``docs/growth.json``. Never ``recall`` (it recalls lots for good); never BENCHMARKS.md.

Each data set's ``bench_dataset`` row gives the ``--events``/``--seed`` the benchmark is
run with, so neither is ever regenerated. Per row: the value at each size, the growth of
its cost (value ratio; for a throughput, the inverse), the growth ``log N_large / log
N_small`` that a cost of O(log n) would allow, and the verdict. Rows whose result does not
grow with the data set (a grown set's clones are independent chains: a lot's trace and
the hub lot's holders are the same size in both) measure what the size of everything else
costs them; the incident rows' N is the number of incidents.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import ROOT, read_dataset
from bench.incidents import SIZES as INCIDENT_SIZES

GROUPS = ["capture", "trace", "holders", "incidents"]
# Measures whose value is a rate (more is better): their cost is the inverse.
_RATES = ("events/s", "requests/s")
# Allowed on top of the log-n growth before a row "grows faster": the runs are minutes
# apart on a shared machine (see the notes of docs/BENCHMARKS.md on noise).
TOLERANCE = 0.10


def _env(url: str, redis_url: str, prefix: str) -> dict:
    return {
        **os.environ,
        "BENCH_DATABASE_URL": url,
        "BENCH_REDIS_URL": redis_url,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": prefix,  # the two data sets share lot ids: never one cache
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SUYUAN_DEV": os.environ.get("SUYUAN_DEV", "1"),
        "PYTHONPATH": str(ROOT),
    }


def run_bench(side: dict, groups: list[str], redis_url: str, size: str = "full") -> list[dict]:
    """``python -m bench GROUPS`` on one data set; its measures as JSON rows."""
    with tempfile.TemporaryDirectory(prefix="growth-") as out:
        command = [
            sys.executable,
            "-m",
            "bench",
            *groups,
            "--size",
            size,
            "--events",
            str(side["dataset"]["events_requested"]),
            "--seed",
            str(side["dataset"]["seed"]),
            "--database-url",
            side["url"],
            "--redis-url",
            redis_url,
            "--output",
            out,
            "--no-progress",
        ]
        _run(command, side, redis_url)
        path = Path(out) / "benchmarks.partial.json"
        if not path.exists():
            path = Path(out) / "benchmarks.json"
        return json.loads(path.read_text())["measures"] if path.exists() else []


def run_incidents(side: dict, redis_url: str, open_items: int, list_items: int) -> list[dict]:
    command = [
        sys.executable,
        "-m",
        "bench.incidents",
        "--open-items",
        str(open_items),
        "--list-items",
        str(list_items),
        "--seed",
        str(side["dataset"]["seed"]),
    ]
    stdout = _run(command, side, redis_url)
    start = stdout.rfind("\n[\n")
    return json.loads(stdout[start:]) if start >= 0 else []


def _run(command: list[str], side: dict, redis_url: str) -> str:
    print(f"\n== {side['name']}: {' '.join(command[2:4])} …", flush=True)
    started = time.perf_counter()
    done = subprocess.run(
        command,
        env=_env(side["url"], redis_url, f"growth-{side['name']}"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    print(done.stdout[-3000:], flush=True)
    print(f"   ({time.perf_counter() - started:.0f} s, exit {done.returncode})", flush=True)
    side.setdefault("failed", []).extend([" ".join(command[2:4])] if done.returncode else [])
    return done.stdout


def _cost(row: dict) -> float | None:
    value = row.get("value")
    if value is None:
        return None
    if row.get("unit") in _RATES:
        return 1 / value if value else None
    return value


def compare(small: dict, large: dict) -> list[dict]:
    """One row per measure found at both sizes."""
    rows = []
    by_name = {m["name"]: m for m in large["measures"]}
    for a in small["measures"]:
        b = by_name.get(a["name"])
        if b is None:
            continue
        incident = a["name"].startswith("incident")
        n_small = small["incidents"] if incident else small["dataset"]["events"]
        n_large = large["incidents"] if incident else large["dataset"]["events"]
        ca, cb = _cost(a), _cost(b)
        growth = cb / ca if ca and cb is not None else None
        ra, rb = _result(a, small), _result(b, large)
        result = rb / ra if ra and rb else None
        judged = growth / result if growth is not None and result else growth
        allowed = math.log(n_large) / math.log(n_small) if n_small > 1 else None
        base = (
            b["baseline"] / a["baseline"]
            if a.get("baseline") and b.get("baseline") is not None
            else None
        )
        if a.get("unit") in _RATES and base:
            base = 1 / base
        verdict = "—"
        if judged is not None and allowed is not None:
            verdict = "≤ log n" if judged <= allowed * (1 + TOLERANCE) else "grows faster"
        rows.append(
            {
                "name": a["name"],
                "label": a["label"],
                "unit": a["unit"],
                "small": a["value"],
                "large": b["value"],
                "n_small": n_small,
                "n_large": n_large,
                "cost_growth": round(growth, 3) if growth is not None else None,
                "result_growth": round(result, 3) if result is not None else None,
                "cost_growth_per_result": round(judged, 3) if judged is not None else None,
                "log_n_growth": round(allowed, 3) if allowed is not None else None,
                "baseline_growth": round(base, 3) if base is not None else None,
                "verdict": verdict,
                "details_small": _brief(a),
                "details_large": _brief(b),
            }
        )
    return rows


def _result(measure: dict, side: dict) -> float | None:
    """How much work the row's result is, where it grows with the data set by design: the
    sweep acts on 1 % of the open incidents (``bench.incidents.DUE_FRACTION``)."""
    if measure["name"].startswith("incident_sweep"):
        for m in side["measures"]:
            if m["name"] == "incident_sweep_find":
                return (m.get("details") or {}).get("due")
    return None


def _brief(measure: dict) -> dict:
    """What says how big the measured result was (so the reader can tell N from the result)."""
    d = measure.get("details") or {}
    keep = ("downstream_lots", "holdings", "lots_per_trace_p50", "lots_per_trace_max")
    return {k: d[k] for k in keep if k in d}


def _fmt(x) -> str:
    if x is None:
        return "—"
    if isinstance(x, int):
        return f"{x:,}"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def render(doc: dict) -> str:
    s, g = doc["small"], doc["large"]
    lines = [
        "# Growth",
        "",
        "Generated by `python -m bench.growth`; do not edit by hand. The same measures on two "
        "data sets in one run, each size run right after the other per measure group: "
        f"**{s['dataset']['events']:,}** events (`{s['database']}`) and "
        f"**{g['dataset']['events']:,}** events (`{g['database']}`"
        + (
            f", grown ×{g['dataset'].get('grown_factor')} from a generated set by "
            "`python -m bench.scaleup`: independent copies of the chain, so a lot's trace and "
            "the hub lot's holders have the same size in both"
            if g["dataset"].get("grown_factor")
            else ""
        )
        + (
            f"). Incidents: {s['incidents']:,} and {g['incidents']:,}."
            if "incidents" in doc.get("measures", GROUPS)
            else "). The incident sweep and list were not run."
        ),
        "",
        *(
            [
                "In a grown set each clone has its own enterprises, sites, products, lots, "
                "events (new event IDs), links, lineage, identifier rows, custody and chain "
                "heads, with valid GS1 check digits; its events' stored EPCIS `document` is the "
                "original's (it names the original's lots and event ID, so the copied hash "
                "chain still verifies). Regulators, scans, capture jobs and recalls are not "
                "cloned.",
                "",
            ]
            if g["dataset"].get("grown_factor")
            else []
        ),
        "Cost growth is large ÷ small (for a throughput, small ÷ large). A cost of O(log n) may "
        "grow by log N_large ÷ log N_small; a row within that (plus "
        f"{TOLERANCE:.0%} for noise) reads **≤ log n**, else **grows faster**. Where the work "
        "itself grows with the data set by design (the sweep escalates 1 % of the open "
        "incidents: the result column), the cost per item of it is what is judged. The "
        "baseline column is the growth of the row's own baseline (the bare SQL, COPY…) in the "
        "same run.",
        "",
        "| measure | unit | small | large | cost growth | result growth | log n allows | "
        "baseline growth | verdict |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in doc["rows"]:
        verdict = f"**{r['verdict']}**" if r["verdict"] == "grows faster" else r["verdict"]
        lines.append(
            f"| {r['label']} | {r['unit']} | {_fmt(r['small'])} | {_fmt(r['large'])} | "
            f"{_fmt(r['cost_growth'])}× | "
            f"{_fmt(r.get('result_growth'))}{'×' if r.get('result_growth') else ''} | "
            f"{_fmt(r['log_n_growth'])}× | "
            f"{_fmt(r['baseline_growth'])}{'×' if r['baseline_growth'] is not None else ''} | "
            f"{verdict} |"
        )
    faster = [r for r in doc["rows"] if r["verdict"] == "grows faster"]
    lines += [
        "",
        f"{len(doc['rows']) - len(faster)} of {len(doc['rows'])} rows within log n"
        + ("; grows faster: " + ", ".join(r["label"] for r in faster) + "." if faster else "."),
    ]
    sized = [r for r in doc["rows"] if r["details_small"]]
    if sized:
        lines += ["", "Result sizes (small → large):", ""]
        for r in sized:
            parts = [
                f"{k} {_fmt(r['details_small'][k])} → {_fmt(r['details_large'].get(k))}"
                for k in r["details_small"]
            ]
            lines.append(f"- {r['label']}: {', '.join(parts)}")
    if doc.get("failed"):
        lines += ["", f"Failed: {', '.join(doc['failed'])}."]
    lines += [
        "",
        f"Run on {doc['date']}; {doc['seconds']:.0f} s in all. Raw rows: `growth.json` beside "
        "this file; the measures' own notes: their rows in a `python -m bench` report.",
        "",
    ]
    return "\n".join(lines)


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.growth", description=__doc__)
    parser.add_argument("--small", required=True, help="database URL of the smaller data set")
    parser.add_argument("--large", required=True, help="database URL of the larger data set")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL", ""),
    )
    parser.add_argument(
        "--measures",
        nargs="*",
        default=GROUPS,
        choices=GROUPS,
        help="groups to run (default all; never recall)",
    )
    parser.add_argument(
        "--size",
        choices=list(INCIDENT_SIZES),
        default="full",
        help="the benchmarks' sample sizes (trace lots, capture documents…) for both sets",
    )
    parser.add_argument(
        "--incidents-small",
        help="open,list incidents on the small set (default: bench.incidents' for --size)",
    )
    parser.add_argument(
        "--incident-factor",
        type=float,
        help="the large set's incidents × this (default: the events' ratio)",
    )
    parser.add_argument(
        "--generate-incidents",
        action="store_true",
        help=f"generate more than {GENERATE_LIMIT:,} incidents if a set lacks them (slow)",
    )
    parser.add_argument("--output", default=str(ROOT / "docs"))
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    sides = []
    for name, url in (("small", args.small), ("large", args.large)):
        dataset = read_dataset(url)
        if dataset is None:
            print(f"bench.growth: no benchmark data set in {url}", file=sys.stderr)
            return 2
        dataset.update(_grown(url))
        sides.append({"name": name, "url": url, "dataset": dataset, "measures": []})
    small, large = sides
    if large["dataset"]["events"] <= small["dataset"]["events"]:
        print("bench.growth: --large holds no more events than --small", file=sys.stderr)
        return 2
    open_s, list_s = (
        (int(x) for x in args.incidents_small.split(","))
        if args.incidents_small
        else INCIDENT_SIZES[args.size]
    )
    factor = args.incident_factor or large["dataset"]["events"] / small["dataset"]["events"]
    factor = round(factor) if abs(factor - round(factor)) < 0.05 else factor
    incidents = {
        "small": (open_s, list_s),
        "large": (int(open_s * factor), int(list_s * factor)),
    }
    started = time.perf_counter()
    bench_groups = [g for g in args.measures if g != "incidents"]
    for group in bench_groups:  # one group at a time, small then large: alike conditions
        for side in sides:
            side["measures"] += run_bench(side, [group], args.redis_url, args.size)
    for side in sides:
        side["incidents"] = sum(incidents[side["name"]])
    if "incidents" in args.measures:
        missing = [
            s["name"]
            for s in sides
            if s["incidents"] > GENERATE_LIMIT
            and not incidents_ready(s["url"], *incidents[s["name"]], s["dataset"]["seed"])
        ]
        if missing and not args.generate_incidents:
            print(
                f"bench.growth: the {' and '.join(missing)} set has not its "
                f"{', '.join(str(sides[0 if m == 'small' else 1]['incidents']) for m in missing)} "
                "bench incidents; generating them one by one takes ~9 minutes per million. Grow "
                "them with `python -m bench.scaleup --incidents` (from a set that has the small "
                "size's), pass --generate-incidents, or leave out the incidents.",
                file=sys.stderr,
            )
            return 2
        for side in sides:
            side["measures"] += run_incidents(side, args.redis_url, *incidents[side["name"]])
    doc = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": time.perf_counter() - started,
        "tolerance": TOLERANCE,
        "measures": list(args.measures),
        "small": _side(small),
        "large": _side(large),
        "rows": compare(small, large),
        "failed": [f"{s['name']}: {f}" for s in sides for f in s.get("failed", [])],
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
    }
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    (out / "growth.json").write_text(
        json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n"
    )
    (out / "GROWTH.md").write_text(render(doc))
    print("\n" + render(doc))
    print(f"Written {out / 'GROWTH.md'} and {out / 'growth.json'}")
    return 1 if doc["failed"] else 0


GENERATE_LIMIT = 2_000_000  # more incidents than this are grown by the scale-up, not generated


def incidents_ready(url: str, open_items: int, list_items: int, seed: int) -> bool:
    """Whether ``bench.incidents`` will reuse the incidents in ``url`` (its marker's rule)."""
    import psycopg2

    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT to_regclass('bench_incidents')")
            if cursor.fetchone()[0] is None:
                return False
            cursor.execute("SELECT list_items, open_items, seed FROM bench_incidents")
            if cursor.fetchone() != (list_items, open_items, seed):
                return False
            cursor.execute("SELECT count(*) FROM incidents_incident")
            return cursor.fetchone()[0] == list_items + open_items
    finally:
        conn.close()


def _side(side: dict) -> dict:
    return {
        "database": side["url"].rsplit("/", 1)[-1],
        "dataset": side["dataset"],
        "incidents": side["incidents"],
        "measures": side["measures"],
    }


def _grown(url: str) -> dict:
    """The scale-up's marks on ``bench_dataset`` (none on a generated set)."""
    import psycopg2

    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = "
                "'bench_dataset' AND column_name = 'grown_factor'"
            )
            if not cursor.fetchone():
                return {}
            cursor.execute("SELECT grown_factor, grown_from_events FROM bench_dataset")
            row = cursor.fetchone()
    finally:
        conn.close()
    return {"grown_factor": row[0], "grown_from_events": row[1]} if row else {}


if __name__ == "__main__":
    sys.exit(main())
