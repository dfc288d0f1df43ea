"""Writes for the traceability core: registering products, sites and batches,
and the friendly business actions an SME records without knowing EPCIS.

Every business action builds an EPCIS 2.0 event and hands it to
``capture_events`` — one capture service, two front doors.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from trace.models import Batch, Custody, Event, Product, Site

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import Organization

from . import rules
from .capture import capture_events, new_event_id
from .choices import BizStep, Disposition, InspectionResult
from .identifiers import INSPECTION_REPORT_BTT, business_document_uri, canonical_lot_uri

SY_CONTEXT = {"sy": "https://suyuan.cn/epcis/"}


def _offset(moment: datetime) -> str:
    offset = timezone.localtime(moment).strftime("%z")
    return f"{offset[:3]}:{offset[3:]}"


def _base_event(
    *,
    event_type: str,
    biz_step: str,
    disposition: str | None,
    when: datetime | None,
    action: str | None = "OBSERVE",
    site: Site | None = None,
    event_id: str | None = None,
) -> dict:
    when = timezone.localtime(when or timezone.now())
    doc = {
        "@context": [SY_CONTEXT],
        "type": event_type,
        "eventID": event_id or new_event_id(),
        "eventTime": when.isoformat(timespec="milliseconds"),
        "eventTimeZoneOffset": _offset(when),
        "bizStep": biz_step,
    }
    if action:
        doc["action"] = action
    if disposition:
        doc["disposition"] = disposition
    if site is not None:
        doc["readPoint"] = {"id": site.location_uri}
        doc["bizLocation"] = {"id": site.location_uri}
    return doc


def _qty(batch: Batch, quantity: Decimal) -> dict:
    item = {"epcClass": canonical_lot_uri(batch.gtin, batch.lot), "quantity": float(quantity)}
    if batch.unit:
        item["uom"] = batch.unit
    return item


def _biz_transactions(refs: dict[str, str] | None, *, issuer: Organization) -> list[dict]:
    return [
        {"type": kind, "bizTransaction": business_document_uri(issuer, value)}
        for kind, value in (refs or {}).items()
        if value
    ]


def _plain(quantity: Decimal) -> str:
    """8000.000 → "8000" (``normalize()`` alone would say "8E+3")."""
    return format(quantity.normalize(), "f")


def _field_error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _held(org: Organization, batch: Batch) -> Custody | None:
    return Custody.objects.filter(organization=org, batch=batch).first()


# Where a rule broken in the event a business action built shows up in its request.
_REST_FIELDS = (
    (re.compile(r"^quantityList\[0\]\.quantity$"), "quantity"),
    (re.compile(r"^quantityList\[0\]$"), "batch"),
    (re.compile(r"^inputQuantityList\[(\d+)\]\.quantity$"), r"inputs[\1].quantity"),
    (re.compile(r"^inputQuantityList\[(\d+)\]$"), r"inputs[\1].batch"),
    (re.compile(r"^outputQuantityList\[0\](\.quantity)?$"), "product"),
    (re.compile(r"^errorDeclaration$"), "event"),
)


def _rest_field(path: str, subject: str) -> str:
    path = path.removeprefix("eventList[0].")
    for pattern, name in _REST_FIELDS:
        if pattern.match(path):
            return subject if name == "batch" else pattern.sub(name, path)
    return path


def _capture_one(doc: dict, *, organization: Organization, user, subject: str = "batch") -> Event:
    """Capture the event a business action built; a broken rule names the action's own field
    (``subject``: the field that named the lot)."""
    try:
        result = capture_events(documents=[doc], organization=organization, user=user)
    except rules.RuleViolation as exc:
        ((path, errors),) = exc.error_dict.items()
        raise rules.RuleViolation(
            _rest_field(path, subject), errors[0].message, errors[0].code, exc.status
        ) from exc
    if result.event_pks:
        return result.events[0]
    # The same event stored a moment ago by a concurrent request (the same error declaration
    # posted twice at once): that request's event is this one's answer too.
    return Event.objects.by_event_id(doc["eventID"], declaration="errorDeclaration" in doc).get()


def already_recorded(event_id: str | None, organization: Organization) -> Event | None:
    """The event a business action sent again under the same ``event_id`` recorded (a client
    resending what it queued: the idempotency key of the action), else None. The ID naming
    another organization's event is refused (409)."""
    if not event_id:
        return None
    event = Event.objects.by_event_id(event_id, declaration=False).first()
    if event is not None and event.organization_id != organization.pk:
        raise rules.RuleViolation(
            "event_id",
            _("This event ID names an event another organization recorded."),
            "event_id_taken",
            409,
        )
    return event


