"""What every complaint service shares: the state-machine check, the row lock, who handles a complaint (policy), the notices to regulators and to the respondent, the timeline writer, and what SAMR Order 20 Art. 9 requires of a complaint."""

from __future__ import annotations

import logging
from trace.models import Batch

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions

from core.choices import OrganizationKind
from core.errors import Conflict, StateConflict, check_transition
from core.models import Organization
from core.outbox import notify_each
from core.validators import field_error as _field_error
from core.validators import require_county_region_code
from incidents import services as incident_services

from .. import policy
from ..choices import (
    RESPONDENT_TRANSITIONS,
    TRANSITIONS,
    RespondentKind,
    allowed_actions,
    respondent_allowed_actions,
)
from ..models import (
    Complaint,
    ComplaintTimeline,
)

logger = logging.getLogger(__name__)


# The state machine's refusal (409 naming the current state and the allowed actions), for
# complaints, risk signals and (``report_services``) reports alike: ``core.errors``.
IllegalComplaintTransition = StateConflict


NotYourComplaint = policy.NotYourComplaint


class IncompleteComplaint(Conflict):
    """409: a complaint without what SAMR Order 20 Art. 9 asks cannot be accepted."""

    default_code = "incomplete_complaint"

    def __init__(self):
        super().__init__(
            _(
                "This complaint lacks what SAMR Order 20 Art. 9 requires (the complainant's "
                "name, phone and address, the respondent, the claim): decline it on the ground "
                "of Art. 15 (5), or turn it into a report."
            ),
            code="incomplete_complaint",
        )


_log = ComplaintTimeline.record  # one row on a complaint's timeline (never contact details)


def _payload(complaint: Complaint) -> dict:
    """What a notification says about a complaint: never contact details."""
    return {
        "id": complaint.pk,
        "status": complaint.status,
        "injured": complaint.injured,
        "batch": {"gtin": complaint.batch.gtin, "lot": complaint.batch.lot},
        "region_code": complaint.region_code,
        "url": f"{settings.PUBLIC_BASE_URL}/api/v1/complaints/{complaint.pk}/",
    }


def _notify_regulators(complaint: Complaint, level: str, *, topic: str, subject: str) -> None:
    notify_each(
        incident_services.regulators_at(level, complaint.region_code),
        topic=topic,
        subject=subject,
        body=_("Complaint #%(id)s about lot %(lot)s: %(status)s.")
        % {
            "id": complaint.pk,
            "lot": complaint.batch.lot,
            "status": complaint.get_status_display(),
        },
        payload=_payload(complaint),
        about=complaint,
    )


def _notify_respondent(complaint: Complaint, *, topic: str, subject: str) -> None:
    """Tell the respondent enterprise (when registered here): no contact details."""
    if complaint.respondent_organization_id is None:
        return
    notify_each(
        [complaint.respondent_organization],
        topic=topic,
        subject=subject,
        body=_("Complaint #%(id)s about lot %(lot)s: %(status)s.")
        % {
            "id": complaint.pk,
            "lot": complaint.batch.lot,
            "status": complaint.get_status_display(),
        },
        payload={
            **_payload(complaint),
            "url": f"{settings.PUBLIC_BASE_URL}/api/v1/enterprise/complaints/{complaint.pk}/",
        },
        about=complaint,
    )


is_handler = policy.is_handler  # the county regulator of the handling place (policy)


def _lock(complaint_id: int, actor) -> Complaint:
    complaint = Complaint.objects.select_for_update().filter(pk=complaint_id).first()
    if complaint is None or not (
        Complaint.objects.visible_to(actor).filter(pk=complaint_id).exists()
        or policy.respondent_complaints(actor).filter(pk=complaint_id).exists()
    ):
        raise exceptions.NotFound()
    return complaint


def _require_handler(actor, complaint: Complaint, action: str) -> None:
    if not is_handler(actor, complaint):
        raise NotYourComplaint(
            _("Only the county regulator of the place handling this complaint may %(action)s it.")
            % {"action": action}
        )


def _check(complaint: Complaint, action: str) -> str | None:
    table, allowed = (
        (RESPONDENT_TRANSITIONS, respondent_allowed_actions)
        if action in RESPONDENT_TRANSITIONS
        else (TRANSITIONS, allowed_actions)
    )
    return check_transition(complaint, action, table, allowed=allowed)


def _need(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise _field_error(field, _("Give a reason; the consumer is told."), "required")
    return value


def _handling_region(batch: Batch, seller_region_code: str, respondent: Organization | None) -> str:
    """Order 20 Art. 12: the respondent's place (the seller's region when given, else the
    respondent enterprise's registered region, else the maker's)."""
    if seller_region_code:
        require_county_region_code("seller_region_code", seller_region_code)
        return seller_region_code
    if respondent is not None and respondent.region_code:
        return respondent.region_code
    if batch.product_id and batch.product.owner_id:
        return batch.product.owner.region_code
    raise _field_error(
        "code",
        _("Nobody is registered here as the maker of this lot; give the seller's region."),
        "no_handling_place",
    )


def respondent_prefill(batch: Batch) -> dict:
    """The respondent as the scanned lot names it: its maker, at its first site's address (the
    consumer may change it to the seller)."""
    owner = batch.product.owner if batch.product_id and batch.product.owner_id else None
    if owner is None:
        return {"kind": RespondentKind.SELLER, "name": "", "address": ""}
    site = owner.sites.order_by("id").first()
    return {
        "kind": RespondentKind.MAKER,
        "name": owner.name,
        "address": site.address if site else "",
    }


def _respondent_organization(batch: Batch, kind: str, name: str) -> Organization | None:
    """The enterprise registered here that the respondent names: the lot's maker when the
    complaint is against the maker, else an enterprise of exactly that name."""
    owner = batch.product.owner if batch.product_id and batch.product.owner_id else None
    if kind == RespondentKind.MAKER and owner is not None and (not name or name == owner.name):
        return owner
    if not name:
        return None
    found = list(Organization.objects.filter(name=name, kind=OrganizationKind.ENTERPRISE)[:2])
    return found[0] if len(found) == 1 else None


ART_9_FIELDS = ("contact_name", "contact_phone", "contact_address", "respondent", "claim")


def missing_art_9(
    *, contact_name: str, contact_phone: str, contact_address: str, respondent_name: str, claim: str
) -> list[str]:
    """What SAMR Order 20 Art. 9 asks of a complaint that is not given."""
    given = {
        "contact_name": contact_name,
        "contact_phone": contact_phone,
        "contact_address": contact_address,
        "respondent": respondent_name,
        "claim": claim,
    }
    return [field for field in ART_9_FIELDS if not (given[field] or "").strip()]
