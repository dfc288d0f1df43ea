"""Raising a risk signal: ``signal_raise`` creates it once per key, writes its timeline row and
notifies the regulators of the place and the producer (outbox) with the numbers and links."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import Organization
from core.outbox import notify
from incidents import services as incident_services
from incidents.choices import Level

from ..models import RiskSignal, RiskSignalTimeline
from ..titles import signal_title


def _week(moment: datetime) -> str:
    year, week, _day = timezone.localtime(moment).isocalendar()
    return f"{year}-W{week:02d}"


def _signal_url(signal: RiskSignal) -> str:
    return f"{settings.PUBLIC_BASE_URL}/api/v1/signals/{signal.pk}/"


def _incident_url(incident) -> str:
    return f"{settings.PUBLIC_BASE_URL}/api/v1/incidents/{incident.pk}/"


def signal_raise(
    *,
    key: str,
    kind: str,
    evidence: dict,
    title: str = "",
    region_code: str,
    producer: Organization | None,
    batches=(),
    complaints=(),
    incidents=(),
    gtin: str = "",
    lot: str = "",
    now: datetime | None = None,
) -> RiskSignal | None:
    """Raise the signal ``key`` once; None when it was raised before. Its title is rendered from
    ``kind`` and ``evidence`` in the active language and stored as raised; ``title`` is for
    evidence that names none of the figures a title of ``kind`` needs."""
    now = now or timezone.now()
    title = signal_title(kind, evidence) or title
    if RiskSignal.objects.filter(key=key).exists():
        return None
    try:
        with transaction.atomic():
            signal = RiskSignal.objects.create(
                key=key,
                kind=kind,
                title=title[:200],
                evidence=evidence,
                region_code=region_code,
                producer=producer,
                gtin=gtin,
                lot=lot,
                raised_at=now,
            )
            signal.batches.set(list(batches))
            signal.complaints.set(list(complaints))
            signal.incidents.set(list(incidents))
            RiskSignalTimeline.objects.create(signal=signal, action="raised", at=now, data=evidence)
            links = {
                "signal": _signal_url(signal),
                "complaints": [
                    f"{settings.PUBLIC_BASE_URL}/api/v1/complaints/{c.pk}/" for c in complaints
                ],
                "incidents": [_incident_url(i) for i in incidents],
            }
            body = _("%(title)s. Numbers: %(evidence)s. Details: %(url)s") % {
                "title": signal.title,
                "evidence": evidence,
                "url": links["signal"],
            }
            payload = {
                "id": signal.pk,
                "kind": kind,
                "title": signal.title,
                "evidence": evidence,
                **links,
            }
            recipients = (
                list(incident_services.regulators_at(Level.COUNTY, region_code))
                if region_code
                else []
            )
            if producer is not None:
                recipients.append(producer)
            for organization in recipients:
                notify(
                    organization=organization,
                    topic=f"risk.{kind}",
                    subject=_("Risk signal: %(title)s") % {"title": signal.title},
                    body=body,
                    payload=payload,
                    about=signal,
                )
    except IntegrityError:  # raised concurrently by another sweep
        return None
    return signal
