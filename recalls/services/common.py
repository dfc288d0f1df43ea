"""What every recall write shares: the transition table, the row lock and the check
against it, the timeline row, who is told, and the checks on a plan.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions

from core.choices import RegulatorLevel
from core.errors import check_transition
from core.models import Organization
from core.outbox import notify_each
from core.validators import field_error as _field_error
from incidents.models import Incident

from .. import policy
from ..choices import (
    RecallStatus,
    Remedy,
)
from ..models import (
    Recall,
    RecallTimelineEntry,
)

S = RecallStatus


TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "edit_scope": (frozenset({S.DRAFT}), None),
    "submit": (frozenset({S.DRAFT}), S.SUBMITTED),
    "object": (frozenset({S.DRAFT, S.SUBMITTED}), None),
    # An upheld objection withdraws the notice to recall (the recall is cancelled).
    "decide_objection": (frozenset({S.DRAFT, S.SUBMITTED}), None),
    # SAMR's order once the notice stands (SAMR Order 19 Art. 14).
    "order": (frozenset({S.DRAFT, S.SUBMITTED}), None),
    "approve": (frozenset({S.SUBMITTED}), None),
    "refile": (frozenset({S.SUBMITTED, S.ACTIVE}), None),
    "activate": (frozenset({S.SUBMITTED}), S.ACTIVE),
    "progress_report": (frozenset({S.ACTIVE}), None),
    "complete": (frozenset({S.ACTIVE}), S.COMPLETED),
    "summary_report": (frozenset({S.COMPLETED}), None),
    "close": (frozenset({S.COMPLETED}), S.CLOSED),
    "terminate": (frozenset({S.SUBMITTED, S.ACTIVE}), S.TERMINATED),
    "cancel": (frozenset({S.DRAFT, S.SUBMITTED}), S.CANCELLED),
}


PLAN_FIELDS = (
    "recall_class",
    "defect",
    "hazard",
    "root_cause",
    "linked_complaints",
    "depth",
    "remedies",
    "remedies_reason",
    "consumer_action",
    "contact",
    "notice_title",
    "notice_text",
    "notice_title_en",
    "notice_text_en",
    "target_effectiveness",
    "planned_start",
    "planned_end",
)


class Gone(exceptions.APIException):
    status_code = 410
    default_detail = "This link has expired."
    default_code = "gone"


def _check(recall: Recall, action: str) -> str | None:
    """The recall's state machine (``TRANSITIONS``) through the one check (``core.errors``):
    a refusal names the current state and the actions allowed from it."""
    return check_transition(
        recall,
        action,
        TRANSITIONS,
        message=_("A recall that is %(status)s cannot be %(action)s; allowed: %(allowed)s."),
    )


def _lock(recall_id: int) -> Recall:
    """The recall row, locked for this transaction (404 when there is none)."""
    recall = Recall.objects.select_for_update().filter(pk=recall_id).first()
    if recall is None:
        raise exceptions.NotFound()
    return recall


def log_entry(
    recall: Recall,
    action: str,
    *,
    actor=None,
    organization=None,
    reason: str = "",
    data=None,
    at: datetime | None = None,
) -> RecallTimelineEntry:
    return RecallTimelineEntry.record(
        recall, action, actor=actor, organization=organization, reason=reason, data=data, at=at
    )


def require_writer(actor) -> Organization:
    """The actor's organization when it may write (``policy.writer``)."""
    return policy.writer(actor)


def covers(regulator: Organization, region_code: str) -> bool:
    """A regulator whose jurisdiction holds ``region_code`` (``policy.covers``)."""
    return policy.covers(regulator, region_code)


def recall_require_actor(*, recall: Recall, actor, action: str) -> Organization:
    """Who may take ``action`` on ``recall``, one rule for every path (``policy.require``): the
    views ask it before reading the input and the services again under the row lock, so the
    wrong party gets 403 naming the rule, never a 400 about its input or a 409 about the state."""
    return policy.require(actor, action, recall)


