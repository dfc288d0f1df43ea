import json
from pathlib import Path
from trace.core import signing
from trace.core.chain import check_digest, check_stored_digests, verify_record

from django.core.management.base import BaseCommand, CommandError

from core.models import Organization


class Command(BaseCommand):
    help = (
        "Verify the event record: each organization's hash chain; every event column the application "
        "reads, recomputed from the hashed document; the derived event-lot links, lineage edges, "
        "EPCIS query index and custody; each chain's tail against its recorded head; the signed digests "
        "stored here, and any digest kept outside (--digest). Names every difference; exits non-zero on any."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--organization", type=int, help="only this organization's events (custody is skipped)"
        )
        parser.add_argument(
            "--digest",
            action="append",
            default=[],
            metavar="FILE",
            help="a signed digest downloaded earlier (GET /api/v1/chain/digests/<date>/); repeatable",
        )
        parser.add_argument(
            "--public-key",
            metavar="FILE",
            help="the signing public key (PEM or base64) the digests must verify with; "
            "default: this server's key",
        )
        parser.add_argument("--chunk-size", type=int, default=2000, help="events read per query")
        parser.add_argument(
            "--limit", type=int, default=1000, help="findings listed at most (all are counted)"
        )

    def handle(
        self,
        *args,
        organization=None,
        digest=(),
        public_key=None,
        chunk_size=2000,
        limit=1000,
        **options,
    ):
        if organization is not None and not Organization.objects.filter(pk=organization).exists():
            raise CommandError(f"no organization with id {organization}")
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1")
        try:
            key = (
                signing.load_public(Path(public_key).read_text())
                if public_key
                else signing.public_key()
            )
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read the public key: {exc}") from exc
        signed_files = []
        for name in digest:
            try:
                signed_files.append((name, json.loads(Path(name).read_text())))
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot read digest {name}: {exc}") from exc

        report = verify_record(organization_id=organization, chunk_size=chunk_size, limit=limit)
        check_stored_digests(key=key, report=report)
        for name, signed in signed_files:
            check_digest(
                signed if isinstance(signed, dict) else {},
                key=key,
                report=report,
                label=f"digest {name}",
            )

        for finding in report.findings:
            self.stdout.write(self.style.ERROR(str(finding)))
        custody = (
            "custody not checked (one organization)"
            if report.custody_rows is None
            else (f"{report.custody_rows} custody rows")
        )
        summary = (
            f"{report.events} events in {report.organizations} chains, {custody}, "
            f"{report.digests} signed digests checked"
        )
        if report.intact:
            self.stdout.write(self.style.SUCCESS(f"{summary}: intact"))
            return
        shown = (
            ""
            if report.total <= len(report.findings)
            else f" (first {len(report.findings)} listed)"
        )
        raise CommandError(f"{summary}: {report.total} finding(s){shown}")
