from trace.core import partitions

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "PostgreSQL: create the monthly partitions of trace_event for this month and the months "
        "ahead (EVENT_PARTITION_MONTHS_AHEAD); with --detach, detach the months past the "
        "retention period (rows kept in the detached tables; run as the tables' owner)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--ahead", type=int, help="months ahead (default: the setting)")
        parser.add_argument(
            "--detach", action="store_true", help="detach the months past the retention period"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="with --detach: name them, detach nothing"
        )

    def handle(self, *args, ahead=None, detach=False, dry_run=False, **options):
        if not partitions.is_partitioned():
            self.stdout.write(
                "trace_event is not partitioned here (PostgreSQL only); nothing to do."
            )
            return
        for name in partitions.ensure_ahead(ahead):
            self.stdout.write(f"created {name}")
        if detach:
            period = partitions.retention()
            self.stdout.write(
                f"retention: {period.years} years ({period.citations('en')}); "
                f"months ending before {period.cutoff:%Y-%m-%d}"
            )
            for partition in partitions.detach_expired(dry_run=dry_run):
                verb = "would detach" if dry_run else "detached"
                self.stdout.write(f"{verb} {partition.name}")
        months = partitions.attached()
        if months:
            self.stdout.write(
                f"{len(months)} monthly partitions attached, "
                f"{months[0].start:%Y-%m} to {months[-1].start:%Y-%m}"
            )
