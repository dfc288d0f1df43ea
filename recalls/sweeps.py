"""The recalls' part of the deadline sweep (registered with ``core.deadlines``):
silent consignees reminded, then escalated; overdue progress and summary
reports escalated. Exactly once per due time: each row's next check moves
forward in the transaction that acts on it, under ``skip_locked``.

Every action is stamped with the time it fell due and the next one is counted from
that due time, never from the sweep's: a sweep that comes back after an outage acts
on every due time it missed, in the order they fell due, and writes the same
timeline rows (``at`` = the due time) as sweeps that ran on time; ``swept_at`` in a
row's data says when it was really done."""

from __future__ import annotations

import heapq
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.outbox import notify

from .choices import RecallStatus as S
from .models import Recall, RecallNotice
from .services import log_entry, notify_regulators, send_notice

# Due times one row may act on in one sweep (a repeat of 0 days would otherwise never end).
_MAX_ACTIONS_PER_ROW = 1000
_NO_TIME = timedelta(0)


def _horizon(recall: Recall, now: datetime) -> datetime:
    """Up to when a recall's reminders and progress-report notices fall due: now, or its
    completion if it was completed before the sweep came back (nothing falls due after it)."""
    if recall.status == S.COMPLETED and recall.completed_at is not None:
        return min(now, recall.completed_at)
    return now


def _remind_or_escalate(notice: RecallNotice, at: datetime, now: datetime) -> None:
    """The action due at ``at`` for a silent consignee: the next reminder, or, once the
    reminders are used up, the escalation to the producer and the regulators."""
    recall = notice.recall
    swept = {"due_at": at, "swept_at": now}
    if notice.reminders_sent < settings.RECALL_ACK_MAX_REMINDERS:
        # The link goes out now, so it is valid from now; the row is stamped with its due time.
        send_notice(notice, recall, topic="recall.reminder", now=now, at=at)
        notice.reminders_sent += 1
        notice.next_reminder_at = at + timedelta(hours=settings.RECALL_ACK_REMINDER_HOURS)
        log_entry(
            recall,
            "consignee_reminded",
            at=at,
            data={
                "organization": notice.organization_id,
                "reminder": notice.reminders_sent,
                **swept,
            },
        )
        return
    notice.escalated_at = at
    notice.next_reminder_at = None
    subject = _("Consignee has not answered recall %(number)s: %(org)s") % {
        "number": recall.number,
        "org": notice.organization.name,
    }
    body = _("%(org)s was notified on %(at)s and reminded %(n)s times without answering.") % {
        "org": notice.organization.name,
        "n": notice.reminders_sent,
        "at": timezone.localtime(notice.notified_at).strftime("%Y-%m-%d %H:%M"),
    }
    notify(
        organization=recall.producer,
        topic="recall.consignee_escalated",
        subject=subject,
        body=body,
        payload={"recall": recall.number, "organization": notice.organization_id},
        about=notice,
    )
    notify_regulators(
        recall,
        topic="recall.consignee_escalated",
        subject=subject,
        body=body,
        region_code=notice.organization.region_code,
    )
    log_entry(
        recall,
        "consignee_escalated",
        at=at,
        data={"organization": notice.organization_id, **swept},
    )


def _sweep_notices(now: datetime, limit: int) -> int:
    done = 0
    with transaction.atomic():
        notices = list(
            RecallNotice.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(acknowledged_at__isnull=True, next_reminder_at__lte=now)
            .filter(
                Q(recall__status=S.ACTIVE)
                # completed while the sweep was down: what fell due before the completion
                | Q(recall__status=S.COMPLETED, next_reminder_at__lte=F("recall__completed_at"))
            )
            .select_related("recall__producer", "organization")
            .order_by("next_reminder_at", "id")[:limit]
        )
        # Every due time of every locked notice, in the order they fell due (ties by notice),
        # as sweeps running on time would have met them.
        due = [(n.next_reminder_at, n.pk, i) for i, n in enumerate(notices)]
        heapq.heapify(due)
        acted = [0] * len(notices)
        while due:
            at, pk, i = heapq.heappop(due)
            notice = notices[i]
            _remind_or_escalate(notice, at, now)
            acted[i] += 1
            done += 1
            following = notice.next_reminder_at
            if (
                following is not None
                and following <= _horizon(notice.recall, now)
                and acted[i] < _MAX_ACTIONS_PER_ROW
            ):
                heapq.heappush(due, (following, pk, i))
        for notice in notices:
            notice.save(update_fields=["reminders_sent", "next_reminder_at", "escalated_at"])
    return done


def _report_overdue(recall: Recall, at: datetime, now: datetime, *, summary: bool) -> None:
    due_at = recall.summary_due_at if summary else recall.next_report_due_at
    action = "summary_report_overdue" if summary else "progress_report_overdue"
    subject = (
        _("Summary report overdue: %(number)s")
        if summary
        else _("Progress report overdue: %(number)s")
    ) % {"number": recall.number}
    body = _("It was due on %(due)s.") % {
        "due": timezone.localtime(due_at).strftime("%Y-%m-%d %H:%M")
    }
    notify(
        organization=recall.producer,
        topic="recall." + action,
        subject=subject,
        body=body,
        payload={"recall": recall.number, "due_at": due_at.isoformat()},
        about=recall,
    )
    notify_regulators(recall, topic="recall." + action, subject=subject, body=body)
    log_entry(recall, action, at=at, data={"due_at": due_at.isoformat(), "swept_at": now})


def _sweep_reports(now: datetime, limit: int) -> int:
    done = 0
    repeat = timedelta(days=settings.RECALL_OVERDUE_REPEAT_DAYS)
    with transaction.atomic():
        due = (
            Recall.objects.select_for_update(skip_locked=True)
            .filter(
                Q(status=S.ACTIVE, report_check_at__lte=now)
                | Q(status=S.COMPLETED, summary_check_at__lte=now)
                # completed while the sweep was down: a progress report that was overdue before
                | Q(status=S.COMPLETED, report_check_at__lte=now)
            )
            .order_by("id")[:limit]
        )
        for recall in due:
            fields = ["report_check_at"]
            if recall.status == S.COMPLETED:
                fields.append("summary_check_at")
            for field in fields:
                summary = field == "summary_check_at"
                horizon = now if summary else _horizon(recall, now)
                # The overdue notice at the due time, then again every repeat from it, each once.
                for _n in range(_MAX_ACTIONS_PER_ROW):
                    at = getattr(recall, field)
                    if at is None or at > horizon:
                        break
                    _report_overdue(recall, at, now, summary=summary)
                    setattr(recall, field, at + repeat if repeat > _NO_TIME else None)  # 0: once
                    done += 1
            if recall.status == S.COMPLETED:
                recall.report_check_at = None  # no progress report falls due after completion
            recall.save(update_fields=["summary_check_at", "report_check_at"])
    return done


def sweep_recalls(now: datetime, *, limit: int = 1000) -> int:
    """Remind and escalate silent consignees; escalate overdue progress and summary reports.
    Exactly once per due time, stamped with it: each row's next check moves forward, from
    the due time, in the same transaction."""
    return _sweep_notices(now, limit) + _sweep_reports(now, limit)