# --- registration ------------------------------------------------------------


def product_create(
    *,
    owner: Organization,
    gtin: str,
    name: str,
    category: str,
    name_en: str = "",
    specification: str = "",
    standard: str = "",
) -> Product:
    product = Product(
        owner=owner,
        gtin=gtin,
        name=name,
        name_en=name_en,
        category=category,
        specification=specification,
        standard=standard,
    )
    product.full_clean()
    product.save()
    return product


def site_create(
    *, owner: Organization, name: str, address: str, region_code: str, gln: str | None = None
) -> Site:
    site = Site(owner=owner, name=name, address=address, region_code=region_code, gln=gln or None)
    site.full_clean()
    site.save()
    return site


@transaction.atomic
def batch_produce(
    *,
    product: Product,
    lot: str,
    quantity: Decimal,
    unit: str,
    actor,
    production_date: date | None = None,
    expiry_date: date | None = None,
    site: Site | None = None,
    when: datetime | None = None,
) -> Batch:
    """Register a lot and record its commissioning (the enterprise now holds ``quantity``)."""
    organization = actor.membership.organization
    if quantity <= 0:
        raise _field_error(
            "quantity", _("A produced quantity must be more than zero."), "quantity_positive"
        )
    batch = Batch.objects.filter(gtin=product.gtin, lot=lot).first()
    if batch is not None and (batch.product_id is not None or batch.event_links.exists()):
        raise _field_error(
            "lot", _("This product already has a lot %(lot)s.") % {"lot": lot}, "lot_unique"
        )
    batch = batch or Batch(gtin=product.gtin, lot=lot)
    batch.product = product
    batch.production_date = production_date
    batch.expiry_date = expiry_date
    batch.quantity = quantity
    batch.unit = unit
    batch.site = site
    batch.full_clean(validate_unique=False, validate_constraints=False)
    batch.save()
    doc = _base_event(
        event_type="ObjectEvent",
        action="ADD",
        biz_step=BizStep.COMMISSIONING,
        disposition=Disposition.ACTIVE,
        when=when,
        site=site,
    )
    doc["quantityList"] = [_qty(batch, quantity)]
    if production_date or expiry_date:
        doc["ilmd"] = {
            k: v
            for k, v in {
                "cbvmda:lotNumber": lot,
                "cbvmda:itemExpirationDate": expiry_date.isoformat() if expiry_date else None,
                "cbvmda:productionDate": production_date.isoformat() if production_date else None,
            }.items()
            if v
        }
        doc["@context"].append({"cbvmda": "urn:epcglobal:cbv:mda:"})
    _capture_one(doc, organization=organization, user=actor, subject="product")
    return batch


def batch_inspect(
    *,
    batch: Batch,
    result: str,
    actor,
    report_ref: str = "",
    note: str = "",
    site: Site | None = None,
    when: datetime | None = None,
    event_id: str | None = None,
) -> Event:
    """Record an inspection. A failed inspection puts the lot on hold."""
    organization = actor.membership.organization
    again = already_recorded(event_id, organization)
    if again is not None:
        return again
    conformant = result == InspectionResult.PASS
    doc = _base_event(
        event_type="ObjectEvent",
        biz_step=BizStep.INSPECTING,
        when=when,
        event_id=event_id,
        site=site,
        disposition=Disposition.CONFORMANT if conformant else Disposition.NON_CONFORMANT,
    )
    doc["quantityList"] = [{"epcClass": canonical_lot_uri(batch.gtin, batch.lot)}]
    doc["sy:inspection"] = {"result": result, "reportRef": report_ref, "note": note}
    if report_ref:
        doc["bizTransactionList"] = [
            {
                "type": INSPECTION_REPORT_BTT,
                "bizTransaction": business_document_uri(organization, report_ref),
            }
        ]
    # A failed inspection by the lot's owner (or a regulator) puts it on hold: ``trace.rules``.
    return _capture_one(doc, organization=organization, user=actor)


