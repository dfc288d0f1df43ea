"""EPCIS 2.0 documents for the capture benchmarks: a dairy group's upload.

Each production cycle is 9 events recorded by one organization: two raw-milk
lots commissioned and inspected, one TransformationEvent merging them and
splitting the result into a yogurt lot and a milk lot, both inspected and
shipped to a distributor. Lots are new and not registered beforehand, as with
an EPCIS sender that never used the business API: capture creates them.
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
        from api.models import Organization

        org = Organization.objects.filter(name_en__startswith=name_en_prefix).order_by("id").first()
        membership = org.memberships.select_related("user").first()
        return Party(org, org.sites.order_by("id").first(), membership.user, name_en_prefix)

    plant = party("Dairy Co.")
    distributor = party("Cold Chain Logistics Co.")
    # The raw milk of an outside supplier, a GTIN nobody registered here: only a product's
    # owner may commission its lots (``trace.rules``), and the plant does not own the ranches'.
    body = "699990000001"
    raw = SimpleNamespace(gtin="0" + body + str(gs1_standard_check_digit(body)), name_en="Raw cow milk")
    assert not Product.objects.filter(gtin=raw.gtin).exists()
    outputs = list(Product.objects.filter(owner=plant.org).order_by("id")[:2])
    return plant, distributor, raw, outputs


def build(*, events: int, plant, distributor, raw_product, output_products, tag: str,
          seed: int) -> tuple[dict, list[str]]:
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
        return Batch(product=None, gtin=product.gtin, lot=name, quantity=Decimal(quantity), unit=unit,
                     production_date=when.date(), expiry_date=when.date() + timedelta(days=21))

    cycle = 0
    while len(docs) < events:
        cycle += 1
        at = when + timedelta(minutes=cycle)
        raws = [lot(raw_product, "BR", 4000, "KGM"), lot(raw_product, "BR", 3000, "KGM")]
        outs = [lot(output_products[0], "BY", 21000, "EA"), lot(output_products[1], "BM", 14000, "EA")]
        cycle_docs = [datagen.commission(ids, plant, b, at) for b in raws]
        cycle_docs += [datagen.inspect(ids, plant, b, at, f"QC-{b.lot}") for b in raws]
        cycle_docs.append(datagen.transform(ids, plant, [(b, b.quantity) for b in raws], outs, at))
        cycle_docs += [datagen.inspect(ids, plant, b, at, f"QC-{b.lot}") for b in outs]
        cycle_docs += [datagen.ship(ids, plant, distributor, b, b.quantity, at, f"PO-{b.lot}") for b in outs]
        docs.extend(cycle_docs)
    document = {
        "@context": [EPCIS_CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": when.isoformat(),
        "epcisBody": {"eventList": docs[:events]},
    }
    return document, lots


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
