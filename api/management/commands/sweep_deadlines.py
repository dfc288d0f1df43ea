from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from api.deadlines import sweep_all


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

    def handle(self, *args, **options):
        now = parse_now(options["now"]) if options.get("now") else timezone.now()
        results = sweep_all(now)
        for name, count in results.items():
            self.stdout.write(f"{name}: {count}")
        if any(count < 0 for count in results.values()):
            raise CommandError("a sweeper failed; see the log")
