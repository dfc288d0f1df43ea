"""Who may do what with spot checks, written once (views, pages and services all ask here).

双随机、一公开 (Sichuan Quality Promotion Regulation, draft, Art. 27): the market regulators
check enterprises drawn at random by inspectors drawn at random, and publish the results.

- draw: a regulator's operator or administrator, over enterprises of its own jurisdiction
  (region-code prefix, ``Organization.jurisdiction_prefix``), with inspectors from regulators
  in that jurisdiction (by default its own staff);
- see a draw: the regulator that drew and those whose jurisdiction holds the region drawn over;
  never an enterprise (a draw names who will be inspected);
- record a check's result: the staff of the regulator that drew it, or an inspector drawn for
  it; only while the check is planned (``TRANSITIONS``);
- see a check: regulators as above, the inspectors drawn for it, and the enterprise itself once
  the check is concluded; the public sees concluded checks' results without inspectors.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions

from core.models import Organization, organization_of

from .choices import SpotCheckStatus
from .models import SpotCheck

CITATION = _("Sichuan Quality Promotion Regulation (draft for comment, 2020), Art. 27")

# action -> (states it is allowed from, state it leads to).
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "record": ((SpotCheckStatus.PLANNED,), SpotCheckStatus.DONE),
}


def covers(regulator: Organization | None, region_code: str) -> bool:
    """Does ``regulator``'s jurisdiction hold ``region_code`` (a code or a code prefix)?"""
    return bool(
        regulator
        and regulator.is_regulator
        and region_code.startswith(regulator.jurisdiction_prefix)
    )


def draw_scope(regulator: Organization) -> str:
    """The region-code prefix a regulator's draw covers unless it names a region inside it: its
    whole jurisdiction ('' for the national regulator)."""
    return regulator.jurisdiction_prefix


def is_regulator(user) -> bool:
    org = organization_of(user)
    return bool(org and org.is_regulator)


def require_regulator(user) -> Organization:
    """Draws are the regulators' tool; anyone else is refused (403)."""
    org = organization_of(user)
    if org is None or not org.is_regulator:
        raise exceptions.PermissionDenied(
            _("Only regulators draw and see spot-check draws (%(citation)s).")
            % {"citation": CITATION},
            code="regulator_only",
        )
    return org


def require_drawer(user) -> Organization:
    """A regulator's operator or administrator (a viewer only reads)."""
    org = require_regulator(user)
    if not user.membership.can_write:
        raise exceptions.PermissionDenied(
            _("You must belong to an organization, and viewers may only read."),
            code="writer_only",
        )
    return org


def require_in_jurisdiction(regulator: Organization, region_code: str, field: str) -> None:
    if not covers(regulator, region_code):
        raise exceptions.PermissionDenied(
            _(
                "%(field)s: a regulator draws only enterprises of its own jurisdiction "
                "(region codes starting %(prefix)s)."
            )
            % {"field": field, "prefix": regulator.jurisdiction_prefix or "—"},
            code="outside_jurisdiction",
        )


def may_record(user, check: SpotCheck) -> bool:
    org = organization_of(user)
    if org is None or not org.is_regulator or not user.membership.can_write:
        return False
    if org.pk == check.regulator_id:
        return True
    return check.inspectors.filter(pk=user.pk).exists()


def require_record(user, check: SpotCheck) -> Organization:
    """Only the regulator that drew the check (its staff) or an inspector drawn for it records
    the result (403 naming the rule, before any input is read)."""
    if not may_record(user, check):
        raise exceptions.PermissionDenied(
            _(
                "Only the regulator that drew this spot check, or an inspector drawn for it, "
                "records its result."
            ),
            code="drawing_regulator_only",
        )
    return organization_of(user)