def competent_regulators(region_code: str) -> list[Organization]:
    """Who hears of a recall: the provincial regulator of the region (SAMR Order 19
    files plans there) and the city and county regulators under it."""
    return Organization.objects.exclude(level=RegulatorLevel.NATIONAL).governing(region_code)


def plan_receivers(recall: Recall) -> list[Organization]:
    """The regulators a filed plan is reported to (``policy.receives_plan``): from 2026-12-01 a
    food plan goes to the districted city and the province, not the county (SAMR Order 122
    Art. 5 ¶3); a consumer product's to every regulator of the place."""
    return [o for o in competent_regulators(recall.region_code) if policy.receives_plan(o, recall)]


def notify_regulators(
    recall: Recall,
    *,
    topic: str,
    subject: str,
    body: str,
    region_code: str | None = None,
    recipients: list[Organization] | None = None,
):
    notify_each(
        competent_regulators(region_code or recall.region_code)
        if recipients is None
        else recipients,
        topic=topic,
        subject=subject,
        body=body,
        payload={"recall": recall.number, "status": recall.status},
        about=recall,
    )


def refused_phrases(*texts: str) -> list[str]:
    """The risk-minimising phrases (GPSR Art. 36(3), settings) found in the texts."""
    lowered = " ".join(t or "" for t in texts).lower()
    return [p for p in settings.RECALL_REFUSED_PHRASES if p.lower() in lowered]


def validate_plan(plan: dict) -> None:
    errors: dict[str, list[ValidationError]] = {}
    for field in (
        "notice_title",
        "notice_text",
        "notice_title_en",
        "notice_text_en",
        "consumer_action",
    ):
        found = refused_phrases(plan.get(field, ""))
        if found:
            errors.setdefault(field, []).append(
                ValidationError(
                    _(
                        "The consumer notice may not play down the risk; remove: %(phrases)s. "
                        "The recall type is shown by the system."
                    )
                    % {"phrases": "、".join(found)},
                    code="refused_wording",
                )
            )
    remedies = plan.get("remedies") or []
    unknown = [r for r in remedies if r not in Remedy.values]
    if unknown:
        errors.setdefault("remedies", []).append(
            ValidationError(
                _("Unknown remedy: %(remedy)s.") % {"remedy": unknown[0]}, code="invalid_choice"
            )
        )
    elif (
        len(set(remedies)) < settings.RECALL_MIN_REMEDIES
        and not (plan.get("remedies_reason") or "").strip()
    ):
        errors.setdefault("remedies", []).append(
            ValidationError(
                _("Offer at least %(n)s remedies, or record in remedies_reason why not.")
                % {"n": settings.RECALL_MIN_REMEDIES},
                code="too_few_remedies",
            )
        )
    start, end = plan.get("planned_start"), plan.get("planned_end")
    if start and end and end < start:
        errors.setdefault("planned_end", []).append(
            ValidationError(
                _("The planned end is before the planned start."), code="end_before_start"
            )
        )
    if errors:
        raise ValidationError(errors)


def plan_of(recall: Recall) -> dict:
    plan = {f: getattr(recall, f) for f in PLAN_FIELDS}
    for f in ("planned_start", "planned_end"):
        plan[f] = plan[f].isoformat() if plan[f] else None
    plan["linked_incidents"] = sorted(recall.incidents.values_list("pk", flat=True))
    plan["lots"] = list(
        recall.scope_batches.filter(included=True).values_list("batch_id", flat=True)
    )
    plan["consignees"] = list(
        recall.notices.filter(included=True).values_list("organization_id", flat=True)
    )
    return plan


def visible_incidents(actor, incident_ids: list[int] | None) -> list[int]:
    """The incidents a recall links: each must be one the actor may see (incidents'
    own visibility rule); an unknown and an unseen incident are refused alike."""
    ids = list(dict.fromkeys(incident_ids or []))
    found = set(Incident.objects.visible_to(actor).filter(pk__in=ids).values_list("pk", flat=True))
    missing = [i for i in ids if i not in found]
    if missing:
        raise _field_error(
            "linked_incidents", _("Unknown incident %(id)s.") % {"id": missing[0]}, "does_not_exist"
        )
    return ids
