"""Who sees a report (举报) and who may act on it: the one place that decides.

Reads: regulators whose jurisdiction (region-code prefix) holds the reported place
(``Report.objects.visible_to``). Enterprises never see reports, not even the one about them:
SAMR Order 20 Art. 33 forbids telling the reported party the reporter's identity or how the
report is being handled. Acts and the reporter's contact details: only the county regulator of
the reported place, which handles it (Order 20 Arts. 25–28).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions

from core.models import organization_of
from incidents.choices import Level

from .choices import report_allowed_actions
from .models import Report


class NotYourReport(exceptions.PermissionDenied):
    default_code = "wrong_actor"


def is_handler(user, report: Report) -> bool:
    """The county regulator of the reported place: the only one who acts and sees the reporter."""
    org = organization_of(user)
    return bool(
        org
        and org.is_regulator
        and org.level == Level.COUNTY
        and org.region_code == report.region_code
    )


def require_handler(user, report: Report) -> None:
    if not is_handler(user, report):
        raise NotYourReport(
            _("Only the county regulator of the reported place may act on this report.")
        )


def may_see_reporter(user, report: Report) -> bool:
    return is_handler(user, report)


def offered_actions(user, report: Report) -> list[str]:
    """The actions the handling regulator may take on the report now: the transition table's
    from its status, less an extension already used and a notice with nobody to tell or
    already given. Anyone else is offered none."""
    if not is_handler(user, report):
        return []
    skip = set()
    if report.extended_at is not None:
        skip.add("extend")
    if not report.real_name or report.reporter_notified_at is not None:
        skip.add("tell-reporter")
    return [a for a in report_allowed_actions(report.status) if a not in skip]
