"""``manage.py update_region_codes <file> [--year YYYY] [--dry-run] [--allow-missing]``

Replaces the administrative division list (GB/T 2260) that every typed region code is checked
against (``REGION_CODES_FILE``) with a newer one: a JSON file (this project's format, with
``year`` and ``codes``, or a plain ``{"code": "name"}`` object) or a CSV of ``code,name`` lines.

A code still stored on some record (an organization, a site, an incident…) that the new list
lacks is refused unless ``--allow-missing``: divisions are merged and renumbered over the years,
and such records would then fail validation when edited, so an operator decides.
"""

from __future__ import annotations

import csv
import json
import os
import re
import tempfile
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.validators import read_region_codes_file

CODE_RE = re.compile(r"^\d{6}$")


def read_upload(path: Path) -> tuple[dict[str, str], int | None, str]:
    """code → name, the year the file names (if any) and its source note."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json":
        document = json.loads(text)
        if isinstance(document, dict) and isinstance(document.get("codes"), dict):
            year = document.get("year")
            return document["codes"], int(year) if year else None, document.get("source", "")
        if isinstance(document, dict):
            return document, None, ""
        raise CommandError("A JSON list is an object of code → name, or {year, codes}.")
    codes = {}
    for number, row in enumerate(csv.reader(text.splitlines()), 1):
        if not row or not row[0].strip() or (number == 1 and not row[0].strip().isdigit()):
            continue  # blank lines and a header
        if len(row) < 2:
            raise CommandError(f"line {number}: expected code,name")
        codes[row[0].strip()] = row[1].strip()
    return codes, None, ""


def check_codes(codes: dict[str, str]) -> None:
    bad = [c for c, name in codes.items() if not CODE_RE.match(str(c)) or not str(name).strip()]
    if bad:
        raise CommandError(f"not a six-digit code with a name: {', '.join(sorted(bad)[:20])}")
    provinces = {c[:2] for c in codes if c.endswith("0000")}
    orphans = [c for c in codes if c[:2] not in provinces]
    if orphans:
        raise CommandError(f"codes whose province is not in the list: {', '.join(orphans[:20])}")


def codes_in_use() -> dict[str, set[str]]:
    """Every region code stored on a record, by model label (any model with a ``region_code``)."""
    used: dict[str, set[str]] = {}
    for model in apps.get_models():
        if any(f.name == "region_code" for f in model._meta.concrete_fields):
            values = model._default_manager.exclude(region_code="").order_by()
            used[model._meta.label] = set(values.values_list("region_code", flat=True).distinct())
    return used


class Command(BaseCommand):
    help = (
        "Replace the GB/T 2260 administrative division list that region codes are checked against."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="JSON (code → name, or {year, codes}) or CSV")
        parser.add_argument("--year", type=int, help="the year of the list (if the file has none)")
        parser.add_argument("--source", default="", help="where the list comes from")
        parser.add_argument("--dry-run", action="store_true", help="report, change nothing")
        parser.add_argument(
            "--allow-missing",
            action="store_true",
            help="accept a list that lacks codes still stored on records",
        )

    def handle(self, *args, file: Path, year, source, dry_run, allow_missing, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            codes, file_year, file_source = read_upload(file)
        except (ValueError, UnicodeDecodeError) as exc:
            raise CommandError(f"{file}: {exc}") from exc
        year = year or file_year
        if not year:
            raise CommandError("Give the year of the list (--year), e.g. --year 2024.")
        codes = {str(c): str(n).strip() for c, n in codes.items()}
        check_codes(codes)
        target = Path(settings.REGION_CODES_FILE)
        current = read_region_codes_file(str(target)) if target.exists() else None
        old = set(current.codes) if current else set()
        added, removed = sorted(set(codes) - old), sorted(old - set(codes))
        self.stdout.write(
            f"{len(codes)} codes ({year}): {len(added)} added, {len(removed)} removed"
            + (f" (was {current.year})" if current else "")
        )
        missing = {
            label: sorted(values - set(codes))
            for label, values in codes_in_use().items()
            if values - set(codes)
        }
        for label, values in missing.items():
            self.stdout.write(
                f"  {label}: {len(values)} stored codes not in the new list: "
                + ", ".join(values[:20])
            )
        if missing and not allow_missing:
            raise CommandError(
                "Records still carry codes the new list lacks; fix them or pass --allow-missing."
            )
        if dry_run:
            self.stdout.write("dry run: nothing written")
            return
        document = {
            "standard": "GB/T 2260",
            "year": year,
            "source": source or file_source or file.name,
            "codes": dict(sorted(codes.items())),
        }
        # Written beside the target and renamed over it: a reader never sees half a list.
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".gb2260-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(document, out, ensure_ascii=False, indent=0)
            out.write("\n")
        os.replace(temporary, target)
        self.stdout.write(f"written to {target}")
