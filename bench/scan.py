"""Public scan: the Digital Link resolver page for random lots, 32 concurrent
clients, under gunicorn — against a bare WSGI app returning a constant under
the same gunicorn settings. Load comes from ``wrk`` in its own process, over
loopback only."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.common import (
    ROOT,
    BenchError,
    Context,
    Measure,
    free_port,
    sample_lots,
    short_of,
    summary_ms,
)

CLIENTS = 32
WRK_THREADS = 2
PHONE = {
    "Accept-Language": "zh-CN,zh;q=0.9",
    "User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50",
}
MISS_ROUNDS = 3  # rounds of the cache-miss and burst measures (each renders every page again)
ANNOUNCE_S = 0.3
LUA = Path(__file__).with_name("wrk_paths.lua")


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        print("  installing wrk with apt-get…", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False, capture_output=True)
        found = shutil.which("wrk")
    if not found:
        raise BenchError("the scan benchmark needs wrk (Debian: apt-get install wrk)")
    return found


class Gunicorn:
    """A gunicorn on 127.0.0.1 with a free port, stopped on exit."""

    def __init__(
        self,
        app: str,
        ctx: Context,
        extra_env: dict[str, str] | None = None,
        workers: int | None = None,
    ):
        self.port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": ctx.database_url,
            "REDIS_URL": ctx.redis_url,
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
            **(extra_env or {}),
        }
        # The deployed settings (config/gunicorn.py), on a free loopback port, without an access log.
        env["GUNICORN_ACCESS_LOG"] = ""
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                app,
                "--config",
                str(ROOT / "config" / "gunicorn.py"),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers or ctx.gunicorn_workers),
                "--threads",
                str(ctx.gunicorn_threads),
                "--log-level",
                "warning",
                "--chdir",
                str(ROOT),
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait(self, path: str) -> bytes:
        deadline = time.monotonic() + 180  # a loaded machine starts gunicorn slowly
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited: {self.process.stderr.read().decode()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url(path), timeout=30) as response:
                    return response.read()
            except urllib.error.HTTPError as exc:
                raise BenchError(f"{path} answered {exc.code}: {exc.read()[:500]!r}") from exc
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise BenchError("gunicorn did not answer within 180 s")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def wrk(binary: str, url: str, paths_file: str, seconds: int) -> dict:
    result = subprocess.run(
        [
            binary,
            f"-t{WRK_THREADS}",
            f"-c{CLIENTS}",
            f"-d{seconds}s",
            "--timeout",
            "5s",
            "-s",
            str(LUA),
            url,
            "--",
            paths_file,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    for line in result.stdout.splitlines():
        if line.startswith("JSON:"):
            data = json.loads(line[5:])
            data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
            data["errors"] = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
            return data
    raise BenchError(f"wrk gave no summary: {result.stdout[-1000:]} {result.stderr[-1000:]}")


def warm_up(server: Gunicorn, paths: list[str]) -> dict:
    """One request per lot, 8 at a time: every page rendered once, as after a first scan."""
    from concurrent.futures import ThreadPoolExecutor

    def fetch(path: str) -> float:
        request = urllib.request.Request(
            server.url(path), headers={"Accept-Language": "zh-CN,zh;q=0.9"}
        )
        start = time.perf_counter()
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
        return time.perf_counter() - start

    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        times = list(pool.map(fetch, paths))
    return {"seconds": time.perf_counter() - started, **summary_ms(times)}


def _fetch(server: Gunicorn, path: str) -> float:
    """One GET as a phone, read to the end: its latency in seconds (an HTTP error raises)."""
    request = urllib.request.Request(server.url(path), headers=PHONE)
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
    return time.perf_counter() - start


def invalidate(batch_ids: list[int]) -> None:
    """What a recall (or any change to the lots) does to their pages: Django's cached pages
    dropped and the fast pages' versions raised, announced to every worker on the channel."""
    from trace.core.cache import invalidate_batches

    invalidate_batches(batch_ids)
    time.sleep(ANNOUNCE_S)  # the workers' subscribers apply the announcement


def cache_misses(server: Gunicorn, paths: list[str]) -> list[float]:
    """Each path once, one at a time: on the app, every page rendered by Django (its cached
    page dropped just before); on the baseline, the constant body."""
    return [_fetch(server, path) for path in paths]


