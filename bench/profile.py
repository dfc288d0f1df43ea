"""``python -m bench.profile capture|trace`` — cProfile of the two hot paths whose targets are
missed, on the data set ``make bench`` generated (PostgreSQL; ``DATABASE_URL`` names it).

Prints the time per event (capture) or per trace and the functions that take it. Capture runs
inside transactions that are rolled back, so the data set is left as it was.
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
    from trace.capture import capture_events

    from django.db import transaction

    from bench import documents

    plant, distributor, raw, outputs = documents.parties()
    tag = documents.run_tag()
    docs = [documents.build(events=1000, plant=plant, distributor=distributor, raw_product=raw,
                            output_products=outputs, tag=f"P{tag}{i}", seed=99 + i)[0]
            for i in range(documents_count)]
    profile = cProfile.Profile()
    start = time.perf_counter()
    for document in docs:
        with transaction.atomic():
            profile.enable()
            capture_events(documents=document["epcisBody"]["eventList"], organization=plant.org,
                           user=plant.user)
            profile.disable()
            transaction.set_rollback(True)
    print(f"capture: {(time.perf_counter() - start) / (1000 * documents_count) * 1000:.3f} ms per event")
    return profile


def profile_trace(samples: int = 150) -> cProfile.Profile:
    from trace.models import Batch
    from trace.selectors import trace_graph

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


def main(argv: list[str]) -> int:
    which = argv[0] if argv else ""
    if which not in ("capture", "trace"):
        print(__doc__)
        return 2
    _setup()
    profile = profile_capture() if which == "capture" else profile_trace()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime" if which == "capture" else "cumulative").print_stats(25)
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
