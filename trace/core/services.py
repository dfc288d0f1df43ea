"""Writes for the traceability core: registering products, sites and batches,
and the friendly business actions an SME records without knowing EPCIS.

Every business action builds an EPCIS 2.0 event and hands it to
``capture_events`` — one capture service, two front doors.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from trace.models import Batch, Custody, Event, Product, Site

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import Organization

from .cache import invalidate_batches
from .capture import capture_events, new_event_id
from .choices import BatchStatus, BizStep, Disposition, InspectionResult
from .identifiers import INSPECTION_REPORT_BTT, business_document_uri, canonical_lot_uri

SY_CONTEXT = {"sy": "https://suyuan.cn/epcis/"}


def _offset(moment: datetime) -> str:
    offset = timezone.localtime(moment).strftime("%z")
    return f"{offset[:3]}:{offset[3:]}"


def _base_event(*, event_type: str, biz_step: str, disposition: str | None, when: datetime | None,
                action: str | None = "OBSERVE", site: Site | None = None) -> dict:
    when = timezone.localtime(when or timezone.now())
    doc = {
        "@context": [SY_CONTEXT],
        "type": event_type,
        "eventID": new_event_id(),
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


def _require_holder(org: Organization, batch: Batch, quantity: Decimal) -> None:
    custody = _held(org, batch)
    held = custody.quantity if custody else Decimal(0)
    if quantity > held:
        raise _field_error(
            "quantity",
            _("You hold %(held)s %(unit)s of this lot; you cannot move %(quantity)s.")
            % {"held": _plain(held), "unit": batch.unit, "quantity": _plain(quantity)},
            "quantity_exceeds_held",
        )


def _capture_one(doc: dict, *, organization: Organization, user) -> Event:
    return capture_events(documents=[doc], organization=organization, user=user).events[0]


# --- registration ------------------------------------------------------------

def product_create(*, owner: Organization, gtin: str, name: str, category: str, name_en: str = "",
                   specification: str = "", standard: str = "") -> Product:
    product = Product(owner=owner, gtin=gtin, name=name, name_en=name_en, category=category,
                      specification=specification, standard=standard)
    product.full_clean()
    product.save()
    return product


def site_create(*, owner: Organization, name: str, address: str, region_code: str, gln: str | None = None) -> Site:
    site = Site(owner=owner, name=name, address=address, region_code=region_code, gln=gln or None)
    site.full_clean()
    site.save()
    return site


@transaction.atomic
def batch_produce(*, product: Product, lot: str, quantity: Decimal, unit: str, actor,
                  production_date: date | None = None, expiry_date: date | None = None,
                  site: Site | None = None, when: datetime | None = None) -> Batch:
    """Register a lot and record its commissioning (the enterprise now holds ``quantity``)."""
    organization = actor.membership.organization
    if quantity <= 0:
        raise _field_error("quantity", _("A produced quantity must be more than zero."), "quantity_positive")
    batch = Batch.objects.filter(gtin=product.gtin, lot=lot).first()
    if batch is not None and (batch.product_id is not None or batch.event_links.exists()):
        raise _field_error("lot", _("This product already has a lot %(lot)s.") % {"lot": lot}, "lot_unique")
    batch = batch or Batch(gtin=product.gtin, lot=lot)
    batch.product = product
    batch.production_date = production_date
    batch.expiry_date = expiry_date
    batch.quantity = quantity
    batch.unit = unit
    batch.site = site
    batch.full_clean(validate_unique=False, validate_constraints=False)
    batch.save()
    doc = _base_event(event_type="ObjectEvent", action="ADD", biz_step=BizStep.COMMISSIONING,
                      disposition=Disposition.ACTIVE, when=when, site=site)
    doc["quantityList"] = [_qty(batch, quantity)]
    if production_date or expiry_date:
        doc["ilmd"] = {k: v for k, v in {
            "cbvmda:lotNumber": lot,
            "cbvmda:itemExpirationDate": expiry_date.isoformat() if expiry_date else None,
            "cbvmda:productionDate": production_date.isoformat() if production_date else None,
        }.items() if v}
        doc["@context"].append({"cbvmda": "urn:epcglobal:cbv:mda:"})
    _capture_one(doc, organization=organization, user=actor)
    return batch


def batch_inspect(*, batch: Batch, result: str, actor, report_ref: str = "", note: str = "",
                  site: Site | None = None, when: datetime | None = None) -> Event:
    """Record an inspection. A failed inspection puts the lot on hold."""
    organization = actor.membership.organization
    conformant = result == InspectionResult.PASS
    doc = _base_event(event_type="ObjectEvent", biz_step=BizStep.INSPECTING, when=when, site=site,
                      disposition=Disposition.CONFORMANT if conformant else Disposition.NON_CONFORMANT)
    doc["quantityList"] = [{"epcClass": canonical_lot_uri(batch.gtin, batch.lot)}]
    doc["sy:inspection"] = {"result": result, "reportRef": report_ref, "note": note}
    if report_ref:
        doc["bizTransactionList"] = [{"type": INSPECTION_REPORT_BTT,
                                      "bizTransaction": business_document_uri(organization, report_ref)}]
    with transaction.atomic():
        event = _capture_one(doc, organization=organization, user=actor)
        if not conformant and batch.status == BatchStatus.ACTIVE:
            batch_set_status(batch=batch, status=BatchStatus.ON_HOLD)
    return event


def batch_ship(*, batch: Batch, to: Organization, quantity: Decimal, actor,
               documents: dict[str, str] | None = None, site: Site | None = None,
               when: datetime | None = None) -> Event:
    organization = actor.membership.organization
    if to.pk == organization.pk:
        raise _field_error("to_organization", _("You cannot ship to yourself."), "ship_to_self")
    if not to.is_enterprise:
        raise _field_error("to_organization", _("Goods are shipped to enterprises only."), "ship_to_enterprise")
    if batch.status in (BatchStatus.RECALLED, BatchStatus.DESTROYED, BatchStatus.ON_HOLD):
        raise _field_error("batch", _("A lot that is %(status)s cannot be shipped.")
                           % {"status": batch.get_status_display()}, "batch_not_shippable")
    with transaction.atomic():
        _require_holder(organization, batch, quantity)
        doc = _base_event(event_type="ObjectEvent", biz_step=BizStep.SHIPPING,
                          disposition=Disposition.IN_TRANSIT, when=when, site=site)
        doc["quantityList"] = [_qty(batch, quantity)]
        doc["sourceList"] = [{"type": "owning_party", "source": organization.party_uri}]
        doc["destinationList"] = [{"type": "owning_party", "destination": to.party_uri}]
        transactions = _biz_transactions(documents, issuer=organization)
        if transactions:
            doc["bizTransactionList"] = transactions
        return _capture_one(doc, organization=organization, user=actor)


def batch_receive(*, batch: Batch, actor, quantity: Decimal | None = None,
                  documents: dict[str, str] | None = None, site: Site | None = None,
                  when: datetime | None = None) -> Event:
    organization = actor.membership.organization
    with transaction.atomic():
        custody = _held(organization, batch)
        in_transit = custody.in_transit if custody else Decimal(0)
        if in_transit <= 0:
            raise _field_error("batch", _("Nothing of this lot is on its way to you."), "nothing_in_transit")
        quantity = in_transit if quantity is None else quantity
        if quantity <= 0 or quantity > in_transit:
            raise _field_error(
                "quantity",
                _("You can receive at most the %(transit)s shipped to you.") % {"transit": _plain(in_transit)},
                "quantity_exceeds_shipped",
            )
        sender = (
            Event.objects.filter(batch_links__batch=batch, biz_step=BizStep.SHIPPING, destination_org=organization,
                                 error_declaration__isnull=True)
            .select_related("source_org").order_by("-event_time").first()
        )
        doc = _base_event(event_type="ObjectEvent", biz_step=BizStep.RECEIVING,
                          disposition=Disposition.IN_PROGRESS, when=when, site=site)
        doc["quantityList"] = [_qty(batch, quantity)]
        if sender is not None and sender.source_org is not None:
            doc["sourceList"] = [{"type": "owning_party", "source": sender.source_org.party_uri}]
        doc["destinationList"] = [{"type": "owning_party", "destination": organization.party_uri}]
        transactions = _biz_transactions(documents, issuer=organization)
        if transactions:
            doc["bizTransactionList"] = transactions
        return _capture_one(doc, organization=organization, user=actor)


def batch_sell(*, batch: Batch, quantity: Decimal, actor, site: Site | None = None,
               when: datetime | None = None) -> Event:
    organization = actor.membership.organization
    if batch.status in (BatchStatus.RECALLED, BatchStatus.ON_HOLD, BatchStatus.DESTROYED):
        raise _field_error("batch", _("A lot that is %(status)s cannot be sold.")
                           % {"status": batch.get_status_display()}, "batch_not_sellable")
    with transaction.atomic():
        _require_holder(organization, batch, quantity)
        doc = _base_event(event_type="ObjectEvent", biz_step=BizStep.RETAIL_SELLING,
                          disposition=Disposition.RETAIL_SOLD, when=when, site=site)
        doc["quantityList"] = [_qty(batch, quantity)]
        return _capture_one(doc, organization=organization, user=actor)


def batch_destroy(*, batch: Batch, quantity: Decimal, reason: str, actor, site: Site | None = None,
                  when: datetime | None = None) -> Event:
    organization = actor.membership.organization
    with transaction.atomic():
        _require_holder(organization, batch, quantity)
        doc = _base_event(event_type="ObjectEvent", action="DELETE", biz_step=BizStep.DESTROYING,
                          disposition=Disposition.DESTROYED, when=when, site=site)
        doc["quantityList"] = [_qty(batch, quantity)]
        doc["sy:reason"] = reason
        event = _capture_one(doc, organization=organization, user=actor)
        remaining = sum(Custody.objects.filter(batch=batch).values_list("quantity", flat=True), Decimal(0))
        in_transit = sum(Custody.objects.filter(batch=batch).values_list("in_transit", flat=True), Decimal(0))
        if remaining == 0 and in_transit == 0:
            batch_set_status(batch=batch, status=BatchStatus.DESTROYED)
    return event


def batch_hold(*, batch: Batch, reason: str, actor, release: bool = False, site: Site | None = None,
               when: datetime | None = None) -> Event:
    """Put a lot on hold (or release it): nobody may ship or sell it meanwhile."""
    organization = actor.membership.organization
    if release and batch.status != BatchStatus.ON_HOLD:
        raise _field_error("batch", _("This lot is not on hold."), "batch_not_on_hold")
    if not release and batch.status != BatchStatus.ACTIVE:
        raise _field_error("batch", _("Only an active lot can be put on hold."), "batch_not_active")
    with transaction.atomic():
        doc = _base_event(event_type="ObjectEvent", biz_step=BizStep.HOLDING if not release else BizStep.INSPECTING,
                          disposition=Disposition.SELLABLE_ACCESSIBLE if release else Disposition.NON_SELLABLE_OTHER,
                          when=when, site=site)
        doc["quantityList"] = [{"epcClass": canonical_lot_uri(batch.gtin, batch.lot)}]
        doc["sy:reason"] = reason
        event = _capture_one(doc, organization=organization, user=actor)
        batch_set_status(batch=batch, status=BatchStatus.ACTIVE if release else BatchStatus.ON_HOLD)
    return event


@transaction.atomic
def batch_transform(*, inputs: list[tuple[Batch, Decimal]], product: Product, lot: str, quantity: Decimal,
                    unit: str, actor, production_date: date | None = None, expiry_date: date | None = None,
                    site: Site | None = None, when: datetime | None = None) -> Batch:
    """Turn input lots into a new output lot (raw milk → yogurt) in one TransformationEvent."""
    organization = actor.membership.organization
    if not inputs:
        raise _field_error("inputs", _("A transformation needs at least one input lot."), "inputs_required")
    for index, (batch, used) in enumerate(inputs):
        if batch.status in (BatchStatus.RECALLED, BatchStatus.ON_HOLD, BatchStatus.DESTROYED):
            raise _field_error(f"inputs[{index}].batch", _("A lot that is %(status)s cannot be used.")
                               % {"status": batch.get_status_display()}, "batch_not_usable")
        try:
            _require_holder(organization, batch, used)
        except ValidationError as exc:
            raise _field_error(f"inputs[{index}].quantity", exc.message_dict["quantity"][0],
                               "quantity_exceeds_held") from exc
    if Batch.objects.filter(gtin=product.gtin, lot=lot).exists():
        raise _field_error("lot", _("This product already has a lot %(lot)s.") % {"lot": lot}, "lot_unique")
    output = Batch(product=product, gtin=product.gtin, lot=lot, quantity=quantity, unit=unit, site=site,
                   production_date=production_date, expiry_date=expiry_date)
    output.full_clean(validate_unique=False, validate_constraints=False)
    output.save()
    # CBV 2.0 has no "transforming" step: the outputs of a transformation are commissioned.
    doc = _base_event(event_type="TransformationEvent", action=None, biz_step=BizStep.COMMISSIONING,
                      disposition=Disposition.ACTIVE, when=when, site=site)
    doc["inputQuantityList"] = [_qty(b, used) for b, used in inputs]
    doc["outputQuantityList"] = [_qty(output, quantity)]
    _capture_one(doc, organization=organization, user=actor)
    return output


def batch_set_status(*, batch: Batch, status: str) -> Batch:
    """The one place a lot's status changes; drops its cached consumer page."""
    batch.status = status
    batch.status_changed_at = timezone.now()
    batch.save(update_fields=["status", "status_changed_at", "updated_at"])
    transaction.on_commit(lambda: invalidate_batches([batch.pk]))
    return batch


