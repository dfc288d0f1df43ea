"""Signals over scans: never-issued codes scanned repeatedly, scans after recall, destruction or
expiry, more scans than units made, and scans in a city where no holder of the lot is."""

from __future__ import annotations

from datetime import datetime, timedelta
from trace.core.choices import BatchStatus
from trace.models import Batch, Custody, Product, ScanLog

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from ..choices import SignalKind
from ..models import UnknownCodeScan
from .raising import signal_raise


def scan_signals(*, now: datetime) -> int:
    """Never-issued codes scanned repeatedly; scans after recall, destruction or expiry; more scans
    than units made. Each raised once per subject (idempotent)."""
    since = now - timedelta(days=settings.RISK_INJURY_WINDOW_DAYS)
    recent = ScanLog.objects.filter(scanned_at__gte=since, scanned_at__lte=now)
    raised = _unknown_code_signals(since=since, now=now)
    raised += _after_end_signals(recent, now=now)
    raised += _over_scanned_signals(recent, now=now)
    raised += _outside_region_signals(since=since, now=now)
    return raised


def _unknown_code_signals(*, since: datetime, now: datetime) -> int:
    """Codes never issued, scanned at least ``RISK_UNKNOWN_CODE_SCANS`` times since ``since``."""
    raised = 0
    unknown = (
        UnknownCodeScan.objects.filter(day__gte=timezone.localtime(since).date())
        .values("gtin", "lot")
        .annotate(n=Sum("count"))
        .filter(n__gte=settings.RISK_UNKNOWN_CODE_SCANS)
        .order_by("gtin", "lot")
    )
    for row in unknown:
        product = Product.objects.select_related("owner").filter(gtin=row["gtin"]).first()
        producer = product.owner if product else None
        raised += _raised(
            signal_raise(
                key=f"unknown:{row['gtin']}:{row['lot']}",
                kind=SignalKind.UNKNOWN_CODE,
                evidence={
                    "gtin": row["gtin"],
                    "lot": row["lot"],
                    "scans": row["n"],
                    "threshold": settings.RISK_UNKNOWN_CODE_SCANS,
                    "since": since.isoformat(),
                    "gtin_registered": product is not None,
                },
                region_code=producer.region_code if producer else "",
                producer=producer,
                gtin=row["gtin"],
                lot=row["lot"],
                now=now,
            )
        )
    return raised


def _after_end_signals(recent, *, now: datetime) -> int:
    """Lots scanned at least ``RISK_SCANS_AFTER_END`` times after their recall, destruction or
    expiry, among the ``recent`` scans."""
    raised = 0
    after_end = (
        recent.filter(
            Q(
                batch__status__in=[BatchStatus.RECALLED, BatchStatus.DESTROYED],
                scanned_at__gt=F("batch__status_changed_at"),
            )
            | Q(batch__expiry_date__lt=TruncDate("scanned_at"))
        )
        .values("batch")
        .annotate(n=Count("id"))
        .filter(n__gte=settings.RISK_SCANS_AFTER_END)
        .order_by("batch")
    )
    for row in after_end:
        batch = Batch.objects.select_related("product__owner").get(pk=row["batch"])
        ended = (BatchStatus.RECALLED, BatchStatus.DESTROYED)
        why = str(batch.status) if batch.status in ended else "expired"  # a code (titles)
        raised += _raised(
            _batch_signal(
                batch,
                key=f"after_end:{batch.pk}:{why}",
                kind=SignalKind.SCANNED_AFTER_END,
                evidence={
                    "batch": batch.pk,
                    "gtin": batch.gtin,
                    "lot": batch.lot,
                    "scans": row["n"],
                    "why": why,
                    "status_changed_at": batch.status_changed_at.isoformat(),
                    "expiry_date": batch.expiry_date.isoformat() if batch.expiry_date else None,
                    "threshold": settings.RISK_SCANS_AFTER_END,
                },
                now=now,
            )
        )
    return raised


