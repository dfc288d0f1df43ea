"""Progress reports while a recall runs, and the bounds on the figures the producer states."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import law
from ..models import (
    Recall,
    RecallProgressReport,
)
from ..selectors import (
    ZERO,
    report_figures,
)
from .common import _check, _lock, log_entry, notify_regulators, recall_require_actor


def stated_figure_errors(recall: Recall, figures: dict) -> dict[str, ValidationError]:
    """The producer's own report figures are bounded by the units of the scope: what was
    distributed, or what the consignees held if more."""
    bound = max(recall.units_sold, recall.units_planned)
    stated = {k: v for k, v in figures.items() if v is not None}
    if not stated or not bound or sum(stated.values(), ZERO) <= bound:
        return {}
    field = next(iter(sorted(stated, key=lambda k: stated[k], reverse=True)))
    return {
        field: ValidationError(
            _(
                "Recovered, corrected and destroyed together exceed the %(bound)s units "
                "of the scope (distributed, or held by the consignees)."
            )
            % {"bound": format(bound.normalize(), "f")},
            code="quantity_exceeds_scope",
        )
    }


@transaction.atomic
def recall_file_progress_report(
    *,
    recall_id: int,
    actor,
    units_recovered=None,
    units_corrected=None,
    units_destroyed=None,
    note: str = "",
    now: datetime | None = None,
) -> RecallProgressReport:
    recall = _lock(recall_id)
    now = now or timezone.now()
    recall_require_actor(recall=recall, actor=actor, action="progress_report")
    _check(recall, "progress_report")
    stated = {
        "units_recovered": units_recovered,
        "units_corrected": units_corrected,
        "units_destroyed": units_destroyed,
    }
    errors = stated_figure_errors(recall, stated)
    if errors:
        raise ValidationError(errors)
    figures = report_figures(recall, **stated)
    sequence = recall.progress_reports.count() + 1
    report = RecallProgressReport.objects.create(
        recall=recall, sequence=sequence, note=note, filed_by=actor, **figures
    )
    recall.next_report_due_at = recall.report_check_at = law.next_progress_due(
        recall, now, first=False
    )
    recall.save(update_fields=["next_report_due_at", "report_check_at", "updated_at"])
    log_entry(
        recall,
        "progress_report_filed",
        actor=actor,
        data={
            "sequence": sequence,
            "effectiveness": report.effectiveness,
            "target_met": report.target_met,
            "next_report_due_at": recall.next_report_due_at
            and recall.next_report_due_at.isoformat(),
        },
    )
    notify_regulators(
        recall,
        topic="recall.progress_report",
        subject=_("Recall progress report %(n)s: %(number)s")
        % {"n": sequence, "number": recall.number},
        body=(
            _("Effectiveness %(e)s %% (target %(t)s).")
            if report.effectiveness is not None
            else _("Effectiveness not applicable: no consignee (target %(t)s).")
        )
        % {"e": report.effectiveness, "t": recall.target_effectiveness},
    )
    return report
