"""Benchmarks at national scale: ``python -m bench`` (all) or ``python -m bench trace``.

Each measure is a module with ``run(ctx) -> list[Measure]``; figures are set
against a baseline measured in the same run (raw ``COPY``, the bare recursive
SQL, a bare WSGI app on the same gunicorn), so they hold on any machine.
Benchmarks are scripts, not timed tests: CI runs them only at ``--size tiny``.
"""

# name → module; run order: reads first, writes (capture) last.
MEASURES = {
    "trace": "bench.tracing",
    "holders": "bench.holders",
    "export": "bench.export",
    "scan": "bench.scan",
    "capture": "bench.capture",
    "memory": "bench.memory",
    "incidents": "bench.incidents",
    "signals": "bench.signals",
    "recall": "bench.recall",  # last: it recalls the whey lot's scope for good
}
