"""Who sees a complaint and who may do what to it: the one place that decides.

Three parties (SAMR Order 20; the 2024 Consumer Rights Protection Law Implementing Regulation):

- The **handling regulator**: the county-level market regulator of the handling place
  (Order 20 Art. 12; rulebook ``complaint.handling_level``). It decides acceptance (Arts. 14–15),
  mediates (Arts. 16–22), pauses the clock for testing and may designate the testing body when
  the parties disagree (Regulation Art. 47), records the agreement or ends mediation, and is the
  only one that reads the complainant's contact details. Regulators above it read the complaint
  (``Complaint.objects.visible_to``) but do not act.
- The **respondent enterprise** (the seller or maker named, when registered here): once the
  complaint is accepted it reads it (without the complainant's phone or address: mediation runs
  through the regulator), answers, and agrees to or refuses mediation (Art. 16: mediation only
  with both parties' consent). Viewers of the enterprise read only.
- The **complainant**: reads the status by tracking code; never signed in.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework import exceptions

from core.models import organization_of
from core.rulebook import rule
from incidents.choices import Level

from . import takeover
from .choices import RESPONDENT_TRANSITIONS, TRANSITIONS
from .models import Complaint

HANDLER = "handler"
RESPONDENT = "respondent"


class NotYourComplaint(exceptions.PermissionDenied):
    default_code = "wrong_actor"


def handling_level(complaint: Complaint) -> str:
    """The government level that handles a complaint (Order 20 Art. 12: the county)."""
    return str(rule("complaint.handling_level", on=complaint.submitted_at).value)


def is_city_above(org, complaint: Complaint) -> bool:
    """The city regulator whose jurisdiction holds the complaint's place."""
    return bool(
        org and org.is_regulator and org.level == Level.CITY and org.governs(complaint.region_code)
    )


def city_handles(org, complaint: Complaint) -> bool:
    """The city regulator above the place handles a complaint it took over."""
    return is_city_above(org, complaint) and takeover.taken_over(complaint)


def is_county_of_place(org, complaint: Complaint) -> bool:
    """The county regulator of the complaint's place (the one the city urges)."""
    return bool(
        org is not None
        and org.is_regulator
        and org.level == Level.COUNTY
        and org.region_code == complaint.region_code
    )


def is_handler(user, complaint: Complaint) -> bool:
    """The regulator of the handling level at the handling place, or the city above it once it
    took the escalated complaint over (``escalation``): the only one who acts on the complaint
    and sees the complainant's contact details."""
    org = organization_of(user)
    if not (org and org.is_regulator):
        return False
    if complaint.escalated and city_handles(org, complaint):
        return True
    return (
        org.level == handling_level(complaint)
        and org.region_code == complaint.region_code
        and not (complaint.escalated and takeover.taken_over(complaint))
    )


def respondent_complaints(user) -> QuerySet[Complaint]:
    """The complaints against the user's enterprise that a regulator has accepted."""
    org = organization_of(user)
    if org is None or not org.is_enterprise:
        return Complaint.objects.none()
    return Complaint.objects.filter(respondent_organization=org, accepted_at__isnull=False)


def is_respondent(user, complaint: Complaint) -> bool:
    org = organization_of(user)
    return bool(
        org
        and org.is_enterprise
        and complaint.respondent_organization_id == org.pk
        and complaint.accepted_at is not None
    )


def role_of(user, complaint: Complaint) -> str | None:
    if is_handler(user, complaint):
        return HANDLER
    if is_respondent(user, complaint):
        return RESPONDENT
    return None


def may_write(user) -> bool:
    membership = getattr(user, "membership", None)
    return bool(membership and membership.can_write)


def can(user, action: str, complaint: Complaint) -> bool:
    """May ``user`` take ``action`` on ``complaint`` (whatever its current status)?"""
    if action in RESPONDENT_TRANSITIONS:
        return is_respondent(user, complaint) and may_write(user)
    if action in TRANSITIONS or action in ("to-report", "link-respondent"):
        return is_handler(user, complaint)
    if action == "see-contact":
        return is_handler(user, complaint)
    return False


def require(user, action: str, complaint: Complaint) -> None:
    if can(user, action, complaint):
        return
    if action in RESPONDENT_TRANSITIONS:
        raise NotYourComplaint(
            _(
                "Only the enterprise the complaint is against (operator or admin) may %(action)s "
                "once the complaint is accepted."
            )
            % {"action": action}
        )
    raise NotYourComplaint(
        _("Only the county regulator of the place handling this complaint may %(action)s it.")
        % {"action": action}
    )


def require_escalation(user, action: str, complaint: Complaint):
    """``take-over`` and ``urge``: the city regulator of the place, once the complaint was
    escalated to it and while the county still handles it; ``hand-back``: the city that took
    it over. 403 naming the rule otherwise."""
    org = organization_of(user)
    if not is_city_above(org, complaint):
        raise NotYourComplaint(
            _("Only the city regulator above the place acts on an escalated complaint."),
            code="city_only",
        )
    held = takeover.taken_over(complaint)
    if action in ("take-over", "urge"):
        if not complaint.escalated or held:
            raise NotYourComplaint(
                _(
                    "The city takes over or urges only a complaint escalated to it that the "
                    "county still handles."
                ),
                code="escalated_only",
            )
        return org
    if action == "hand-back":
        if not held:
            raise NotYourComplaint(
                _("Only the city that took the complaint over hands it back."),
                code="taken_over_only",
            )
        return org
    raise ValueError(f"no actor rule for complaint escalation action {action!r}")


def require_signal_decider(user) -> None:
    """A risk signal is decided (confirmed, dismissed, warned of) by a regulator that sees it;
    403 otherwise."""
    org = organization_of(user)
    if org is None or not org.is_regulator:
        raise NotYourComplaint(
            _("Only a regulator of the place concerned decides on a risk signal.")
        )
