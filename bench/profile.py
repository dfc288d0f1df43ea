"""``python -m bench.profile capture|capture-phases|trace`` — where the time of the two hottest
paths goes, on the data set ``make bench`` generated (PostgreSQL; ``DATABASE_URL`` names it).

``capture`` and ``trace`` print the time per event or per trace and the functions that take it
(cProfile). ``capture-phases`` times each step of capturing a 1,000-event document by the wall
clock, without a profiler's overhead: parsing, preparing, resolving lots, custody, each table's
``COPY``, the foreign-key checks the commit would run, and the cache invalidation after it.
Capture runs inside transactions that are rolled back, so the data set is left as it was.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import random
import sys
import time


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def profile_capture(documents_count: int = 4) -> cProfile.Profile:
    from trace.core.capture import capture_events

    from django.db import transaction

    from bench import documents

    plant, distributor, raw, outputs = documents.parties()
    tag = documents.run_tag()
    docs = [
        documents.build(
            events=1000,
            plant=plant,
            distributor=distributor,
            raw_product=raw,
            output_products=outputs,
            tag=f"P{tag}{i}",
            seed=99 + i,
        )[0]
        for i in range(documents_count)
    ]
    profile = cProfile.Profile()
    start = time.perf_counter()
    for document in docs:
        with transaction.atomic():
            profile.enable()
            capture_events(
                documents=document["epcisBody"]["eventList"],
                organization=plant.org,
                user=plant.user,
            )
            profile.disable()
            transaction.set_rollback(True)
    print(
        f"capture: {(time.perf_counter() - start) / (1000 * documents_count) * 1000:.3f} ms per event"
    )
    return profile


def profile_trace(samples: int = 150) -> cProfile.Profile:
    from trace.core.selectors import trace_graph
    from trace.models import Batch

    rng = random.Random(3)
    ids = list(Batch.objects.filter(product__isnull=False).values_list("pk", flat=True)[:200_000])
    lots = [Batch.objects.get(pk=rng.choice(ids)) for _ in range(samples)]
    for lot in lots[:20]:  # warm the connection and caches
        trace_graph(lot, direction="both", depth=20)
    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.enable()
    for lot in lots:
        trace_graph(lot, direction="both", depth=20)
    profile.disable()
    print(f"trace graph: {(time.perf_counter() - start) / samples * 1000:.2f} ms per trace")
    return profile


def capture_phases(documents_count: int = 6) -> dict[str, float]:
    """Milliseconds per 1,000-event document for each step of capture (the first document
    only warms up)."""
    from trace.core import capture, effects, store

    import orjson
    from django.db import connection, transaction

    from bench import documents

    spent: dict[str, float] = {}

    def timed(name, func):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - start

        return wrapper

    # (module, name): each step is looked up in the module that calls it.
    originals = {
        (module, name): getattr(module, name)
        for module, name in (
            (capture, "prepare_event"),
            (capture, "resolve_batches"),
            (capture, "apply_moves"),
            (capture, "_after_commit"),
            (store, "insert_rows"),
            (effects, "insert_rows"),
        )
    }
    for module, name in (
        (capture, "prepare_event"),
        (capture, "resolve_batches"),
        (capture, "apply_moves"),
    ):
        setattr(module, name, timed(name.replace("_", " "), originals[module, name]))

    def copy_timed(original):
        def insert_rows(model, *args, **kwargs):
            return timed(f"COPY {model._meta.db_table}", original)(model, *args, **kwargs)

        return insert_rows

    for module in (store, effects):
        module.insert_rows = copy_timed(originals[module, "insert_rows"])
    # What capture leaves for after the commit runs at once (the transaction is rolled back).
    capture._after_commit = timed(
        "after commit (cache invalidation)", originals[capture, "_after_commit"]
    )
    on_commit = transaction.on_commit
    transaction.on_commit = lambda func, *args, **kwargs: func()
    plant, distributor, raw, outputs = documents.parties()
    tag = documents.run_tag()
    bodies = [
        documents.body(
            documents.build(
                events=1000,
                plant=plant,
                distributor=distributor,
                raw_product=raw,
                output_products=outputs,
                tag=f"F{tag}{i}",
                seed=int(time.time()) + i,
            )[0]
        )
        for i in range(documents_count + 1)
    ]
    try:
        for i, body in enumerate(bodies):
            if i == 1:
                spent.clear()
            start = time.perf_counter()
            with transaction.atomic():
                data = timed("parse", orjson.loads)(body)
                capture.capture_events(
                    documents=data["epcisBody"]["eventList"],
                    organization=plant.org,
                    user=plant.user,
                )
                with connection.cursor() as cursor:  # what the commit would check
                    timed("foreign-key checks", cursor.execute)("SET CONSTRAINTS ALL IMMEDIATE")
                transaction.set_rollback(True)
            spent["total"] = spent.get("total", 0.0) + time.perf_counter() - start
    finally:
        for (module, name), func in originals.items():
            setattr(module, name, func)
        transaction.on_commit = on_commit
    return {name: seconds * 1000 / documents_count for name, seconds in spent.items()}


def main(argv: list[str]) -> int:
    which = argv[0] if argv else ""
    if which not in ("capture", "capture-phases", "trace"):
        print(__doc__)
        return 2
    _setup()
    if which == "capture-phases":
        phases = capture_phases()
        total = phases.pop("total")
        print(f"capture, ms per 1,000-event document (rolled back, so no commit): {total:.1f}")
        for name, ms in sorted(phases.items(), key=lambda item: -item[1]):
            print(f"  {name:40s} {ms:7.1f}  {ms / total * 100:4.1f} %")
        print(
            f"  {'the rest (lookups, chain head, links)':40s} {total - sum(phases.values()):7.1f}"
        )
        return 0
    profile = profile_capture() if which == "capture" else profile_trace()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats(
        "tottime" if which == "capture" else "cumulative"
    ).print_stats(25)
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
