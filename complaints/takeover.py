"""Whether the city above the place holds a complaint it took over (``escalation``): the
timeline fact ``policy.is_handler`` (who handles a complaint) and the escalation rules read."""

from __future__ import annotations

from .models import Complaint, ComplaintTimeline


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
