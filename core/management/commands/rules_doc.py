"""``manage.py rules_doc``: write docs/RULES.md from the rulebook (``--check``: only compare)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.rulebook.document import render


def default_path() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "RULES.md"


class Command(BaseCommand):
    help = "Write docs/RULES.md from the rulebook (core/rulebook/data/)."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, default=None, help="Where to write it.")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; fail if the file differs from what would be written.",
        )

    def handle(self, *args, output=None, check=False, **options):
        path = output or default_path()
        text = render()
        if check:
            current = path.read_text(encoding="utf-8") if path.exists() else None
            if current != text:
                raise CommandError(f"{path} is stale: run `python manage.py rules_doc`.")
            self.stdout.write(f"{path} is up to date.")
            return
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {path}.")
