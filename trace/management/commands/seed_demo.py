from trace.demo.extras import demo_seeders
from trace.demo.seed import DEMO_PASSWORD, demo_yogurt_batch, seed_demo

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Seed the demo Xuzhou dairy supply chain and its accounts (idempotent)."

    def handle(self, *args, **options):
        created, accounts = seed_demo()
        # incidents, then one closed and one active recall, then
        # complaints, one converted, and an injury risk signal, a report (举报), then a
        # spot-check draw: each app's own seeder
        for seeder in demo_seeders():
            seeder.seed()
        self.stdout.write(
            self.style.SUCCESS("Demo data created." if created else "Demo data already present.")
        )
        self.stdout.write(f"Demo accounts (password {DEMO_PASSWORD}):")
        for account in accounts:
            self.stdout.write(f"  {account.username:<20} {account.description}")
        batch = demo_yogurt_batch()
        if batch is not None:
            self.stdout.write(f"Consumer page of a demo yogurt lot: {batch.digital_link}")
            self.stdout.write(f"API docs: {settings.PUBLIC_BASE_URL}/api/docs/")