def burst(server: Gunicorn, paths: list[str]) -> dict:
    """The first scans of ``paths`` (each once), ``CLIENTS`` at a time, as phones do right
    after a recall is announced; latency per request and the burst's wall time."""
    from concurrent.futures import ThreadPoolExecutor

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        times = list(pool.map(lambda path: _fetch(server, path), paths))
    return {"times": times, "seconds": time.perf_counter() - started}


def _median_run(runs: list[dict]) -> dict:
    """Each figure's median over repeated wrk runs; errors and requests summed."""
    keys = [k for k, v in runs[0].items() if isinstance(v, int | float)]
    merged = {k: statistics.median(r[k] for r in runs) for k in keys}
    for k in ("connect", "read", "write", "status", "timeout", "errors", "requests"):
        if k in runs[0]:
            merged[k] = sum(r[k] for r in runs)
    return merged


def run(ctx: Context) -> list[Measure]:
    from trace.core.identifiers import digital_link_path
    from trace.models import Batch

    binary = ensure_wrk()
    ids = sample_lots(ctx, ctx.params["scan_lots"], finished_only=True)
    keys = list(Batch.objects.filter(pk__in=ids).values_list("gtin", "lot"))
    paths = [digital_link_path(g, lot) for g, lot in keys]
    # The cache-miss pages: some of the lots above (pages warmed, then dropped before each round).
    miss = list(Batch.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "gtin", "lot"))
    miss = miss[: ctx.params.get("scan_miss_lots", 200)]
    # The burst: other lots than the ones warmed, each scanned once per round.
    taken = set(ids)
    wanted = ctx.params.get("scan_burst_lots", 1_000)
    others = sample_lots(ctx, len(ids) + wanted, finished_only=True)
    burst_ids = [i for i in others if i not in taken][:wanted]
    burst_lots = list(
        Batch.objects.filter(pk__in=burst_ids).order_by("pk").values_list("pk", "gtin", "lot")
    )
    seconds = ctx.params["scan_seconds"]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(paths) + "\n")
        paths_file = handle.name
    from django.test import Client

    page_bytes = len(Client().get(paths[0], HTTP_ACCEPT_LANGUAGE="zh-CN").content)
    repetitions = ctx.params.get("scan_repetitions", 5)
    bases, gots = [], []
    miss_app, miss_bare, burst_app, burst_bare = [], [], [], []
    try:
        with (
            Gunicorn(
                "bench.bare_wsgi:application", ctx, {"BENCH_BARE_BYTES": str(page_bytes)}
            ) as bare,
            Gunicorn("config.wsgi:application", ctx) as app,
        ):
            bare.wait("/")
            page = app.wait(paths[0])
            if keys[0][1].encode() not in page:
                raise BenchError("the resolver page does not name the lot it was asked for")
            cold = warm_up(app, paths)
            wrk(binary, bare.url(), paths_file, 2)
            wrk(binary, app.url(), paths_file, 2)
            # Repeated runs, alternating which goes first, so drift on a shared machine hits both.
            for n in range(repetitions):
                for server in (bare, app) if n % 2 == 0 else (app, bare):
                    (bases if server is bare else gots).append(
                        wrk(binary, server.url(), paths_file, seconds)
                    )
            # The page Django renders on a cache miss, then the burst of first scans right after
            # a recall is announced: rounds alternating which of app and baseline goes first.
            miss_paths = [digital_link_path(g, lot) for _pk, g, lot in miss]
            burst_paths = [digital_link_path(g, lot) for _pk, g, lot in burst_lots]
            for n in range(min(repetitions, MISS_ROUNDS)):
                for server in (app, bare) if n % 2 == 0 else (bare, app):
                    if server is app:
                        invalidate([pk for pk, _g, _lot in miss])
                    (miss_app if server is app else miss_bare).append(
                        cache_misses(server, miss_paths)
                    )
                for server in (app, bare) if n % 2 == 0 else (bare, app):
                    if server is app:
                        invalidate([pk for pk, _g, _lot in burst_lots])  # the announcement
                    (burst_app if server is app else burst_bare).append(burst(server, burst_paths))
    finally:
        os.unlink(paths_file)
    base, got = _median_run(bases), _median_run(gots)
    ratio = got["rps"] / base["rps"]
    p99 = got["p99_us"] / 1000
    pairs = [
        {
            "app_rps": round(g["rps"], 1),
            "bare_rps": round(b["rps"], 1),
            "ratio": round(g["rps"] / b["rps"], 3),
        }
        for g, b in zip(gots, bases, strict=True)
    ]
    spread = (
        f"Median of {repetitions} runs of {seconds} s each, app and baseline alternating (app "
        f"{min(g['rps'] for g in gots):,.0f}–{max(g['rps'] for g in gots):,.0f} requests/s, baseline "
        f"{min(b['rps'] for b in bases):,.0f}–{max(b['rps'] for b in bases):,.0f}); per pair "
        "(app / baseline, ratio): "
        + "; ".join(f"{x['app_rps']:,.0f} / {x['bare_rps']:,.0f}, {x['ratio']:.2f}" for x in pairs)
        + f" (median of the pairs' ratios: {statistics.median(x['ratio'] for x in pairs):.3f}). "
        "With REDIS_URL the page is answered by `trace.consumer.fastpage` in front of Django: "
        "from each worker process's own memory (the pages it served, dropped when Redis "
        "announces a newer lot version), else from Redis in one round trip; Django renders "
        "only a miss. "
    )
    common = spread + (
        f"{CLIENTS} connections from wrk ({WRK_THREADS} threads) after a warm-up "
        f"(each lot's page requested once first, as by the first scan of a burst: cold renders took "
        f"p50 {cold['p50_ms']:.0f} ms, p95 {cold['p95_ms']:.0f} ms under 8 concurrent requests), "
        f"GET /01/<gtin>/10/<lot> as a phone (WeChat user agent, zh-CN) over {len(paths)} random "
        f"finished lots; gunicorn as deployed (`config/gunicorn.py`: gthread, {ctx.gunicorn_workers} "
        f"workers × {ctx.gunicorn_threads} threads) for both the app (`config.wsgi`) and the "
        f"baseline, whose constant body has the page's length "
        f"({page_bytes:,} bytes) so both move the same bytes; server, Redis, PostgreSQL and load "
        "generator share the machine."
    )
    return [
        Measure(
            name="scan_throughput",
            label="public scan throughput (resolver page)",
            value=round(got["rps"], 1),
            unit="requests/s",
            baseline=round(base["rps"], 1),
            baseline_label="bare WSGI constant, same gunicorn",
            ratio=round(ratio, 3),
            target="≥ 50 % of baseline",
            met=ratio >= 0.5,
            notes=common,
            shortfall=short_of(ratio, 0.5, at_most=False, what="ratio "),
            details={
                "app": got,
                "bare": base,
                "cold_render": cold,
                "app_runs": gots,
                "bare_runs": bases,
                "pairs": pairs,
            },
        ),
        Measure(
            name="scan_p99",
            label="public scan latency, p99",
            value=round(p99, 2),
            unit="ms",
            baseline=round(base["p99_us"] / 1000, 2),
            baseline_label="bare WSGI p99",
            ratio=round(got["p99_us"] / max(base["p99_us"], 1), 3),
            target="≤ 25 ms",
            met=p99 <= 25,
            shortfall=short_of(p99, 25, at_most=True, what="p99 ms "),
            notes=f"Median of {repetitions} runs' p99 (min–max {min(g['p99_us'] for g in gots) / 1000:.2f}–"
            f"{max(g['p99_us'] for g in gots) / 1000:.2f} ms); median p50 {got['p50_us'] / 1000:.2f} ms, "
            f"p90 {got['p90_us'] / 1000:.2f} ms, max {got['max_us'] / 1000:.1f} ms.",
            details={"app": got, "bare": base},
        ),
        Measure(
            name="scan_errors",
            label="public scan errors",
            value=got["errors"],
            unit="requests",
            baseline=base["errors"],
            baseline_label="bare WSGI errors",
            target="0",
            met=got["errors"] == 0,
            shortfall=f"{got['errors']} failed requests",
            notes=(
                f"socket errors (connect/read/write/timeout) and non-2xx/3xx answers, summed over the "
                f"{repetitions} runs' {got['requests']:,} requests."
            ),
            details={
                k: got[k] for k in ("connect", "read", "write", "status", "timeout", "requests")
            },
        ),
        *_miss_and_burst_rows(
            ctx,
            miss_app=miss_app,
            miss_bare=miss_bare,
            burst_app=burst_app,
            burst_bare=burst_bare,
            page_bytes=page_bytes,
        ),
    ]


