import time
from trace.demo.datagen import AlreadyGenerated, estimate_events, generate, parse_size

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm


class Command(BaseCommand):
    help = (
        "Generate a realistic multi-tier supply chain (ranches → plants → distributors → retailers) "
        "of about --size EPCIS events through the capture service; deterministic for a --seed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--size", default="50k", help="events, e.g. 2000, 50k, 1M (default 50k)"
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--chunk",
            type=int,
            default=2000,
            help="events per capture call and organization (default 2000)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, size, seed, chunk, no_progress, **options):
        try:
            events = parse_size(size)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if not 1 <= chunk <= 10_000:
            raise CommandError("--chunk must be between 1 and 10000")
        total = estimate_events(events)
        started = time.perf_counter()
        with tqdm(
            total=total, unit="ev", unit_scale=True, disable=no_progress, file=self.stderr._out
        ) as bar:
            try:
                world = generate(size=events, seed=seed, chunk=chunk, progress=bar.update)
            except AlreadyGenerated as exc:
                raise CommandError(f"{exc}; use another --seed or a fresh database") from exc
        seconds = time.perf_counter() - started
        lots = len(world.raw_lot_ids) + len(world.finished_lot_ids) + len(world.whey_lots)
        organizations = sum(len(v) for v in world.parties.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {world.events} events, {lots} lots, {organizations} enterprises "
                f"in {seconds:.1f} s ({world.events / seconds:.0f} events/s), seed {seed}."
            )
        )
