"""The benchmark report is written for the run it sits beside (issue 10 point 4):
computed statements only, partial runs kept apart from the full report, and rows
compared with a previous run when one is given. Pure functions: no services needed."""

import json
import random

import pytest

from bench import MEASURES
from bench.common import (
    METHOD,
    Context,
    Measure,
    ReportExists,
    check_overwrite,
    limits,
    render_markdown,
    report_paths,
    write_results,
)


def _ctx(size="small", events=50_000):
    return Context(
        size=size,
        events=events,
        seed=7,
        database_url="",
        redis_url="",
        params={},
        rng=random.Random(7),
        dataset={"events_requested": events, "events": events - 1, "seed": 7},
    )


_MACHINE = {
    "cpu": "test cpu",
    "cores": 2,
    "postgresql": "15.0",
    "date": "2026-12-02T00:00:00+00:00",
}


def _capture(value, baseline):
    ratio = round(value / baseline, 3)
    return Measure(
        name="capture_throughput",
        label="capture throughput",
        value=value,
        unit="events/s",
        baseline=baseline,
        baseline_label="COPY",
        ratio=ratio,
        target="≥ 25 % of baseline",
        met=ratio >= 0.25,
    )


def _graph(value):
    return Measure(
        name="trace_graph_p95",
        label="trace graph p95",
        value=value,
        unit="ms",
        target="≤ 15 ms",
        met=value <= 15,
        shortfall="" if value <= 15 else f"{value} ms",
    )


def _report(measures, *, size="full", events=999_999, **fields):
    """A report as ``write_results`` stores it, of this method, on ``_MACHINE``."""
    return {
        "method": METHOD,
        "size": size,
        "partial": False,
        "dataset": {"events": events},
        "machine": _MACHINE,
        "server": {"gunicorn_workers": 2, "gunicorn_threads": 4},
        "measures": [m.as_json() for m in measures],
        **fields,
    }


def test_targets_are_read_as_limits_and_settings_are_not():
    assert limits("≤ 2× baseline and ≤ 15 ms") == [("ratio", True, 2.0), ("value", True, 15.0)]
    assert limits("≥ 25 % of baseline") == [("ratio", False, 0.25)]
    # "with ≥ 10 k downstream lots" is the setting of the measure, not a second limit.
    assert limits("≤ 1 s with ≥ 10 k downstream lots") == [("value", True, 1.0)]
    assert limits("≤ 200 ms over 100 k open items (1 % due)") == [("value", True, 200.0)]
    assert limits("0") == [("value", True, 0.0)]


def test_the_summary_is_computed_from_the_rows_and_names_the_margin(tmp_path):
    write_results(
        tmp_path / "benchmarks.json",
        tmp_path / "BENCHMARKS.md",
        measures=[_capture(1000.0, 2000.0), _graph(18.0)],
        ctx=_ctx(),
        info=_MACHINE,
        requested=list(MEASURES),
        all_measures=list(MEASURES),
        failed=[],
    )
    markdown = (tmp_path / "BENCHMARKS.md").read_text()
    assert "1 of 2 rows with a target met it; 1 missed." in markdown
    assert "ratio 0.500, 100 % above at least 0.250" in markdown
    assert "Missed: **trace graph p95**" in markdown
    assert json.loads((tmp_path / "benchmarks.json").read_text())["method"] == METHOD
    # No hand-written text is pasted in: the old analysis file is gone.
    assert "written by hand" not in markdown


def test_a_partial_run_says_what_it_has_and_goes_beside_the_full_report(tmp_path):
    path_json, path_md = report_paths(tmp_path, partial=True, overwrite=False)
    assert path_md.name == "BENCHMARKS.partial.md" and path_json.name == "benchmarks.partial.json"
    write_results(
        path_json,
        path_md,
        measures=[_graph(10.0)],
        ctx=_ctx(),
        info=_MACHINE,
        requested=["trace"],
        all_measures=list(MEASURES),
        failed=[],
    )
    markdown = path_md.read_text()
    assert markdown.startswith("# Benchmarks (partial run)")
    assert "it has the benchmarks `trace`; not run: `holders`" in markdown
    assert not (tmp_path / "BENCHMARKS.md").exists()


def test_a_full_report_is_not_replaced_by_another_size_or_a_partial_run_unless_asked(tmp_path):
    write_results(
        tmp_path / "benchmarks.json",
        tmp_path / "BENCHMARKS.md",
        measures=[_graph(10.0)],
        ctx=_ctx("full", 1_000_000),
        info=_MACHINE,
        requested=list(MEASURES),
        all_measures=list(MEASURES),
        failed=[],
    )
    path = tmp_path / "benchmarks.json"
    with pytest.raises(ReportExists, match="--size small"):
        check_overwrite(path, size="small", events=50_000, partial=False, overwrite=False)
    with pytest.raises(ReportExists, match="some measures"):
        check_overwrite(path, size="full", events=1_000_000, partial=True, overwrite=False)
    check_overwrite(path, size="small", events=50_000, partial=False, overwrite=True)
    check_overwrite(path, size="full", events=1_000_000, partial=False, overwrite=False)


