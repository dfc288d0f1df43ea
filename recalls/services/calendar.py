"""Deadlines counted across a year whose State Council holiday notice was not loaded are
provisional (Monday to Friday); when the year is loaded they are counted again from their
start, and the change is written on each recall's timeline."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from .. import law
from ..choices import RecallStatus
from ..models import Recall
from .common import log_entry

ENDED = (RecallStatus.CLOSED, RecallStatus.CANCELLED, RecallStatus.TERMINATED)


def _objection(recall: Recall) -> law.Due | None:
    if recall.objection_due_at is None or recall.created_at is None:
        return None
    return law.due_after(recall.created_at, law.objection_rule(recall))


def _plan(recall: Recall) -> law.Due | None:
    r, start = law.plan_rule(recall), law.plan_counts_from(recall)
    return (
        None
        if r is None or start is None or recall.plan_due_at is None
        else law.due_after(start, r)
    )


def _complete(recall: Recall) -> law.Due | None:
    r, start = law.complete_rule(recall), law.complete_counts_from(recall)
    return None if r is None or start is None else law.due_after(start, r)


def _summary(recall: Recall) -> law.Due | None:
    if recall.completed_at is None or recall.summary_due_at is None:
        return None
    return law.summary_due(recall, recall.completed_at)


# name → (how to count it again, the due column, the covered column)
DEADLINES = {
    "objection": (_objection, "objection_due_at", "objection_calendar_covered"),
    "plan": (_plan, "plan_due_at", "plan_calendar_covered"),
    "complete": (_complete, "complete_due_at", "complete_calendar_covered"),
    "summary_report": (_summary, "summary_due_at", "summary_calendar_covered"),
}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def recompute_recall_deadlines(recall: Recall, *, year: int) -> dict:
    """Count the recall's provisional deadlines again; save and log what changed."""
    changes, fields = {}, []
    for name, (count, due_field, covered_field) in DEADLINES.items():
        if getattr(recall, covered_field):
            continue
        due = count(recall)
        if due is None:
            continue
        before = getattr(recall, due_field)
        setattr(recall, due_field, due.at)
        setattr(recall, covered_field, due.calendar_covered)
        fields += [due_field, covered_field]
        if name == "summary_report" and recall.summary_check_at == before:
            recall.summary_check_at = due.at
            fields.append("summary_check_at")
        changes[name] = {
            "before": _iso(before),
            "after": _iso(due.at),
            "provisional": not due.calendar_covered,
        }
    if not changes:
        return {}
    recall.save(update_fields=[*fields, "updated_at"])
    log_entry(recall, "deadlines_recomputed", data={"year": year, "deadlines": changes})
    return changes


def recall_recompute_deadlines(*, year: int) -> int:
    """Every open recall with a provisional deadline is counted again now that ``year``'s
    holiday notice is loaded; returns how many recalls were recomputed."""
    flagged = (
        Q(objection_calendar_covered=False)
        | Q(plan_calendar_covered=False)
        | Q(complete_calendar_covered=False)
        | Q(summary_calendar_covered=False)
    )
    done = 0
    for recall in Recall.objects.select_for_update().filter(flagged).exclude(status__in=ENDED):
        if recompute_recall_deadlines(recall, year=year):
            done += 1
    return done
