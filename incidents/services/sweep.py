"""The incidents sweep: every due time (pass-up, reminder, investigation, supplement, written
report) acted on exactly once, in bulk per chunk.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.bulk import insert_rows, update_rows
from core.outbox import bulk_notifications

from .. import policy
from ..choices import LEVEL_ORDER
from ..listing import incidents_written
from ..models import OPEN_Q, Incident, IncidentTimeline, reached_field
from .common import _enter_level, _log, _mark_overdue, _refresh_next_due
from .notices import _notify_level, _notify_org, _text

SWEEP_FIELDS = [
    "level",
    "level_rank",
    *(reached_field(level) for level in LEVEL_ORDER),
    "level_reached_at",
    "level_acknowledged",
    "reminders_sent",
    "escalation_due_at",
    "reminder_due_at",
    "investigation_due_at",
    "supplement_due_at",
    "written_report_due_at",
    "next_due_at",
    "is_overdue",
    "overdue_since",
    "updated_at",
]


def _due_now(incident: Incident, now: datetime) -> tuple | None:
    """The earliest due time up to ``now`` (ties in the order escalate, remind, investigation,
    supplement, written report), or None."""
    due = [
        (at, priority, what)
        for priority, (what, at) in enumerate(
            (
                ("escalate", incident.escalation_due_at),
                ("remind", incident.reminder_due_at),
                ("investigation", incident.investigation_due_at),
                ("supplement", incident.supplement_due_at),
                ("written_report", incident.written_report_due_at),
            )
        )
        if at and at <= now
    ]
    return min(due) if due else None


def _escalate(incident: Incident, at: datetime, swept: dict, sink: list, memo: dict) -> None:
    _mark_overdue(incident, at)
    old = incident.level
    new = policy.next_level(old)
    if new is None:
        incident.escalation_due_at = None
        return
    _enter_level(incident, new, at)
    _log(
        incident,
        "escalated",
        at=at,
        sink=sink,
        reason=_text("escalated_reason", memo),
        data={"from": old, "to": new, **swept},
    )
    _notify_level(
        incident,
        new,
        topic="incident.escalated",
        subject=_text("escalated", memo) % {"id": incident.pk},
        memo=memo,
    )


def _remind(incident: Incident, at: datetime, swept: dict, sink: list, memo: dict) -> None:
    incident.reminders_sent += 1
    _log(
        incident,
        "reminder",
        at=at,
        sink=sink,
        data={"level": incident.level, "n": incident.reminders_sent, **swept},
    )
    _notify_level(
        incident,
        incident.level,
        topic="incident.reminder",
        subject=_text("reminder", memo) % {"id": incident.pk},
        memo=memo,
    )
    more = incident.reminders_sent < settings.INCIDENT_REMINDER_REPEAT
    incident.reminder_due_at = (
        at + timedelta(minutes=settings.INCIDENT_REMINDER_MINUTES) if more else None
    )


def _investigation_overdue(incident, at, swept, sink, memo) -> None:
    _mark_overdue(incident, at)
    incident.investigation_due_at = None
    _log(incident, "investigation_overdue", at=at, sink=sink, data=swept)
    _notify_level(
        incident,
        incident.investigating_level,
        topic="incident.overdue",
        subject=_text("investigation", memo) % {"id": incident.pk},
        memo=memo,
    )


def _supplement_overdue(incident, at, swept, sink, memo) -> None:
    incident.supplement_due_at = None
    _log(incident, "supplement_overdue", at=at, sink=sink, data=swept)
    _notify_org(
        incident,
        incident.reporter,
        topic="incident.overdue",
        subject=_text("supplement", memo) % {"id": incident.pk},
    )


def _written_report_overdue(incident, at, swept, sink, memo) -> None:
    _mark_overdue(incident, at)
    incident.written_report_due_at = None
    _log(incident, "written_report_overdue", at=at, sink=sink, data=swept)
    _notify_org(
        incident,
        incident.reporter,
        topic="incident.overdue",
        subject=_text("written_report", memo) % {"id": incident.pk},
    )


_ACTIONS = {
    "escalate": _escalate,
    "remind": _remind,
    "investigation": _investigation_overdue,
    "supplement": _supplement_overdue,
    "written_report": _written_report_overdue,
}


def _sweep_one(incident: Incident, now: datetime, *, sink: list, memo: dict) -> int:
    """Act on every due time of one locked incident up to ``now``, in the order they fell due.

    Each action is stamped with its due time, so a sweep that runs late (a worker down for a day)
    writes the same rows as sweeps that ran on time.
    """
    acted = 0
    for _guard in range(1000):
        due = _due_now(incident, now)
        if due is None:
            break
        at, _priority, what = due
        acted += 1
        _ACTIONS[what](incident, at, {"due_at": at, "swept_at": now}, sink, memo)
    _refresh_next_due(incident)
    incident.updated_at = timezone.now()
    return acted


def _swept_values(incident: Incident) -> tuple:
    return tuple(getattr(incident, name) for name in SWEEP_FIELDS)


def _save_swept(rows: list[Incident], before: list[tuple], timeline: list[tuple]) -> None:
    """Write a chunk back in two statements: one UPDATE of the swept rows (``UPDATE … FROM``
    unnested arrays on PostgreSQL; bulk_update's CASE per field and row costs more than the
    sweep itself) of the columns the sweep changed in any of them (``before``: their values
    as locked), and one insert of their timeline rows (COPY on PostgreSQL)."""
    if not rows:
        return
    incidents_written()  # a bulk UPDATE sends no post_save
    after = [_swept_values(incident) for incident in rows]
    changed = [
        k
        for k in range(len(SWEEP_FIELDS))
        if any(new[k] != old[k] for new, old in zip(after, before, strict=True))
    ]
    update_rows(
        Incident,
        [SWEEP_FIELDS[k] for k in changed],
        [
            (incident.pk, *(values[k] for k in changed))
            for incident, values in zip(rows, after, strict=True)
        ],
    )
    insert_rows(IncidentTimeline, _TIMELINE_FIELDS, timeline)


_TIMELINE_FIELDS = [
    "incident_id",
    "at",
    "actor_id",
    "actor_organization_id",
    "action",
    "reason",
    "data",
]


def _recomputable_commit() -> None:
    """Let this transaction's commit return before its WAL reaches the disk (PostgreSQL's
    ``synchronous_commit = off``, for this transaction only).

    Safe for a sweep and only for it: everything it writes follows from the due times in the
    database. If a crash loses the last few hundred milliseconds of commits, the due times
    lost with them were never moved, so the next sweep acts on the same rows and writes the
    same rows again (each stamped with its due time); the outbox rows go with the change they
    announce, and a delivery task enqueued for a lost row finds nothing to send. It never
    leaves half a sweep: the transaction is lost whole or kept whole."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def incidents_sweep(now: datetime) -> int:
    """The incidents sweeper (registered with api.deadlines): exactly once per due time.

    Due rows are locked with SKIP LOCKED, so concurrent sweeps share the work and never act twice;
    each row's due times move forward in the same transaction. Each chunk is written in bulk: one
    UPDATE of the swept rows, one INSERT of their timeline rows, one of their outbox rows.
    """
    acted, seen = 0, set()
    chunk = settings.INCIDENT_SWEEP_CHUNK
    memo: dict = {}  # the regulators of each (level, jurisdiction), read once per sweep
    while True:
        with transaction.atomic():
            _recomputable_commit()
            rows = list(
                Incident.objects.select_for_update(skip_locked=True)
                .filter(OPEN_Q, next_due_at__lte=now)
                .exclude(pk__in=seen)
                .order_by("next_due_at", "id")[:chunk]
            )
            before = [_swept_values(incident) for incident in rows]
            sink: list[tuple] = []  # timeline rows (_TIMELINE_FIELDS)
            with bulk_notifications():
                for incident in rows:
                    seen.add(incident.pk)
                    acted += _sweep_one(incident, now, sink=sink, memo=memo)
            _save_swept(rows, before, sink)
        if len(rows) < chunk:
            return acted
