"""Injury monitoring: people hurt on one batch within a window, or on a product this week
against its trailing average, raise an injury-cluster signal; the injury figures by group."""

from __future__ import annotations

from datetime import datetime, timedelta
from trace.models import Batch

from django.conf import settings
from django.db.models import Count, F, Sum

from incidents.choices import Status as IncidentStatus
from incidents.models import Incident, IncidentBatch

from ..choices import SignalKind, SignalStatus
from ..models import Complaint, RiskSignal, RiskSignalTimeline
from .raising import _week, signal_raise

# --- injury monitoring -----------------------------------------------------------------------
#
# Complaints and incidents are counted together, per person hurt ("casualties"): an injury
# complaint is one person (the form asks "was someone hurt", yes or no); an incident counts its
# own figures, deaths + serious injuries + minor injuries, since an incident with twelve hurt is
# twelve people, not one report. An incident is placed at its ``reported_at`` (when it reached
# us, as a complaint at ``submitted_at``) and at every batch it names; on a product, in a region
# and in a week it counts once however many of its batches it names. Rejected incidents and
# those merged into another are not counted (the other one is).


def injury_incidents():
    """Incidents with at least one casualty that count in injury monitoring."""
    return (
        Incident.objects.exclude(status__in=[IncidentStatus.REJECTED, IncidentStatus.MERGED])
        .annotate(casualties=F("deaths") + F("serious_injuries") + F("minor_injuries"))
        .filter(casualties__gt=0)
    )


def _casualties(complaints, incidents) -> int:
    return len(complaints) + sum(i.casualties for i in incidents)


def check_injuries(complaint: Complaint, *, now: datetime) -> RiskSignal | None:
    """After an injury complaint (its batch, placed where the complaint is handled)."""
    return check_batch_injuries(
        complaint.batch, now=now, region_code=complaint.region_code, complaint=complaint
    )


def _batch_window(batch_id: int, *, since: datetime, until: datetime):
    complaints = Complaint.objects.filter(
        batch_id=batch_id, injured=True, submitted_at__gte=since, submitted_at__lte=until
    )
    incidents = injury_incidents().filter(
        batch_links__batch_id=batch_id, reported_at__gte=since, reported_at__lte=until
    )
    return complaints, incidents


def _people(complaints, incidents) -> tuple[int, int, int]:
    """(injury complaints, incidents, the incidents' casualties): two aggregates, no rows."""
    figures = incidents.order_by().aggregate(n=Count("id"), people=Sum("casualties"))
    return complaints.order_by().count(), figures["n"], figures["people"] or 0


