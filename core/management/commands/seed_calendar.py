from django.core.management.base import BaseCommand
from django.db import transaction

from core.workdays import library_years, mark_year_loaded, seed_calendar_days


class Command(BaseCommand):
    help = (
        "Add the holidays and swapped working days the chinesecalendar library knows (keeps "
        "edits), and mark each year it carries whole as loaded: provisional deadlines in a "
        "newly loaded year are recomputed."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            added = seed_calendar_days()
            years = [y for y in library_years() if mark_year_loaded(y, notice="chinesecalendar")]
        self.stdout.write(f"{added} calendar days added.")
        if years:
            self.stdout.write("Years loaded: " + ", ".join(map(str, years)))
