"""EPCIS 2.0 documents for the capture benchmarks: a dairy group's upload.

Each production cycle is 9 events recorded by one organization: two raw-milk
lots commissioned and inspected, one TransformationEvent merging them and
splitting the result into a yogurt lot and a milk lot, both inspected and
shipped to a distributor. Lots are new and not registered beforehand, as with
an EPCIS sender that never used the business API: capture creates them.

The hard cases a real sender brings are in every document:

- every other cycle's events carry no ``eventID``, so the capture job computes
  each one's CBV 2.0 event hash (``trace.epcis.services._prepare_documents``,
  worked out while the events before it are stored);
- every third cycle names its lots by EPC class URN
  (``urn:epc:class:lgtin:…``) instead of a Digital Link URI, and the output
  lots' inspections list a serialised item as an SGTIN URN
  (``urn:epc:id:sgtin:…``): capture canonicalises both.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import quote

from biip.checksums import gs1_standard_check_digit

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"


@dataclass
class _Ids:
    rng: random.Random

    def event_id(self) -> str:
        return f"urn:uuid:{uuid.UUID(int=self.rng.getrandbits(128), version=4)}"


def parties():
    """(a plant, a distributor, the raw-milk product) from the generated data set."""
    from trace.demo.datagen import Party
    from trace.models import Product

    def party(name_en_prefix: str):
        from core.models import Organization

        org = Organization.objects.filter(name_en__startswith=name_en_prefix).order_by("id").first()
        membership = org.memberships.select_related("user").first()
        return Party(org, org.sites.order_by("id").first(), membership.user, name_en_prefix)

    plant = party("Dairy Co.")
    distributor = party("Cold Chain Logistics Co.")
    # The raw milk of an outside supplier, a GTIN nobody registered here: only a product's
    # owner may commission its lots (``trace.rules``), and the plant does not own the ranches'.
    body = "699990000001"
    raw = SimpleNamespace(
        gtin="0" + body + str(gs1_standard_check_digit(body)), name_en="Raw cow milk"
    )
    assert not Product.objects.filter(gtin=raw.gtin).exists()
    outputs = list(Product.objects.filter(owner=plant.org).order_by("id")[:2])
    return plant, distributor, raw, outputs


def build(
    *, events: int, plant, distributor, raw_product, output_products, tag: str, seed: int
) -> tuple[dict, list[str]]:
    """An EPCISDocument of exactly ``events`` events, and the lots it creates."""
    from trace.demo import datagen
    from trace.models import Batch

    ids = _Ids(random.Random(seed))
    when = datagen.EPOCH + timedelta(days=400)
    docs: list[dict] = []
    lots: list[str] = []
    counter = 0

    def lot(product, prefix, quantity, unit):
        nonlocal counter
        counter += 1
        name = f"{prefix}{tag}{counter:06d}"
        lots.append(name)
        return Batch(
            product=None,
            gtin=product.gtin,
            lot=name,
            quantity=Decimal(quantity),
            unit=unit,
            production_date=when.date(),
            expiry_date=when.date() + timedelta(days=21),
        )

    cycle = 0
    while len(docs) < events:
        cycle += 1
        at = when + timedelta(minutes=cycle)
        raws = [lot(raw_product, "BR", 4000, "KGM"), lot(raw_product, "BR", 3000, "KGM")]
        outs = [
            lot(output_products[0], "BY", 21000, "EA"),
            lot(output_products[1], "BM", 14000, "EA"),
        ]
        cycle_docs = [datagen.commission(ids, plant, b, at) for b in raws]
        cycle_docs += [datagen.inspect(ids, plant, b, at, f"QC-{b.lot}") for b in raws]
        cycle_docs.append(datagen.transform(ids, plant, [(b, b.quantity) for b in raws], outs, at))
        cycle_docs += [datagen.inspect(ids, plant, b, at, f"QC-{b.lot}") for b in outs]
        cycle_docs += [
            datagen.ship(ids, plant, distributor, b, b.quantity, at, f"PO-{b.lot}") for b in outs
        ]
        if cycle % URN_EVERY == 0:
            by_uri = {
                datagen.canonical_lot_uri(b.gtin, b.lot): (b.gtin, b.lot) for b in raws + outs
            }
            cycle_docs = [_as_urns(e, by_uri) for e in cycle_docs]
            for event, b in zip(cycle_docs[5:7], outs, strict=True):  # the outputs' inspections
                event["epcList"] = [sgtin_urn(b.gtin, f"S{b.lot}")]
        if cycle % NO_EVENT_ID_EVERY == 0:
            for event in cycle_docs:
                del event["eventID"]
        docs.extend(cycle_docs)
    document = {
        "@context": [EPCIS_CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": when.isoformat(),
        "epcisBody": {"eventList": docs[:events]},
    }
    return document, lots


# Which cycles carry the hard cases (see the module docstring).
NO_EVENT_ID_EVERY = 2
URN_EVERY = 3
COMPANY_PREFIX_DIGITS = 7  # how the URN splits the GTIN; its Digital Link is the same for any split


def _urn_parts(gtin: str) -> tuple[str, str]:
    """(company prefix, indicator + item reference) of a GTIN-14, as EPC URNs spell them."""
    gtin = gtin.rjust(14, "0")
    return gtin[1 : 1 + COMPANY_PREFIX_DIGITS], gtin[0] + gtin[1 + COMPANY_PREFIX_DIGITS : 13]


def lgtin_urn(gtin: str, lot: str) -> str:
    prefix, item = _urn_parts(gtin)
    return f"urn:epc:class:lgtin:{prefix}.{item}.{quote(lot, safe='')}"


def sgtin_urn(gtin: str, serial: str) -> str:
    prefix, item = _urn_parts(gtin)
    return f"urn:epc:id:sgtin:{prefix}.{item}.{quote(serial, safe='')}"


def _as_urns(event: dict, lots_by_uri: dict[str, tuple[str, str]]) -> dict:
    """The event with its lots named by ``urn:epc:class:lgtin`` URNs."""
    for key in ("quantityList", "inputQuantityList", "outputQuantityList"):
        for item in event.get(key) or ():
            gtin_lot = lots_by_uri.get(item.get("epcClass"))
            if gtin_lot:
                item["epcClass"] = lgtin_urn(*gtin_lot)
    return event


def hard_cases(document: dict) -> dict:
    """How many of the document's events carry no eventID and name identifiers by URN."""
    events = document["epcisBody"]["eventList"]
    urn = sum(1 for e in events if "urn:epc:" in json.dumps(e))
    return {
        "events": len(events),
        "without_event_id": sum(1 for e in events if "eventID" not in e),
        "with_urn_identifiers": urn,
    }


def run_tag() -> str:
    """A short tag that keeps lot numbers unique across benchmark runs."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    n, out = int(time.time() * 10) % (34**5), ""
    for _ in range(5):
        n, r = divmod(n, 34)
        out = alphabet[r] + out
    return out


def body(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")