def check_batch_injuries(
    batch: Batch,
    *,
    now: datetime,
    region_code: str,
    complaint: Complaint | None = None,
    incident: Incident | None = None,
) -> RiskSignal | None:
    """≥ ``RISK_INJURY_MIN_COMPLAINTS`` people hurt on one batch within ``RISK_INJURY_WINDOW_DAYS``
    (injury complaints plus the casualties of incidents naming it), or this week's casualties on
    the product ≥ ``RISK_INJURY_MULTIPLE`` × its trailing weekly average. The complaint or
    incident that prompted the check joins an open signal on the batch as evidence, once.

    ``now`` is the moment the window closes: the prompting item's own time, so a check made late
    (a sweep after an outage) decides as one made on time would have. The figures are counted
    in the database; rows are read only to link a signal being raised."""
    since = now - timedelta(days=settings.RISK_INJURY_WINDOW_DAYS)
    complaints, incidents = _batch_window(batch.pk, since=since, until=now)
    n_complaints, _n_incidents, incident_people = _people(complaints, incidents)
    casualties = n_complaints + incident_people
    open_signal = RiskSignal.objects.filter(
        kind=SignalKind.INJURY_CLUSTER,
        batches=batch,
        status__in=[SignalStatus.OPEN, SignalStatus.CONFIRMED],
        raised_at__gte=since,
        raised_at__lte=now,
    ).first()
    if open_signal is not None:
        return _add_evidence(
            open_signal, now=now, complaint=complaint, incident=incident, casualties=casualties
        )
    producer = batch.product.owner if batch.product_id else None
    if casualties >= settings.RISK_INJURY_MIN_COMPLAINTS:
        recent = list(complaints.order_by("submitted_at", "id"))
        hurt = list(incidents.order_by("reported_at", "id"))
        first = min([c.submitted_at for c in recent] + [i.reported_at for i in hurt], default=now)
        casualties = _casualties(recent, hurt)
        evidence = {
            "rule": "min_per_batch",
            "batch": batch.pk,
            "gtin": batch.gtin,
            "lot": batch.lot,
            "casualties": casualties,
            "injury_complaints": len(recent),
            "incidents": len(hurt),
            "incident_casualties": casualties - len(recent),
            "threshold": settings.RISK_INJURY_MIN_COMPLAINTS,
            "window_days": settings.RISK_INJURY_WINDOW_DAYS,
            "since": since.isoformat(),
        }
        key = f"injury:batch:{batch.pk}:{first:%Y%m%d}"
        signal = signal_raise(
            key=key,
            kind=SignalKind.INJURY_CLUSTER,
            evidence=evidence,
            region_code=region_code,
            producer=producer,
            batches=[batch],
            complaints=recent,
            incidents=hurt,
            gtin=batch.gtin,
            lot=batch.lot,
            now=now,
        )
        if signal is None:  # raised already (by a sweep running beside this one): join it
            raised = RiskSignal.objects.filter(
                key=key, status__in=[SignalStatus.OPEN, SignalStatus.CONFIRMED]
            ).first()
            if raised is not None:
                return _add_evidence(
                    raised, now=now, complaint=complaint, incident=incident, casualties=casualties
                )
        return signal
    if batch.product_id:
        return _check_product_trend(batch, now=now, region_code=region_code, producer=producer)
    return None


def _add_evidence(signal, *, now, complaint, incident, casualties) -> RiskSignal | None:
    """The prompting complaint or incident joins the open signal; None when it already had."""
    data = {"casualties": casualties}
    if complaint is not None and not signal.complaints.filter(pk=complaint.pk).exists():
        RiskSignal.complaints.through.objects.create(risksignal_id=signal.pk, complaint=complaint)
        data["complaint"] = complaint.pk
    if incident is not None and not signal.incidents.filter(pk=incident.pk).exists():
        RiskSignal.incidents.through.objects.create(risksignal_id=signal.pk, incident=incident)
        data["incident"] = incident.pk
    if len(data) == 1:
        return None
    RiskSignalTimeline.objects.create(signal=signal, action="evidence_added", at=now, data=data)
    return signal


def _product_window(product_id: int, *, after: datetime, until: datetime):
    complaints = Complaint.objects.filter(
        batch__product_id=product_id, injured=True, submitted_at__gt=after, submitted_at__lte=until
    )
    # An incident naming several lots of the product counts once on it.
    incidents = injury_incidents().filter(
        pk__in=IncidentBatch.objects.filter(batch__product_id=product_id).values("incident_id"),
        reported_at__gt=after,
        reported_at__lte=until,
    )
    return complaints, incidents


