"""``python -m bench [measure …] [--size tiny|small|full]`` — see bench/__init__.py."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import sys
import traceback
from pathlib import Path

from bench import MEASURES
from bench.common import ROOT, SIZES, BenchError, Context, Measure


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "measures",
        nargs="*",
        metavar="MEASURE",
        help=f"which to run ({', '.join(MEASURES)}); all when none given",
    )
    parser.add_argument("--size", choices=list(SIZES), default="small")
    parser.add_argument("--events", type=int, help="data-set size in events (overrides --size's)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL", ""),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL", "")
    )
    parser.add_argument(
        "--regenerate", action="store_true", help="rebuild the data set even if present"
    )
    parser.add_argument(
        "--output",
        default=str(ROOT / "docs"),
        help="directory for BENCHMARKS.md and benchmarks.json (default docs/); a run of some "
        "measures writes BENCHMARKS.partial.md and benchmarks.partial.json there",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the full report in --output even with a partial run or another size",
    )
    parser.add_argument(
        "--compare",
        metavar="FILE",
        help="a previous benchmarks.json: the report says how each row moved against it",
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="gunicorn workers (default: config/gunicorn.py's, one per core)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="gunicorn threads per worker (default: config/gunicorn.py's)",
    )
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="re-render BENCHMARKS.md from benchmarks.json (after a change to the generator)",
    )
    args = parser.parse_args(argv)
    unknown = [m for m in args.measures if m not in MEASURES]
    if unknown:
        parser.error(f"unknown measure {', '.join(unknown)} (choose from {', '.join(MEASURES)})")
    return args


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from bench import common
    from config import gunicorn as served

    compare = json.loads(Path(args.compare).read_text()) if args.compare else None
    compare_name = common.compared_name(args.compare, compare) if compare else ""
    out = Path(args.output)
    if args.render_only:
        common.rerender(
            out / "benchmarks.json",
            out / "BENCHMARKS.md",
            compare=compare,
            compare_name=compare_name,
        )
        return 0
    names = args.measures or list(MEASURES)
    partial = set(names) != set(MEASURES)
    path_json, path_md = common.report_paths(out, partial=partial, overwrite=args.overwrite)
    try:
        if not args.no_write:
            common.check_overwrite(
                path_json,
                size=args.size,
                events=args.events or SIZES[args.size]["events"],
                partial=partial,
                overwrite=args.overwrite,
            )
        common.check_services(args.database_url, args.redis_url) if args.database_url.startswith(
            ("postgres://", "postgresql://")
        ) else None
        common.configure(args.database_url, args.redis_url)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    params = dict(SIZES[args.size])
    events = args.events or params["events"]
    ctx = Context(
        size=args.size,
        events=events,
        seed=args.seed,
        database_url=args.database_url,
        redis_url=args.redis_url,
        params=params,
        rng=random.Random(args.seed),
        gunicorn_workers=args.workers or served.workers,
        gunicorn_threads=args.threads or served.threads,
    )
    ctx.dataset = common.ensure_dataset(
        ctx, regenerate=args.regenerate, progress=not args.no_progress
    )
    results: list[Measure] = []
    failed = []
    load_at_start = os.getloadavg()
    for name in names:
        print(f"\n== {name} ==", flush=True)
        module = importlib.import_module(MEASURES[name])
        try:
            found = module.run(ctx)
        except BenchError as exc:
            print(f"bench {name}: {exc}", file=sys.stderr)
            failed.append(name)
            continue
        except Exception:
            traceback.print_exc()
            failed.append(name)
            continue
        for m in found:
            print(
                f"  {m.label}: {m.value} {m.unit} (baseline {m.baseline}, ratio {m.ratio}, "
                f"target {m.target}, met {m.met})",
                flush=True,
            )
        results.extend(found)
    info = common.machine()
    # Other work on the machine moves every figure: say how busy it was.
    info["load_average"] = {
        "start": [round(x, 2) for x in load_at_start],
        "end": [round(x, 2) for x in os.getloadavg()],
    }
    print()
    print(table(results))
    if failed and not args.overwrite:  # a full run with a failed benchmark is a partial one
        path_json, path_md = common.report_paths(out, partial=True, overwrite=False)
    if not args.no_write:
        common.write_results(
            path_json,
            path_md,
            measures=results,
            ctx=ctx,
            info=info,
            requested=names,
            all_measures=list(MEASURES),
            failed=failed,
            compare=compare,
            compare_name=compare_name,
        )
        print(
            f"\nWritten {path_md} and {path_json}"
            + (" (a partial run)" if partial or failed else "")
        )
    if failed:
        print(f"bench: could not run {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def table(measures: list[Measure]) -> str:
    rows = [("measure", "value", "unit", "baseline", "ratio", "target", "met")]
    for m in measures:
        rows.append(
            (
                m.label,
                _num(m.value),
                m.unit,
                _num(m.baseline),
                _num(m.ratio),
                m.target,
                {True: "yes", False: "NO", None: "-"}[m.met],
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


def _num(value) -> str:
    if value is None:
        return "-"
    return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.0f}"


if __name__ == "__main__":
    sys.exit(main())
