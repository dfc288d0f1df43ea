"""The recalls' part of the deadline sweep (registered with ``api.deadlines``):
silent consignees reminded, then escalated; overdue progress and summary
reports escalated. Exactly once per due row: each row's next check moves
forward in the transaction that acts on it, under ``skip_locked``."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from api.outbox import notify

from .choices import RecallStatus as S
from .models import Recall, RecallNotice
from .services import log_entry, notify_regulators, send_notice


def _sweep_notices(now: datetime, limit: int) -> int:
    done = 0
    with transaction.atomic():
        notices = list(
            RecallNotice.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                acknowledged_at__isnull=True, next_reminder_at__lte=now, recall__status=S.ACTIVE
            )
            .select_related("recall__producer", "organization")
            .order_by("next_reminder_at")[:limit]
        )
        for notice in notices:
            recall = notice.recall
            if notice.reminders_sent < settings.RECALL_ACK_MAX_REMINDERS:
                send_notice(notice, recall, topic="recall.reminder", now=now)
                notice.reminders_sent += 1
                notice.next_reminder_at = now + timedelta(hours=settings.RECALL_ACK_REMINDER_HOURS)
                log_entry(
                    recall,
                    "consignee_reminded",
                    at=now,
                    data={
                        "organization": notice.organization_id,
                        "reminder": notice.reminders_sent,
                    },
                )
            else:
                notice.escalated_at = now
                notice.next_reminder_at = None
                subject = _("Consignee has not answered recall %(number)s: %(org)s") % {
                    "number": recall.number,
                    "org": notice.organization.name,
                }
                body = _(
                    "%(org)s was notified on %(at)s and reminded %(n)s times without answering."
                ) % {
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
                    at=now,
                    data={"organization": notice.organization_id},
                )
            notice.save(update_fields=["reminders_sent", "next_reminder_at", "escalated_at"])
            done += 1
    return done


def _sweep_reports(now: datetime, limit: int) -> int:
    done = 0
    repeat = timedelta(days=settings.RECALL_OVERDUE_REPEAT_DAYS)
    with transaction.atomic():
        due = (
            Recall.objects.select_for_update(skip_locked=True)
            .filter(
                Q(status=S.ACTIVE, report_check_at__lte=now)
                | Q(status=S.COMPLETED, summary_check_at__lte=now)
            )
            .order_by("id")[:limit]
        )
        for recall in due:
            summary = recall.status == S.COMPLETED
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
            log_entry(recall, action, at=now, data={"due_at": due_at.isoformat()})
            if summary:
                recall.summary_check_at = now + repeat
            else:
                recall.report_check_at = now + repeat
            recall.save(update_fields=["summary_check_at", "report_check_at"])
            done += 1
    return done


def sweep_recalls(now: datetime, *, limit: int = 1000) -> int:
    """Remind and escalate silent consignees; escalate overdue progress and summary reports.
    Exactly once per due row: each row's next check moves forward in the same transaction."""
    return _sweep_notices(now, limit) + _sweep_reports(now, limit)
