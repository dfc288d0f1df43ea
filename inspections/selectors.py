"""Reads of spot checks that others use: the failed official checks of an enterprise (the
quality credit record, Sichuan draft Art. 25, counts these and only these: not any
``non_conformant`` inspection event someone captured) and a draw's verification."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, QuerySet
from django.utils import timezone

from core.models import Organization

from . import policy
from .choices import SpotCheckResult, SpotCheckStatus
from .draw import ALGORITHM, draw
from .models import SpotCheck, SpotCheckDraw


def _day(moment: date | datetime) -> date:
    """A window bound as a local (Asia/Shanghai) day: checks are dated by day."""
    if isinstance(moment, datetime):
        return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()
    return moment


def failed_spot_checks(
    organization: Organization,
    since: date | datetime,
    until: date | datetime | None = None,
) -> QuerySet[SpotCheck]:
    """The enterprise's official spot checks that failed, checked on a (local) day from
    ``since``'s day to ``until``'s day, both included (``until`` default: no end). Pass the
    quality record's window as it is (``since, until = window(now)``): a check failed today
    counts."""
    checks = SpotCheck.objects.filter(
        enterprise=organization,
        status=SpotCheckStatus.DONE,
        result=SpotCheckResult.FAIL,
        checked_on__gte=_day(since),
    )
    if until is not None:
        checks = checks.filter(checked_on__lte=_day(until))
    return checks.order_by("checked_on", "id")


def failed_spot_check_counts(
    organization_ids: Iterable[int],
    since: date | datetime,
    until: date | datetime,
) -> dict[int, int]:
    """``failed_spot_checks`` counted for many enterprises in one query (same window, both
    days included): {organization id: n}; enterprises with none are absent."""
    rows = (
        SpotCheck.objects.filter(
            enterprise_id__in=list(organization_ids),
            status=SpotCheckStatus.DONE,
            result=SpotCheckResult.FAIL,
            checked_on__gte=_day(since),
            checked_on__lte=_day(until),
        )
        .order_by()
        .values("enterprise_id")
        .annotate(n=Count("id"))
        .values_list("enterprise_id", "n")
    )
    return dict(rows)


def failed_spot_check_rows(
    organization_ids: Iterable[int],
    since: date | datetime,
    until: date | datetime,
) -> list[tuple[int, int, date]]:
    """``failed_spot_checks`` of many enterprises in one query (same window, both days
    included), one row each: (check id, enterprise id, day checked)."""
    return list(
        SpotCheck.objects.filter(
            enterprise_id__in=list(organization_ids),
            status=SpotCheckStatus.DONE,
            result=SpotCheckResult.FAIL,
            checked_on__gte=_day(since),
            checked_on__lte=_day(until),
        )
        .order_by("checked_on", "id")
        .values_list("id", "enterprise_id", "checked_on")
    )


def last_spot_checks(organization_id: int, count: int) -> list[tuple[int, date, str]]:
    """The enterprise's last ``count`` concluded official spot checks, latest first:
    (check id, day checked, result)."""
    return list(
        SpotCheck.objects.filter(enterprise_id=organization_id, status=SpotCheckStatus.DONE)
        .order_by("-checked_on", "-id")
        .values_list("id", "checked_on", "result")[:count]
    )


@dataclass(frozen=True)
class Verification:
    """A draw run again from its stored seed and lists, compared with what it stored."""

    matches: bool
    checks_match: bool
    algorithm: str
    seed: str
    stored: list[dict]
    redrawn: list[dict]
    reason: str = ""


def draw_verify(record: SpotCheckDraw) -> Verification:
    """Re-draw from the stored seed and candidate lists: ``matches`` when the result is the
    one stored, ``checks_match`` when the planned checks are the stored result's too."""
    stored = list(record.result)
    redrawn: list[dict] = []
    reason = ""
    if record.algorithm != ALGORITHM:
        reason = f"unknown algorithm {record.algorithm}"
    else:
        try:
            redrawn = [
                a.as_dict()
                for a in draw(
                    seed_hex=record.seed,
                    enterprises=list(record.enterprise_candidates),
                    inspectors=list(record.inspector_candidates),
                    enterprise_count=record.enterprise_count,
                    inspectors_per_check=record.inspectors_per_check,
                )
            ]
        except (ValueError, TypeError) as exc:
            reason = str(exc)
    planned = [
        {"enterprise": c.enterprise_id, "inspectors": sorted(u.pk for u in c.inspectors.all())}
        for c in record.checks.order_by("position").prefetch_related("inspectors")
    ]
    as_planned = [
        {"enterprise": a["enterprise"], "inspectors": sorted(a["inspectors"])} for a in stored
    ]
    return Verification(
        matches=bool(redrawn) and redrawn == stored,
        checks_match=planned == as_planned,
        algorithm=record.algorithm,
        seed=record.seed,
        stored=stored,
        redrawn=redrawn,
        reason=reason,
    )


def published_checks(regulator: Organization, count: int = 100) -> QuerySet[SpotCheck]:
    """The concluded checks of the regulator's jurisdiction, as published (一公开), latest
    first."""
    return (
        SpotCheck.objects.public()
        .filter(region_code__startswith=policy.draw_scope(regulator))
        .select_related("enterprise", "regulator")
        .order_by("-checked_on", "-id")[:count]
    )
