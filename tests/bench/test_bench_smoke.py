"""CI-sized runs of the data generator and of every benchmark.

Benchmarks are scripts, not timed tests: nothing here checks a speed. The
generator runs anywhere; the benchmark suite needs PostgreSQL and Redis and is
skipped, visibly, without them. It runs ``python -m bench --size tiny`` in a
subprocess against a database of its own (``<DATABASE_URL name>_benchsmoke``).
"""

import json
import subprocess
import sys
from pathlib import Path
from trace.demo.datagen import generate, parse_size
from trace.models import Batch, Custody, Event, LineageEdge

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction

ROOT = Path(__file__).resolve().parents[2]


class Rollback(Exception):
    pass


@pytest.mark.django_db(transaction=False)
def test_the_generator_builds_a_connected_chain_through_capture():
    world = generate(size=600, seed=11)
    assert world.events == Event.objects.count() >= 500
    assert LineageEdge.objects.count() > 0
    # Every finished lot traces back to raw milk and a whey-powder lot.
    finished = Batch.objects.get(pk=world.finished_lot_ids[0])
    parents = set(LineageEdge.objects.filter(child=finished).values_list("parent__lot", flat=True))
    assert any(p.startswith("RM") for p in parents) and any(p.startswith("WP") for p in parents)
    # Custody was derived by capture: retailers hold what they received minus what they sold.
    assert Custody.objects.filter(quantity__gt=0).exists()
    assert {o.org.region_code[:2] for tier in world.parties.values() for o in tier} <= {
        "32",
        "37",
        "34",
        "33",
        "15",
        "41",
    }


@pytest.mark.django_db(transaction=False)
def test_the_generator_is_deterministic_for_a_seed():
    def snapshot():
        try:
            with transaction.atomic():
                generate(size=300, seed=5)
                rows = list(
                    Event.objects.order_by("id").values_list(
                        "event_id", "event_type", "biz_step", "event_time", "content_hash"
                    )
                )
                raise Rollback(rows)
        except Rollback as done:
            return done.args[0]

    first, second = snapshot(), snapshot()
    assert first and [r[:4] for r in first] == [r[:4] for r in second]


@pytest.mark.django_db
def test_the_command_refuses_a_second_run_with_the_same_seed_and_bad_sizes():
    call_command("gen_supply_chain", size="200", seed=21, no_progress=True)
    with pytest.raises(CommandError, match="seed 21"):
        call_command("gen_supply_chain", size="200", seed=21, no_progress=True)
    with pytest.raises(CommandError, match="not a size"):
        call_command("gen_supply_chain", size="lots", seed=22, no_progress=True)
    assert parse_size("50k") == 50_000 and parse_size("1M") == 1_000_000


def _is_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.skipif(
    not _is_postgres() or not settings.REDIS_URL,
    reason="the benchmarks need PostgreSQL and Redis (DATABASE_URL, REDIS_URL)",
)
def test_every_benchmark_runs_at_tiny_size_and_reports_numbers(tmp_path):
    url = settings.DATABASE_URL.rstrip("/")
    database_url = url + "_benchsmoke"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--size",
            "tiny",
            "--regenerate",
            "--no-progress",
            "--database-url",
            database_url,
            "--redis-url",
            settings.REDIS_URL,
            "--output",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads((tmp_path / "benchmarks.json").read_text())
    names = {m["name"] for m in report["measures"]}
    assert names == {
        "capture_throughput",
        "trace_latency_p95",
        "trace_graph_p95",
        "trace_graph_wide_p95",
        "scan_throughput",
        "scan_p99",
        "scan_errors",
        "scan_cache_miss_p95",
        "scan_first_burst_p95",
        "downstream_holders",
        "capture_peak_rss",
        "trace_export_xlsx",
        "incident_sweep_find",
        "incident_sweep_act",
        "incident_list",
        "incident_list_count_p95",
        "incident_list_with_writes_p95",
        "injury_signal_sweep",
        "recall_scope",
        "recall_drill",
        "recall_activation",
    }
    by_name = {m["name"]: m for m in report["measures"]}
    for measure in report["measures"]:
        assert isinstance(measure["value"], int | float) and measure["value"] >= 0, measure
        assert set(measure) >= {"name", "value", "unit", "baseline", "ratio", "target", "met"}
        if measure["baseline_label"] != "—":  # a baseline measured in the same run
            assert isinstance(measure["baseline"], int | float), measure
        assert measure["ratio"] is None or isinstance(measure["ratio"], int | float)
    # Each benchmark measured something real: work was done and timed, nothing failed.
    for name in (
        "capture_throughput",
        "scan_throughput",
        "trace_latency_p95",
        "trace_graph_p95",
        "scan_p99",
        "downstream_holders",
        "capture_peak_rss",
        "trace_export_xlsx",
        "recall_scope",
        "recall_activation",
    ):
        assert by_name[name]["value"] > 0, by_name[name]
    assert by_name["scan_errors"]["value"] == 0, by_name["scan_errors"]
    # The scan's spread is told per pair of runs, the baseline beside the app in each.
    pairs = by_name["scan_throughput"]["details"]["pairs"]
    assert pairs and all(p["app_rps"] > 0 and p["bare_rps"] > 0 for p in pairs), pairs
    # The trace sample held the widest lots, each with lots made from it, reported apart too.
    wide = by_name["trace_graph_wide_p95"]["details"]["lots"]
    assert wide and all(lot["downstream"] > 0 for lot in wide), wide
    # Scan: a Django render per cache miss and a burst of first scans, each beside its baseline.
    for name in ("scan_cache_miss_p95", "scan_first_burst_p95"):
        assert by_name[name]["value"] > 0 and by_name[name]["baseline"] > 0, by_name[name]
    assert by_name["scan_first_burst_p95"]["details"]["lots"] > 0
    # The incident list when every page counts really counted every page.
    counting = by_name["incident_list_count_p95"]["details"]
    assert counting["pages_counted"] == counting["timing"]["n"], counting
    activation = by_name["recall_activation"]
    assert activation["details"]["pages_still_safe"] == 0, activation
    # Notices queued: every consignee's notice is in the outbox, written by the activation.
    assert activation["details"]["consignees"] > 0, activation
    assert activation["details"]["notices_not_queued"] == 0, activation
    assert activation["details"]["outbox_rows"] >= activation["details"]["consignees"], activation
    # The sweep acted once on every due incident of every repetition, and not again after.
    due = by_name["incident_sweep_find"]["details"]["due"]
    sweep = by_name["incident_sweep_act"]["details"]
    assert due > 0 and set(sweep["acted"]) == {due} and sweep["second_sweep_acted"] == 0, sweep
    assert all(timeline == due for timeline, _outbox in sweep["rows_written"]), sweep
    assert (
        by_name["incident_sweep_act"]["baseline"] > 0 and by_name["incident_list"]["baseline"] > 0
    )
    # The report is written for this run: one row per measure, with its value.
    markdown = (tmp_path / "BENCHMARKS.md").read_text()
    assert "| measure | value |" in markdown and report["machine"]["postgresql"] in markdown
    for measure in report["measures"]:
        assert f"| {measure['label']} | " in markdown, measure["name"]
