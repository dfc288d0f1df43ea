"""Who may see a recall and who may act on it: the one place these decisions are made.

Reads: ``visible_to(actor, queryset)``. Writes: ``can(actor, action, recall)`` (a yes or no, to
choose buttons) and ``require(actor, action, recall)`` (the same rule, raising 403 naming it).
Jurisdiction is ``Organization.governs`` (a regulator whose region-code prefix holds the
producer's place). SAMR Order 19: the producer runs the recall and reports; the regulator of its
place supervises; an ordered recall is also its ordering regulator's to run and end.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions

from core.choices import RegulatorLevel
from core.models import organization_of
from core.rulebook import rule as rulebook_rule
from incidents.choices import Status as IncidentStatus

from .choices import RecallCategory, RecallStatus, RecallType

# What consignees see: a recall that has reached them.
NOTIFIED_STATUSES = (
    RecallStatus.ACTIVE,
    RecallStatus.COMPLETED,
    RecallStatus.CLOSED,
    RecallStatus.TERMINATED,
)

# action → (who may take it, the rule named when refused). Who: a set of the parties below.
#   producer   the enterprise whose lots are recalled
#   orderer    the regulator that sent the notice to recall (an ordered recall)
#   regulator  a regulator whose jurisdiction holds the producer's place
#   ordered:X  X, on an ordered recall only;  voluntary:X  X, on a voluntary recall only
ACTIONS: dict[str, tuple[frozenset[str], str]] = {
    # a party: acts on the recall and sees its whole scope (consignees only their own notice)
    "act": (frozenset({"producer", "orderer", "regulator"}), "party_only"),
    "edit_scope": (frozenset({"producer", "ordered:orderer"}), "producer_only"),
    "update_plan": (frozenset({"producer", "ordered:orderer"}), "producer_only"),
    "refile": (frozenset({"producer", "ordered:orderer"}), "producer_only"),
    "submit": (frozenset({"producer", "ordered:orderer"}), "producer_only"),
    "object": (frozenset({"producer"}), "producer_only"),
    "progress_report": (frozenset({"producer"}), "producer_only"),
    "complete": (frozenset({"producer"}), "producer_only"),
    "summary_report": (frozenset({"producer"}), "producer_only"),
    "approve": (frozenset({"regulator"}), "regulator_of_place_only"),
    "close": (frozenset({"regulator"}), "regulator_of_place_only"),
    "decide_objection": (frozenset({"regulator", "ordered:orderer"}), "regulator_of_place_only"),
    "activate": (frozenset({"producer", "ordered:regulator"}), "activate"),
    # SAMR itself (SAMR Order 19 Art. 14; ``may_order``)
    "order": (frozenset(), "samr_orders"),
    "terminate": (frozenset({"regulator", "voluntary:producer"}), "party_may_not_end"),
    "cancel": (frozenset({"voluntary:producer", "ordered:regulator"}), "party_may_not_end"),
}


def _messages() -> dict[str, str]:
    return {
        "producer_only": _("Only the producer running this recall may do this."),
        "regulator_of_place_only": _(
            "Only a regulator whose jurisdiction covers the producer may do this."
        ),
        "party_may_not_end": _("You may not end this recall."),
        "party_only": _(
            "Only the producer and the regulators of the place act on a recall; a consignee "
            "answers through its acknowledgement link."
        ),
        "writer_only": _("You must belong to an organization, and viewers may only read."),
        "no_order_from_incident": _(
            "A recall is ordered from an incident by a regulator whose jurisdiction covers the "
            "producer of its lots, while the incident stands (not rejected or merged)."
        ),
        "samr_orders": _(
            "Only the State Administration for Market Regulation orders a recall "
            "(SAMR Order 19 Art. 14); a regulator of the place sends the notice to recall."
        ),
        "food_order_stands": _(
            "A food recall is ordered by the regulator's notice itself (Food Safety Law Art. 63; "
            "from 2026-12-01 SAMR Order 122 Art. 20): there is no objection window and no later "
            "order by SAMR."
        ),
    }


def writer(actor):
    """The actor's organization when the actor may write (a member, not a viewer); else 403."""
    org = organization_of(actor)
    if org is None or not actor.membership.can_write:
        raise exceptions.PermissionDenied(_messages()["writer_only"], code="writer_only")
    return org


def governs(org, recall) -> bool:
    """A regulator whose jurisdiction holds the recall's producer (``Organization.governs``)."""
    return org is not None and org.governs(recall.region_code)


def parties(org, recall) -> set[str]:
    """The roles ``org`` holds in ``recall`` (see ``ACTIONS``)."""
    if org is None:
        return set()
    ordered = recall.recall_type == RecallType.ORDERED
    roles = set()
    if org.pk == recall.producer_id:
        roles.add("producer")
    if ordered and org.pk == recall.ordered_by_id:
        roles.add("orderer")
    if governs(org, recall):
        roles.add("regulator")
    kind = "ordered:" if ordered else "voluntary:"
    return roles | {kind + r for r in roles}