def _p95s(rounds: list[list[float]]) -> list[float]:
    return [summary_ms(times)["p95_ms"] for times in rounds]


def _miss_and_burst_rows(
    ctx: Context,
    *,
    miss_app: list,
    miss_bare: list,
    burst_app: list,
    burst_bare: list,
    page_bytes: int,
) -> list[Measure]:
    rounds = len(miss_app)
    miss_p95, miss_base = _p95s(miss_app), _p95s(miss_bare)
    value, base = statistics.median(miss_p95), statistics.median(miss_base)
    all_miss = summary_ms([t for r in miss_app for t in r])
    burst_p95 = _p95s([r["times"] for r in burst_app])
    burst_base = _p95s([r["times"] for r in burst_bare])
    b_value, b_base = statistics.median(burst_p95), statistics.median(burst_base)
    first = summary_ms(burst_app[0]["times"])
    lots = len(burst_app[0]["times"])
    wall = statistics.median(r["seconds"] for r in burst_app)
    wall_bare = statistics.median(r["seconds"] for r in burst_bare)

    def listed(values):
        return ", ".join(f"{v:.1f}" for v in values)

    return [
        Measure(
            name="scan_cache_miss_p95",
            label="public scan page rendered by Django on a cache miss, p95",
            value=round(value, 2),
            unit="ms",
            baseline=round(base, 2),
            baseline_label="bare WSGI constant, one request at a time, p95",
            ratio=round(value / base, 3) if base else None,
            target="≤ 50 ms",
            met=value <= 50,
            shortfall=short_of(value, 50, at_most=True, what="p95 ms "),
            notes=(
                f"Median of {rounds} rounds' p95 (app: {listed(miss_p95)} ms; baseline: "
                f"{listed(miss_base)} ms), each round {len(miss_app[0])} lots' pages requested one "
                "at a time as a phone, right after `trace.core.cache.invalidate_batches` dropped "
                "them (Django's cached page deleted, the fast page's version raised and announced "
                "to the workers), so `trace.consumer.fastpage` hands every request to Django, which "
                f"renders it from the database; all rounds p50 {all_miss['p50_ms']} ms, max "
                f"{all_miss['max_ms']} ms. Baseline: the bare WSGI app's constant body of the "
                f"page's length ({page_bytes:,} bytes) on the same gunicorn, same requests."
            ),
            details={
                "round_p95_ms": miss_p95,
                "baseline_round_p95_ms": miss_base,
                "timing": all_miss,
                "baseline_timing": summary_ms([t for r in miss_bare for t in r]),
            },
        ),
        Measure(
            name="scan_first_burst_p95",
            label="first scans of different lots in a burst right after a recall announcement, p95",
            value=round(b_value, 2),
            unit="ms",
            baseline=round(b_base, 2),
            baseline_label="bare WSGI constant, same burst, p95",
            ratio=round(b_value / b_base, 3) if b_base else None,
            target="reported beside its baseline (no goal set)",
            met=None,
            notes=(
                f"Median of {rounds} rounds' p95 (app: {listed(burst_p95)} ms; baseline: "
                f"{listed(burst_base)} ms): {lots:,} different lots (none of them among the lots "
                f"the throughput runs warmed), each scanned once, {CLIENTS} phones at a time, "
                "right after their pages were invalidated as a recall announcement does "
                "(`invalidate_batches`): every scan is a miss rendered by Django and kept for the "
                f"next. The first round, the lots' very first scans: p50 {first['p50_ms']} ms, "
                f"p95 {first['p95_ms']} ms, max {first['max_ms']} ms. A burst took {wall:.1f} s "
                f"(median; baseline {wall_bare:.1f} s) on {ctx.gunicorn_workers} workers × "
                f"{ctx.gunicorn_threads} threads."
            ),
            details={
                "lots": lots,
                "round_p95_ms": burst_p95,
                "baseline_round_p95_ms": burst_base,
                "first_round": first,
                "burst_seconds": [round(r["seconds"], 3) for r in burst_app],
                "baseline_burst_seconds": [round(r["seconds"], 3) for r in burst_bare],
            },
        ),
    ]
