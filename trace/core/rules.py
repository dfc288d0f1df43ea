"""Who may record what on which lot: the one place that decides.

Every event enters through ``trace.capture.capture_events`` (the business
actions of ``trace.services``, EPCIS capture jobs and the phone forms all end
there), and capture asks this module before anything is written:

- **Commissioning only by the product's owner.** A lot of a GTIN registered
  here is commissioned (``ADD``/``commissioning``, or the output of a
  transformation) only by the enterprise that registered the GTIN. Lots of
  GTINs nobody registered here (a supplier outside the platform) may be
  recorded by whoever deals in them.
- **Moves only of stock held.** Shipping, selling, destroying, transformation
  inputs and ``DELETE`` take from what the recorder holds; receiving takes
  from what was shipped to it (``check_stock``).
- **No events by strangers.** Any other event naming a registered lot comes
  from its owner, from an organization that has held it or had it shipped to
  it, or from a regulator.
- **Status consequences only by the owner (or a regulator).** Holding,
  releasing, recalling, a failed inspection putting a lot on hold, and
  destruction marking the whole lot destroyed. A holder's failed inspection is
  recorded as its observation, without a hold for everybody.
- **Error declarations only by the recorder** of the event they retract.
- **Status guards.** A lot on hold, recalled or destroyed cannot be shipped,
  sold or used as an input; only a lot on hold can be released; only an active
  lot can be put on hold.

A broken rule raises ``RuleViolation``: a ``ValidationError`` naming the field
and the rule, carrying the HTTP status (403 not yours to do, 409 not now,
400 bad quantity) that the REST views and EPCIS capture jobs answer with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .choices import BatchRole, BatchStatus, BizStep, Disposition, EventType

FORBIDDEN = 403
CONFLICT = 409
INVALID = 400

# Steps that take stock out of the recorder's hands (a DELETE action does too).
OUTBOUND_STEPS = frozenset(
    {"shipping", "retail_selling", "destroying", "dispensing", "decommissioning"}
)
# Steps that are refused on a lot that is on hold, recalled or destroyed.
_GUARDED_STEPS = frozenset({"shipping", "retail_selling", "dispensing"})
_BLOCKED = (BatchStatus.ON_HOLD, BatchStatus.RECALLED, BatchStatus.DESTROYED)
# Trade steps: the quantities and documents of a trade are for its parties only.
TRADE_STEPS = ("shipping", "receiving", "retail_selling")


class RuleViolation(ValidationError):
    """A rule of this module refused an event: ``field`` names what, ``rule`` the rule."""

    def __init__(self, field_: str, message: str, rule: str, status: int = FORBIDDEN):
        super().__init__({field_: ValidationError(message, code=rule)})
        self.status = status
        self.rule = rule


def status_of(exc: ValidationError) -> int:
    """The HTTP status a refused capture answers with (400 for plain validation errors)."""
    return getattr(exc, "status", INVALID)


@dataclass
class LotFacts:
    """What the rules need to know of a lot (one query for all lots of a capture)."""

    pk: int
    lot: str
    status: str
    owner_id: int | None  # the enterprise that registered the GTIN; None for outside GTINs


@dataclass
class Actor:
    """The recording organization, as the rules see it."""

    pk: int
    is_regulator: bool = False
    related: set[int] = field(default_factory=set)  # lots it holds, held or had shipped to it

    @classmethod
    def of(cls, organization, related=()) -> Actor:
        return cls(
            pk=organization.pk, is_regulator=bool(organization.is_regulator), related=set(related)
        )


def is_owner(actor: Actor, lot: LotFacts) -> bool:
    return lot.owner_id is not None and lot.owner_id == actor.pk


def may_decide(actor: Actor, lot: LotFacts) -> bool:
    """Hold, release, recall, destroy the lot, or put it on hold by a failed inspection."""
    return actor.is_regulator or is_owner(actor, lot)


def records_through_pages(organization, membership) -> bool:
    """The lot page offers its forms (receive, ship, sell…) to an enterprise's operators and
    administrators; viewers and regulators get none."""
    return bool(
        organization is not None
        and organization.is_enterprise
        and membership is not None
        and membership.can_write
    )


def reads_every_event(organization) -> bool:
    """The national regulator reads every event of a trace (its jurisdiction is the country);
    everyone else what ``Event.objects.visible_to`` grants."""
    return bool(
        organization is not None
        and organization.is_regulator
        and not organization.jurisdiction_prefix
    )


def may_observe(actor: Actor, lot: LotFacts) -> bool:
    """Record anything on the lot at all."""
    return lot.owner_id is None or may_decide(actor, lot) or lot.pk in actor.related


# --- what an event means -------------------------------------------------------


def is_commissioning(event_type: str, action: str, biz_step: str, role: str) -> bool:
    if event_type == EventType.TRANSFORMATION:
        return role == BatchRole.OUTPUT
    return role == BatchRole.SUBJECT and action == "ADD" and biz_step in (BizStep.COMMISSIONING, "")


def status_effect(event_type: str, biz_step: str, disposition: str) -> str | None:
    """The status an event asks for: hold, release, recall (destruction is decided after the moves)."""
    if event_type != EventType.OBJECT:
        return None
    if disposition == Disposition.RECALLED:
        return BatchStatus.RECALLED
    if biz_step == BizStep.HOLDING:
        return BatchStatus.ON_HOLD
    if biz_step == BizStep.INSPECTING and disposition == Disposition.SELLABLE_ACCESSIBLE:
        return BatchStatus.ACTIVE  # a release
    if biz_step == BizStep.INSPECTING and disposition == Disposition.NON_CONFORMANT:
        return "failed_inspection"
    return None


def is_destruction(action: str, biz_step: str) -> bool:
    return biz_step == BizStep.DESTROYING or (
        action == "DELETE" and biz_step in ("", "decommissioning")
    )


# --- the checks ----------------------------------------------------------------


def _status_label(status: str) -> str:
    return str(BatchStatus(status).label) if status in BatchStatus.values else status


def check_ref(
    actor: Actor,
    lot: LotFacts,
    *,
    event_type: str,
    action: str,
    biz_step: str,
    role: str,
    status: str,
    path: str,
) -> None:
    """One lot named in one event: may this organization record it, and is the lot in a state for it?"""
    if is_commissioning(event_type, action, biz_step, role):
        if lot.owner_id is not None and not is_owner(actor, lot):
            raise RuleViolation(
                path,
                _("Only the enterprise that registered this product may produce its lots."),
                "product_not_owned",
            )
        return
    if not may_observe(actor, lot):
        raise RuleViolation(
            path,
            _("Your organization has no part in lot %(lot)s.") % {"lot": lot.lot},
            "lot_not_held",
        )
    moves_out = biz_step in _GUARDED_STEPS or (
        event_type == EventType.TRANSFORMATION and role == BatchRole.INPUT
    )
    if moves_out and status in _BLOCKED:
        raise RuleViolation(
            path,
            _("Lot %(lot)s is %(status)s: it cannot be shipped, sold or used.")
            % {"lot": lot.lot, "status": _status_label(status)},
            "batch_not_movable",
            CONFLICT,
        )


def check_status_change(
    actor: Actor, lot: LotFacts, *, wanted: str, status: str, path: str
) -> str | None:
    """The status a hold/release/recall/failed-inspection event leaves the lot in (None: unchanged)."""
    if wanted == "failed_inspection":
        # A holder's own finding; only the owner's (or a regulator's) puts the lot on hold.
        return (
            BatchStatus.ON_HOLD if may_decide(actor, lot) and status == BatchStatus.ACTIVE else None
        )
    if not may_decide(actor, lot):
        raise RuleViolation(
            path,
            _("Only the product's owner or a regulator may hold, release or recall lot %(lot)s.")
            % {"lot": lot.lot},
            "not_lot_owner",
        )
    if wanted == BatchStatus.ON_HOLD and status != BatchStatus.ACTIVE:
        raise RuleViolation(
            path, _("Only an active lot can be put on hold."), "batch_not_active", CONFLICT
        )
    if wanted == BatchStatus.ACTIVE and status != BatchStatus.ON_HOLD:
        raise RuleViolation(path, _("This lot is not on hold."), "batch_not_on_hold", CONFLICT)
    if wanted == BatchStatus.RECALLED and status in (BatchStatus.RECALLED, BatchStatus.DESTROYED):
        raise RuleViolation(
            path,
            _("This lot is already %(status)s.") % {"status": _status_label(status)},
            "batch_not_recallable",
            CONFLICT,
        )
    return wanted


def check_declaration(actor: Actor, *, recorder_id: int | None, path: str) -> None:
    """An error declaration retracts an event of the declaring organization only (one not
    stored here, as EPCIS allows, retracts nothing)."""
    if recorder_id is not None and recorder_id != actor.pk:
        raise RuleViolation(
            path,
            _("Only the organization that recorded an event may retract it."),
            "not_event_owner",
        )


def check_stock(
    *,
    lot: str,
    registered: bool,
    held: Decimal,
    transit: Decimal,
    held_before: Decimal,
    transit_before: Decimal,
    path: str,
) -> None:
    """A move leaves ``held``/``transit``: never less than nothing of a lot registered here.

    Lots known only from outside events may have a history we never saw, so
    their custody is clamped at zero instead."""
    if not registered:
        return
    if held < 0:
        raise RuleViolation(
            path,
            _("This is more than the organization holds of lot %(lot)s (holds %(held)s).")
            % {"lot": lot, "held": format(held_before.normalize(), "f")},
            "quantity_exceeds_held",
            CONFLICT,
        )
    if transit < 0:
        raise RuleViolation(
            path,
            _(
                "This is more than was shipped to the organization of lot %(lot)s (%(transit)s in transit)."
            )
            % {"lot": lot, "transit": format(transit_before.normalize(), "f")},
            "quantity_exceeds_shipped",
            CONFLICT,
        )


def check_receipt(*, in_transit: Decimal, quantity: Decimal | None, path: str) -> Decimal:
    """What a receipt may take: at most what is on its way (everything, when no quantity is given)."""
    if in_transit <= 0:
        raise RuleViolation(
            "batch", _("Nothing of this lot is on its way to you."), "nothing_in_transit", CONFLICT
        )
    quantity = in_transit if quantity is None else quantity
    if quantity <= 0 or quantity > in_transit:
        raise RuleViolation(
            path,
            _("You can receive at most the %(transit)s shipped to you.")
            % {"transit": format(in_transit.normalize(), "f")},
            "quantity_exceeds_shipped",
            CONFLICT,
        )
    return quantity


# --- what the phone page offers --------------------------------------------------


def page_actions(
    actor: Actor, lot: LotFacts, *, held: Decimal, in_transit: Decimal
) -> tuple[str, ...]:
    """The actions the phone page offers: the same rules, asked before the form is shown."""
    active = lot.status == BatchStatus.ACTIVE
    allowed = []
    if in_transit > 0:
        allowed.append("receive")
    if held > 0 and active:
        allowed.append("ship")
    if held > 0 or is_owner(actor, lot):
        allowed.append("inspect")
    if held > 0 and active:
        allowed.append("sell")
    if may_decide(actor, lot) and active:
        allowed.append("hold")
    return tuple(allowed)
