"""A recall's scope: the lots and holders computed from the trace graph, the producer's
edits to it, and the scope brought up to date before the start.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from trace.models import Batch

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict
from core.models import Organization
from core.validators import field_error as _field_error

from .. import policy
from ..choices import (
    RecallType,
    ScopeSource,
)
from ..models import (
    Recall,
    RecallBatch,
    RecallHolding,
    RecallNotice,
)
from ..selectors import (
    ZERO,
    compute_scope,
    holdings_by_organization,
    scope_holdings,
    scope_lots,
    standing_order,
)
from .common import _check, _lock, log_entry, recall_require_actor


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
    """One notice per holder of an included lot (the producer excluded), with its totals; the
    units to recover are the consignees' and the producer's own stock of those lots."""
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
    # The producer's own stock of the included lots is recalled too (its lots become recalled
    # at the start): it counts in what the recall is to recover, beside the consignees'.
    own = by_org.get(recall.producer_id)
    recall.units_producer_held = own["held"] if own else ZERO
    recall.units_planned = (
        sum(included.values_list("held", flat=True), ZERO) + recall.units_producer_held
    )
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
    if not policy.may_order_recall_of(organization, producer):
        raise _field_error(
            "batches", _("This producer is outside your jurisdiction."), "outside_jurisdiction"
        )
    return batches, producer.pk


class LotsAlreadyOrdered(Conflict):
    """409: a standing ordered recall already covers lots this order would recall; the problem
    names that recall (``recall``) and those lots (``lots``, ids)."""

    def __init__(self, recall: Recall, lots: list[Batch]):
        self.recall, self.lots = recall, lots
        super().__init__(
            _(
                "Recall %(number)s already orders a recall of lots %(lots)s, which this order "
                "would recall too; change its scope instead of ordering a second one."
            )
            % {"number": recall.number, "lots": ", ".join(b.lot for b in lots)},
            code="lots_already_ordered",
        )

    def problem_fields(self) -> dict:
        return {"recall": self.recall.number, "lots": [b.pk for b in self.lots]}


def refuse_second_order(scope_lots, *, other_than: Recall | None = None) -> None:
    """409 when a standing ordered recall (``selectors.standing_order``) already covers one of
    the lots this order would recall: every lot in its scope, the named ones and those made
    from them, not only the named ones. Its scope is changed, no second order is sent; and an
    order's scope (``other_than``) cannot take in lots another standing order recalls. The
    scope's lot rows are locked first, in id order, in this transaction, so two orders whose
    scopes meet are decided in turn: the second sees the first's scope once it commits."""
    ids = sorted(scope_lots)
    list(Batch.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
    existing = standing_order(ids, other_than=other_than)
    if existing is not None:
        shared = Batch.objects.filter(
            pk__in=existing.scope_batches.filter(included=True, batch_id__in=ids).values("batch_id")
        ).order_by("pk")
        raise LotsAlreadyOrdered(existing, list(shared))


def _edit_lot(recall: Recall, actor, field: str, batch_id, include: bool, reason: str) -> None:
    """Include or exclude a lot of the scope, or add one the producer made (and what was
    made from it)."""
    link = recall.scope_batches.filter(batch_id=batch_id).first()
    ordered = recall.recall_type == RecallType.ORDERED
    if link is None:
        if not include:
            raise _field_error(field, _("This lot is not in the scope."), "not_in_scope")
        batch = Batch.objects.filter(pk=batch_id, product__owner=recall.producer).first()
        if batch is None:
            raise _field_error(
                field,
                _("You can only add lots the producer made."),
                "batch_not_owned",
            )
        if ordered:  # the lot and every lot made from it, as an order of it would recall
            refuse_second_order(scope_lots([batch.pk]), other_than=recall)
        added = _store_scope(recall, [batch.pk], source=ScopeSource.ADDED)
        recall.scope_batches.filter(batch_id=batch.pk).update(edit_reason=reason)
        log_entry(
            recall,
            "scope_lot_added",
            actor=actor,
            reason=reason,
            data={"batch": batch.pk, "lots": added},
        )
        return
    if ordered and include and not link.included:
        refuse_second_order([link.batch_id], other_than=recall)
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


def _edit_holder(
    recall: Recall, actor, field: str, organization_id, include: bool, reason: str
) -> None:
    """Include or exclude a holder of the scope's lots (its notice)."""
    notice = recall.notices.filter(organization_id=organization_id).first()
    if notice is None:
        raise _field_error(
            field,
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


@transaction.atomic
def recall_edit_scope(
    *, recall_id: int, actor, edits: list[dict], confirm: bool = False, now: datetime | None = None
) -> Recall:
    """The producer confirms the proposed scope or edits it: each edit includes or
    excludes a lot (``batch``) or a holder (``organization``) and needs a reason.
    A lot added brings what was made from it."""
    recall = _lock(recall_id)
    now = now or timezone.now()
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
            _edit_lot(recall, actor, f"edits[{index}].batch", edit["batch"], include, reason)
        elif edit.get("organization"):
            _edit_holder(
                recall, actor, f"edits[{index}].organization", edit["organization"], include, reason
            )
        else:
            raise _field_error(f"edits[{index}]", _("Name a batch or an organization."), "required")
    if edits:
        _refresh_notices(recall)
        recall.save(
            update_fields=["units_planned", "units_producer_held", "units_sold", "updated_at"]
        )
    if confirm:
        recall.scope_confirmed_at = now
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


SCOPE_CHANGES_LISTED = 200


def _amount(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def _consignee_figures(recall: Recall) -> dict[int, tuple]:
    return {
        org: (included, lots, received, sold_on, held)
        for org, included, lots, received, sold_on, held in recall.notices.values_list(
            "organization_id", "included", "lots", "received", "sold_on", "held"
        )
    }


def _sync_holdings(recall: Recall, batch_ids: list[int]) -> int:
    """Store the holdings of ``batch_ids`` as the trace graph now has them; returns how many
    were added, changed or removed."""
    stored = {(h.organization_id, h.batch_id): h for h in recall.holdings.all()}
    fields = ("produced", "received", "sold_on", "used", "held")
    to_create, to_update = [], []
    for h in scope_holdings(batch_ids):
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
    return len(to_create) + len(to_update) + len(stored)


def _describe_difference(
    recall: Recall, new_lots: dict, holdings_changed: int, consignees: tuple, units_before: tuple
) -> dict:
    """The refresh as the timeline and the 409 list it: counts whole, names up to
    ``SCOPE_CHANGES_LISTED`` of each kind."""
    added, changed, removed = consignees
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
    holdings_changed = _sync_holdings(recall, sorted(known | set(lots)))

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
    return _describe_difference(
        recall, new_lots, holdings_changed, (added, changed, removed), units_before
    )
