"""Opening a recall in draft: voluntary by the producer, ordered by a regulator (its notice
to recall starts the objection window), or from an incident in one step.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions

from core.models import Organization
from core.outbox import notify
from core.validators import field_error as _field_error
from incidents import services as incident_services
from incidents.models import Incident

from .. import law, policy
from ..choices import (
    DEFAULT_EFFECTIVENESS_BY_CLASS,
    RecallCategory,
    RecallType,
)
from ..models import (
    Recall,
)
from ..selectors import scope_lots
from .common import log_entry, require_writer, validate_plan, visible_incidents
from .scope import _refresh_notices, _store_scope, affected_batches, refuse_second_order


@transaction.atomic
def recall_create(
    *,
    actor,
    batch_ids: list[int],
    recall_type: str,
    recall_class: int,
    defect: str,
    hazard: str,
    notice_title: str,
    notice_text: str,
    remedies: list[str],
    root_cause: str = "",
    remedies_reason: str = "",
    consumer_action: str = "",
    contact: str = "",
    notice_title_en: str = "",
    notice_text_en: str = "",
    target_effectiveness: str | None = None,
    depth: str = "consumer",
    planned_start=None,
    planned_end=None,
    linked_incidents: list[int] | None = None,
    linked_complaints: list[int] | None = None,
    recall_category: str | None = None,
    risk_discovered_at: datetime | None = None,
) -> Recall:
    """Open a recall in draft with its scope proposed from the trace graph. A
    voluntary recall is opened by the producer; an ordered one by a regulator: its notice
    to recall starts the producer's objection window (SAMR Order 19 Art. 13, from the
    rulebook). The category (food or consumer product) defaults from the lots' product; a
    food recall's launch limit runs from ``risk_discovered_at`` (default: now). The
    effectiveness-check level defaults by class."""
    org = policy.require_opener(actor, recall_type)
    ordered = recall_type == RecallType.ORDERED
    now = timezone.now()
    _refuse_future_discovery(risk_discovered_at, now)
    if target_effectiveness is None:
        target_effectiveness = DEFAULT_EFFECTIVENESS_BY_CLASS.get(recall_class, "A")
    plan = dict(
        recall_class=recall_class,
        defect=defect,
        hazard=hazard,
        root_cause=root_cause,
        linked_complaints=linked_complaints or [],
        depth=depth,
        remedies=list(dict.fromkeys(remedies)),
        remedies_reason=remedies_reason,
        consumer_action=consumer_action,
        contact=contact,
        notice_title=notice_title,
        notice_text=notice_text,
        notice_title_en=notice_title_en,
        notice_text_en=notice_text_en,
        target_effectiveness=target_effectiveness,
        planned_start=planned_start,
        planned_end=planned_end,
    )
    validate_plan(plan)
    incident_ids = visible_incidents(actor, linked_incidents)
    batches, producer_id = affected_batches(batch_ids, organization=org, ordered=ordered)
    recall = Recall(
        created_by=actor,
        ordered_by=org if ordered else None,
        recall_type=recall_type,
        recall_category=recall_category or _category_of(batches),
        risk_discovered_at=risk_discovered_at or now,
        **plan,
    )
    if ordered and recall.recall_category == RecallCategory.FOOD:
        policy.require_food_order_level(org, now)
    if ordered:  # the lots only (a walk of the lineage): holdings are read once it may go on
        refuse_second_order(scope_lots([b.pk for b in batches]))
    _save_draft(recall, now, producer=Organization.objects.get(pk=producer_id), batches=batches)
    recall.incidents.set(incident_ids)
    lots = _store_scope(recall, [b.pk for b in batches])
    _refresh_notices(recall)
    recall.save(update_fields=["units_planned", "units_producer_held", "units_sold"])
    _record_creation(recall, actor, org, batches=batches, incident_ids=incident_ids, lots=lots)
    return recall


def _refuse_future_discovery(risk_discovered_at: datetime | None, now: datetime) -> None:
    if risk_discovered_at is not None and risk_discovered_at > now:
        raise _field_error(
            "risk_discovered_at",
            _("The risk cannot be discovered in the future."),
            "date_in_future",
        )


def _category_of(batches) -> str:
    """Food or consumer product, from the first affected lot's product."""
    food = batches[0].product.category == RecallCategory.FOOD
    return RecallCategory.FOOD if food else RecallCategory.PRODUCT


def set_plan_due(recall: Recall, now=None) -> None:
    """A consumer product's plan limit (SAMR Order 19 Art. 17), from ``law.plan_counts_from``."""
    r = law.plan_rule(recall)
    start = law.plan_counts_from(recall) or now
    if r is None or start is None:
        recall.plan_due_at, recall.plan_calendar_covered = None, True
        return
    deadline = law.due_after(start, r)
    recall.plan_due_at, recall.plan_calendar_covered = deadline.at, deadline.calendar_covered


def _save_draft(recall: Recall, now, *, producer: Organization, batches) -> None:
    """Save a new draft of ``producer``'s ``batches`` with its deadlines (the launch limit; an
    ordered recall's objection window, SAMR Order 19 Art. 13) and its number."""
    recall.number = f"tmp-{secrets.token_hex(8)}"
    recall.producer = producer
    recall.region_code = producer.region_code
    recall.category = batches[0].product.category
    recall.product_names = list(dict.fromkeys(b.product.name for b in batches))
    recall.scope_proposed_at = now
    _set_start_due(recall)
    if recall.recall_type == RecallType.ORDERED and law.is_food(recall):
        # A food recall's notice is the order (Food Safety Law Art. 63; from 2026-12-01 SAMR
        # Order 122 Art. 20, a 责令召回通知书): no objection window, no later order.
        recall.order_issued_at, recall.order_issued_by = now, recall.ordered_by
    elif recall.recall_type == RecallType.ORDERED:
        deadline = law.due_after(now, law.objection_rule(recall))
        recall.objection_due_at = deadline.at
        recall.objection_calendar_covered = deadline.calendar_covered
    set_plan_due(recall, now)
    recall.full_clean(exclude=["number"], validate_unique=False, validate_constraints=False)
    recall.save()
    recall.number = f"RC-{timezone.localtime(now):%Y}-{recall.pk:06d}"
    recall.save(update_fields=["number"])


