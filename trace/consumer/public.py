"""Reads behind the consumer page and the public batch JSON.

A consumer sees the public view of a lot only: what it is, who made it,
when, its status, and its journey in plain words. Never quantities, business
documents (orders, despatch advices, report numbers), inspection notes or
street addresses of upstream suppliers.

Nor a business's customers: the journey names where the product came from
(the makers of every lot upstream, and the shipments between them), who made,
inspected and sold it to the public, and the regulators who acted on it.
Shipments and receipts between other businesses — a distributor's customer
list — and what those businesses recorded are shown only as counts
(``public_journey``). Organizations have no opt-in to be named there yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from trace.core import rules
from trace.core.choices import (
    BatchRole,
    BatchStatus,
    BizStep,
    Disposition,
    EventType,
    InspectionResult,
)
from trace.core.identifiers import normalize_gtin, validate_lot
from trace.core.labels import localized_specification, region_name, unit_label
from trace.core.selectors import batch_provenance, lot_by_code
from trace.models import Batch, Custody, Event, Product

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.models import Organization, organization_of
from core.replicas import replica_reads

from .extensions import PageNotice, recall_notice

# Province (or autonomous region / municipality), city, county: the part of a
# Chinese address a consumer may see. The street and number stay private.
_REGION_RE = re.compile(
    r"^(?:[^省市]{2,8}?(?:省|自治区|特别行政区))?(?:[^省市]{1,10}?(?:市|自治州|盟|地区))?"
    r"(?:[^县区市旗]{1,8}?(?:县|区|市|旗))?"
)


def coarse_region(address: str) -> str:
    """``江苏省徐州市睢宁县魏集镇牧场路1号`` → ``江苏省徐州市睢宁县``."""
    match = _REGION_RE.match(address or "")
    return match.group(0) if match else ""


def split_resolver_path(rest: str) -> tuple[str, str | None]:
    """The part of a Digital Link path after ``/10/``: the lot and an optional ``/21/`` serial.

    Django hands views the percent-decoded path, so a lot with a ``/`` in it
    arrives split; only a ``/21/`` segment ends the lot.
    """
    rest = rest.rstrip("/")
    if "/21/" in rest:
        lot, serial = rest.rsplit("/21/", 1)
        return lot, serial or None
    return rest, None


def find_public_batch(gtin: str, lot: str) -> Batch | None:
    """The lot a Digital Link names, or None for an unknown or malformed identifier."""
    try:
        gtin14 = normalize_gtin(gtin)
        validate_lot(lot)
    except ValidationError:
        return None
    # From the primary, always: the status the page shows (never a recalled lot as safe).
    return lot_by_code(gtin14, lot, using=DEFAULT_DB_ALIAS)


def _org_name(org: Organization | None) -> str:
    if org is None:
        return _("an unregistered company")
    if translation.get_language() == "en" and org.name_en:
        return org.name_en
    return org.name


def _product_name(batch: Batch) -> str:
    product = batch.product
    if product is None:
        return _("GTIN %(gtin)s") % {"gtin": batch.gtin}
    if translation.get_language() == "en" and product.name_en:
        return product.name_en
    return product.name


@dataclass
class JourneyStep:
    """One line of the consumer timeline (several lots of one product handled alike share a line)."""

    kind: str  # produced, inspected, shipped, received, transformed, sold, held, released, destroyed, other
    when: datetime
    text: str
    product: str
    lots: list[str]
    organization: str
    outcome: str = ""  # "pass" / "fail" for inspections
    upstream: bool = False
    # A line standing for steps between businesses not named (counts only): how many
    # businesses and how many records; None on a named step.
    businesses: int | None = None
    records: int | None = None

    # What the template's ``|date:'c'`` and ``|date:"Y-m-d H:i"`` gave (``when`` is local time
    # already), without the filter's cost on every line of every page rendered.
    @property
    def when_iso(self) -> str:
        return self.when.isoformat()

    @property
    def when_text(self) -> str:
        w = self.when
        return f"{w.year:04d}-{w.month:02d}-{w.day:02d} {w.hour:02d}:{w.minute:02d}"

    @property
    def lot_label(self) -> str:
        separator = ", " if translation.get_language() == "en" else "、"
        return _("%(product)s, lot %(lot)s") % {
            "product": self.product,
            "lot": separator.join(self.lots),
        }

    def same_line_as(self, other: JourneyStep) -> bool:
        return (self.kind, self.when, self.text, self.product, self.outcome, self.upstream) == (
            other.kind,
            other.when,
            other.text,
            other.product,
            other.outcome,
            other.upstream,
        )

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "time": self.when.isoformat(),
            "text": self.text,
            "product": self.product,
            "lots": self.lots,
            "organization": self.organization,
            "outcome": self.outcome or None,
            "upstream": self.upstream,
            "businesses": self.businesses,
            "records": self.records,
        }


def _describe(event: Event, link_batches: dict[str, list[Batch]]) -> tuple[str, str, str]:
    """(kind, sentence, outcome) for one event, in the active language."""
    org = _org_name(event.organization)
    step = event.biz_step
    if event.event_type == EventType.TRANSFORMATION:
        inputs = []
        for b in link_batches.get(BatchRole.INPUT, []):
            if _product_name(b) not in inputs:
                inputs.append(_product_name(b))
        separator = ", " if translation.get_language() == "en" else "、"
        return (
            "transformed",
            _("Made by %(org)s from %(inputs)s")
            % {
                "org": org,
                "inputs": separator.join(inputs) or _("other lots"),
            },
            "",
        )
    if event.disposition == Disposition.RECALLED:
        return "recalled", _("Recalled by %(org)s") % {"org": org}, ""
    if step == BizStep.COMMISSIONING:
        return "produced", _("Produced by %(org)s") % {"org": org}, ""
    if step == BizStep.INSPECTING:
        if event.disposition == Disposition.SELLABLE_ACCESSIBLE:
            return "released", _("Released from hold by %(org)s") % {"org": org}, ""
        result = (event.document.get("sy:inspection") or {}).get("result")
        if result is None:
            result = (
                InspectionResult.FAIL
                if event.disposition == Disposition.NON_CONFORMANT
                else (InspectionResult.PASS)
            )
        outcome = "pass" if result == InspectionResult.PASS else "fail"
        return "inspected", _("Inspected by %(org)s") % {"org": org}, outcome
    if step == BizStep.SHIPPING:
        return (
            "shipped",
            _("Shipped from %(source)s to %(destination)s")
            % {
                "source": _org_name(event.source_org or event.organization),
                "destination": _org_name(event.destination_org),
            },
            "",
        )
    if step == BizStep.RECEIVING:
        return "received", _("Received by %(org)s") % {"org": org}, ""
    if step == BizStep.RETAIL_SELLING:
        return "sold", _("On sale at %(org)s") % {"org": org}, ""
    if step == BizStep.HOLDING:
        return "held", _("Put on hold by %(org)s") % {"org": org}, ""
    if step == BizStep.DESTROYING:
        return "destroyed", _("Destroyed by %(org)s") % {"org": org}, ""
    return "other", _("Recorded by %(org)s") % {"org": org}, ""


# Steps that name their organization whoever it is: the consumer may know who made, inspected,
# sold and recalled what they hold. The organizations of these steps (and regulators) are the
# journey's public parties; any other organization is some business's customer or supplier.
_NAMED_KINDS = frozenset({"produced", "transformed", "inspected", "sold", "recalled"})
_PARTY_KINDS = frozenset({"produced", "transformed", "inspected", "sold"})


def _public_parties(batch: Batch, described: list[tuple[Event, str]]) -> set[int]:
    parties = {batch.product.owner_id} if batch.product_id else set()
    for event, kind in described:
        if kind in _PARTY_KINDS or (event.organization and event.organization.is_regulator):
            parties.add(event.organization_id)
    return parties


def _is_named(event: Event, kind: str, parties: set[int]) -> bool:
    if kind in _NAMED_KINDS:
        return True
    if kind == "shipped":
        source = event.source_org_id or event.organization_id
        return source in parties and event.destination_org_id in parties
    return event.organization_id in parties


def _counted_text(kind: str, businesses: int, records: int) -> str:
    if kind == "shipped":
        return ngettext(
            "Shipped to %(n)s other business (not named)",
            "Shipped to %(n)s other businesses (not named)",
            businesses,
        ) % {"n": businesses}
    if kind == "received":
        return ngettext(
            "Received by %(n)s other business (not named)",
            "Received by %(n)s other businesses (not named)",
            businesses,
        ) % {"n": businesses}
    return ngettext(
        "%(records)s record by other businesses (not named)",
        "%(records)s records by other businesses (not named)",
        records,
    ) % {"records": records}


def public_journey(batch: Batch, events: list[Event] | None = None) -> list[JourneyStep]:
    """The lot's journey back to its raw materials, oldest first, in the active language
    (``events``: its ``batch_journey``, when already read).

    Shipments, receipts and other records of businesses that are not public parties of the
    journey (``_public_parties``) become one line per kind and side (this lot, upstream) with
    how many businesses and records, at the time of the first: a distributor's customers are
    never listed by name to whoever scans."""
    steps: list[JourneyStep] = []
    if events is None:
        events = batch_provenance(batch).events
    described = []
    for event in events:
        by_role: dict[str, list[Batch]] = {}
        for link in event.batch_links.all():
            by_role.setdefault(link.role, []).append(link.batch)
        described.append((event, by_role, *_describe(event, by_role)))
    parties = _public_parties(batch, [(event, kind) for event, _r, kind, _t, _o in described])
    counted: dict[tuple[str, bool], tuple[JourneyStep, set]] = {}
    for event, by_role, kind, text, outcome in described:
        about = (
            by_role.get(BatchRole.OUTPUT)
            or by_role.get(BatchRole.SUBJECT)
            or by_role.get(BatchRole.CHILD)
            or [link.batch for link in event.batch_links.all()]
        )
        subject = next((b for b in about if b.pk == batch.pk), about[0] if about else batch)
        upstream = all(b.pk != batch.pk for b in about)
        if not _is_named(event, kind, parties):
            line_kind = kind if kind in ("shipped", "received") else "other"
            entry = counted.get((line_kind, upstream))
            if entry is None:
                line = JourneyStep(
                    kind=line_kind,
                    when=timezone.localtime(event.event_time),
                    text="",
                    product=_product_name(subject),
                    lots=[],
                    organization="",
                    upstream=upstream,
                    records=0,
                )
                entry = counted[(line_kind, upstream)] = (line, set())
                steps.append(line)
            line, businesses = entry
            line.records += 1
            businesses.add(
                event.destination_org_id if line_kind == "shipped" else event.organization_id
            )
            if subject.lot not in line.lots:
                line.lots.append(subject.lot)
            continue
        step = JourneyStep(
            kind=kind,
            when=timezone.localtime(event.event_time),
            text=text,
            product=_product_name(subject),
            lots=[subject.lot],
            organization=_org_name(event.organization),
            outcome=outcome,
            upstream=upstream,
        )
        if steps and steps[-1].records is None and steps[-1].same_line_as(step):
            if subject.lot not in steps[-1].lots:
                steps[-1].lots.append(subject.lot)
        else:
            steps.append(step)
    for line, businesses in counted.values():
        line.businesses = len(businesses)
        line.text = _counted_text(line.kind, line.businesses, line.records)
    return steps


@dataclass
class PublicBatch:
    """Everything the consumer page and the public JSON show about one lot."""

    batch: Batch
    product_name: str
    specification: str
    unit_label: str
    producer_name: str
    producer_region: str
    origin_region: str
    production_date: date | None
    expiry_date: date | None
    status: str
    status_label: str
    journey: list[JourneyStep] = field(default_factory=list)
    recall: dict | None = None  # the recall notice a provider gives a recalled lot (extensions)

    @property
    def recalled(self) -> bool:
        return self.status == BatchStatus.RECALLED

    @property
    def on_hold(self) -> bool:
        return self.status == BatchStatus.ON_HOLD

    @property
    def expired(self) -> bool:
        return bool(self.expiry_date and self.expiry_date < timezone.localdate())


def _region_of(org: Organization | None, site=None) -> str:
    """The region of a site (or else of its organization) in the active language.

    Chinese readers get the province, city and county of the street address
    as written; English readers (and an address that names no region) get the
    name of the GB/T 2260 region code from ``trace.core.labels.REGION_NAMES``.
    """
    english = (translation.get_language() or "").startswith("en")
    if site is not None and not english:
        from_address = coarse_region(site.address)
        if from_address:
            return from_address
    for code in (site.region_code if site is not None else "", org.region_code if org else ""):
        name = region_name(code, english=english)
        if name:
            return name
    return ""


def origin_regions(batch: Batch, sources: list[Batch] | None = None) -> list[str]:
    """Where the lot's raw materials come from: the regions of the lots furthest upstream
    (``sources``: those lots as ``batch_provenance`` gives them, when already read).

    A lot with no recorded inputs names none: the plant's own district is not
    where its raw materials came from, and the page says "not recorded".
    """
    if sources is None:
        sources = batch_provenance(
            batch, depth=0, sources_depth=settings.SUYUAN_TRACE_MAX_DEPTH
        ).sources
    regions: list[str] = []
    for root in sources:
        owner = root.product.owner if root.product_id else None
        region = _region_of(owner, root.site if root.site_id else None)
        if region and region not in regions:
            regions.append(region)
    return regions


def public_batch(batch: Batch, notices: list[PageNotice] | None = None) -> PublicBatch:
    """The lot as the public sees it; ``notices``: the page's notices, when already asked for."""
    producer = batch.product.owner if batch.product_id else None
    separator = ", " if translation.get_language() == "en" else "、"
    with replica_reads():  # history only; the status and the notices come from the primary
        lineage = batch_provenance(batch, sources_depth=settings.SUYUAN_TRACE_MAX_DEPTH)
        origin = separator.join(origin_regions(batch, lineage.sources))
        journey = public_journey(batch, lineage.events)
    return PublicBatch(
        batch=batch,
        product_name=_product_name(batch),
        specification=localized_specification(
            batch.product.specification if batch.product_id else ""
        ),
        unit_label=unit_label(batch.unit),
        producer_name=_org_name(producer),
        producer_region=_region_of(producer, batch.site if batch.site_id else None),
        origin_region=origin,
        production_date=batch.production_date,
        expiry_date=batch.expiry_date,
        status=batch.status,
        status_label=str(BatchStatus(batch.status).label),
        journey=journey,
        recall=recall_notice(batch, translation.get_language() or "", notices),
    )