def _check_product_trend(batch, *, now: datetime, region_code: str, producer) -> RiskSignal | None:
    key = f"injury:product:{batch.product_id}:{_week(now)}"
    if RiskSignal.objects.filter(key=key).exists():  # raised this week: nothing to count
        return None
    weeks = settings.RISK_INJURY_TRAILING_WEEKS
    week_start = now - timedelta(days=7)
    trailing_start = week_start - timedelta(weeks=weeks)
    week_complaints, week_incidents = _product_window(batch.product_id, after=week_start, until=now)
    n_complaints, _n, incident_people = _people(week_complaints, week_incidents)
    this_week_n = n_complaints + incident_people
    if this_week_n < settings.RISK_INJURY_MULTIPLE_MIN:
        return None
    trailing_complaints, trailing_incidents = _product_window(
        batch.product_id, after=trailing_start, until=week_start
    )
    t_complaints, _n, t_people = _people(trailing_complaints, trailing_incidents)
    average = (t_complaints + t_people) / weeks
    if average <= 0 or this_week_n < settings.RISK_INJURY_MULTIPLE * average:
        return None
    this_week = list(week_complaints.order_by("submitted_at", "id"))
    hurt = list(week_incidents.order_by("reported_at", "id"))
    this_week_n = _casualties(this_week, hurt)
    batch_ids = {c.batch_id for c in this_week} | set(
        Batch.objects.filter(
            product_id=batch.product_id, incident_links__incident__in=hurt
        ).values_list("pk", flat=True)
    )
    evidence = {
        "rule": "multiple_of_trailing_average",
        "product": batch.product_id,
        "product_name": batch.product.name,
        "this_week": this_week_n,
        "injury_complaints": len(this_week),
        "incidents": len(hurt),
        "trailing_weekly_average": round(average, 2),
        "multiple": settings.RISK_INJURY_MULTIPLE,
        "trailing_weeks": weeks,
        "ratio": round(this_week_n / average, 1),
    }
    return signal_raise(
        key=key,
        kind=SignalKind.INJURY_CLUSTER,
        evidence=evidence,
        region_code=region_code,
        producer=producer,
        batches=Batch.objects.filter(pk__in=batch_ids),
        complaints=this_week,
        incidents=hurt,
        now=now,
    )


def injury_groups(complaints, incidents, *, by: str, batch_id: int | None = None) -> list[dict]:
    """Injury complaints and incidents with casualties, grouped by ``product``, ``batch``,
    ``region`` or ``week``: ``[{group, injury_complaints, incidents, deaths, serious_injuries,
    minor_injuries, casualties}]``, most casualties first. ``complaints`` and ``incidents`` are
    what the asker may see; an incident counts once in each group it falls in (with ``batch_id``,
    only that batch's groups)."""
    groups: dict = {}

    def row(key):
        return groups.setdefault(
            key,
            {
                "group": key,
                "injury_complaints": 0,
                "incidents": 0,
                "deaths": 0,
                "serious_injuries": 0,
                "minor_injuries": 0,
            },
        )

    complaints = complaints.filter(injured=True).order_by()
    field = {"product": "batch__product_id", "batch": "batch_id", "region": "region_code"}
    if by == "week":
        for moment in complaints.values_list("submitted_at", flat=True):
            row(_week(moment))["injury_complaints"] += 1
    else:
        for entry in complaints.values(field[by]).annotate(n=Count("id")).order_by():
            row(entry[field[by]])["injury_complaints"] += entry["n"]

    incidents = incidents.order_by()
    keys: dict[int, set] = {}
    if by in ("product", "batch"):
        links = IncidentBatch.objects.filter(incident__in=incidents.values("pk"))
        if batch_id is not None:
            links = links.filter(batch_id=batch_id)
        links = links.values_list(
            "incident_id", "batch__product_id" if by == "product" else "batch_id"
        )
        for incident_id, key in links:
            keys.setdefault(incident_id, set()).add(key)
    for figure in incidents.values(
        "pk", "deaths", "serious_injuries", "minor_injuries", "reported_at", "region_code"
    ):
        if by == "region":
            places = {figure["region_code"]}
        elif by == "week":
            places = {_week(figure["reported_at"])}
        else:
            places = keys.get(figure["pk"], set())
        for key in places:
            target = row(key)
            target["incidents"] += 1
            for name in ("deaths", "serious_injuries", "minor_injuries"):
                target[name] += figure[name]
    for entry in groups.values():
        entry["casualties"] = (
            entry["injury_complaints"]
            + entry["deaths"]
            + entry["serious_injuries"]
            + entry["minor_injuries"]
        )
    return sorted(groups.values(), key=lambda r: (-r["casualties"], str(r["group"])))