def batches_set_status(*, batch_ids, status: str) -> int:
    """``batch_set_status`` for many lots at once (a recall's thousands): one UPDATE,
    their cached consumer pages dropped after commit. Returns how many changed."""
    now = timezone.now()
    changed = list(Batch.objects.filter(pk__in=batch_ids).exclude(status=status).values_list("pk", flat=True))
    for start in range(0, len(changed), 10_000):
        Batch.objects.filter(pk__in=changed[start:start + 10_000]).update(
            status=status, status_changed_at=now, updated_at=now)
    transaction.on_commit(lambda: invalidate_batches(changed))
    return len(changed)


@transaction.atomic
def event_declare_error(*, event: Event, reason: str, actor, corrective_event_ids: list[str] | None = None) -> Event:
    """Retract an event: capture its error declaration (the original stays untouched)."""
    organization = actor.membership.organization
    if event.organization_id != organization.pk:
        raise _field_error("event", _("Only the organization that recorded an event may retract it."),
                           "not_event_owner")
    if event.error_declaration is not None or Event.objects.filter(
        event_id=event.event_id, error_declaration__isnull=False
    ).exists():
        raise _field_error("event", _("This event has already been declared erroneous."), "already_declared")
    doc = {k: v for k, v in event.document.items() if k != "recordTime"}
    declaration = {"declarationTime": timezone.localtime().isoformat(timespec="milliseconds"),
                   "reason": "incorrect_data", "sy:note": reason}
    if corrective_event_ids:
        declaration["correctiveEventIDs"] = corrective_event_ids
    doc["errorDeclaration"] = declaration
    return _capture_one(doc, organization=organization, user=actor)
