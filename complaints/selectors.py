"""Read-only questions other apps ask about complaints.

``upheld_complaints``: a complaint is upheld when it ended in the consumer's favour, i.e. in a
mediation agreement (``outcome == "agreement"``); acceptance alone, a reply, a closing without an
outcome, a termination without agreement, a withdrawal or a decline never count. Quality records
and credit classes (``workbench.quality``) count through it.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .choices import Outcome
from .models import Complaint

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
