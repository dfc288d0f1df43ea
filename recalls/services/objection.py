"""The producer's objection to a notice to recall and the regulator's recorded decision
on it; what an undecided objection refuses.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict
from core.models import Organization
from core.outbox import notify
from core.validators import field_error as _field_error

from .. import law, policy
from ..choices import (
    RecallType,
)
from ..models import (
    Recall,
)
from .common import S, _check, _lock, log_entry, recall_require_actor
from .creation import set_plan_due


@transaction.atomic
def recall_object(*, recall_id: int, actor, reason: str, now: datetime | None = None) -> Recall:
    """The producer objects to a notice to recall, with its reasons, within the window
    (SAMR Order 19 Art. 13: 10 working days of receiving the notice, from the rulebook). The
    recall cannot start until the regulator decides the objection (``recall_decide_objection``)."""
    recall = _lock(recall_id)
    now = now or timezone.now()
    recall_require_actor(recall=recall, actor=actor, action="object")
    _check(recall, "object")
    if recall.recall_type != RecallType.ORDERED:
        raise Conflict(_("Only an ordered recall can be objected to."), code="not_ordered")
    if not policy.has_objection_window(recall):
        raise Conflict(_food_order_stands(recall), code="food_order_stands")
    if not reason.strip():
        raise _field_error("reason", _("An objection needs its reasons."), "required")
    if now > recall.objection_due_at:
        raise Conflict(
            _("The objection window closed on %(due)s (%(rule)s).")
            % {
                "due": timezone.localtime(recall.objection_due_at).strftime("%Y-%m-%d %H:%M"),
                "rule": law.objection_rule(recall).citation(),
            },
            code="objection_window_closed",
        )
    if recall.objected_at is not None:
        raise Conflict(_("An objection has already been lodged."), code="already_objected")
    recall.objected_at = now
    recall.objection_reason = reason
    recall.save(update_fields=["objected_at", "objection_reason", "updated_at"])
    log_entry(
        recall,
        "objected",
        actor=actor,
        reason=reason,
        data={"rule": law.objection_rule(recall).citation()},
    )
    notify(
        organization=recall.ordered_by,
        topic="recall.objected",
        subject=_("Objection to recall %(number)s") % {"number": recall.number},
        body=reason,
        payload={"recall": recall.number},
        about=recall,
    )
    return recall


@transaction.atomic
def recall_decide_objection(
    *,
    recall_id: int,
    actor,
    upheld: bool,
    reason: str,
    expert_review: str = "",
    now: datetime | None = None,
) -> Recall:
    """The regulator records its decision on the producer's objection, after the review,
    testing or appraisal it had done (noted in ``expert_review``; SAMR Order 19 Art. 13).
    Upheld: the notice to recall is withdrawn and the recall cancelled. Not upheld: the
    recall may be ordered and started (Art. 14)."""
    recall = _lock(recall_id)
    now = now or timezone.now()
    recall_require_actor(recall=recall, actor=actor, action="decide_objection")
    _check(recall, "decide_objection")
    if recall.objected_at is None:
        raise Conflict(_("The producer has lodged no objection."), code="no_objection")
    if recall.objection_decided_at is not None:
        raise Conflict(_("The objection has already been decided."), code="objection_decided")
    if not reason.strip():
        raise _field_error("reason", _("A decision on an objection needs its reasons."), "required")
    recall.objection_decided_at = now
    recall.objection_upheld = upheld
    recall.objection_decision_reason = reason
    recall.objection_expert_review = expert_review
    fields = [
        "objection_decided_at",
        "objection_upheld",
        "objection_decision_reason",
        "objection_expert_review",
        "updated_at",
    ]
    if upheld:
        recall.status = S.CANCELLED
        recall.ended_reason = reason
        recall.report_check_at = None
        fields += ["status", "ended_reason", "report_check_at"]
    recall.save(update_fields=fields)
    log_entry(
        recall,
        "objection_upheld" if upheld else "objection_rejected",
        actor=actor,
        reason=reason,
        data={
            "expert_review": expert_review,
            "rule": law.objection_rule(recall).citation(),
        },
    )
    if upheld:
        log_entry(recall, "cancelled", actor=actor, reason=reason)
    notify(
        organization=recall.producer,
        topic="recall.objection_decided",
        subject=(
            _("Objection upheld: recall %(number)s withdrawn")
            if upheld
            else _("Objection not upheld: recall %(number)s stands")
        )
        % {"number": recall.number},
        body=reason,
        payload={"recall": recall.number, "upheld": upheld},
        about=recall,
    )
    return recall


def _activation_refusal(recall: Recall, org: Organization) -> None:
    """An ordered recall starts only once the notice to recall stands: never while the
    producer's objection awaits the regulator's decision (SAMR Order 19 Art. 13). The producer
    may comply and start it; anyone else only after SAMR's order (Art. 14)."""
    if recall.recall_type != RecallType.ORDERED:
        return
    citation = law.objection_rule(recall).citation()
    if recall.objected_at is not None and recall.objection_decided_at is None:
        raise Conflict(
            _(
                "The producer's objection awaits the regulator's decision; the recall cannot "
                "start before it (%(rule)s)."
            )
            % {"rule": citation},
            code="objection_undecided",
        )
    if org.pk == recall.producer_id:
        return  # the producer complies with the notice: no order is needed
    _notice_stands(recall)
    if recall.order_issued_at is None:
        raise Conflict(
            _(
                "Only the producer starts a recall on a notice to recall; a regulator starts "
                "it once SAMR has ordered it (%(rule)s)."
            )
            % {"rule": law.order_rule(recall).citation()},
            code="order_not_issued",
        )


