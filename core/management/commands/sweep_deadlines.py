import time
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.deadlines import sweep_all


def parse_now(value: str) -> datetime:
    """ISO-8601; a time without offset is read in the project's time zone (Asia/Shanghai)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--now must be an ISO-8601 date-time, got {value!r}") from exc
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = (
        "Act on every deadline that has come: escalations, reminders, overdue marks (exactly once)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--now", help="sweep as if it were this ISO-8601 time (default: now)")
        parser.add_argument(
            "--every",
            type=int,
            metavar="SECONDS",
            help="keep sweeping, every SECONDS, until stopped: the embedded default's stand-in for "
            "Celery beat (make run without REDIS_URL); prints only what acted",
        )
        parser.add_argument(
            "--rounds", type=int, metavar="N", help="with --every: stop after N sweeps"
        )

    def handle(self, *args, **options):
        every = options.get("every")
        if every is not None:
            if every < 1 or options.get("now"):
                raise CommandError("--every takes a whole number of seconds, without --now")
            return self._keep_sweeping(every, options.get("rounds"))
        now = parse_now(options["now"]) if options.get("now") else timezone.now()
        results = sweep_all(now)
        for name, count in results.items():
            self.stdout.write(f"{name}: {count}")
        if any(count < 0 for count in results.values()):
            raise CommandError("a sweeper failed; see the log")

    def _keep_sweeping(self, every: int, rounds: int | None) -> None:
        done_rounds, started = 0, time.monotonic()
        while rounds is None or done_rounds < rounds:
            if done_rounds:
                time.sleep(max(0.0, every - (time.monotonic() - started)))
            done_rounds += 1
            started = time.monotonic()
            now = timezone.now()
            acted = {name: n for name, n in sweep_all(now).items() if n}
            if acted:
                done = ", ".join(f"{name}: {n}" for name, n in sorted(acted.items()))
                self.stdout.write(f"{timezone.localtime(now):%H:%M:%S} deadline sweep: {done}")