def batch_ship(
    *,
    batch: Batch,
    to: Organization,
    quantity: Decimal,
    actor,
    documents: dict[str, str] | None = None,
    site: Site | None = None,
    when: datetime | None = None,
) -> Event:
    organization = actor.membership.organization
    if to.pk == organization.pk:
        raise _field_error("to_organization", _("You cannot ship to yourself."), "ship_to_self")
    if not to.is_enterprise:
        raise _field_error(
            "to_organization", _("Goods are shipped to enterprises only."), "ship_to_enterprise"
        )
    with transaction.atomic():
        doc = _base_event(
            event_type="ObjectEvent",
            biz_step=BizStep.SHIPPING,
            disposition=Disposition.IN_TRANSIT,
            when=when,
            site=site,
        )
        doc["quantityList"] = [_qty(batch, quantity)]
        doc["sourceList"] = [{"type": "owning_party", "source": organization.party_uri}]
        doc["destinationList"] = [{"type": "owning_party", "destination": to.party_uri}]
        transactions = _biz_transactions(documents, issuer=organization)
        if transactions:
            doc["bizTransactionList"] = transactions
        return _capture_one(doc, organization=organization, user=actor)


def batch_receive(
    *,
    batch: Batch,
    actor,
    quantity: Decimal | None = None,
    documents: dict[str, str] | None = None,
    site: Site | None = None,
    when: datetime | None = None,
    event_id: str | None = None,
) -> Event:
    organization = actor.membership.organization
    again = already_recorded(event_id, organization)
    if again is not None:
        return again
    with transaction.atomic():
        custody = _held(organization, batch)
        quantity = rules.check_receipt(
            in_transit=custody.in_transit if custody else Decimal(0),
            quantity=quantity,
            path="quantity",
        )
        sender = (
            Event.objects.filter(
                batch_links__batch=batch,
                biz_step=BizStep.SHIPPING,
                destination_org=organization,
                error_declaration__isnull=True,
            )
            .select_related("source_org")
            .order_by("-event_time")
            .first()
        )
        doc = _base_event(
            event_type="ObjectEvent",
            biz_step=BizStep.RECEIVING,
            disposition=Disposition.IN_PROGRESS,
            when=when,
            event_id=event_id,
            site=site,
        )
        doc["quantityList"] = [_qty(batch, quantity)]
        if sender is not None and sender.source_org is not None:
            doc["sourceList"] = [{"type": "owning_party", "source": sender.source_org.party_uri}]
        doc["destinationList"] = [{"type": "owning_party", "destination": organization.party_uri}]
        transactions = _biz_transactions(documents, issuer=organization)
        if transactions:
            doc["bizTransactionList"] = transactions
        return _capture_one(doc, organization=organization, user=actor)


def batch_sell(
    *,
    batch: Batch,
    quantity: Decimal,
    actor,
    site: Site | None = None,
    when: datetime | None = None,
    event_id: str | None = None,
) -> Event:
    organization = actor.membership.organization
    again = already_recorded(event_id, organization)
    if again is not None:
        return again
    with transaction.atomic():
        doc = _base_event(
            event_type="ObjectEvent",
            biz_step=BizStep.RETAIL_SELLING,
            disposition=Disposition.RETAIL_SOLD,
            when=when,
            event_id=event_id,
            site=site,
        )
        doc["quantityList"] = [_qty(batch, quantity)]
        return _capture_one(doc, organization=organization, user=actor)


def batch_destroy(
    *,
    batch: Batch,
    quantity: Decimal,
    reason: str,
    actor,
    site: Site | None = None,
    when: datetime | None = None,
) -> Event:
    organization = actor.membership.organization
    with transaction.atomic():
        doc = _base_event(
            event_type="ObjectEvent",
            action="DELETE",
            biz_step=BizStep.DESTROYING,
            disposition=Disposition.DESTROYED,
            when=when,
            site=site,
        )
        doc["quantityList"] = [_qty(batch, quantity)]
        doc["sy:reason"] = reason
        # When the owner destroys the last of the lot, capture marks it destroyed (``trace.rules``).
        return _capture_one(doc, organization=organization, user=actor)


