"""The end of a recall: the producer completes it and files the summary report, the
regulator closes it; terminate and cancel end it early.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict
from core.outbox import notify
from core.validators import field_error as _field_error

from .. import law
from ..models import (
    Recall,
    RecallNotice,
    RecallSummaryReport,
)
from ..selectors import (
    report_figures,
)
from .common import _check, _lock, log_entry, notify_regulators, recall_require_actor
from .progress import stated_figure_errors


@transaction.atomic
def recall_complete(
    *, recall_id: int, actor, note: str = "", now: datetime | None = None
) -> Recall:
    """The producer reports that it has done what the plan says: active → completed; the
    summary report falls due (SAMR Order 19 Art. 21 ¶1: 15 working days; a food recall under
    SAMR Order 122 Art. 24: 5 days). Only the regulator then closes the recall, after
    evaluating it (``recall_close``)."""
    recall = _lock(recall_id)
    now = now or timezone.now()
    recall_require_actor(recall=recall, actor=actor, action="complete")
    target = _check(recall, "complete")
    deadline = law.summary_due(recall, now)
    recall.status = target
    recall.completed_at = now
    recall.summary_due_at = recall.summary_check_at = deadline.at
    recall.summary_calendar_covered = deadline.calendar_covered
    # A progress report that fell overdue before now and was not swept yet (the sweep was
    # down) is still announced, stamped with its due time; none falls due after this.
    if recall.report_check_at is not None and recall.report_check_at > now:
        recall.report_check_at = None
    recall.save(
        update_fields=[
            "status",
            "completed_at",
            "summary_due_at",
            "summary_check_at",
            "summary_calendar_covered",
            "report_check_at",
            "updated_at",
        ]
    )
    data = {"summary_due_at": deadline.at.isoformat()}
    if not deadline.calendar_covered:
        data["note"] = "computed without the holiday calendar"
    log_entry(recall, "completed", actor=actor, reason=note, data=data)
    return recall


@transaction.atomic
def recall_file_summary_report(
    *,
    recall_id: int,
    actor,
    conclusion: str,
    units_recovered=None,
    units_corrected=None,
    units_destroyed=None,
    note: str = "",
    now: datetime | None = None,
) -> RecallSummaryReport:
    recall = _lock(recall_id)
    now = now or timezone.now()
    recall_require_actor(recall=recall, actor=actor, action="summary_report")
    _check(recall, "summary_report")
    if RecallSummaryReport.objects.filter(recall=recall).exists():
        raise Conflict(_("The summary report has already been filed."), code="summary_exists")
    if not conclusion.strip():
        raise _field_error("conclusion", _("The summary report needs a conclusion."), "required")
    stated = {
        "units_recovered": units_recovered,
        "units_corrected": units_corrected,
        "units_destroyed": units_destroyed,
    }
    errors = stated_figure_errors(recall, stated)
    if errors:
        raise ValidationError(errors)
    figures = report_figures(recall, **stated)
    report = RecallSummaryReport.objects.create(
        recall=recall, conclusion=conclusion, note=note, filed_by=actor, **figures
    )
    recall.summary_check_at = None
    recall.save(update_fields=["summary_check_at", "updated_at"])
    log_entry(
        recall,
        "summary_report_filed",
        actor=actor,
        data={
            "effectiveness": report.effectiveness,
            "target_met": report.target_met,
            "on_time": now <= recall.summary_due_at,
        },
    )
    notify_regulators(
        recall,
        topic="recall.summary_report",
        subject=_("Recall summary report: %(number)s") % {"number": recall.number},
        body=conclusion,
    )
    return report


@transaction.atomic
def recall_close(
    *, recall_id: int, actor, override: bool = False, reason: str = "", now: datetime | None = None
) -> Recall:
    """The regulator verifies and closes: when the target is met and every
    consignee has answered, or by override with a recorded reason."""
    recall = _lock(recall_id)
    now = now or timezone.now()
    recall_require_actor(recall=recall, actor=actor, action="close")
    target = _check(recall, "close")
    if not RecallSummaryReport.objects.filter(recall=recall).exists():
        raise Conflict(_("The summary report has not been filed yet."), code="summary_missing")
    figures = report_figures(recall)
    unanswered = figures["consignees_total"] - figures["consignees_answered"]
    met = figures["target_met"] and unanswered == 0
    if not met:
        if not override and figures["effectiveness"] is None:
            raise Conflict(
                _(
                    "This recall reached no consignee, so its effectiveness cannot be checked; "
                    "close with override and a reason."
                ),
                code="no_consignees",
            )
        if not override:
            raise Conflict(
                _(
                    "The target is not met (%(e)s %% answered, %(n)s consignees still silent); "
                    "close with override and a reason."
                )
                % {"e": figures["effectiveness"], "n": unanswered},
                code="target_not_met",
            )
        if not reason.strip():
            raise _field_error("reason", _("Closing by override needs a reason."), "required")
    recall.status = target
    recall.closed_at = now
    recall.closed_by_override = not met
    recall.ended_reason = reason
    recall.save(
        update_fields=["status", "closed_at", "closed_by_override", "ended_reason", "updated_at"]
    )
    RecallNotice.objects.filter(recall=recall).update(next_reminder_at=None)
    log_entry(
        recall,
        "closed",
        actor=actor,
        reason=reason,
        data={
            "override": not met,
            "effectiveness": figures["effectiveness"],
            "unanswered": unanswered,
        },
    )
    notify(
        organization=recall.producer,
        topic="recall.closed",
        subject=_("Recall closed: %(number)s") % {"number": recall.number},
        body=reason or recall.notice_title,
        payload={"recall": recall.number},
        about=recall,
    )
    return recall


def _end(recall_id: int, actor, *, action: str, reason: str, now: datetime | None) -> Recall:
    recall = _lock(recall_id)
    now = now or timezone.now()
    recall_require_actor(recall=recall, actor=actor, action=action)
    target = _check(recall, action)
    if not reason.strip():
        raise _field_error("reason", _("Say why."), "required")
    recall.status = target
    recall.ended_reason = reason
    recall.report_check_at = None
    recall.save(update_fields=["status", "ended_reason", "report_check_at", "updated_at"])
    RecallNotice.objects.filter(recall=recall).update(next_reminder_at=None)
    log_entry(recall, action + ("d" if action.endswith("e") else "led"), actor=actor, reason=reason)
    return recall


@transaction.atomic
def recall_terminate(*, recall_id: int, actor, reason: str, now: datetime | None = None) -> Recall:
    """Stop a filed or running recall early (the lots stay recalled)."""
    return _end(recall_id, actor, action="terminate", reason=reason, now=now)


@transaction.atomic
def recall_cancel(*, recall_id: int, actor, reason: str, now: datetime | None = None) -> Recall:
    """Withdraw a recall that has not started."""
    return _end(recall_id, actor, action="cancel", reason=reason, now=now)