# The consumer-product steps between the notice to recall and SAMR's order (SAMR Order 19
# Arts. 13–14); an ordered food recall has none of them.
NOTICE_ACTIONS = frozenset({"object", "decide_objection", "order"})


def has_objection_window(recall) -> bool:
    """An ordered consumer-product recall has the producer's objection window (SAMR Order 19
    Art. 13); an ordered food recall's notice is the order itself (``recall_create``)."""
    return recall.recall_type == RecallType.ORDERED and recall.objection_due_at is not None


def _rule(org, action: str, recall) -> tuple[bool, str]:
    try:
        allowed, code = ACTIONS[action]
    except KeyError:
        raise ValueError(f"no actor rule for recall action {action!r}") from None
    if (
        action in NOTICE_ACTIONS
        and recall.recall_type == RecallType.ORDERED
        and not has_objection_window(recall)
    ):
        return False, "food_order_stands"
    if action == "order":
        return may_order(org), "samr_orders"
    if action == "approve" and governs(org, recall) and not receives_plan(org, recall):
        return False, "plan_receiver_level"
    if action == "activate":
        code = (
            "regulator_of_place_only"
            if recall.recall_type == RecallType.ORDERED
            else "producer_only"
        )
    return bool(allowed & parties(org, recall)), code


def can(actor, action: str, recall) -> bool:
    """Whether ``actor`` may take ``action`` on ``recall`` (a writer, and a party the table
    names). The services still check the recall's state; this only says who."""
    org = organization_of(actor)
    if org is None or (action != "act" and not actor.membership.can_write):
        return False
    return _rule(org, action, recall)[0]


def require(actor, action: str, recall):
    """``can``, or 403 naming the rule; returns the actor's organization."""
    org = writer(actor)
    allowed, code = _rule(org, action, recall)
    if code == "plan_receiver_level" and not allowed:
        r = plan_receiver_rule(recall)
        raise exceptions.PermissionDenied(
            _(
                "This food recall plan is reported to a regulator of level %(level)s or higher "
                "(%(rule)s); that regulator approves it."
            )
            % {"level": RegulatorLevel(r.value).label, "rule": r.citation()},
            code=code,
        )
    if not allowed:
        raise exceptions.PermissionDenied(_messages()[code], code=code)
    return org


def plan_receiver_rule(recall):
    """The level of regulator a food recall plan is reported to, and so who approves it, on the
    recall's date (the risk's discovery, else its opening; ``law.recall_date``): any
    county-or-higher regulator under CFDA Order 12 Art. 13; from 2026-12-01 SAMR Order 122
    Art. 5 ¶3, the districted city (for a business licensed or filed at county level, which
    every business counts as here: no licensing level is recorded). None for a consumer
    product: SAMR Order 19 leaves every regulator of the place its part."""
    if recall.recall_category != RecallCategory.FOOD:
        return None
    on = recall.risk_discovered_at or recall.created_at or timezone.now()
    return rulebook_rule("food_recall.plan_receiver_level", on=on)


def receives_plan(org, recall) -> bool:
    """Whether regulator ``org`` receives (and approves) ``recall``'s plan: a regulator of the
    producer's place of at least the level ``plan_receiver_rule`` names — from 2026-12-01 a
    food plan goes to the districted city, not the county (SAMR Order 122 Art. 5 ¶3); a consumer
    product's plan to any regulator of the place."""
    if not governs(org, recall):
        return False
    r = plan_receiver_rule(recall)
    return r is None or _LEVEL_RANK.get(org.level, -1) >= _LEVEL_RANK[r.value]


def may_order(org) -> bool:
    """Who orders a recall (责令召回) once the notice to recall stands: SAMR itself, the
    national regulator (SAMR Order 19 Art. 14)."""
    return org is not None and org.is_regulator and org.level == RegulatorLevel.NATIONAL


def require_may_order(actor):
    org = writer(actor)
    if not may_order(org):
        raise exceptions.PermissionDenied(_messages()["samr_orders"], code="samr_orders")
    return org


def order_producer(incident):
    """The producer a recall ordered from ``incident`` recalls: the enterprise the incident
    concerns when it made some of its lots, else the one maker of its lots; None when no lot
    it names is registered, or several producers made them (``recall_create_from_incident``)."""
    lots = incident.batches.select_related("product__owner").filter(product__isnull=False)
    makers = {b.product.owner for b in lots}
    if incident.enterprise_id in {m.pk for m in makers}:
        return incident.enterprise
    return next(iter(makers)) if len(makers) == 1 else None


def _may_order_from(org, incident) -> bool:
    if org is None or not org.is_regulator:
        return False
    if incident.status in (IncidentStatus.REJECTED, IncidentStatus.MERGED):
        return False
    producer = order_producer(incident)
    if producer is None or not org.governs(producer.region_code):
        return False
    food = incident.batches.filter(product__category=RecallCategory.FOOD).exists()
    return not food or may_order_food(org, timezone.now())


