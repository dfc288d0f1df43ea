"""Writes for recalls: one keyword-only service per action.

Each locks the recall row, checks the transition table below, saves, and
appends its timeline row in the same transaction. Notices go to the outbox
(``core.outbox.notify``) inside the transaction and are delivered after commit.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from base64 import urlsafe_b64encode
from datetime import datetime, timedelta
from decimal import Decimal
from trace.core.cache import invalidate_batches
from trace.core.capture import capture_events, new_event_id
from trace.core.choices import BatchStatus, BizStep, Disposition
from trace.core.identifiers import canonical_lot_uri
from trace.models import Batch

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions

from api.exceptions import Conflict
from api.parsing import clean_text, parse_decimal
from core.choices import OrganizationKind, RegulatorLevel
from core.models import Organization, organization_of
from core.outbox import notify, notify_each
from core.validators import field_error as _field_error
from incidents import services as incident_services
from incidents.models import Incident

from . import law
from .choices import (
    DEFAULT_EFFECTIVENESS_BY_CLASS,
    RecallCategory,
    RecallStatus,
    RecallType,
    Remedy,
    ScopeSource,
)
from .models import (
    QUANTITY,
    Recall,
    RecallAcknowledgement,
    RecallAckToken,
    RecallBatch,
    RecallHolding,
    RecallNotice,
    RecallPlanVersion,
    RecallProgressReport,
    RecallSummaryReport,
    RecallTimelineEntry,
)
from .selectors import (
    ZERO,
    compute_scope,
    holdings_by_organization,
    pending_scope_changes,
    report_figures,
    scope_holdings,
    scope_lots,
)

S = RecallStatus
# The one transition table: action → (states it may start from, state it leads to;
# None = the state does not change).
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "edit_scope": (frozenset({S.DRAFT}), None),
    "submit": (frozenset({S.DRAFT}), S.SUBMITTED),
    "object": (frozenset({S.DRAFT, S.SUBMITTED}), None),
    # An upheld objection withdraws the notice to recall (the recall is cancelled).
    "decide_objection": (frozenset({S.DRAFT, S.SUBMITTED}), None),
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
# Plan fields a draft edit or a re-filing may change (and ``linked_incidents``, a relation).
PLAN_FIELDS = (
    "recall_class",
    "defect",
    "hazard",
    "root_cause",
    "linked_complaints",
    "depth",
    "remedies",
    "remedies_reason",
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
    allowed, target = TRANSITIONS[action]
    if recall.status not in allowed:
        raise Conflict(
            _("A recall that is %(status)s cannot be %(action)s.")
            % {"status": recall.get_status_display(), "action": action.replace("_", " ")},
            code="illegal_transition",
        )
    return target


def _lock(recall: Recall) -> Recall:
    return Recall.objects.select_for_update().get(pk=recall.pk)


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
    org = organization_of(actor)
    if org is None or not actor.membership.can_write:
        raise exceptions.PermissionDenied(
            _("You must belong to an organization, and viewers may only read."),
            code="writer_only",
        )
    return org


def covers(regulator: Organization, region_code: str) -> bool:
    return regulator.is_regulator and region_code.startswith(regulator.jurisdiction_prefix)


def recall_require_actor(*, recall: Recall, actor, action: str) -> Organization:
    """Who may take ``action`` on ``recall``, one rule for every path: the views ask it before
    reading the input and the services again under the row lock, so the wrong party gets 403
    naming the rule, never a 400 about its input or a 409 about the state (issue 13 "Bad input";
    SAMR Order 19: the producer runs the recall and reports, the regulator of its place
    supervises; an ordered recall is the regulator's to run and end).

    - ``edit_scope``, ``update_plan`` (a draft's edit or a re-filing, the ``refile`` transition), ``submit``: the producer, or the regulator that ordered it;
    - ``object``, ``progress_report``, ``complete``, ``summary_report``: the producer;
    - ``approve``, ``close``, ``decide_objection``: a regulator whose jurisdiction covers the
      producer (or, for an objection, the one that sent the notice); the producer completes
      its recall, only the regulator closes it after evaluating it (FDA 21 CFR 7.55 practice);
    - ``activate``: the producer; an ordered recall also the regulators of the place;
    - ``terminate``: the regulators of the place, and the producer of a voluntary recall;
    - ``cancel``: the producer of a voluntary recall; an ordered one the regulators of the place.
    """
    org = require_writer(actor)
    producer = org.pk == recall.producer_id
    regulator = covers(org, recall.region_code)
    ordered = recall.recall_type == RecallType.ORDERED
    if action in ("edit_scope", "update_plan", "refile", "submit"):
        allowed, code = producer or (ordered and recall.ordered_by_id == org.pk), "producer_only"
    elif action in ("object", "progress_report", "complete", "summary_report"):
        allowed, code = producer, "producer_only"
    elif action in ("approve", "close"):
        allowed, code = regulator, "regulator_of_place_only"
    elif action == "decide_objection":
        allowed = regulator or (ordered and recall.ordered_by_id == org.pk)
        code = "regulator_of_place_only"
    elif action == "activate":
        allowed = producer or (ordered and regulator)
        code = "regulator_of_place_only" if ordered else "producer_only"
    elif action == "terminate":
        allowed, code = regulator or (producer and not ordered), "party_may_not_end"
    elif action == "cancel":
        allowed, code = (regulator if ordered else producer), "party_may_not_end"
    else:
        raise ValueError(f"no actor rule for recall action {action!r}")
    if not allowed:
        messages = {
            "producer_only": _("Only the producer running this recall may do this."),
            "regulator_of_place_only": _(
                "Only a regulator whose jurisdiction covers the producer may do this."
            ),
            "party_may_not_end": _("You may not end this recall."),
        }
        raise exceptions.PermissionDenied(messages[code], code=code)
    return org


def competent_regulators(region_code: str) -> list[Organization]:
    """Who hears of a recall: the provincial regulator of the region (SAMR Order 19
    files plans there) and the city and county regulators under it."""
    regulators = Organization.objects.filter(kind=OrganizationKind.REGULATOR).exclude(
        level=RegulatorLevel.NATIONAL
    )
    return [
        r
        for r in regulators.filter(region_code__startswith=region_code[:2]).order_by("id")
        if region_code.startswith(r.jurisdiction_prefix)
    ]


def notify_regulators(
    recall: Recall, *, topic: str, subject: str, body: str, region_code: str | None = None
):
    notify_each(
        competent_regulators(region_code or recall.region_code),
        topic=topic,
        subject=subject,
        body=body,
        payload={"recall": recall.number, "status": recall.status},
        about=recall,
    )


# --- checks on the plan -----------------------------------------------------


def refused_phrases(*texts: str) -> list[str]:
    """The risk-minimising phrases (GPSR Art. 36(3), settings) found in the texts."""
    lowered = " ".join(t or "" for t in texts).lower()
    return [p for p in settings.RECALL_REFUSED_PHRASES if p.lower() in lowered]


def validate_plan(plan: dict) -> None:
    errors: dict[str, list[ValidationError]] = {}
    for field in ("notice_title", "notice_text", "notice_title_en", "notice_text_en"):
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


# --- scope ----------------------------------------------------------------------


def _store_scope(
    recall: Recall, batch_ids: list[int], *, source: str = ScopeSource.DOWNSTREAM
) -> int:
    """Add the lots made from ``batch_ids`` (and their holders) to the scope; returns lots added."""
    scope = compute_scope(batch_ids)
    known = set(recall.scope_batches.values_list("batch_id", flat=True))
    new = {b: d for b, d in scope.lots.items() if b not in known}
    roots = set(batch_ids)
    RecallBatch.objects.bulk_create(
        [
            RecallBatch(
                recall=recall,
                batch_id=b,
                distance=d,
                source=(
                    source
                    if b in roots and source == ScopeSource.ADDED
                    else ScopeSource.AFFECTED
                    if d == 0
                    else ScopeSource.DOWNSTREAM
                ),
            )
            for b, d in sorted(new.items())
        ],
        batch_size=5000,
    )
    RecallHolding.objects.bulk_create(
        [
            RecallHolding(
                recall=recall,
                organization_id=h.organization_id,
                batch_id=h.batch_id,
                produced=h.produced,
                received=h.received,
                sold_on=h.sold_on,
                used=h.used,
                held=h.held,
            )
            for h in scope.holdings
            if h.batch_id in new
        ],
        batch_size=5000,
    )
    return len(new)


def _refresh_notices(recall: Recall) -> None:
    """One notice per holder of an included lot (the producer excluded), with its totals."""
    by_org = holdings_by_organization(recall)
    existing = {n.organization_id: n for n in recall.notices.all()}
    to_create, to_update = [], []
    for org_id, totals in by_org.items():
        if org_id == recall.producer_id:
            continue
        notice = existing.pop(org_id, None)
        if notice is None:
            to_create.append(RecallNotice(recall=recall, organization_id=org_id, **totals))
            continue
        for k, v in totals.items():
            setattr(notice, k, v)
        if not notice.edit_reason:
            notice.included = True
        to_update.append(notice)
    for notice in existing.values():  # holders left without any included lot
        notice.lots, notice.received, notice.sold_on, notice.held = 0, ZERO, ZERO, ZERO
        if not notice.edit_reason:
            notice.included = False
        to_update.append(notice)
    RecallNotice.objects.bulk_create(to_create, batch_size=1000)
    RecallNotice.objects.bulk_update(
        to_update, ["lots", "received", "sold_on", "held", "included"], batch_size=1000
    )
    included = recall.notices.filter(included=True)
    recall.units_planned = sum(included.values_list("held", flat=True), ZERO)
    # Distributed: what left the producer's hands and its consignees' (shipped or sold).
    recall.units_sold = sum(
        recall.holdings.filter(
            organization_id=recall.producer_id,
            batch__recall_links__recall=recall,
            batch__recall_links__included=True,
        ).values_list("sold_on", flat=True),
        ZERO,
    )
    if not recall.units_sold:
        recall.units_sold = sum(included.values_list("sold_on", flat=True), ZERO)


def affected_batches(
    batch_ids: list[int], *, organization: Organization, ordered: bool
) -> tuple[list[Batch], int]:
    """The lots named, checked: registered here, and the producer's own (a voluntary
    recall) or within the ordering regulator's jurisdiction, all of one producer."""
    if not batch_ids:
        raise _field_error("batches", _("Name at least one affected lot."), "required")
    batches = list(
        Batch.objects.filter(pk__in=set(batch_ids)).select_related("product__owner").order_by("id")
    )
    found = {b.pk for b in batches}
    missing = [b for b in batch_ids if b not in found]
    if missing:
        raise _field_error(
            "batches", _("Unknown lot %(id)s.") % {"id": missing[0]}, "does_not_exist"
        )
    owners = {b.product.owner_id if b.product_id else None for b in batches}
    if None in owners:
        raise _field_error(
            "batches", _("Only lots registered here can be recalled."), "batch_not_registered"
        )
    if not ordered:
        if owners != {organization.pk}:
            raise _field_error(
                "batches", _("You can only recall lots your organization made."), "batch_not_owned"
            )
        return batches, organization.pk
    if len(owners) != 1:
        raise _field_error(
            "batches", _("An ordered recall covers the lots of one producer."), "several_producers"
        )
    producer = batches[0].product.owner
    if not covers(organization, producer.region_code):
        raise _field_error(
            "batches", _("This producer is outside your jurisdiction."), "outside_jurisdiction"
        )
    return batches, producer.pk


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
    org = require_writer(actor)
    ordered = recall_type == RecallType.ORDERED
    if ordered and not org.is_regulator:
        raise exceptions.PermissionDenied(_("Only a regulator may order a recall."))
    if not ordered and not org.is_enterprise:
        raise exceptions.PermissionDenied(_("A voluntary recall is opened by the producer."))
    now = timezone.now()
    if risk_discovered_at is not None and risk_discovered_at > now:
        raise _field_error(
            "risk_discovered_at",
            _("The risk cannot be discovered in the future."),
            "date_in_future",
        )
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
    producer = Organization.objects.get(pk=producer_id)
    if recall_category is None:
        recall_category = (
            RecallCategory.FOOD
            if batches[0].product.category == RecallCategory.FOOD
            else RecallCategory.PRODUCT
        )
    recall = Recall(
        number=f"tmp-{secrets.token_hex(8)}",
        producer=producer,
        ordered_by=org if ordered else None,
        created_by=actor,
        recall_type=recall_type,
        region_code=producer.region_code,
        category=batches[0].product.category,
        product_names=list(dict.fromkeys(b.product.name for b in batches)),
        scope_proposed_at=now,
        recall_category=recall_category,
        risk_discovered_at=risk_discovered_at or now,
        **plan,
    )
    _set_start_due(recall)
    if ordered:
        deadline = law.due_after(now, law.objection_rule(recall))
        recall.objection_due_at = deadline.at
        recall.objection_calendar_covered = deadline.calendar_covered
    recall.full_clean(exclude=["number"], validate_unique=False, validate_constraints=False)
    recall.save()
    recall.number = f"RC-{timezone.localtime(now):%Y}-{recall.pk:06d}"
    recall.save(update_fields=["number"])
    recall.incidents.set(incident_ids)
    lots = _store_scope(recall, [b.pk for b in batches])
    _refresh_notices(recall)
    recall.save(update_fields=["units_planned", "units_sold"])
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
    if ordered:
        data["objection_due_at"] = recall.objection_due_at.isoformat()
        data["objection_rule"] = law.objection_rule(recall).citation()
        if not recall.objection_calendar_covered:
            data["note"] = "computed without the holiday calendar"
    log_entry(recall, "scope_proposed", actor=actor, data=data)
    if ordered:
        notify(
            organization=producer,
            topic="recall.ordered",
            subject=_("Recall ordered: %(title)s") % {"title": recall.notice_title},
            body=_("%(regulator)s has ordered recall %(number)s. You may object until %(due)s.")
            % {
                "regulator": org.name,
                "number": recall.number,
                "due": timezone.localtime(recall.objection_due_at).strftime("%Y-%m-%d %H:%M"),
            },
            payload={"recall": recall.number},
            about=recall,
        )
    return recall


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
    if ordered and not covers(org, producer.region_code):
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
    """Issue 13 item 9: open a recall from an incident in one step, through ``recall_create``.
    A regulator orders it (the objection window starts); the producer opens it voluntarily.
    The scope follows from the incident's lots; the recall links the incident, and both
    timelines record the opening, in this transaction."""
    org = require_writer(actor)
    recall_type = recall_type or (RecallType.ORDERED if org.is_regulator else RecallType.VOLUNTARY)
    ordered = recall_type == RecallType.ORDERED
    if ordered and not org.is_regulator:
        raise exceptions.PermissionDenied(_("Only a regulator may order a recall."))
    if not ordered and not org.is_enterprise:
        raise exceptions.PermissionDenied(
            _("A regulator orders a recall; a voluntary recall is opened by the producer.")
        )
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


@transaction.atomic
def recall_edit_scope(*, recall: Recall, actor, edits: list[dict], confirm: bool = False) -> Recall:
    """The producer confirms the proposed scope or edits it: each edit includes or
    excludes a lot (``batch``) or a holder (``organization``) and needs a reason.
    A lot added brings what was made from it."""
    recall = _lock(recall)
    recall_require_actor(recall=recall, actor=actor, action="edit_scope")
    _check(recall, "edit_scope")
    for index, edit in enumerate(edits):
        reason = (edit.get("reason") or "").strip()
        if not reason:
            raise _field_error(
                f"edits[{index}].reason", _("Every change to the scope needs a reason."), "required"
            )
        include = bool(edit.get("include"))
        if edit.get("batch"):
            link = recall.scope_batches.filter(batch_id=edit["batch"]).first()
            if link is None:
                if not include:
                    raise _field_error(
                        f"edits[{index}].batch", _("This lot is not in the scope."), "not_in_scope"
                    )
                batch = Batch.objects.filter(
                    pk=edit["batch"], product__owner=recall.producer
                ).first()
                if batch is None:
                    raise _field_error(
                        f"edits[{index}].batch",
                        _("You can only add lots the producer made."),
                        "batch_not_owned",
                    )
                added = _store_scope(recall, [batch.pk], source=ScopeSource.ADDED)
                recall.scope_batches.filter(batch_id=batch.pk).update(edit_reason=reason)
                log_entry(
                    recall,
                    "scope_lot_added",
                    actor=actor,
                    reason=reason,
                    data={"batch": batch.pk, "lots": added},
                )
                continue
            link.included = include
            link.edit_reason = reason
            link.save(update_fields=["included", "edit_reason"])
            log_entry(
                recall,
                "scope_lot_included" if include else "scope_lot_excluded",
                actor=actor,
                reason=reason,
                data={"batch": link.batch_id},
            )
        elif edit.get("organization"):
            notice = recall.notices.filter(organization_id=edit["organization"]).first()
            if notice is None:
                raise _field_error(
                    f"edits[{index}].organization",
                    _("This organization holds no lot of the scope."),
                    "not_in_scope",
                )
            notice.included = include
            notice.edit_reason = reason
            notice.save(update_fields=["included", "edit_reason"])
            log_entry(
                recall,
                "scope_holder_included" if include else "scope_holder_excluded",
                actor=actor,
                reason=reason,
                data={"organization": notice.organization_id},
            )
        else:
            raise _field_error(f"edits[{index}]", _("Name a batch or an organization."), "required")
    if edits:
        _refresh_notices(recall)
        recall.save(update_fields=["units_planned", "units_sold", "updated_at"])
    if confirm:
        recall.scope_confirmed_at = timezone.now()
        recall.save(update_fields=["scope_confirmed_at", "updated_at"])
        log_entry(
            recall,
            "scope_confirmed",
            actor=actor,
            data={
                "lots": recall.scope_batches.filter(included=True).count(),
                "consignees": recall.notices.filter(included=True).count(),
            },
        )
    elif edits and recall.scope_confirmed_at:
        recall.scope_confirmed_at = None  # an edited scope is confirmed again
        recall.save(update_fields=["scope_confirmed_at", "updated_at"])
    return recall


@transaction.atomic
def recall_update_plan(*, recall: Recall, actor, changes: dict, reason: str = "") -> Recall:
    """Edit a draft's plan, or re-file a filed plan (a new version, with a reason)."""
    recall = _lock(recall)
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


# --- the workflow -------------------------------------------------------------


@transaction.atomic
def recall_submit(*, recall: Recall, actor) -> Recall:
    """File the plan (备案): draft → submitted, plan version 1."""
    recall = _lock(recall)
    recall_require_actor(recall=recall, actor=actor, action="submit")
    target = _check(recall, "submit")
    if recall.scope_confirmed_at is None:
        raise Conflict(_("Confirm the scope before filing the plan."), code="scope_not_confirmed")
    validate_plan({f: getattr(recall, f) for f in PLAN_FIELDS})
    recall.status = target
    recall.submitted_at = timezone.now()
    _set_complete_due(recall)
    recall.save(update_fields=["status", "submitted_at", "complete_due_at", "updated_at"])
    RecallPlanVersion.objects.create(
        recall=recall, version=recall.plan_version, plan=plan_of(recall), filed_by=actor
    )
    log_entry(recall, "submitted", actor=actor, data={"version": recall.plan_version})
    notify_regulators(
        recall,
        topic="recall.submitted",
        subject=_("Recall plan filed: %(number)s") % {"number": recall.number},
        body=_("%(producer)s filed the plan of recall %(number)s: %(title)s")
        % {"producer": recall.producer.name, "number": recall.number, "title": recall.notice_title},
    )
    return recall


def _set_complete_due(recall: Recall) -> None:
    """A food recall's completion limit, in the unit and from the moment its text gives:
    working days from the announcement (CFDA Order 12 Art. 17) or calendar days from
    submitting the plan (SAMR Order 122 Art. 15)."""
    r, start = law.complete_rule(recall), law.complete_counts_from(recall)
    recall.complete_due_at = None if r is None or start is None else law.due_after(start, r).at


@transaction.atomic
def recall_approve(*, recall: Recall, actor, note: str = "") -> Recall:
    """A regulator acknowledges the filed plan."""
    recall = _lock(recall)
    recall_require_actor(recall=recall, actor=actor, action="approve")
    _check(recall, "approve")
    recall.approved_at = timezone.now()
    recall.save(update_fields=["approved_at", "updated_at"])
    log_entry(recall, "approved", actor=actor, reason=note, data={"version": recall.plan_version})
    return recall


@transaction.atomic
def recall_object(*, recall: Recall, actor, reason: str) -> Recall:
    """The producer objects to a notice to recall, with its reasons, within the window
    (SAMR Order 19 Art. 13: 10 working days of receiving the notice, from the rulebook). The
    recall cannot start until the regulator decides the objection (``recall_decide_objection``)."""
    recall = _lock(recall)
    recall_require_actor(recall=recall, actor=actor, action="object")
    _check(recall, "object")
    if recall.recall_type != RecallType.ORDERED:
        raise Conflict(_("Only an ordered recall can be objected to."), code="not_ordered")
    if not reason.strip():
        raise _field_error("reason", _("An objection needs its reasons."), "required")
    now = timezone.now()
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
    *, recall: Recall, actor, upheld: bool, reason: str, expert_review: str = ""
) -> Recall:
    """The regulator records its decision on the producer's objection, after the review,
    testing or appraisal it had done (noted in ``expert_review``; SAMR Order 19 Art. 13).
    Upheld: the notice to recall is withdrawn and the recall cancelled. Not upheld: the
    recall may be ordered and started (Art. 14)."""
    recall = _lock(recall)
    recall_require_actor(recall=recall, actor=actor, action="decide_objection")
    _check(recall, "decide_objection")
    if recall.objected_at is None:
        raise Conflict(_("The producer has lodged no objection."), code="no_objection")
    if recall.objection_decided_at is not None:
        raise Conflict(_("The objection has already been decided."), code="objection_decided")
    if not reason.strip():
        raise _field_error("reason", _("A decision on an objection needs its reasons."), "required")
    now = timezone.now()
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


