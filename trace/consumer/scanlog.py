"""The scan log of scans the fast page layer answered without Django."""

from datetime import UTC, datetime
from trace.models import Batch, ScanLog

from . import fastpage


def scan_log_flush(*, limit: int = 10_000) -> int:
    """Store the scans the fast page layer queued in Redis; returns how many."""
    written = 0
    while True:
        lines = fastpage.drain_scans(limit)
        if not lines:
            return written
        keys = {(line[0], line[1]) for line in lines}
        ids = {
            (g, lot): pk
            for pk, g, lot in Batch.objects.filter(
                gtin__in={k[0] for k in keys}, lot__in={k[1] for k in keys}
            ).values_list("pk", "gtin", "lot")
        }
        rows = [
            ScanLog(
                batch_id=ids[(g, lot)],
                scanned_at=datetime.fromtimestamp(ts, UTC),
                client=client[:16],
                language=language[:8],
                signed_in=False,
                region_code=str(region[0])[:6] if region else "",  # lines queued before 6 fields
            )
            for g, lot, ts, client, language, *region in lines
            if (g, lot) in ids
        ]
        ScanLog.objects.bulk_create(rows)
        written += len(rows)
        if len(lines) < limit:
            return written
