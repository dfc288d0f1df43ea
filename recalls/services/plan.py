"""The plan: editing a draft, filing it (备案), re-filing a new version, the regulator's
acknowledgement, and the deadlines that run from filing.
"""

from __future__ import annotations

from datetime import datetime
from trace.core.cache import invalidate_batches

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict
from core.validators import field_error as _field_error

from .. import law
from ..models import (
    Recall,
    RecallPlanVersion,
)
from .common import (
    PLAN_FIELDS,
    S,
    _check,
    _lock,
    log_entry,
    notify_regulators,
    plan_of,
    plan_receivers,
    recall_require_actor,
    validate_plan,
    visible_incidents,
)
from .creation import _set_start_due


@transaction.atomic
def recall_update_plan(
    *, recall_id: int, actor, changes: dict, reason: str = "", now: datetime | None = None
) -> Recall:
    """Edit a draft's plan, or re-file a filed plan (a new version, with a reason)."""
    recall = _lock(recall_id)
    now = now or timezone.now()
    recall_require_actor(recall=recall, actor=actor, action="update_plan")
    refile = recall.status != S.DRAFT
    if refile:
        _check(recall, "refile")
        if not reason.strip():
            raise _field_error(
                "reason", _("A re-filed plan needs the reason for the change."), "required"
            )
    incident_ids = changes.get("linked_incidents")
    changes = {k: v for k, v in changes.items() if k in PLAN_FIELDS}
    plan = {f: getattr(recall, f) for f in PLAN_FIELDS} | changes
    validate_plan(plan)
    if incident_ids is not None:
        recall.incidents.set(visible_incidents(actor, incident_ids))
    for k, v in changes.items():
        setattr(recall, k, v)
    recall.full_clean(validate_unique=False, validate_constraints=False)
    fields = [*changes, "updated_at"]
    if "recall_class" in changes and recall.activated_at is None:
        _set_start_due(recall)
        fields.append("start_due_at")
    if incident_ids is not None:
        changes["linked_incidents"] = incident_ids  # for the timeline's list of changes
    if refile:
        recall.plan_version += 1
        fields.append("plan_version")
    recall.save(update_fields=fields)
    if refile:
        RecallPlanVersion.objects.create(
            recall=recall,
            version=recall.plan_version,
            plan=plan_of(recall),
            reason=reason,
            filed_by=actor,
        )
        log_entry(
            recall,
            "plan_refiled",
            actor=actor,
            reason=reason,
            data={"version": recall.plan_version, "changed": sorted(changes)},
        )
        notify_regulators(
            recall,
            topic="recall.refiled",
            subject=_("Recall plan re-filed: %(number)s") % {"number": recall.number},
            body=_("Plan version %(v)s: %(reason)s") % {"v": recall.plan_version, "reason": reason},
        )
        if recall.status == S.ACTIVE:  # the consumer pages show the new remedy from the next scan
            lots = list(
                recall.scope_batches.filter(included=True).values_list("batch_id", flat=True)
            )
            transaction.on_commit(lambda: invalidate_batches(lots))
    else:
        log_entry(recall, "plan_edited", actor=actor, data={"changed": sorted(changes)})
    return recall


@transaction.atomic
def recall_submit(*, recall_id: int, actor, now: datetime | None = None) -> Recall:
    """File the plan (备案): draft → submitted, plan version 1."""
    recall = _lock(recall_id)
    now = now or timezone.now()
    recall_require_actor(recall=recall, actor=actor, action="submit")
    target = _check(recall, "submit")
    if recall.scope_confirmed_at is None:
        raise Conflict(_("Confirm the scope before filing the plan."), code="scope_not_confirmed")
    plan = {f: getattr(recall, f) for f in PLAN_FIELDS}
    validate_plan(plan)
    check_notice_contents(recall, plan)
    recall.status = target
    recall.submitted_at = now
    _set_complete_due(recall)
    recall.save(
        update_fields=[
            "status",
            "submitted_at",
            "complete_due_at",
            "complete_calendar_covered",
            "updated_at",
        ]
    )
    RecallPlanVersion.objects.create(
        recall=recall, version=recall.plan_version, plan=plan_of(recall), filed_by=actor
    )
    log_entry(recall, "submitted", actor=actor, data={"version": recall.plan_version})
    notify_regulators(
        recall,
        recipients=plan_receivers(recall),
        topic="recall.submitted",
        subject=_("Recall plan filed: %(number)s") % {"number": recall.number},
        body=_("%(producer)s filed the plan of recall %(number)s: %(title)s")
        % {"producer": recall.producer.name, "number": recall.number, "title": recall.notice_title},
    )
    return recall


def check_notice_contents(recall: Recall, plan: dict) -> None:
    """The public notice carries what the plan must contain (``law.contents_rule``: SAMR Order
    19 Art. 18; the food-recall text's plan contents): the defect, the hazard, what consumers
    should do now, the remedy, a contact, the period and the lots. A plan lacking one is not
    filed; each gap is named with its field and the rule."""
    lots = recall.scope_batches.filter(included=True).count()
    gaps = law.notice_gaps(recall, plan, lots=lots)
    if not gaps:
        return
    citation = law.contents_rule(recall).citation()
    raise ValidationError(
        {
            field: ValidationError(
                _("The public notice must say %(what)s (%(rule)s).")
                % {"what": what, "rule": citation},
                code="notice_incomplete",
            )
            for field, what in gaps
        }
    )


def _set_complete_due(recall: Recall) -> None:
    """A food recall's completion limit, in the unit and from the moment its text gives:
    working days from the announcement (CFDA Order 12 Art. 17) or calendar days from
    submitting the plan (SAMR Order 122 Art. 15)."""
    r, start = law.complete_rule(recall), law.complete_counts_from(recall)
    due = None if r is None or start is None else law.due_after(start, r)
    recall.complete_due_at = due and due.at
    recall.complete_calendar_covered = due is None or due.calendar_covered


@transaction.atomic
def recall_approve(*, recall_id: int, actor, note: str = "", now: datetime | None = None) -> Recall:
    """A regulator acknowledges the filed plan."""
    recall = _lock(recall_id)
    now = now or timezone.now()
    recall_require_actor(recall=recall, actor=actor, action="approve")
    _check(recall, "approve")
    recall.approved_at = now
    recall.save(update_fields=["approved_at", "updated_at"])
    log_entry(recall, "approved", actor=actor, reason=note, data={"version": recall.plan_version})
    return recall
