"""The notices an incident sends (outbox): to the regulators of a level, to one organization;
their fixed texts translated once per language.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from core.models import Organization
from core.outbox import notify_each

from ..choices import Level, Status
from ..models import Incident
from .common import _jurisdiction_code, regulators_at


def _notify_level(
    incident: Incident, level: str, *, topic: str, subject: str, memo: dict | None = None
) -> int:
    key = (level, _jurisdiction_code(level, incident.region_code))
    if memo is not None and key in memo:
        regulators = memo[key]
    else:
        regulators = list(regulators_at(level, incident.region_code))
        if memo is not None:
            memo[key] = regulators
    return _notify_orgs(incident, regulators, topic=topic, subject=subject, texts=_current(memo))


def _notify_orgs(
    incident: Incident, organizations, *, topic: str, subject: str, texts: dict | None = None
) -> int:
    return notify_each(
        organizations,
        topic=topic,
        subject=subject,
        body=_incident_text(incident, texts),
        payload=_payload(incident),
        about=incident,
    )


def _notify_org(incident: Incident, org: Organization, *, topic: str, subject: str) -> None:
    _notify_orgs(incident, [org], topic=topic, subject=subject)


def _payload(incident: Incident) -> dict:
    return {
        "id": incident.pk,
        "title": incident.title,
        "status": incident.status,
        "grade": incident.grade,
        "grade_provisional": incident.grade_provisional,
        "level": incident.level,
        "region_code": incident.region_code,
        "deaths": incident.deaths,
        "serious_injuries": incident.serious_injuries,
        "direct_loss": str(incident.direct_loss),
        "url": f"{settings.PUBLIC_BASE_URL}/api/v1/incidents/{incident.pk}/",
    }


@functools.lru_cache(maxsize=16)
def _texts(language: str | None) -> dict:
    """The fixed texts of incident notices in one language, translated once: a sweep writes a
    thousand notices at a time, and looking each text up again cost a sixth of the sweep."""
    with translation.override(language):
        return {
            "incident": _(
                "Incident #%(id)s “%(title)s” at %(region)s: grade %(grade)s%(provisional)s, "
                "status %(status)s, level %(level)s. Deaths %(deaths)s, serious injuries "
                "%(serious)s, direct loss ¥%(loss)s."
            ),
            "provisional": _(" (provisional)"),
            "status": {status.value: str(status.label) for status in Status},
            "level": {level.value: str(level.label) for level in Level},
            "escalated": _("Incident #%(id)s escalated to you: not passed up in time"),
            "escalated_reason": _("Not passed up within the deadline (local emergency plan)."),
            "reminder": _("Reminder: acknowledge incident #%(id)s"),
            "investigation": _("Investigation report of incident #%(id)s is overdue"),
            "supplement": _("Supplementary report on incident #%(id)s is due"),
            "written_report": _("Written report on incident #%(id)s is overdue (seed 004)"),
        }


def _current(memo: dict | None = None) -> dict:
    """The fixed texts in the active language; a sweep passes its ``memo``, which keeps them
    for the whole sweep (``translation.get_language`` three times per incident cost as much as
    the sweep's own decisions)."""
    if memo is None:
        return _texts(translation.get_language())
    if "texts" not in memo:
        memo["texts"] = _texts(translation.get_language())
    return memo["texts"]


def _text(key: str, memo: dict | None = None):
    return _current(memo)[key]


def _incident_text(incident: Incident, texts: dict | None = None) -> str:
    texts = texts or _current()
    return texts["incident"] % {
        "id": incident.pk,
        "title": incident.title,
        "region": incident.region_code,
        "grade": incident.grade,
        "provisional": texts["provisional"] if incident.grade_provisional else "",
        "status": texts["status"][incident.status],
        "level": texts["level"][incident.level],
        "deaths": incident.deaths,
        "serious": incident.serious_injuries,
        "loss": incident.direct_loss,
    }