def ack_token(nonce: str) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"recall-ack:{nonce}".encode(), hashlib.sha256
    ).digest()
    return urlsafe_b64encode(digest).decode().rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ack_url(token: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/recall-ack/{token}/"


def issue_token(notice: RecallNotice, *, now: datetime | None = None) -> str:
    """A fresh acknowledgement link for ``notice``; returns the token (not stored)."""
    now = now or timezone.now()
    nonce = secrets.token_hex(16)
    token = ack_token(nonce)
    RecallAckToken.objects.create(
        notice=notice,
        nonce=nonce,
        token_hash=token_hash(token),
        expires_at=now + timedelta(days=settings.RECALL_ACK_TOKEN_DAYS),
    )
    return token


def current_ack_url(notice: RecallNotice) -> str | None:
    """The consignee's working link (shown to it when signed in), if any."""
    token = (
        notice.tokens.filter(used_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-id")
        .first()
    )
    return ack_url(ack_token(token.nonce)) if token else None


def _remedy_text(recall: Recall) -> str:
    return "、".join(str(Remedy(r).label) for r in recall.remedies)


def send_notice(
    notice: RecallNotice, recall: Recall, *, topic: str, now: datetime, at: datetime | None = None
) -> None:
    """The notice or a reminder with a fresh link, sent ``now``; a timeline row it writes is
    stamped ``at`` (a reminder's due time; default ``now``)."""
    token = issue_token(notice, now=now)
    link = ack_url(token)
    reminder = topic == "recall.reminder"
    subject = (
        _("Reminder: recall %(number)s awaits your answer")
        if reminder
        else _("Recall notice %(number)s: %(title)s")
    ) % {"number": recall.number, "title": recall.notice_title}
    body = _(
        "%(producer)s is recalling %(products)s (class %(cls)s).\n%(text)s\nRemedies: %(remedies)s\n"
        "You hold or held %(held)s units of %(lots)s affected lot(s). Stop selling them, then confirm receipt "
        "and report what you have on hand, returned, destroyed or corrected: %(link)s"
    ) % {
        "producer": recall.producer.name,
        "products": "、".join(recall.product_names),
        "cls": recall.recall_class,
        "text": recall.notice_text,
        "remedies": _remedy_text(recall),
        "held": notice.held,
        "lots": notice.lots,
        "link": link,
    }
    rows = notify(
        organization=notice.organization,
        topic=topic,
        subject=subject,
        body=body,
        payload={
            "recall": recall.number,
            "ack_url": link,
            "held": str(notice.held),
            "lots": notice.lots,
        },
        about=notice,
    )
    if not rows:  # nobody to write to: on the record, so the producer can reach it another way
        log_entry(
            recall,
            "notice_undeliverable",
            at=at or now,
            data={"organization": notice.organization_id, "topic": topic},
        )


def _recall_documents(recall: Recall, lots: list[tuple[str, str]], when: datetime) -> list[dict]:
    """EPCIS ObjectEvents with disposition ``recalled`` naming every lot, a few hundred a event."""
    local = timezone.localtime(when)
    offset = local.strftime("%z")
    per_event = max(1, settings.RECALL_LOTS_PER_EVENT)
    documents = []
    for start in range(0, len(lots), per_event):
        documents.append(
            {
                "@context": [{"sy": "https://suyuan.cn/epcis/"}],
                "type": "ObjectEvent",
                "eventID": new_event_id(),
                "eventTime": local.isoformat(timespec="milliseconds"),
                "eventTimeZoneOffset": f"{offset[:3]}:{offset[3:]}",
                "action": "OBSERVE",
                "bizStep": BizStep.HOLDING,
                "disposition": Disposition.RECALLED,
                "quantityList": [
                    {"epcClass": canonical_lot_uri(gtin, lot)}
                    for gtin, lot in lots[start : start + per_event]
                ],
                "sy:recall": {
                    "number": recall.number,
                    "class": recall.recall_class,
                    "type": recall.recall_type,
                },
            }
        )
    return documents


def _record_recall_events(
    recall: Recall, *, org: Organization, actor, now: datetime
) -> tuple[int, int, int]:
    """Record the ``recalled`` events of every lot of the scope; capture changes their status
    (``trace.core.rules``: a recall is decided by the lot's owner or a regulator). A regulator
    records them all; otherwise each owner's lots go on its own hash chain, one capture per
    owner, recorded by the person activating. Lots already recalled or destroyed stay so,
    as do lots of GTINs not registered here (no owner to decide for them).
    Returns (lots recalled, events, lots left as they were)."""
    rows = (
        Batch.objects.filter(recall_links__recall=recall, recall_links__included=True)
        .order_by("id")
        .values_list("gtin", "lot", "status", "product__owner_id")
    )
    by_recorder: dict[int, list[tuple[str, str]]] = {}
    skipped = 0
    for gtin, lot, status, owner_id in rows:
        # A lot of a GTIN nobody registered here has no owner to decide for it; only a regulator may.
        if status in (BatchStatus.RECALLED, BatchStatus.DESTROYED) or (
            owner_id is None and not org.is_regulator
        ):
            skipped += 1
            continue
        recorder = org.pk if org.is_regulator else owner_id
        by_recorder.setdefault(recorder, []).append((gtin, lot))
    recorders = Organization.objects.in_bulk(list(by_recorder))
    events = 0
    for recorder_id, lots in sorted(by_recorder.items()):
        result = capture_events(
            documents=_recall_documents(recall, lots, now),
            organization=recorders[recorder_id],
            user=actor,
        )
        events += len(result.event_pks)
    return sum(len(lots) for lots in by_recorder.values()), events, skipped


# --- the scope brought up to date at activation (issue 19 item 11) ----------------------

# How many lots and consignees a refresh lists by name (the counts are always whole).
SCOPE_CHANGES_LISTED = 200


class ScopeChanged(Conflict):
    """Activation refused until the changes to the scope found since it was confirmed are
    confirmed: ``changes`` lists each refresh not yet confirmed (the 409's ``scope_changes``)."""

    default_code = "scope_changed"

    def __init__(self, detail, *, changes: list[dict]):
        super().__init__(detail, code="scope_changed")
        self.changes = changes


def _activation_refusal(recall: Recall, org: Organization) -> None:
    """An ordered recall starts only once the notice to recall stands: not while the
    producer's objection awaits the regulator's decision, nor (unless the producer starts it
    itself, or its objection was decided) while the objection window is open (SAMR Order 19
    Arts. 13-14)."""
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
    if (
        org.pk != recall.producer_id
        and recall.objection_decided_at is None
        and timezone.now() <= recall.objection_due_at
    ):
        raise Conflict(
            _("The producer's objection window is still open (%(rule)s).") % {"rule": citation},
            code="objection_window_open",
        )


def _amount(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def _consignee_figures(recall: Recall) -> dict[int, tuple]:
    return {
        org: (included, lots, received, sold_on, held)
        for org, included, lots, received, sold_on, held in recall.notices.values_list(
            "organization_id", "included", "lots", "received", "sold_on", "held"
        )
    }


def _bring_scope_up_to_date(recall: Recall) -> dict:
    """The scope computed again from the trace graph, as at the draft (``scope_lots`` from the
    affected and added lots, ``scope_holdings`` of every lot), and what differs stored: lots
    made since, holdings shipped, received or sold since, the consignees' notices and the
    units. Returns the difference, empty when there is none. Lots and holders the producer
    left out stay out; what is new is in."""
    roots = list(
        recall.scope_batches.filter(Q(distance=0) | Q(source=ScopeSource.ADDED)).values_list(
            "batch_id", flat=True
        )
    )
    lots = scope_lots(roots)
    known = set(recall.scope_batches.values_list("batch_id", flat=True))
    new_lots = {b: d for b, d in lots.items() if b not in known}
    RecallBatch.objects.bulk_create(
        [
            RecallBatch(
                recall=recall,
                batch_id=b,
                distance=d,
                source=ScopeSource.AFFECTED if d == 0 else ScopeSource.DOWNSTREAM,
            )
            for b, d in sorted(new_lots.items())
        ],
        batch_size=5000,
    )
    stored = {(h.organization_id, h.batch_id): h for h in recall.holdings.all()}
    fields = ("produced", "received", "sold_on", "used", "held")
    to_create, to_update = [], []
    for h in scope_holdings(sorted(known | set(lots))):
        old = stored.pop((h.organization_id, h.batch_id), None)
        if old is None:
            to_create.append(
                RecallHolding(
                    recall=recall,
                    organization_id=h.organization_id,
                    batch_id=h.batch_id,
                    **{f: getattr(h, f) for f in fields},
                )
            )
        elif any(getattr(old, f) != getattr(h, f) for f in fields):
            for f in fields:
                setattr(old, f, getattr(h, f))
            to_update.append(old)
    RecallHolding.objects.bulk_create(to_create, batch_size=5000)
    RecallHolding.objects.bulk_update(to_update, list(fields), batch_size=5000)
    RecallHolding.objects.filter(pk__in=[h.pk for h in stored.values()]).delete()
    holdings_changed = len(to_create) + len(to_update) + len(stored)

    before = _consignee_figures(recall)
    units_before = (recall.units_planned, recall.units_sold)
    _refresh_notices(recall)
    after = _consignee_figures(recall)
    added, changed, removed = [], [], []
    for org_id in sorted(set(before) | set(after)):
        old, new = before.get(org_id), after.get(org_id)
        was_in, is_in = bool(old and old[0]), bool(new and new[0])
        if is_in and not was_in:
            added.append((org_id, old, new))
        elif was_in and not is_in:
            removed.append((org_id, old, new))
        elif is_in and old[1:] != new[1:]:
            changed.append((org_id, old, new))
    units_changed = units_before != (recall.units_planned, recall.units_sold)
    if not (new_lots or holdings_changed or added or changed or removed or units_changed):
        return {}
    listed = [o for o, *_r in (added + changed + removed)[: 3 * SCOPE_CHANGES_LISTED]]
    names = dict(Organization.objects.filter(pk__in=listed).values_list("pk", "name"))
    batches = {
        b["id"]: b
        for b in Batch.objects.filter(pk__in=sorted(new_lots)[:SCOPE_CHANGES_LISTED]).values(
            "id", "gtin", "lot"
        )
    }

    def consignee(org_id, old, new) -> dict:
        row = {"organization": org_id, "name": names.get(org_id, "")}
        if old is not None and old[0]:
            row |= {"lots_before": old[1], "held_before": _amount(old[4])}
        if new is not None and new[0]:
            row |= {"lots": new[1], "received": _amount(new[2]), "held": _amount(new[4])}
        return row

    return {
        "lots_added_count": len(new_lots),
        "lots_added": [
            {"batch": b, "gtin": batches[b]["gtin"], "lot": batches[b]["lot"], "distance": d}
            for b, d in sorted(new_lots.items())[:SCOPE_CHANGES_LISTED]
        ],
        "consignees_added_count": len(added),
        "consignees_added": [consignee(*c) for c in added[:SCOPE_CHANGES_LISTED]],
        "consignees_changed_count": len(changed),
        "consignees_changed": [consignee(*c) for c in changed[:SCOPE_CHANGES_LISTED]],
        "consignees_removed_count": len(removed),
        "consignees_removed": [consignee(*c) for c in removed[:SCOPE_CHANGES_LISTED]],
        "holdings_changed": holdings_changed,
        "units_planned_before": _amount(units_before[0]),
        "units_planned": _amount(recall.units_planned),
        "units_sold_before": _amount(units_before[1]),
        "units_sold": _amount(recall.units_sold),
    }


@transaction.atomic
def recall_refresh_scope(*, recall: Recall, actor) -> dict:
    """Bring a filed recall's scope up to date from the trace graph before it starts: stock
    shipped, received or made into new lots since the draft is in it, and its holders get
    their notices. A change is kept, on the timeline (``scope_refreshed``, listing it), and
    leaves the scope unconfirmed until the producer confirms it. Returns the change (empty
    when the scope was up to date)."""
    recall = _lock(recall)
    org = recall_require_actor(recall=recall, actor=actor, action="activate")
    _check(recall, "activate")
    _activation_refusal(recall, org)
    difference = _bring_scope_up_to_date(recall)
    if not difference:
        return {}
    recall.scope_confirmed_at = None
    recall.save(update_fields=["units_planned", "units_sold", "scope_confirmed_at", "updated_at"])
    log_entry(recall, "scope_refreshed", actor=actor, data=difference)
    if org.pk != recall.producer_id:
        notify(
            organization=recall.producer,
            topic="recall.scope_changed",
            subject=_("Recall %(number)s: the scope changed before the start")
            % {"number": recall.number},
            body=_(
                "%(lots)s lots and %(n)s consignees were added since the scope was confirmed; "
                "confirm the new scope to start the recall."
            )
            % {"lots": difference["lots_added_count"], "n": difference["consignees_added_count"]},
            payload={"recall": recall.number},
            about=recall,
        )
    return difference


@transaction.atomic
def _confirm_refreshed_scope(recall: Recall, actor) -> None:
    """The producer (or the ordering regulator) confirms the refreshed scope it was shown."""
    recall = _lock(recall)
    org = recall_require_actor(recall=recall, actor=actor, action="activate")
    _check(recall, "activate")
    _activation_refusal(recall, org)
    if recall.scope_confirmed_at is not None:
        return
    recall_require_actor(recall=recall, actor=actor, action="edit_scope")
    changes = pending_scope_changes(recall)
    recall.scope_confirmed_at = timezone.now()
    recall.save(update_fields=["scope_confirmed_at", "updated_at"])
    log_entry(
        recall,
        "scope_confirmed",
        actor=actor,
        data={
            "at_activation": True,
            "refreshes": [c["entry"] for c in changes],
            "lots": recall.scope_batches.filter(included=True).count(),
            "consignees": recall.notices.filter(included=True).count(),
        },
    )


def recall_activate(*, recall: Recall, actor, confirm_scope: bool = False) -> Recall:
    """Start the recall. First its scope is brought up to date from the trace graph
    (``recall_refresh_scope``, its own transaction, kept even when the start is refused): when
    it changed since it was confirmed, the start is refused (409 ``scope_changed``, listing
    the changes) until the producer confirms them (``confirm_scope``, which confirms only
    changes already shown: one found in this very call is refused again)."""
    if confirm_scope:
        _confirm_refreshed_scope(recall, actor)
    recall_refresh_scope(recall=recall, actor=actor)
    return _activate(recall=recall, actor=actor)


@transaction.atomic
def _activate(*, recall: Recall, actor) -> Recall:
    """Start the recall, in one transaction: every lot of the scope becomes
    recalled through recorded EPCIS events (bulk captures), every consignee gets its
    notice with an acknowledgement link (outbox, sent after commit), and the lots'
    consumer pages show the red banner from the next scan. An ordered recall
    activates once the objection window has passed, or when its producer does."""
    recall = _lock(recall)
    org = recall_require_actor(recall=recall, actor=actor, action="activate")
    target = _check(recall, "activate")
    _activation_refusal(recall, org)
    if recall.scope_confirmed_at is None:
        raise ScopeChanged(
            _(
                "The scope changed since it was confirmed (stock shipped, received or made "
                "into new lots since); the producer confirms the changes listed, then the "
                "recall starts."
            ),
            changes=pending_scope_changes(recall),
        )
    now = timezone.now()
    recalled, events, skipped = _record_recall_events(recall, org=org, actor=actor, now=now)
    notices = list(recall.notices.filter(included=True).select_related("organization"))
    reminder_at = now + timedelta(hours=settings.RECALL_ACK_REMINDER_HOURS)
    for notice in notices:
        send_notice(notice, recall, topic="recall.notice", now=now)
        notice.notified_at = now
        notice.next_reminder_at = reminder_at
    RecallNotice.objects.bulk_update(notices, ["notified_at", "next_reminder_at"], batch_size=1000)
    recall.status = target
    recall.activated_at = now
    recall.next_report_due_at = recall.report_check_at = law.next_progress_due(
        recall, now, first=True
    )
    _set_complete_due(recall)
    recall.save(
        update_fields=[
            "status",
            "activated_at",
            "next_report_due_at",
            "report_check_at",
            "complete_due_at",
            "updated_at",
        ]
    )
    log_entry(
        recall,
        "activated",
        actor=actor,
        at=now,
        data={
            "lots": recalled + skipped,
            "lots_recalled": recalled,
            "lots_already_recalled_or_destroyed": skipped,
            "events": events,
            "consignees": len(notices),
            "next_report_due_at": recall.next_report_due_at
            and recall.next_report_due_at.isoformat(),
        },
    )
    notify_regulators(
        recall,
        topic="recall.activated",
        subject=_("Recall started: %(number)s") % {"number": recall.number},
        body=_("%(lots)s lots recalled, %(n)s consignees notified.")
        % {"lots": recalled, "n": len(notices)},
    )
    return recall


def _quantity(data: dict, name: str) -> Decimal:
    value = data.get(name)
    if value in (None, ""):
        return ZERO
    quantity = parse_decimal(value, name, decimal_places=3)
    if not quantity.is_finite() or quantity < 0:
        raise _field_error(name, _("A quantity must be zero or more."), "quantity_negative")
    if quantity > settings.SUYUAN_MAX_QUANTITY:
        raise _field_error(name, _("This quantity is implausibly large."), "quantity_too_large")
    if quantity != quantity.quantize(_QUANTUM):
        raise _field_error(
            name,
            _("A quantity has at most %(n)s decimal places.") % {"n": QUANTITY["decimal_places"]},
            "max_decimal_places",
        )
    return quantity


_QUANTUM = Decimal(1).scaleb(-QUANTITY["decimal_places"])


def _exceeds_held(held: Decimal, message) -> ValidationError:
    return ValidationError(
        message % {"held": format(held.normalize(), "f")}, code="quantity_exceeds_held"
    )


def ack_figure_errors(q: dict[str, Decimal], held: Decimal) -> dict[str, ValidationError]:
    """A consignee's figures are bounded by what it held of the scope's lots (issue 19 item 12):
    each of them, and returned, destroyed and corrected together (a unit is dealt with once)."""
    errors = {}
    for name in ("on_hand", "returned", "destroyed", "corrected"):
        if q[name] > held:
            errors[name] = _exceeds_held(
                held, _("More than the %(held)s units you held of the affected lots.")
            )
    if errors:
        return errors
    if q["returned"] + q["destroyed"] + q["corrected"] > held:
        last = next(n for n in ("corrected", "destroyed", "returned") if q[n])
        errors[last] = _exceeds_held(
            held,
            _("Returned, destroyed and corrected together exceed the %(held)s units you held."),
        )
    return errors


def stated_figure_errors(recall: Recall, figures: dict) -> dict[str, ValidationError]:
    """The producer's own report figures are bounded by the units of the scope: what was
    distributed, or what the consignees held if more (issue 19 item 12)."""
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


def find_token(token: str, *, lock: bool = False) -> RecallAckToken:
    """The token row, or 404 (unknown), 409 (used) or 410 (expired)."""
    if not token or len(token) > 100:
        raise exceptions.NotFound(_("This acknowledgement link is not valid."))
    rows = RecallAckToken.objects.select_related("notice__recall", "notice__organization")
    if lock:
        rows = rows.select_for_update(of=("self",))
    row = rows.filter(token_hash=token_hash(token)).first()
    if row is None:
        raise exceptions.NotFound(_("This acknowledgement link is not valid."))
    if row.used_at is not None:
        raise Conflict(
            _("This link has already been used; use the newest link you received."),
            code="token_used",
        )
    if row.expires_at <= timezone.now():
        raise Gone(
            _("This link has expired; a reminder will bring a new one."), code="token_expired"
        )
    return row


@transaction.atomic
def recall_acknowledge(*, token: str, data: dict) -> tuple[RecallNotice, str]:
    """A consignee confirms receipt and reports quantities through its link (no
    account). Each link answers once; the answer returns a fresh link for a later one."""
    row = find_token(token, lock=True)
    notice = RecallNotice.objects.select_for_update().get(pk=row.notice_id)
    recall = row.notice.recall
    if recall.status not in (S.ACTIVE, S.COMPLETED):
        raise Conflict(_("This recall no longer takes answers."), code="recall_not_active")
    q = {name: _quantity(data, name) for name in ("on_hand", "returned", "destroyed", "corrected")}
    errors = ack_figure_errors(q, notice.held)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    RecallAcknowledgement.objects.create(
        notice=notice, token=row, note=clean_text(data.get("note"), "note")[:2000], **q
    )
    row.used_at = now
    row.save(update_fields=["used_at"])
    first = notice.acknowledged_at is None
    for name, value in q.items():
        setattr(notice, name, value)
    notice.acknowledged_at = notice.acknowledged_at or now
    notice.last_answer_at = now
    notice.next_reminder_at = None
    notice.save(
        update_fields=[
            "on_hand",
            "returned",
            "destroyed",
            "corrected",
            "acknowledged_at",
            "last_answer_at",
            "next_reminder_at",
        ]
    )
    log_entry(
        recall,
        "consignee_acknowledged" if first else "consignee_reported",
        organization=notice.organization,
        data={"organization": notice.organization_id, **{k: str(v) for k, v in q.items()}},
    )
    return notice, issue_token(notice, now=now)


@transaction.atomic
def recall_file_progress_report(
    *,
    recall: Recall,
    actor,
    units_recovered=None,
    units_corrected=None,
    units_destroyed=None,
    note: str = "",
) -> RecallProgressReport:
    recall = _lock(recall)
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
    now = timezone.now()
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


@transaction.atomic
def recall_complete(*, recall: Recall, actor, note: str = "") -> Recall:
    """The producer reports that it has done what the plan says: active → completed; the
    summary report falls due (SAMR Order 19 Art. 21 ¶1: 15 working days; a food recall under
    SAMR Order 122 Art. 24: 5 days). Only the regulator then closes the recall, after
    evaluating it (``recall_close``)."""
    recall = _lock(recall)
    recall_require_actor(recall=recall, actor=actor, action="complete")
    target = _check(recall, "complete")
    now = timezone.now()
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
    recall: Recall,
    actor,
    conclusion: str,
    units_recovered=None,
    units_corrected=None,
    units_destroyed=None,
    note: str = "",
) -> RecallSummaryReport:
    recall = _lock(recall)
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
            "on_time": timezone.now() <= recall.summary_due_at,
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
def recall_close(*, recall: Recall, actor, override: bool = False, reason: str = "") -> Recall:
    """The regulator verifies and closes: when the target is met and every
    consignee has answered, or by override with a recorded reason."""
    recall = _lock(recall)
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
    recall.closed_at = timezone.now()
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


def _end(recall: Recall, actor, *, action: str, reason: str) -> Recall:
    recall = _lock(recall)
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
def recall_terminate(*, recall: Recall, actor, reason: str) -> Recall:
    """Stop a filed or running recall early (the lots stay recalled)."""
    return _end(recall, actor, action="terminate", reason=reason)


@transaction.atomic
def recall_cancel(*, recall: Recall, actor, reason: str) -> Recall:
    """Withdraw a recall that has not started."""
    return _end(recall, actor, action="cancel", reason=reason)


__all__ = [
    "TRANSITIONS",
    "recall_create",
    "recall_edit_scope",
    "recall_update_plan",
    "recall_submit",
    "recall_approve",
    "recall_object",
    "recall_decide_objection",
    "recall_refresh_scope",
    "recall_activate",
    "recall_acknowledge",
    "recall_file_progress_report",
    "recall_complete",
    "recall_file_summary_report",
    "recall_close",
    "recall_terminate",
    "recall_cancel",
    "scope_holdings",
]
