"""The handling regulator links a complaint's respondent (SAMR Order 20 Art. 9 (2)) to the
enterprise registered here by its unified social credit code, when intake could not (no code
given, no name that fits one enterprise only)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.choices import OrganizationKind
from core.errors import check_transition
from core.models import Organization
from core.validators import field_error

from .. import policy
from ..choices import OPEN_COMPLAINT_STATUSES
from ..models import Complaint
from .common import _lock, _log, _notify_respondent
from .respondent import clean_credit_code

_WHILE_OPEN = {"link-respondent": (OPEN_COMPLAINT_STATUSES, None)}


def complaint_link_respondent(
    *, complaint_id: int, actor, credit_code: str, reason: str = "", now: datetime | None = None
) -> Complaint:
    """Link the respondent to the enterprise of this credit code (GB 32100-2015), while the
    complaint is open; the enterprise then answers it in its workbench once accepted."""
    now = now or timezone.now()
    code = clean_credit_code(credit_code, field="credit_code")
    if not code:
        raise field_error(
            "credit_code", _("Give the respondent's unified social credit code."), "required"
        )
    with transaction.atomic():
        complaint = _lock(complaint_id, actor)
        policy.require(actor, "link-respondent", complaint)
        check_transition(complaint, "link-respondent", _WHILE_OPEN)
        org = Organization.objects.filter(
            credit_code=code, kind=OrganizationKind.ENTERPRISE
        ).first()
        if org is None:
            raise field_error(
                "credit_code",
                _("No enterprise with this unified social credit code is registered here."),
                "unknown_credit_code",
            )
        previous = complaint.respondent_organization_id
        complaint.respondent_organization, complaint.respondent_credit_code = org, code
        complaint.save(
            update_fields=["respondent_organization", "respondent_credit_code", "updated_at"]
        )
        _log(
            complaint,
            "respondent_linked",
            actor=actor,
            reason=(reason or "").strip(),
            at=now,
            data={
                "organization": org.pk,
                "credit_code": code,
                "previous": previous,
                "citation": "SAMR Order 20 Art. 9 (2)",
            },
        )
        if complaint.accepted_at is not None:
            _notify_respondent(
                complaint,
                topic="complaint.respondent_linked",
                subject=_("Complaint #%(id)s is against your enterprise") % {"id": complaint.pk},
            )
    return complaint
