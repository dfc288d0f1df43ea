"""Whether the city above the place holds a complaint it took over (``escalation``): read by
``policy.is_handler`` (who handles a complaint) and by the escalation services."""

from __future__ import annotations

from incidents.choices import Level

from .models import Complaint, ComplaintTimeline


def is_city_above(org, complaint: Complaint) -> bool:
    return bool(
        org and org.is_regulator and org.level == Level.CITY and org.governs(complaint.region_code)
    )


def taken_over(complaint: Complaint) -> bool:
    """The city holds the complaint it took over (not handed back, not forwarded since)."""
    if not complaint.escalated:
        return False
    last = (
        ComplaintTimeline.objects.filter(
            complaint_id=complaint.pk, action__in=("taken_over", "handed_back", "forwarded")
        )
        .order_by("-at", "-id")
        .values_list("action", flat=True)
        .first()
    )
    return last == "taken_over"


def city_handles(org, complaint: Complaint) -> bool:
    """The city regulator above the place handles a complaint it took over."""
    return is_city_above(org, complaint) and taken_over(complaint)
