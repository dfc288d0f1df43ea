"""``bench.growth``'s table: each row's cost growth against what log n allows, a throughput's
cost being its inverse, the incident rows counted in incidents."""

import math

from bench.growth import compare, render


def _measure(name, value, unit, baseline=None):
    return {
        "name": name,
        "label": name.replace("_", " "),
        "value": value,
        "unit": unit,
        "baseline": baseline,
        "details": {},
    }


def _side(events, incidents, measures, name):
    return {
        "database": name,
        "dataset": {"events": events},
        "incidents": incidents,
        "measures": measures,
    }


def test_rows_say_whether_a_cost_grew_within_log_n():
    small = _side(
        1_000_000,
        1_100_000,
        [
            _measure("trace_latency_p95", 10.0, "ms", 5.0),
            _measure("capture_throughput", 600.0, "events/s", 1800.0),
            _measure("incident_list", 20.0, "ms"),
            _measure("only_small", 1.0, "s"),
        ],
        "a",
    )
    large = _side(
        10_000_000,
        11_000_000,
        [
            _measure("trace_latency_p95", 11.0, "ms", 5.5),
            _measure("capture_throughput", 300.0, "events/s", 1700.0),
            _measure("incident_list", 40.0, "ms"),
        ],
        "b",
    )
    rows = {r["name"]: r for r in compare(small, large)}
    assert set(rows) == {"trace_latency_p95", "capture_throughput", "incident_list"}
    allowed = math.log(10_000_000) / math.log(1_000_000)
    trace = rows["trace_latency_p95"]
    assert trace["log_n_growth"] == round(allowed, 3)
    assert trace["cost_growth"] == 1.1 and trace["verdict"] == "≤ log n"
    assert trace["baseline_growth"] == 1.1
    # Half the throughput is twice the cost per event.
    assert rows["capture_throughput"]["cost_growth"] == 2.0
    assert rows["capture_throughput"]["verdict"] == "grows faster"
    assert rows["incident_list"]["n_large"] == 11_000_000
    assert rows["incident_list"]["verdict"] == "grows faster"

    # The sweep acts on 1 % of the open incidents: 10× the work is judged per item.
    small["measures"].append(_measure("incident_sweep_find", 2.0, "ms"))
    small["measures"][-1]["details"] = {"due": 1_000}
    large["measures"].append(_measure("incident_sweep_find", 20.0, "ms"))
    large["measures"][-1]["details"] = {"due": 10_000}
    sweep = next(r for r in compare(small, large) if r["name"] == "incident_sweep_find")
    assert sweep["cost_growth"] == 10 and sweep["result_growth"] == 10
    assert sweep["verdict"] == "≤ log n"

    doc = {
        "small": small,
        "large": large,
        "rows": list(rows.values()),
        "failed": [],
        "date": "2026-12-06T00:00:00+00:00",
        "seconds": 60.0,
    }
    text = render(doc)
    assert "| trace latency p95 | ms | 10 | 11 | 1.1× | — | " in text
    assert "**grows faster**" in text and "1 of 3 rows within log n" in text
