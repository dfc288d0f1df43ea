"""Risk signals (not Django signals): injury monitoring over complaints (seed 004) and
counterfeit/diversion signals over scans.

A signal has a ``key`` naming its kind, subject and window, so detecting the same thing
twice (a sweep run twice, concurrently, late) raises it once; a new injury complaint on a
batch with an open signal joins that signal as evidence. ``signal_raise`` is the one
service that creates a signal: it writes its timeline row and notifies the regulators of
the place and the producer (outbox) with the numbers that triggered it and links. The numbers
(``evidence``) hold every figure the signal's title names, so the title is rendered in the
reader's language when it is read (``titles.signal_title``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from trace.core.choices import BatchStatus
from trace.models import Batch, Custody, Product, ScanLog

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import Organization
from core.outbox import notify
from incidents import services as incident_services
from incidents.choices import Level
from incidents.choices import Status as IncidentStatus
from incidents.models import Incident, IncidentBatch

from .choices import SignalKind, SignalStatus
from .models import (
    Complaint,
    PendingInjuryCheck,
    RiskSignal,
    RiskSignalTimeline,
    UnknownCodeScan,
)
from .titles import signal_title


def _week(moment: datetime) -> str:
    year, week, _day = timezone.localtime(moment).isocalendar()
    return f"{year}-W{week:02d}"


def _signal_url(signal: RiskSignal) -> str:
    return f"{settings.PUBLIC_BASE_URL}/api/v1/signals/{signal.pk}/"


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


def _incident_url(incident) -> str:
    return f"{settings.PUBLIC_BASE_URL}/api/v1/incidents/{incident.pk}/"


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


# --- the incidents' side, incremental -----------------------------------------------------
#
# Complaints are checked when they are submitted (in their own transaction). Incidents are
# checked by the sweep, from a queue: ``queue_injury_check`` (a post_save receiver: the incidents
# layer announces, this one listens) queues an incident with casualties in the transaction that
# reports it or changes its figures; the sweep evaluates what is queued and removes it in one
# transaction. So a run reads only what changed since the last one, a run with nothing queued is
# one query on an empty table, and nothing is lost to a commit that lands after a run began or
# to an outage: a run after twelve days evaluates each incident of the twelve days at its own
# time (the window that closed then), so no signal is missed, and the signal keys raise each
# once however often or late the sweep runs.

FIGURES = frozenset({"deaths", "serious_injuries", "minor_injuries"})


def queue_injury_check(sender, instance: Incident, created: bool, **kwargs) -> None:
    """Queue an incident with casualties, when it is reported or its figures change."""
    if kwargs.get("raw"):
        return
    if not (instance.deaths or instance.serious_injuries or instance.minor_injuries):
        return
    if instance.status in (IncidentStatus.REJECTED, IncidentStatus.MERGED):
        return
    if created:
        PendingInjuryCheck.objects.create(incident=instance, queued_at=instance.reported_at)
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and not FIGURES & set(update_fields):
        return
    # New figures: evaluated again, in every window that holds the incident.
    PendingInjuryCheck.objects.update_or_create(
        incident=instance, defaults={"queued_at": timezone.now()}
    )


def _later_moments(batch_id: int, after: datetime, now: datetime) -> list[datetime]:
    """When the windows that hold an incident of ``after`` on the batch closed with an item: the
    casualty items after it within the window (between items a window's count only falls)."""
    until = min(now, after + timedelta(days=settings.RISK_INJURY_WINDOW_DAYS))
    complaints, incidents = _batch_window(batch_id, since=after, until=until)
    moments = set(complaints.order_by().values_list("submitted_at", flat=True))
    moments |= set(incidents.order_by().values_list("reported_at", flat=True))
    return sorted(m for m in moments if m > after)


# The people hurt on a batch in the window closing at a moment, for many (batch, moment) pairs in
# one statement: what ``_people(*_batch_window(…))`` counts (injury complaints, plus the
# casualties of incidents naming the batch that are neither rejected nor merged), per pair. An
# incident is read by its key from each of the batch's links (a scalar subquery, so no planner
# starts from the window's dates: on a busy day the window holds every incident, a batch few).
_WINDOW_CASUALTIES = """
WITH item (k, batch_id, since, until) AS (VALUES {values})
SELECT item.k,
  (SELECT COUNT(*) FROM {complaint} c
    WHERE c.batch_id = item.batch_id AND c.injured
      AND c.submitted_at >= item.since AND c.submitted_at <= item.until)
  + (SELECT COALESCE(SUM(
      (SELECT i.deaths + i.serious_injuries + i.minor_injuries FROM {incident} i
        WHERE i.id = l.incident_id AND i.reported_at >= item.since
          AND i.reported_at <= item.until AND i.status NOT IN (%s, %s))
    ), 0) FROM {link} l WHERE l.batch_id = item.batch_id)
FROM item
"""


def window_casualties(pairs: list[tuple[int, datetime]]) -> list[int]:
    """People hurt on each batch in the window closing at each moment of ``pairs``."""
    window = timedelta(days=settings.RISK_INJURY_WINDOW_DAYS)
    adapt = connection.ops.adapt_datetimefield_value
    found: dict[int, int] = {}
    for start in range(0, len(pairs), 200):
        part = pairs[start : start + 200]
        sql = _WINDOW_CASUALTIES.format(
            values=", ".join(["(%s, %s, %s, %s)"] * len(part)),
            complaint=Complaint._meta.db_table,
            incident=Incident._meta.db_table,
            link=IncidentBatch._meta.db_table,
        )
        params = []
        for k, (batch_id, moment) in enumerate(part, start):
            params += [k, batch_id, adapt(moment - window), adapt(moment)]
        params += [IncidentStatus.REJECTED, IncidentStatus.MERGED]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found.update((int(k), int(n)) for k, n in cursor.fetchall())
    return [found[k] for k in range(len(pairs))]


def sliding_casualties(pairs: list[tuple[int, datetime]]) -> list[int]:
    """``window_casualties(pairs)``, with one window aggregate per batch rather than per pair: at
    the batch's first moment, then each later moment adds what entered the window since and takes
    off what left it, read for all batches in two short statements. A minute's incidents on one
    busy lot cost one aggregate over its records, not one each."""
    window = timedelta(days=settings.RISK_INJURY_WINDOW_DAYS)
    by_batch: dict[int, list[tuple[datetime, int]]] = {}
    for n, (batch_id, moment) in enumerate(pairs):
        by_batch.setdefault(batch_id, []).append((moment, n))
    for moments in by_batch.values():
        moments.sort()
    firsts = list(by_batch.items())
    bases = window_casualties([(batch_id, moments[0][0]) for batch_id, moments in firsts])
    result = [0] * len(pairs)
    multi = {}
    for (batch_id, moments), base in zip(firsts, bases, strict=True):
        result[moments[0][1]] = base
        if len(moments) > 1:
            multi[batch_id] = moments
    if not multi:
        return result
    lo = min(m[0][0] for m in multi.values())
    hi = max(m[-1][0] for m in multi.values())
    near = Q(at__gt=lo, at__lte=hi) | Q(at__gte=lo - window, at__lt=hi - window)
    records: dict[int, list[tuple[datetime, int]]] = {}
    for batch_id, at in (
        Complaint.objects.filter(batch_id__in=list(multi), injured=True)
        .annotate(at=F("submitted_at"))
        .filter(near)
        .values_list("batch_id", "at")
    ):
        records.setdefault(batch_id, []).append((at, 1))
    for batch_id, at, people in (
        injury_incidents()
        .filter(batch_links__batch_id__in=list(multi))
        .annotate(at=F("reported_at"))
        .filter(near)
        .values_list("batch_links__batch_id", "at", "casualties")
    ):
        records.setdefault(batch_id, []).append((at, people))
    for batch_id, moments in multi.items():
        first, base = moments[0][0], result[moments[0][1]]
        rows = records.get(batch_id, [])
        for moment, n in moments[1:]:
            entered = sum(p for at, p in rows if first < at <= moment)
            left = sum(p for at, p in rows if first - window <= at < moment - window)
            result[n] = base + entered - left
    return result


def _evaluate(incidents: list[Incident], queued: dict, *, now: datetime) -> int:
    """Each (moment, incident, batch) of a chunk, in time order: joined to the batch's open signal
    with the people hurt in its window — the figures, the open signals and the links already
    made each read in one statement for the chunk, the evidence written in one statement each
    at the end — or, with none open, checked by ``check_batch_injuries`` (which raises)."""
    window = timedelta(days=settings.RISK_INJURY_WINDOW_DAYS)
    items = []
    for incident in incidents:
        for batch in incident.batches.all():
            moments = [incident.reported_at]
            if queued[incident.pk] > incident.reported_at:  # its figures changed
                moments += _later_moments(batch.pk, incident.reported_at, now)
            items += [(moment, incident, batch) for moment in moments]
    if not items:
        return 0
    items.sort(key=lambda item: (item[0], item[1].pk, item[2].pk))
    open_by_batch: dict[int, list[tuple[datetime, int]]] = {}
    for batch_id, signal_id, raised_at in RiskSignal.batches.through.objects.filter(
        batch_id__in={batch.pk for _m, _i, batch in items},
        risksignal__kind=SignalKind.INJURY_CLUSTER,
        risksignal__status__in=[SignalStatus.OPEN, SignalStatus.CONFIRMED],
        risksignal__raised_at__gte=items[0][0] - window,
        risksignal__raised_at__lte=items[-1][0],
    ).values_list("batch_id", "risksignal_id", "risksignal__raised_at"):
        open_by_batch.setdefault(batch_id, []).append((raised_at, signal_id))
    joined = set(
        RiskSignal.incidents.through.objects.filter(
            incident_id__in={incident.pk for _m, incident, _b in items}
        ).values_list("risksignal_id", "incident_id")
    )
    links, evidence, acted = [], [], 0
    figures = sliding_casualties([(batch.pk, moment) for moment, _i, batch in items])
    for n, (moment, incident, batch) in enumerate(items):
        since = moment - window
        open_now = [o for o in open_by_batch.get(batch.pk, []) if since <= o[0] <= moment]
        if not open_now:
            signal = check_batch_injuries(
                batch, now=moment, region_code=incident.region_code, incident=incident
            )
            if signal is not None:
                acted += 1
                joined.add((signal.pk, incident.pk))
                for batch_id in signal.batches.values_list("pk", flat=True):
                    open_by_batch.setdefault(batch_id, []).append((signal.raised_at, signal.pk))
            continue
        _raised_at, signal_id = max(open_now)  # the latest raised, as the check reads it
        if (signal_id, incident.pk) in joined:
            continue
        joined.add((signal_id, incident.pk))
        links.append(RiskSignal.incidents.through(risksignal_id=signal_id, incident_id=incident.pk))
        evidence.append(
            RiskSignalTimeline(
                signal_id=signal_id,
                action="evidence_added",
                at=moment,
                data={"casualties": figures[n], "incident": incident.pk},
            )
        )
        acted += 1
    RiskSignal.incidents.through.objects.bulk_create(links, ignore_conflicts=True)
    RiskSignalTimeline.objects.bulk_create(evidence)
    return acted


def incident_injury_signals(*, now: datetime) -> int:
    """The incidents' side of injury monitoring, run by the sweep (every minute): each queued
    incident reported by ``now`` is evaluated on every batch it names, at its own time (and, if
    its figures changed later, at each later item's time within its window), oldest first, in
    chunks of ``RISK_INJURY_SWEEP_CHUNK`` locked SKIP LOCKED so concurrent sweeps share the
    queue. Returns how many signals were raised or joined."""
    acted = 0
    chunk = max(1, settings.RISK_INJURY_SWEEP_CHUNK)
    while True:
        with transaction.atomic():
            rows = list(
                PendingInjuryCheck.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(incident__reported_at__lte=now)
                .order_by("incident__reported_at", "incident_id")
                .values_list("pk", "incident_id", "queued_at")[:chunk]
            )
            if not rows:
                return acted
            queued = {incident_id: queued_at for _pk, incident_id, queued_at in rows}
            incidents = (
                injury_incidents()
                .filter(pk__in=list(queued))
                .prefetch_related("batches__product__owner")
                .order_by("reported_at", "id")
            )
            acted += _evaluate(list(incidents), queued, now=now)
            PendingInjuryCheck.objects.filter(pk__in=[pk for pk, _i, _q in rows]).delete()
        if len(rows) < chunk:
            return acted


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


# --- scans -----------------------------------------------------------------------------------


def scan_signals(*, now: datetime) -> int:
    """Never-issued codes scanned repeatedly; scans after recall, destruction or expiry; more scans
    than units made. Each raised once per subject (idempotent)."""
    raised = 0
    since = now - timedelta(days=settings.RISK_INJURY_WINDOW_DAYS)
    unknown = (
        UnknownCodeScan.objects.filter(day__gte=timezone.localtime(since).date())
        .values("gtin", "lot")
        .annotate(n=Sum("count"))
        .filter(n__gte=settings.RISK_UNKNOWN_CODE_SCANS)
        .order_by("gtin", "lot")
    )
    for row in unknown:
        product = Product.objects.select_related("owner").filter(gtin=row["gtin"]).first()
        producer = product.owner if product else None
        raised += _raised(
            signal_raise(
                key=f"unknown:{row['gtin']}:{row['lot']}",
                kind=SignalKind.UNKNOWN_CODE,
                evidence={
                    "gtin": row["gtin"],
                    "lot": row["lot"],
                    "scans": row["n"],
                    "threshold": settings.RISK_UNKNOWN_CODE_SCANS,
                    "since": since.isoformat(),
                    "gtin_registered": product is not None,
                },
                region_code=producer.region_code if producer else "",
                producer=producer,
                gtin=row["gtin"],
                lot=row["lot"],
                now=now,
            )
        )
    recent = ScanLog.objects.filter(scanned_at__gte=since, scanned_at__lte=now)
    after_end = (
        recent.filter(
            Q(
                batch__status__in=[BatchStatus.RECALLED, BatchStatus.DESTROYED],
                scanned_at__gt=F("batch__status_changed_at"),
            )
            | Q(batch__expiry_date__lt=TruncDate("scanned_at"))
        )
        .values("batch")
        .annotate(n=Count("id"))
        .filter(n__gte=settings.RISK_SCANS_AFTER_END)
        .order_by("batch")
    )
    for row in after_end:
        batch = Batch.objects.select_related("product__owner").get(pk=row["batch"])
        ended = (BatchStatus.RECALLED, BatchStatus.DESTROYED)
        why = str(batch.status) if batch.status in ended else "expired"  # a code (titles)
        raised += _raised(
            _batch_signal(
                batch,
                key=f"after_end:{batch.pk}:{why}",
                kind=SignalKind.SCANNED_AFTER_END,
                evidence={
                    "batch": batch.pk,
                    "gtin": batch.gtin,
                    "lot": batch.lot,
                    "scans": row["n"],
                    "why": why,
                    "status_changed_at": batch.status_changed_at.isoformat(),
                    "expiry_date": batch.expiry_date.isoformat() if batch.expiry_date else None,
                    "threshold": settings.RISK_SCANS_AFTER_END,
                },
                now=now,
            )
        )
    scanned = recent.values("batch").distinct()
    over = (
        ScanLog.objects.filter(batch__in=scanned, batch__quantity__gt=0)
        .values("batch", "batch__quantity")
        .annotate(n=Count("id"))
        .filter(n__gt=F("batch__quantity") * settings.RISK_SCANS_PER_UNIT_FACTOR)
        .order_by("batch")
    )
    for row in over:
        batch = Batch.objects.select_related("product__owner").get(pk=row["batch"])
        raised += _raised(
            _batch_signal(
                batch,
                key=f"over_scanned:{batch.pk}",
                kind=SignalKind.OVER_SCANNED,
                evidence={
                    "batch": batch.pk,
                    "gtin": batch.gtin,
                    "lot": batch.lot,
                    "scans": row["n"],
                    "units": str(batch.quantity),
                    "factor": settings.RISK_SCANS_PER_UNIT_FACTOR,
                },
                now=now,
            )
        )
    raised += _outside_region_signals(since=since, now=now)
    return raised


def _outside_region_signals(*, since: datetime, now: datetime) -> int:
    """Scans placed in a city where no holder of the lot (producer or custody) is: diversion.
    Both the Django page and the fast Redis layer put the region on the scan log."""
    raised = 0
    rows = (
        ScanLog.objects.filter(scanned_at__gte=since, scanned_at__lte=now)
        .exclude(region_code="")
        .values("batch", "region_code")
        .annotate(n=Count("id"))
        .order_by("batch", "region_code")
    )
    by_city: dict[tuple[int, str], int] = {}
    for row in rows:
        key = (row["batch"], row["region_code"][:4])
        by_city[key] = by_city.get(key, 0) + row["n"]
    for (batch_id, city), n in sorted(by_city.items()):
        if n < settings.RISK_SCANS_OUTSIDE_REGION:
            continue
        batch = Batch.objects.select_related("product__owner").get(pk=batch_id)
        places = set(
            Custody.objects.filter(batch=batch).values_list("organization__region_code", flat=True)
        )
        if batch.product_id:
            places.add(batch.product.owner.region_code)
        if any(place.startswith(city) for place in places):
            continue
        raised += _raised(
            _batch_signal(
                batch,
                key=f"outside_region:{batch.pk}:{city}",
                kind=SignalKind.OUTSIDE_REGION,
                evidence={
                    "batch": batch.pk,
                    "gtin": batch.gtin,
                    "lot": batch.lot,
                    "scans": n,
                    "region": f"{city}00",
                    "shipped_to": sorted(places),
                    "threshold": settings.RISK_SCANS_OUTSIDE_REGION,
                },
                now=now,
            )
        )
    return raised


def _raised(signal) -> int:
    return 0 if signal is None else 1


def _batch_signal(batch: Batch, *, key, kind, evidence, now):
    producer = batch.product.owner if batch.product_id else None
    return signal_raise(
        key=key,
        kind=kind,
        evidence=evidence,
        region_code=producer.region_code if producer else "",
        producer=producer,
        batches=[batch],
        gtin=batch.gtin,
        lot=batch.lot,
        now=now,
    )


def count_unknown_scan(*, gtin: str, lot: str, at: datetime) -> None:
    day = timezone.localtime(at).date()
    updated = UnknownCodeScan.objects.filter(gtin=gtin, lot=lot[:20], day=day).update(
        count=F("count") + 1
    )
    if not updated:
        try:
            with transaction.atomic():
                UnknownCodeScan.objects.create(gtin=gtin, lot=lot[:20], day=day, count=1)
        except IntegrityError:
            UnknownCodeScan.objects.filter(gtin=gtin, lot=lot[:20], day=day).update(
                count=F("count") + 1
            )
