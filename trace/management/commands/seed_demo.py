from trace.demo.seed import DEMO_PASSWORD, demo_yogurt_batch, seed_demo

from django.conf import settings
from django.core.management.base import BaseCommand

from incidents.complaints.demo import seed_complaints
from incidents.demo import seed_incidents
from recalls.demo import seed_recall_demo


class Command(BaseCommand):
    help = "Seed the demo Xuzhou dairy supply chain and its accounts (idempotent)."

    def handle(self, *args, **options):
        created, accounts = seed_demo()
        seed_incidents()  # the incidents app adds its demo reports (issue 11)
        seed_recall_demo()  # one closed recall, one active (recalls/demo.py)
        seed_complaints()  # complaints, one converted, and an injury risk signal (issue 12)
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