# --- what a signed-in enterprise user may do on the page ---------------------

ACTIONS = ("receive", "ship", "inspect", "sell", "hold")


@dataclass
class PageActions:
    """The actions a signed-in user's organization may take on a lot right now."""

    organization: Organization | None = None
    held: Decimal = Decimal(0)
    in_transit: Decimal = Decimal(0)
    allowed: tuple[str, ...] = ()

    @property
    def held_display(self) -> str:
        return format(self.held.normalize(), "f")

    @property
    def in_transit_display(self) -> str:
        return format(self.in_transit.normalize(), "f")


def page_actions(user, batch: Batch) -> PageActions:
    """The forms the page offers, as ``trace.rules`` decides (the services ask it again when
    a form is posted). Viewers and regulators get nothing."""
    org = organization_of(user)
    membership = getattr(user, "membership", None)
    if not rules.records_through_pages(org, membership):
        return PageActions(organization=org)
    custody = Custody.objects.filter(organization=org, batch=batch).first()
    held = custody.quantity if custody else Decimal(0)
    in_transit = custody.in_transit if custody else Decimal(0)
    owner = Product.objects.filter(gtin=batch.gtin).values_list("owner_id", flat=True).first()
    actor = rules.Actor.of(org, related=[batch.pk] if custody else [])
    allowed = rules.page_actions(
        actor,
        rules.LotFacts(batch.pk, batch.lot, batch.status, owner),
        held=held,
        in_transit=in_transit,
    )
    return PageActions(organization=org, held=held, in_transit=in_transit, allowed=allowed)


def scan_client(user_agent: str) -> str:
    """A coarse client class from the User-Agent; nothing finer is kept."""
    ua = (user_agent or "").lower()
    if "micromessenger" in ua:
        return "wechat"
    if "alipayclient" in ua or "alipay" in ua:
        return "alipay"
    if not ua or any(
        word in ua for word in ("bot", "spider", "crawl", "curl", "wget", "python-", "headless")
    ):
        return "bot"
    if any(word in ua for word in ("iphone", "ipad", "ipod")):
        return "ios"
    if "android" in ua:
        return "android"
    return "desktop"