def batch_hold(
    *,
    batch: Batch,
    reason: str,
    actor,
    release: bool = False,
    site: Site | None = None,
    when: datetime | None = None,
    event_id: str | None = None,
) -> Event:
    """Put a lot on hold (or release it): nobody may ship or sell it meanwhile."""
    organization = actor.membership.organization
    again = already_recorded(event_id, organization)
    if again is not None:
        return again
    with transaction.atomic():
        doc = _base_event(
            event_type="ObjectEvent",
            biz_step=BizStep.HOLDING if not release else BizStep.INSPECTING,
            disposition=Disposition.SELLABLE_ACCESSIBLE
            if release
            else Disposition.NON_SELLABLE_OTHER,
            when=when,
            event_id=event_id,
            site=site,
        )
        doc["quantityList"] = [{"epcClass": canonical_lot_uri(batch.gtin, batch.lot)}]
        doc["sy:reason"] = reason
        # Capture changes the status, in the same transaction as the event (``trace.rules``).
        return _capture_one(doc, organization=organization, user=actor)


def batch_recall(
    *, batch: Batch, reason: str, actor, site: Site | None = None, when: datetime | None = None
) -> Event:
    """Recall a lot: an event whose disposition is ``recalled``; capture marks the lot
    recalled in the same transaction (only its owner or a regulator may: ``trace.rules``)."""
    organization = actor.membership.organization
    doc = _base_event(
        event_type="ObjectEvent",
        biz_step=BizStep.HOLDING,
        disposition=Disposition.RECALLED,
        when=when,
        site=site,
    )
    doc["quantityList"] = [{"epcClass": canonical_lot_uri(batch.gtin, batch.lot)}]
    doc["sy:reason"] = reason
    return _capture_one(doc, organization=organization, user=actor)


@transaction.atomic
def batch_transform(
    *,
    inputs: list[tuple[Batch, Decimal]],
    product: Product,
    lot: str,
    quantity: Decimal,
    unit: str,
    actor,
    production_date: date | None = None,
    expiry_date: date | None = None,
    site: Site | None = None,
    when: datetime | None = None,
) -> Batch:
    """Turn input lots into a new output lot (raw milk → yogurt) in one TransformationEvent."""
    organization = actor.membership.organization
    if not inputs:
        raise _field_error(
            "inputs", _("A transformation needs at least one input lot."), "inputs_required"
        )
    if Batch.objects.filter(gtin=product.gtin, lot=lot).exists():
        raise _field_error(
            "lot", _("This product already has a lot %(lot)s.") % {"lot": lot}, "lot_unique"
        )
    output = Batch(
        product=product,
        gtin=product.gtin,
        lot=lot,
        quantity=quantity,
        unit=unit,
        site=site,
        production_date=production_date,
        expiry_date=expiry_date,
    )
    output.full_clean(validate_unique=False, validate_constraints=False)
    output.save()
    # CBV 2.0 has no "transforming" step: the outputs of a transformation are commissioned.
    doc = _base_event(
        event_type="TransformationEvent",
        action=None,
        biz_step=BizStep.COMMISSIONING,
        disposition=Disposition.ACTIVE,
        when=when,
        site=site,
    )
    doc["inputQuantityList"] = [_qty(b, used) for b, used in inputs]
    doc["outputQuantityList"] = [_qty(output, quantity)]
    _capture_one(doc, organization=organization, user=actor)
    return output


@transaction.atomic
def event_declare_error(
    *, event: Event, reason: str, actor, corrective_event_ids: list[str] | None = None
) -> Event:
    """Retract an event: capture its error declaration (the original stays untouched)."""
    organization = actor.membership.organization
    if (
        event.error_declaration is not None
        or Event.objects.by_event_id(event.event_id, declaration=True).exists()
    ):
        raise _field_error(
            "event", _("This event has already been declared erroneous."), "already_declared"
        )
    doc = {k: v for k, v in event.document.items() if k != "recordTime"}
    declaration = {
        "declarationTime": timezone.localtime().isoformat(timespec="milliseconds"),
        "reason": "incorrect_data",
        "sy:note": reason,
    }
    if corrective_event_ids:
        declaration["correctiveEventIDs"] = corrective_event_ids
    doc["errorDeclaration"] = declaration
    return _capture_one(doc, organization=organization, user=actor)