def can_order_from_incident(actor, incident) -> bool:
    """Whether ``actor`` may order a recall (a notice to recall, SAMR Order 19 Arts. 12–13;
    责令召回) of the lots ``incident`` names: a writer of a regulator whose jurisdiction holds their producer, while
    the incident stands. Seeing the incident is ``incidents.policy.visible_to``'s to decide."""
    org = organization_of(actor)
    if org is None or not actor.membership.can_write:
        return False
    return _may_order_from(org, incident)


def require_order_from_incident(actor, incident):
    """``can_order_from_incident``, or 403 naming the rule; returns the actor's organization."""
    org = writer(actor)
    if not _may_order_from(org, incident):
        code = "no_order_from_incident"
        raise exceptions.PermissionDenied(_messages()[code], code=code)
    return org


def default_type(org) -> str:
    """The kind of recall an organization opens when it names none: a regulator sends a notice
    to recall (an ordered recall, SAMR Order 19 Art. 13); an enterprise recalls voluntarily."""
    return RecallType.ORDERED if org is not None and org.is_regulator else RecallType.VOLUNTARY


def require_opener(actor, recall_type: str, *, from_incident: bool = False):
    """Who opens a recall of ``recall_type``: a regulator orders one, the producer opens a
    voluntary one (a writer either way); returns the actor's organization, else 403."""
    org = writer(actor)
    ordered = recall_type == RecallType.ORDERED
    if ordered and not org.is_regulator:
        raise exceptions.PermissionDenied(_("Only a regulator may order a recall."))
    if not ordered and not org.is_enterprise:
        if from_incident:
            raise exceptions.PermissionDenied(
                _("A regulator orders a recall; a voluntary recall is opened by the producer.")
            )
        raise exceptions.PermissionDenied(_("A voluntary recall is opened by the producer."))
    return org


# Regulator levels from the lowest up (``core.rulebook.model.LEVELS``).
_LEVEL_RANK = {
    RegulatorLevel.COUNTY: 0,
    RegulatorLevel.CITY: 1,
    RegulatorLevel.PROVINCE: 2,
    RegulatorLevel.NATIONAL: 3,
}


def food_order_rule(on):
    """Who may order a food recall on ``on``: the Food Safety Law Art. 63 (county or higher)
    until SAMR Order 122 took effect; from 2026-12-01 its Art. 20 (a districted city or
    higher issues the 责令召回通知书)."""
    return rulebook_rule("food_recall.order_level", on=on)


def may_order_food(org, on) -> bool:
    """Whether regulator ``org`` is of a level ``food_order_rule(on)`` lets order a food recall."""
    if org is None or not org.is_regulator:
        return False
    return _LEVEL_RANK.get(org.level, -1) >= _LEVEL_RANK[food_order_rule(on).value]


def require_food_order_level(org, on) -> None:
    """``may_order_food``, or 403 citing the rule of the day."""
    if not may_order_food(org, on):
        r = food_order_rule(on)
        raise exceptions.PermissionDenied(
            _(
                "A food recall is ordered by a regulator of level %(level)s or higher "
                "(%(rule)s); pass the case up to it."
            )
            % {"level": RegulatorLevel(r.value).label, "rule": r.citation()},
            code="food_order_level",
        )


def may_order_recall_of(org, producer) -> bool:
    """A regulator sends a notice to recall only to a producer in its jurisdiction."""
    return org is not None and org.governs(producer.region_code)


def covers(regulator, region_code: str) -> bool:
    """A regulator whose jurisdiction holds ``region_code`` (``Organization.governs``)."""
    return regulator is not None and regulator.governs(region_code)


def recorder_of_recalled_lot(org, owner_id: int | None) -> int | None:
    """Who records a recalled lot's event as the recall is activated (``trace.core.rules``: a
    recall is decided by the lot's owner or a regulator): a regulator activating records every
    lot; otherwise each lot's owner; nobody for a lot of a GTIN nobody registered here."""
    if org.is_regulator:
        return org.pk
    return owner_id


def visible_to(actor, queryset):
    """The recalls of ``queryset`` that ``actor`` may read. The producer: its recalls. A
    consignee: recalls that have notified it. A regulator: recalls of producers, or reaching
    holders, in its jurisdiction (the national regulator: every one)."""
    org = organization_of(actor)
    if org is None:
        return queryset.none()
    notices = queryset.model._meta.get_field("notices").related_model.objects
    if org.is_regulator:
        prefix = org.jurisdiction_prefix
        if not prefix:
            return queryset
        held_here = notices.filter(
            recall=OuterRef("pk"), organization__region_code__startswith=prefix
        )
        return queryset.filter(Q(region_code__startswith=prefix) | Q(Exists(held_here)))
    notified = notices.filter(recall=OuterRef("pk"), organization=org, included=True)
    return queryset.filter(
        Q(producer=org) | (Q(status__in=NOTIFIED_STATUSES) & Q(Exists(notified)))
    )


def require_party(actor, recall) -> None:
    """403 ``party_only`` unless ``actor`` is a party to ``recall`` (``can(actor, "act", ...)``):
    the producer, the ordering regulator or a regulator of the place. A consignee answers
    through its acknowledgement link."""
    if not can(actor, "act", recall):
        raise exceptions.PermissionDenied(_messages()["party_only"], code="party_only")
