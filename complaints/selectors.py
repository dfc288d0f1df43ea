"""Read-only questions other apps ask about complaints.

``upheld_complaints``: a complaint is upheld when it ended in the consumer's favour, i.e. in a
mediation agreement (``outcome == "agreement"``); acceptance alone, a reply, a closing without an
outcome, a termination without agreement, a withdrawal or a decline never count. Quality records
and credit classes (``workbench.quality``) count through it.

``submitted_between`` and ``counts_by_week_and_category``: the complaints a user sees in a period
and their weekly counts per product category (the regulators' dashboard and its API);
``timeliness``: decisions and mediations ended in time (the annual report);
``signals_between``: the risk signals raised in a period, by kind and the weightiest first.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from .choices import ComplaintStatus, Outcome, SignalStatus
from .models import Complaint, RiskSignal

UPHELD_Q = Q(outcome=Outcome.AGREEMENT)


def upheld_complaints(queryset: QuerySet[Complaint] | None = None) -> QuerySet[Complaint]:
    """The complaints of ``queryset`` (all complaints when None) decided in the consumer's favour."""
    return (Complaint.objects.all() if queryset is None else queryset).filter(UPHELD_Q)


def upheld_against(organization_ids, *, since=None, until=None) -> QuerySet[Complaint]:
    """Upheld complaints about the products of the given enterprises (their maker), or naming
    them as respondent, filed in ``[since, until)``."""
    rows = upheld_complaints().filter(
        Q(batch__product__owner_id__in=organization_ids)
        | Q(respondent_organization_id__in=organization_ids)
    )
    if since is not None:
        rows = rows.filter(submitted_at__gte=since)
    if until is not None:
        rows = rows.filter(submitted_at__lt=until)
    return rows


def submitted_between(user, start_at: datetime, end_at: datetime) -> QuerySet[Complaint]:
    """The complaints ``user`` sees (``Complaint.objects.visible_to``) submitted from
    ``start_at`` up to, not including, ``end_at``."""
    return Complaint.objects.visible_to(user).filter(
        submitted_at__gte=start_at, submitted_at__lt=end_at
    )


def _local_day(value) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def counts_by_week_and_category(complaints) -> dict[tuple[date, str], int]:
    """(Monday of the week, local time; the product category's code or "" when the lot names
    no product) → complaints submitted."""
    counts: dict[tuple[date, str], int] = defaultdict(int)
    rows = (
        complaints.order_by()
        .annotate(week=TruncWeek("submitted_at"), category=F("batch__product__category"))
        .values("week", "category")
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts[(_local_day(row["week"]), row["category"] or "")] += row["n"]
    return dict(counts)


def timeliness(complaints, *, now: datetime | None = None) -> dict:
    """Decisions within Order 20's 7 working days (accepted or declined by ``accept_due_at``;
    undecided past it counts as late) and mediation ended by its deadline (``close_due_at``:
    60 days from acceptance under the 2024 Consumer Rights Regulation Art. 46, or the 45 working
    days of Order 20 Art. 21 for complaints filed before 2024-07-01)."""
    now = now or timezone.now()
    decided_in_time = decided_late = ended_in_time = ended_late = 0
    for status, due, accepted, closed, close_due in complaints.order_by().values_list(
        "status", "accept_due_at", "accepted_at", "closed_at", "close_due_at"
    ):
        decided = accepted or (closed if status == ComplaintStatus.DECLINED else None)
        if decided is not None:
            if decided <= due:
                decided_in_time += 1
            else:
                decided_late += 1
        elif status == ComplaintStatus.SUBMITTED and due < now:
            decided_late += 1
        if accepted and close_due:
            if closed is not None and status == ComplaintStatus.CLOSED:
                if closed <= close_due:
                    ended_in_time += 1
                else:
                    ended_late += 1
            elif closed is None and close_due < now:
                ended_late += 1
    return {
        "decided_in_time": decided_in_time,
        "decided_late": decided_late,
        "ended_in_time": ended_in_time,
        "ended_late": ended_late,
    }


# The order of weight of a signal's status: published as a warning first, dismissed last.
SIGNAL_RANK = [
    SignalStatus.PUBLISHED,
    SignalStatus.CONFIRMED,
    SignalStatus.OPEN,
    SignalStatus.DISMISSED,
]


def signals_between(user, start: datetime, end: datetime, limit: int = 5):
    """The risk signals ``user`` sees raised in [start, end): their counts by kind (most first),
    and the weightiest ``limit`` (by ``SIGNAL_RANK``, newest first within a status)."""
    signals = RiskSignal.objects.visible_to(user).filter(raised_at__gte=start, raised_at__lt=end)
    by_kind = [
        {"kind": row["kind"], "count": row["n"]}
        for row in signals.order_by().values("kind").annotate(n=Count("id")).order_by("-n", "kind")
    ]
    listed = sorted(
        signals.order_by("-raised_at", "-id")[:500],
        key=lambda s: SIGNAL_RANK.index(s.status) if s.status in SIGNAL_RANK else len(SIGNAL_RANK),
    )[:limit]
    return by_kind, listed