def _record_creation(recall: Recall, actor, org, *, batches, incident_ids, lots: int) -> None:
    """The opening's timeline rows; an ordered recall's producer is told of the notice."""
    recall_type, producer = recall.recall_type, recall.producer
    ordered = recall_type == RecallType.ORDERED
    log_entry(
        recall,
        "created",
        actor=actor,
        data={
            "recall_type": recall_type,
            "batches": [b.pk for b in batches],
            "linked_incidents": incident_ids,
        },
    )
    data = {
        "lots": lots,
        "consignees": recall.notices.filter(included=True).count(),
        "units_planned": str(recall.units_planned),
    }
    window = ordered and recall.objection_due_at is not None
    if window:
        data["objection_due_at"] = recall.objection_due_at.isoformat()
        data["objection_rule"] = law.objection_rule(recall).citation()
        if not recall.objection_calendar_covered:
            data["note"] = "computed without the holiday calendar"
    elif ordered:
        data["order_rule"] = policy.food_order_rule(recall.created_at).citation()
    log_entry(recall, "scope_proposed", actor=actor, data=data)
    if ordered:
        if window:
            body = _(
                "%(regulator)s has ordered recall %(number)s. You may object until %(due)s."
            ) % {
                "regulator": org.name,
                "number": recall.number,
                "due": timezone.localtime(recall.objection_due_at).strftime("%Y-%m-%d %H:%M"),
            }
        else:
            body = _("%(regulator)s has ordered recall %(number)s (%(rule)s).") % {
                "regulator": org.name,
                "number": recall.number,
                "rule": data["order_rule"],
            }
        notify(
            organization=producer,
            topic="recall.ordered",
            subject=_("Recall ordered: %(title)s") % {"title": recall.notice_title},
            body=body,
            payload={"recall": recall.number},
            about=recall,
        )


def _set_start_due(recall: Recall) -> None:
    """A food recall's launch limit from discovering the risk (CFDA Order 12 Art. 13 /
    SAMR Order 122 Art. 11, by the recall's date); none for a consumer product."""
    r = law.start_rule(recall)
    recall.start_due_at = (
        None if r is None else law.due_after(recall.risk_discovered_at or timezone.now(), r).at
    )


def _incident_scope(incident: Incident, org: Organization, *, ordered: bool) -> list[int]:
    """The affected lots of a recall opened from ``incident``: its lots the producer made.
    The producer is the actor (voluntary), or for an order the enterprise the incident
    concerns, else the one maker of its lots; the regulator's jurisdiction must cover it."""
    batches = list(incident.batches.select_related("product__owner").order_by("id"))
    if not batches:
        raise _field_error(
            "incident",
            _(
                "This incident names no lot, so no recall scope follows from it; "
                "name the lots with batches instead."
            ),
            "incident_has_no_batches",
        )
    makers = {b.product.owner for b in batches if b.product_id}
    if not ordered:
        producer = org
    elif incident.enterprise_id in {m.pk for m in makers}:
        producer = incident.enterprise
    elif len(makers) == 1:
        producer = next(iter(makers))
    elif not makers:
        raise _field_error(
            "incident",
            _("None of this incident's lots is registered here."),
            "batch_not_registered",
        )
    else:
        raise _field_error(
            "incident",
            _(
                "This incident's lots are made by several producers; order each "
                "producer's recall with batches."
            ),
            "several_producers",
        )
    if ordered and not policy.may_order_recall_of(org, producer):
        raise exceptions.PermissionDenied(
            _("Only a regulator whose jurisdiction covers the producer may do this.")
        )
    own = [b.pk for b in batches if b.product_id and b.product.owner_id == producer.pk]
    if not own:
        raise exceptions.PermissionDenied(
            _("Only the producer of this incident's lots may recall them.")
        )
    return own


@transaction.atomic
def recall_create_from_incident(
    *,
    actor,
    incident_id: int,
    recall_type: str | None = None,
    linked_incidents: list[int] | None = None,
    **plan,
) -> Recall:
    """Open a recall from an incident in one step, through ``recall_create``.
    A regulator orders it (the objection window starts); the producer opens it voluntarily.
    The scope follows from the incident's lots; the recall links the incident, and both
    timelines record the opening, in this transaction."""
    recall_type = recall_type or policy.default_type(require_writer(actor))
    ordered = recall_type == RecallType.ORDERED
    org = policy.require_opener(actor, recall_type, from_incident=True)
    incident = Incident.objects.visible_to(actor).filter(pk=incident_id).first()
    if incident is None:
        raise exceptions.NotFound()
    batch_ids = _incident_scope(incident, org, ordered=ordered)
    recall = recall_create(
        actor=actor,
        batch_ids=batch_ids,
        recall_type=recall_type,
        linked_incidents=[incident.pk, *(linked_incidents or [])],
        **plan,
    )
    log_entry(
        recall,
        "opened_from_incident",
        actor=actor,
        data={"incident": incident.pk, "batches": batch_ids},
    )
    incident_services.incident_note_recall(
        incident_id=incident.pk,
        actor=actor,
        recall_id=recall.pk,
        number=recall.number,
        recall_type=recall_type,
        batch_ids=batch_ids,
    )
    return recall
