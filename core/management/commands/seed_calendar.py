from django.core.management.base import BaseCommand

from core.workdays import seed_calendar_days


class Command(BaseCommand):
    help = (
        "Add the holidays and swapped working days the chinesecalendar library knows (keeps edits)."
    )

    def handle(self, *args, **options):
        added = seed_calendar_days()
        self.stdout.write(f"{added} calendar days added.")