def test_compare_says_how_each_row_moved_and_what_makes_runs_unlike():
    old = {
        "size": "full",
        "dataset": {"events": 999_999},
        "machine": {"date": "2026-12-01T21:00:00+00:00"},
        "measures": [_capture(3550.0, 10747.0).as_json(), _graph(16.22).as_json()],
    }
    doc = _report([_capture(1000.0, 4000.0), _graph(12.0)], size="small", events=49_999)
    markdown = render_markdown(doc, compare=old, compare_name="docs/benchmarks.json")
    assert "## Against the previous run (`docs/benchmarks.json`)" in markdown
    assert (
        "| capture throughput | 3,550 | 1,000 events/s | -72 % (worse) | 0.330 | 0.250 | yes → yes |"
        in markdown
    )
    assert "| trace graph p95 | 16.22 | 12.00 ms | -26 % (better) | — | — | no → yes |" in markdown
    assert "`--size full` on 999,999 events" in markdown
    assert "unrecorded (before fair-1)" in markdown


def test_compare_says_when_the_previous_run_was_on_another_machine():
    old = {
        "method": METHOD,
        "size": "full",
        "dataset": {"events": 999_999},
        "machine": {"cpu": "AMD EPYC", "cores": 2, "date": "2026-12-06T12:15:27+00:00"},
        "measures": [_graph(8.0).as_json()],
    }
    doc = _report([_graph(4.0)])
    markdown = render_markdown(doc, compare=old, compare_name="docs/benchmarks.json")
    assert "the previous run was on another machine (AMD EPYC, 2 cores; this one test cpu" in (
        markdown
    )
    same = render_markdown(doc, compare={**old, "machine": _MACHINE}, compare_name="x")
    assert "Not like for like" not in same


def test_a_report_of_an_earlier_method_says_so():
    doc = {
        "size": "full",
        "dataset": {},
        "machine": _MACHINE,
        "server": {"gunicorn_workers": 2, "gunicorn_threads": 4},
        "measures": [_graph(10.0).as_json()],
    }
    assert "This run predates the current method" in render_markdown(doc)


def test_the_readme_quotes_the_current_report_and_nothing_else():
    """README's benchmark figures are the block the bench writes from docs/benchmarks.json:
    a hand edit, or a new report without `python -m bench --render-only`, fails here."""
    from bench.common import CURRENT, README, README_END, README_START, readme_block

    doc = json.loads(CURRENT.read_text())
    text = README.read_text(encoding="utf-8")
    quoted = text[text.index(README_START) : text.index(README_END) + len(README_END)]
    assert quoted == readme_block(doc)
    judged = [m for m in doc["measures"] if m["met"] is not None]
    assert f"**{sum(m['met'] for m in judged)} of {len(judged)} targets met**" in quoted


def test_the_readme_block_follows_a_new_full_report(tmp_path):
    from bench.common import README_END, README_START, readme_block, update_readme

    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{README_START}\nold figures\n{README_END}\nrest\n", "utf-8")
    doc = {
        "size": "small",
        "method": METHOD,
        "partial": False,
        "machine": {"date": "2026-12-05T00:00:00", "cores": 2},
        "dataset": {"events": 50_000},
        "measures": [
            {
                "label": "a",
                "value": 1.0,
                "unit": "ms",
                "ratio": None,
                "target": "≤ 2 ms",
                "met": True,
            },
            {
                "label": "b",
                "value": 130.0,
                "unit": "ms",
                "ratio": 2.5,
                "target": "≤ 50 ms",
                "met": False,
            },
        ],
    }
    assert update_readme(readme, doc)
    text = readme.read_text("utf-8")
    assert text.startswith("intro\n") and text.endswith("\nrest\n")
    assert readme_block(doc) in text and "old figures" not in text
    assert "**1 of 2 targets met**" in text and "| b | 130 ms | 2.5× | ≤ 50 ms | **no** |" in text
    assert not update_readme(readme, doc)  # already current


def test_a_compared_report_is_named_without_a_path_of_the_machine(tmp_path):
    """The committed report names what it was compared with by its repository path, or by its
    file name and run date when it lay outside (never /tmp/…)."""
    from bench.common import README, compared_name

    doc = {"machine": {"date": "2026-12-06T02:32:28+00:00"}}
    outside = tmp_path / "benchmarks.prev.json"
    assert compared_name(str(outside), doc) == "benchmarks.prev.json, the run of 2026-12-06"
    assert compared_name(str(README.parent / "docs" / "benchmarks.json"), doc) == (
        "docs/benchmarks.json"
    )