def _food_order_stands(recall: Recall) -> str:
    return _(
        "A food recall is ordered by the regulator's notice itself (%(rule)s): there is no "
        "objection window and no later order."
    ) % {"rule": policy.food_order_rule(recall.created_at).citation()}


def _notice_stands(recall: Recall) -> None:
    """The notice to recall stands once the producer's window has passed without an
    objection, or its objection was decided and not upheld (SAMR Order 19 Art. 13). A food
    recall's notice is the order and stands at once."""
    if recall.recall_type == RecallType.ORDERED and not policy.has_objection_window(recall):
        return
    citation = law.objection_rule(recall).citation()
    if recall.objected_at is not None and recall.objection_decided_at is None:
        raise Conflict(
            _(
                "The producer's objection awaits the regulator's decision; the recall cannot "
                "be ordered or started before it (%(rule)s)."
            )
            % {"rule": citation},
            code="objection_undecided",
        )
    if recall.objection_decided_at is None and timezone.now() <= recall.objection_due_at:
        raise Conflict(
            _("The producer's objection window is still open (%(rule)s).") % {"rule": citation},
            code="objection_window_open",
        )


@transaction.atomic
def recall_order(
    *, recall_id: int, actor, reason: str, expert_review: str = "", now: datetime | None = None
) -> Recall:
    """SAMR orders the recall (责令召回, SAMR Order 19 Art. 14) once the notice to recall stands:
    the producer neither recalled nor objected in time, or its objection was not upheld after
    the expert review. The plan is then due to SAMR within 10 working days of the order
    (Art. 17), unless it is filed already."""
    recall = _lock(recall_id)
    now = now or timezone.now()
    org = policy.require_may_order(actor)
    recall_require_actor(recall=recall, actor=actor, action="order")
    _check(recall, "order")
    if recall.recall_type != RecallType.ORDERED:
        raise Conflict(
            _("A voluntary recall is not ordered; only a notice to recall is."), code="not_ordered"
        )
    if not policy.has_objection_window(recall):
        raise Conflict(_food_order_stands(recall), code="food_order_stands")
    if recall.order_issued_at is not None:
        raise Conflict(_("SAMR has already ordered this recall."), code="already_ordered")
    if not reason.strip():
        raise _field_error("reason", _("An order to recall needs its reasons."), "required")
    _notice_stands(recall)
    recall.order_issued_at = now
    recall.order_issued_by = org
    recall.order_reason = reason
    fields = ["order_issued_at", "order_issued_by", "order_reason", "updated_at"]
    if recall.submitted_at is None:
        set_plan_due(recall)
        fields += ["plan_due_at", "plan_calendar_covered"]
    recall.save(update_fields=fields)
    log_entry(
        recall,
        "recall_ordered",
        actor=actor,
        reason=reason,
        data={
            "rule": law.order_rule(recall).citation(),
            "expert_review": expert_review or recall.objection_expert_review,
            "plan_due_at": recall.plan_due_at and recall.plan_due_at.isoformat(),
        },
    )
    notify(
        organization=recall.producer,
        topic="recall.ordered_by_samr",
        subject=_("Recall %(number)s ordered by SAMR") % {"number": recall.number},
        body=reason,
        payload={"recall": recall.number},
        about=recall,
    )
    return recall