def _over_scanned_signals(recent, *, now: datetime) -> int:
    """Lots among the ``recent`` scans scanned more than ``RISK_SCANS_PER_UNIT_FACTOR`` times
    their units made, counting every scan of them."""
    raised = 0
    scanned = recent.values("batch").distinct()
    over = (
        ScanLog.objects.filter(batch__in=scanned, batch__quantity__gt=0)
        .values("batch", "batch__quantity")
        .annotate(n=Count("id"))
        .filter(n__gt=F("batch__quantity") * settings.RISK_SCANS_PER_UNIT_FACTOR)
        .order_by("batch")
    )
    for row in over:
        batch = Batch.objects.select_related("product__owner").get(pk=row["batch"])
        raised += _raised(
            _batch_signal(
                batch,
                key=f"over_scanned:{batch.pk}",
                kind=SignalKind.OVER_SCANNED,
                evidence={
                    "batch": batch.pk,
                    "gtin": batch.gtin,
                    "lot": batch.lot,
                    "scans": row["n"],
                    "units": str(batch.quantity),
                    "factor": settings.RISK_SCANS_PER_UNIT_FACTOR,
                },
                now=now,
            )
        )
    return raised


def _outside_region_signals(*, since: datetime, now: datetime) -> int:
    """Scans placed in a city where no holder of the lot (producer or custody) is: diversion.
    Both the Django page and the fast Redis layer put the region on the scan log."""
    raised = 0
    rows = (
        ScanLog.objects.filter(scanned_at__gte=since, scanned_at__lte=now)
        .exclude(region_code="")
        .values("batch", "region_code")
        .annotate(n=Count("id"))
        .order_by("batch", "region_code")
    )
    by_city: dict[tuple[int, str], int] = {}
    for row in rows:
        key = (row["batch"], row["region_code"][:4])
        by_city[key] = by_city.get(key, 0) + row["n"]
    for (batch_id, city), n in sorted(by_city.items()):
        if n < settings.RISK_SCANS_OUTSIDE_REGION:
            continue
        batch = Batch.objects.select_related("product__owner").get(pk=batch_id)
        places = set(
            Custody.objects.filter(batch=batch).values_list("organization__region_code", flat=True)
        )
        if batch.product_id:
            places.add(batch.product.owner.region_code)
        if any(place.startswith(city) for place in places):
            continue
        raised += _raised(
            _batch_signal(
                batch,
                key=f"outside_region:{batch.pk}:{city}",
                kind=SignalKind.OUTSIDE_REGION,
                evidence={
                    "batch": batch.pk,
                    "gtin": batch.gtin,
                    "lot": batch.lot,
                    "scans": n,
                    "region": f"{city}00",
                    "shipped_to": sorted(places),
                    "threshold": settings.RISK_SCANS_OUTSIDE_REGION,
                },
                now=now,
            )
        )
    return raised


def _raised(signal) -> int:
    return 0 if signal is None else 1


def _batch_signal(batch: Batch, *, key, kind, evidence, now):
    producer = batch.product.owner if batch.product_id else None
    return signal_raise(
        key=key,
        kind=kind,
        evidence=evidence,
        region_code=producer.region_code if producer else "",
        producer=producer,
        batches=[batch],
        gtin=batch.gtin,
        lot=batch.lot,
        now=now,
    )


def count_unknown_scan(*, gtin: str, lot: str, at: datetime) -> None:
    day = timezone.localtime(at).date()
    updated = UnknownCodeScan.objects.filter(gtin=gtin, lot=lot[:20], day=day).update(
        count=F("count") + 1
    )
    if not updated:
        try:
            with transaction.atomic():
                UnknownCodeScan.objects.create(gtin=gtin, lot=lot[:20], day=day, count=1)
        except IntegrityError:
            UnknownCodeScan.objects.filter(gtin=gtin, lot=lot[:20], day=day).update(
                count=F("count") + 1
            )
