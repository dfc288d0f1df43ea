"""The incidents' side of injury monitoring: a queue filled when an incident with casualties is
reported or its figures change, evaluated by the sweep, each incident at its own time."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from incidents.choices import Status as IncidentStatus
from incidents.models import Incident, IncidentBatch

from ..choices import SignalKind, SignalStatus
from ..models import Complaint, PendingInjuryCheck, RiskSignal, RiskSignalTimeline
from .injuries import _batch_window, check_batch_injuries, injury_incidents

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
