"""Who sees and who may do what on a credit record, written once (API, pages and services ask
here).

- see the full record (facts, objections, repairs, timeline, award): the enterprise itself and
  the regulators whose jurisdiction holds it; anyone else is told it does not exist (404);
- see the disclosure (class, reasons with their articles, period): anyone (Hangzhou Art. 23
  质量监管信用信息公开);
- object to a listed fact, apply for repair, declare an award condition, file a written report:
  the enterprise's own operators and administrators;
- decide an objection or a repair: a regulator governing the enterprise (operator or
  administrator);
- verify a declaration, receive written reports, revoke an award: the award office, a regulator
  governing the enterprise at a level of ``AWARD_OFFICE_LEVELS`` (SIP award Arts. 6, 29, 30).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions

from core.models import Organization, organization_of

OBJECT_ACTIONS = {"object", "repair", "declare", "report"}
REGULATOR_ACTIONS = {"decide"}
OFFICE_ACTIONS = {"verify", "revoke"}


def may_see_record(viewer: Organization | None, enterprise: Organization) -> bool:
    """The enterprise itself and the regulators whose jurisdiction holds its region."""
    if viewer is None or not enterprise.is_enterprise:
        return False
    if viewer.is_regulator:
        return viewer.governs(enterprise.region_code)
    return viewer.pk == enterprise.pk


def is_award_office(viewer: Organization | None, enterprise: Organization) -> bool:
    return bool(
        viewer
        and viewer.is_regulator
        and viewer.level in settings.AWARD_OFFICE_LEVELS
        and viewer.governs(enterprise.region_code)
    )


def can(user, action: str, enterprise: Organization) -> bool:
    org = organization_of(user)
    membership = getattr(user, "membership", None)
    if org is None or membership is None or not membership.can_write:
        return False
    if action in OBJECT_ACTIONS:
        return org.pk == enterprise.pk and enterprise.is_enterprise
    if action in REGULATOR_ACTIONS:
        return org.is_regulator and org.governs(enterprise.region_code)
    if action in OFFICE_ACTIONS:
        return is_award_office(org, enterprise)
    return False


def require_visible(user, enterprise: Organization) -> Organization:
    """The viewer's organization; a record it may not see does not exist for it (404)."""
    org = organization_of(user)
    if not may_see_record(org, enterprise):
        raise exceptions.NotFound()
    return org


def require(user, action: str, enterprise: Organization) -> None:
    """404 for a record the user may not see, 403 for an action it may not take on it."""
    require_visible(user, enterprise)
    if not can(user, action, enterprise):
        if action in OBJECT_ACTIONS:
            message = _("Only the enterprise's operators may do this on its credit record.")
        elif action in OFFICE_ACTIONS:
            message = _(
                "Only the award office (a regulator of level %(levels)s governing the "
                "enterprise) may do this (SIP quality award Arts. 6, 29, 30)."
            ) % {"levels": ", ".join(settings.AWARD_OFFICE_LEVELS)}
        else:
            message = _("Only a regulator governing the enterprise decides (Hangzhou Art. 23).")
        raise exceptions.PermissionDenied(message, code=f"credit_{action}_refused")


def require_regulator(user) -> Organization:
    org = organization_of(user)
    if org is None or not org.is_regulator:
        raise exceptions.PermissionDenied(
            _("Only regulators list the credit classes of the enterprises they govern."),
            code="regulator_only",
        )
    return org
