"""Read models of incidents for figures (the regulators' dashboard, its API and the annual
report): the incidents a user sees reported in a period, counted by month, grade and status, and
the reporting and investigation deadlines met and missed per level. Rows hold codes and numbers;
labels and plots are the caller's."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, OuterRef
from django.db.models.functions import TruncMonth
from django.utils import timezone

from .choices import Grade, Level, Source, Status, level_rank
from .models import Incident, IncidentTimeline

# The deadlines counted, in the order figures list them; the enterprise's own ones are counted
# under ``LEVEL_ENTERPRISE`` beside the regulator levels.
DEADLINES = ("report", "pass_up", "investigation", "written_report")
LEVEL_ENTERPRISE = "enterprise"


def _local_day(value) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def reported_between(user, start_at: datetime, end_at: datetime):
    """The incidents ``user`` sees (``Incident.objects.visible_to``) reported from ``start_at``
    up to, not including, ``end_at`` (the API's ``reported_after``/``reported_before``)."""
    return Incident.objects.visible_to(user).filter(
        reported_at__gte=start_at, reported_at__lt=end_at
    )


def counts_by_month(incidents) -> list[dict]:
    """``{"month": "YYYY-MM", "grade", "status", "count"}`` per month (local time) of report,
    grade and status, by month then grade (I first) then the workflow's order of statuses."""
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    rows = (
        incidents.order_by()
        .annotate(month=TruncMonth("reported_at"))
        .values("month", "grade", "status")
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts[(f"{_local_day(row['month']):%Y-%m}", row["grade"], row["status"])] += row["n"]
    return [
        {"month": month, "grade": grade, "status": status, "count": n}
        for (month, grade, status), n in sorted(
            counts.items(),
            key=lambda kv: (kv[0][0], Grade.values.index(kv[0][1]), Status.values.index(kv[0][2])),
        )
    ]


def deadline_counts(incidents) -> dict[tuple[str, str], list[int]]:
    """(level, deadline) → [met, missed] over the incidents given, from their due and done times
    and their timelines: a report is late when ``reported_late``; a pass-up is met when the level
    passed it up within ``INCIDENT_PASS_UP_MINUTES`` of receiving it and missed when the sweep
    escalated it (a level at or above the one the incident's grade requires owes no pass-up); an
    investigation report is missed when the sweep marked it overdue and met when the incident was
    concluded without that; the award holder's written report likewise."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    incidents = incidents.order_by()
    for row in (
        incidents.filter(source=Source.ENTERPRISE).values("reported_late").annotate(n=Count("id"))
    ):
        counts[(LEVEL_ENTERPRISE, "report")][1 if row["reported_late"] else 0] += row["n"]
    overdue = IncidentTimeline.objects.filter(
        incident=OuterRef("pk"), action="investigation_overdue"
    )
    for row in (
        incidents.filter(concluded_at__isnull=False)
        .exclude(Exists(overdue))
        .values("handling_level")
        .annotate(n=Count("id"))
    ):
        counts[(row["handling_level"], "investigation")][0] += row["n"]
    _count_timeline_deadlines(incidents, counts)
    return counts


def _count_timeline_deadlines(incidents, counts) -> None:
    """The pass-ups, overdue investigations and award holders' written reports, read from the
    incidents' timelines incident by incident."""
    rows = (
        IncidentTimeline.objects.filter(incident__in=incidents.values("pk"))
        .filter(
            action__in=(
                "reported_up",
                "escalated",
                "investigation_overdue",
                "written_report_overdue",
                "supplement",
            )
        )
        .order_by("incident_id", "at", "id")
        .values_list(
            "incident_id",
            "action",
            "at",
            "data",
            "incident__reported_at",
            "incident__required_level",
            "incident__handling_level",
        )
    )
    window = timedelta(minutes=settings.INCIDENT_PASS_UP_MINUTES)
    arrived: dict[str, datetime] = {}
    current, written_overdue = None, False
    for incident_id, action, at, data, reported_at, required, handling in rows.iterator(
        chunk_size=2000
    ):
        if incident_id != current:  # rows come incident by incident
            current, arrived, written_overdue = incident_id, {}, False
        data = data or {}
        if action in ("reported_up", "escalated"):
            source_level, target = data.get("from"), data.get("to")
            if source_level not in Level.values:
                continue
            if target:
                arrived[target] = at
            if required in Level.values and level_rank(source_level) >= level_rank(required):
                continue  # passed on beyond the level the grade requires: no deadline ran
            entered = arrived.get(source_level, reported_at)
            met = action == "reported_up" and at - entered <= window
            counts[(source_level, "pass_up")][0 if met else 1] += 1
        elif action == "investigation_overdue":
            counts[(handling, "investigation")][1] += 1
        elif action == "written_report_overdue":
            written_overdue = True
            counts[(LEVEL_ENTERPRISE, "written_report")][1] += 1
        elif action == "supplement" and data.get("written_report") and not written_overdue:
            counts[(LEVEL_ENTERPRISE, "written_report")][0] += 1


def deadline_rows(incidents) -> list[dict]:
    """``deadline_counts`` as rows ``{"level", "deadline", "met", "missed"}``: the enterprise
    first, then the regulator levels from the county up; deadlines in ``DEADLINES`` order."""
    counts = deadline_counts(incidents)
    order = [LEVEL_ENTERPRISE, *Level.values]
    keys = sorted(counts, key=lambda k: (order.index(k[0]), DEADLINES.index(k[1])))
    return [
        {"level": level, "deadline": deadline, "met": met, "missed": missed}
        for level, deadline in keys
        for met, missed in [counts[(level, deadline)]]
    ]
