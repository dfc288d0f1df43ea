import json
from datetime import date, timedelta
from trace.core.digest import digest_make, signed_file

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


class Command(BaseCommand):
    help = (
        "Make and store the signed digest of every event chain's head as of the end of a day "
        "(default: yesterday), and print the signed file a regulator keeps."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day, YYYY-MM-DD (default: yesterday in TIME_ZONE)")
        parser.add_argument("--output", metavar="FILE", help="also write the signed file here")

    def handle(self, *args, date=None, output=None, **options):
        if date is None:
            day = timezone.localdate() - timedelta(days=1)
        else:
            try:
                day = _parse(date)
            except ValueError as exc:
                raise CommandError(f"--date must be YYYY-MM-DD: {exc}") from exc
        if day >= timezone.localdate():
            raise CommandError(f"{day} has not ended yet: a digest covers a whole day")
        digest, created = digest_make(day=day)
        text = json.dumps(signed_file(digest), ensure_ascii=False, indent=2)
        if output:
            with open(output, "w", encoding="utf-8") as out:
                out.write(text + "\n")
        self.stderr.write(
            f"digest of {day} {'made' if created else 'already made'}: sha256 {digest.sha256}"
        )
        self.stdout.write(text)


def _parse(value: str) -> date:
    return date.fromisoformat(value)
