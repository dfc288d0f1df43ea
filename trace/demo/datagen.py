"""A realistic, deterministic supply-chain data set at province scale.

``manage.py gen_supply_chain --size 1000000 --seed 7`` builds a dairy chain
across real GB/T 2260 region codes:

    ranches ──raw milk──▶ plants ◀──whey powder── ingredient supplier
                           │  (TransformationEvents merge two raw-milk lots and a
                           │   little whey powder, and split the result into two lots)
                           ▼
                      distributors ──▶ retailers ──▶ consumers (retail_selling)

with an inspection of every lot. Every event goes through the real capture
service (``trace.core.capture.capture_events``) in chunks per organization, so
custody, lineage edges and the hash chains are derived exactly as in
production; only the lot registrations are bulk-inserted beforehand.

A few whey-powder lots feed a quarter of all production runs each, so at the
full size one ingredient lot has well over 10,000 downstream lots: the lot a
recall will have to chase.

Later data (incidents, recalls, their deadlines) plugs in as a *stage*: a
function decorated with ``@register_stage("name")`` that receives the
finished ``World`` (organizations by tier, lots, users, the seeded random
generator and clock) and adds its rows; ``generate()`` runs every registered
stage after the chain, in registration order, with the same seed.
"""

from __future__ import annotations

import math
import random
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from trace.core.capture import capture_events
from trace.core.choices import BizStep, Disposition, ProductCategory
from trace.core.identifiers import INSPECTION_REPORT_BTT, business_document_uri, canonical_lot_uri
from trace.gs1.digital_link import check_digit
from trace.models import Batch, Product, Site
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction

from core.choices import OrganizationKind, RegulatorLevel, Role
from core.models import Membership, Organization
from core.validators import credit_code_check_character

TZ = ZoneInfo("Asia/Shanghai")
EPOCH = datetime(2026, 1, 5, 6, 0, tzinfo=TZ)

# Real GB/T 2260 county-level codes (Jiangsu and its neighbours), with names.
REGIONS: list[tuple[str, str]] = [
    ("320102", "南京市玄武区"),
    ("320104", "南京市秦淮区"),
    ("320111", "南京市浦口区"),
    ("320115", "南京市江宁区"),
    ("320205", "无锡市锡山区"),
    ("320214", "无锡市新吴区"),
    ("320303", "徐州市云龙区"),
    ("320311", "徐州市泉山区"),
    ("320312", "徐州市铜山区"),
    ("320321", "徐州市丰县"),
    ("320322", "徐州市沛县"),
    ("320324", "徐州市睢宁县"),
    ("320381", "徐州市新沂市"),
    ("320382", "徐州市邳州市"),
    ("320412", "常州市武进区"),
    ("320506", "苏州市吴中区"),
    ("320583", "苏州市昆山市"),
    ("320612", "南通市通州区"),
    ("320703", "连云港市连云区"),
    ("320803", "淮安市淮安区"),
    ("320902", "盐城市亭湖区"),
    ("320981", "盐城市东台市"),
    ("321002", "扬州市广陵区"),
    ("321102", "镇江市京口区"),
    ("321202", "泰州市海陵区"),
    ("321302", "宿迁市宿城区"),
    ("321322", "宿迁市沭阳县"),
    ("370102", "济南市历下区"),
    ("340104", "合肥市蜀山区"),
    ("330106", "杭州市西湖区"),
    ("150102", "呼和浩特市新城区"),
    ("410105", "郑州市金水区"),
]

TIERS = ("supplier", "ranch", "plant", "distributor", "retailer")
# Events per production run: 2 raw lots × 4 + 1 transformation + 2 finished lots × 6.
EVENTS_PER_RUN = 21
RUNS_PER_WAVE = 400
WHEY_PER_RUN = Decimal(10)


def _gtin13(body12: str) -> str:
    return body12 + check_digit(body12)


def _credit_code(region: str, namespace: int, index: int) -> str:
    body = f"91{region}B{namespace:03d}{index:05d}"
    return body + credit_code_check_character(body)


def _offset(moment: datetime) -> str:
    offset = moment.strftime("%z")
    return f"{offset[:3]}:{offset[3:]}"


@dataclass
class Party:
    org: Organization
    site: Site
    user: object
    tier: str

    @property
    def uri(self) -> str:
        return self.org.party_uri


@dataclass
class World:
    """Everything generated, for stages and benchmarks that build on it."""

    seed: int
    rng: random.Random
    namespace: int
    parties: dict[str, list[Party]] = field(default_factory=lambda: defaultdict(list))
    regulators: list[Organization] = field(default_factory=list)
    products: dict[str, Product] = field(default_factory=dict)
    whey_lots: list[Batch] = field(default_factory=list)
    raw_lot_ids: list[int] = field(default_factory=list)
    finished_lot_ids: list[int] = field(default_factory=list)
    events: int = 0
    clock: datetime = EPOCH
    lot_counter: int = 0

    def next_lot(self, prefix: str) -> str:
        self.lot_counter += 1
        return f"{prefix}{self.namespace:03d}{self.lot_counter:09d}"

    def event_id(self) -> str:
        return f"urn:uuid:{uuid.UUID(int=self.rng.getrandbits(128), version=4)}"


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable[[World], None]


STAGES: list[Stage] = []


def register_stage(name: str):
    """Add a generator stage that runs after the chain (incidents, recalls…)."""

    def decorator(func: Callable[[World], None]):
        STAGES[:] = [s for s in STAGES if s.name != name] + [Stage(name, func)]
        return func

    return decorator


class AlreadyGenerated(Exception):
    pass


# --- organizations, products, users ------------------------------------------


def plan_counts(size: int) -> dict[str, int]:
    """How many of each tier a data set of ``size`` events has."""
    return {
        "supplier": 1,
        "ranch": max(2, size // 20_000),
        "plant": max(2, size // 50_000),
        "distributor": max(2, size // 40_000),
        "retailer": max(4, size // 5_000),
    }


def _make_parties(world: World, counts: dict[str, int]) -> None:
    _save_parties(world, _enterprise_orgs(world, counts))
    _make_regulators(world)


def _enterprise_orgs(world: World, counts: dict[str, int]) -> list[tuple[str, Organization]]:
    """``counts`` enterprises of each tier, each in a region drawn at random (not yet saved)."""
    ns = world.namespace
    rng = world.rng
    names = {
        "supplier": "乳清配料有限公司",
        "ranch": "牧业有限公司",
        "plant": "乳业有限公司",
        "distributor": "冷链物流有限公司",
        "retailer": "超市有限公司",
    }
    names_en = {
        "supplier": "Whey Ingredients Co.",
        "ranch": "Ranch Co.",
        "plant": "Dairy Co.",
        "distributor": "Cold Chain Logistics Co.",
        "retailer": "Supermarket Co.",
    }
    orgs: list[tuple[str, Organization]] = []
    index = 0
    for tier in TIERS:
        for n in range(counts[tier]):
            index += 1
            region, region_name = REGIONS[rng.randrange(len(REGIONS))]
            orgs.append(
                (
                    tier,
                    Organization(
                        kind=OrganizationKind.ENTERPRISE,
                        name=f"{region_name}{n + 1:03d}{names[tier]}",
                        name_en=f"{names_en[tier]} #{n + 1} ({region})",
                        region_code=region,
                        credit_code=_credit_code(region, ns, index),
                        gln=_gtin13(f"68{ns:03d}{index:05d}00"),
                    ),
                )
            )
    return orgs


def _save_parties(world: World, orgs: list[tuple[str, Organization]]) -> None:
    """Save the enterprises with a site, a user and the user's membership each, as parties."""
    ns = world.namespace
    Organization.objects.bulk_create([o for _, o in orgs])
    saved = {
        o.credit_code: o
        for o in Organization.objects.filter(credit_code__in=[o.credit_code for _, o in orgs])
    }
    sites = [
        Site(
            owner=saved[o.credit_code],
            name=f"{o.name} {i}",
            address=o.name,
            region_code=o.region_code,
            gln=_gtin13(f"67{ns:03d}{i:05d}01"),
        )
        for i, (_, o) in enumerate(orgs, start=1)
    ]
    Site.objects.bulk_create(sites)
    sites_by_owner = {s.owner_id: s for s in Site.objects.filter(gln__in=[s.gln for s in sites])}
    User = get_user_model()
    users = [User(username=f"gen{ns:03d}-{o.credit_code}") for _, o in orgs]
    for user in users:
        user.set_unusable_password()
    User.objects.bulk_create(users)
    users_by_name = {
        u.username: u for u in User.objects.filter(username__in=[u.username for u in users])
    }
    memberships = []
    for tier, o in orgs:
        org = saved[o.credit_code]
        user = users_by_name[f"gen{ns:03d}-{o.credit_code}"]
        memberships.append(Membership(user=user, organization=org, role=Role.OPERATOR))
        world.parties[tier].append(Party(org, sites_by_owner[org.pk], user, tier))
    Membership.objects.bulk_create(memberships)


def _make_regulators(world: World) -> None:
    """A national regulator, and one for each province and city of ``REGIONS``, once."""
    regulators = [
        Organization(
            kind=OrganizationKind.REGULATOR,
            name="国家市场监督管理总局(生成)",
            level=RegulatorLevel.NATIONAL,
            region_code="110000",
        )
    ]
    for prefix in sorted({code[:2] for code, _ in REGIONS}):
        regulators.append(
            Organization(
                kind=OrganizationKind.REGULATOR,
                name=f"{prefix}0000 省级市场监督管理局(生成)",
                level=RegulatorLevel.PROVINCE,
                region_code=f"{prefix}0000",
            )
        )
    for prefix in sorted({code[:4] for code, _ in REGIONS}):
        regulators.append(
            Organization(
                kind=OrganizationKind.REGULATOR,
                name=f"{prefix}00 市级市场监督管理局(生成)",
                level=RegulatorLevel.CITY,
                region_code=f"{prefix}00",
            )
        )
    if not Organization.objects.filter(
        kind=OrganizationKind.REGULATOR, name=regulators[0].name
    ).exists():
        Organization.objects.bulk_create(regulators)
    world.regulators = list(Organization.objects.filter(name__endswith="(生成)").order_by("id"))


def _make_products(world: World) -> None:
    ns = world.namespace
    products = []
    item = 0

    def add(key, owner, name, name_en, category, spec, standard):
        nonlocal item
        item += 1
        products.append(
            (
                key,
                Product(
                    owner=owner,
                    gtin="0" + _gtin13(f"69{ns:03d}{item:07d}"),
                    name=name,
                    name_en=name_en,
                    category=category,
                    specification=spec,
                    standard=standard,
                ),
            )
        )

    add(
        "whey",
        world.parties["supplier"][0].org,
        "乳清粉",
        "Whey powder",
        ProductCategory.FOOD,
        "25 kg/袋",
        "GB 11674-2010",
    )
    for i, ranch in enumerate(world.parties["ranch"]):
        add(
            f"raw:{i}",
            ranch.org,
            "生鲜牛乳",
            "Raw cow milk",
            ProductCategory.KEY_AGRICULTURAL,
            "散装 / bulk, kg",
            "GB 19301-2010",
        )
    for i, plant in enumerate(world.parties["plant"]):
        add(
            f"yogurt:{i}",
            plant.org,
            "原味酸奶 200g",
            "Plain yogurt 200 g",
            ProductCategory.FOOD,
            "200 g/杯",
            "GB 19302-2010",
        )
        add(
            f"milk:{i}",
            plant.org,
            "纯牛奶 250ml",
            "Whole milk 250 ml",
            ProductCategory.FOOD,
            "250 ml/盒",
            "GB 25190-2010",
        )
    Product.objects.bulk_create([p for _, p in products])
    saved = {p.gtin: p for p in Product.objects.filter(gtin__in=[p.gtin for _, p in products])}
    world.products = {key: saved[p.gtin] for key, p in products}


# --- EPCIS event builders (the same shape as trace.core.services builds) ----------------


def _event(
    world: World,
    *,
    event_type: str,
    biz_step: str,
    disposition: str,
    when: datetime,
    party: Party,
    action: str | None = "OBSERVE",
) -> dict:
    doc = {
        "type": event_type,
        "eventID": world.event_id(),
        "eventTime": when.isoformat(timespec="milliseconds"),
        "eventTimeZoneOffset": _offset(when),
        "bizStep": biz_step,
        "disposition": disposition,
        "readPoint": {"id": party.site.location_uri},
        "bizLocation": {"id": party.site.location_uri},
    }
    if action:
        doc["action"] = action
    return doc


def _qty(batch: Batch, quantity: Decimal) -> dict:
    return {
        "epcClass": canonical_lot_uri(batch.gtin, batch.lot),
        "quantity": float(quantity),
        "uom": batch.unit,
    }


def commission(world, party, batch, when) -> dict:
    doc = _event(
        world,
        event_type="ObjectEvent",
        action="ADD",
        biz_step=BizStep.COMMISSIONING,
        disposition=Disposition.ACTIVE,
        when=when,
        party=party,
    )
    doc["quantityList"] = [_qty(batch, batch.quantity)]
    doc["ilmd"] = {
        "cbvmda:lotNumber": batch.lot,
        "cbvmda:productionDate": batch.production_date.isoformat(),
        "cbvmda:itemExpirationDate": batch.expiry_date.isoformat(),
    }
    return doc


def inspect(world, party, batch, when, report: str) -> dict:
    doc = _event(
        world,
        event_type="ObjectEvent",
        biz_step=BizStep.INSPECTING,
        disposition=Disposition.CONFORMANT,
        when=when,
        party=party,
    )
    doc["quantityList"] = [{"epcClass": canonical_lot_uri(batch.gtin, batch.lot)}]
    doc["sy:inspection"] = {"result": "pass", "reportRef": report, "note": ""}
    doc["bizTransactionList"] = [
        {"type": INSPECTION_REPORT_BTT, "bizTransaction": business_document_uri(party.org, report)}
    ]
    return doc


def ship(world, party, to: Party, batch, quantity, when, po: str) -> dict:
    doc = _event(
        world,
        event_type="ObjectEvent",
        biz_step=BizStep.SHIPPING,
        disposition=Disposition.IN_TRANSIT,
        when=when,
        party=party,
    )
    doc["quantityList"] = [_qty(batch, quantity)]
    doc["sourceList"] = [{"type": "owning_party", "source": party.uri}]
    doc["destinationList"] = [{"type": "owning_party", "destination": to.uri}]
    doc["bizTransactionList"] = [
        {"type": "po", "bizTransaction": business_document_uri(party.org, po)}
    ]
    return doc


def receive(world, party, sender: Party, batch, quantity, when) -> dict:
    doc = _event(
        world,
        event_type="ObjectEvent",
        biz_step=BizStep.RECEIVING,
        disposition=Disposition.IN_PROGRESS,
        when=when,
        party=party,
    )
    doc["quantityList"] = [_qty(batch, quantity)]
    doc["sourceList"] = [{"type": "owning_party", "source": sender.uri}]
    doc["destinationList"] = [{"type": "owning_party", "destination": party.uri}]
    return doc


def sell(world, party, batch, quantity, when) -> dict:
    doc = _event(
        world,
        event_type="ObjectEvent",
        biz_step=BizStep.RETAIL_SELLING,
        disposition=Disposition.RETAIL_SOLD,
        when=when,
        party=party,
    )
    doc["quantityList"] = [_qty(batch, quantity)]
    return doc


def transform(
    world, party, inputs: list[tuple[Batch, Decimal]], outputs: list[Batch], when
) -> dict:
    # As trace.core.services does: CBV 2.0 has no "transforming"; the outputs are commissioned.
    doc = _event(
        world,
        event_type="TransformationEvent",
        action=None,
        biz_step=BizStep.COMMISSIONING,
        disposition=Disposition.ACTIVE,
        when=when,
        party=party,
    )
    doc["inputQuantityList"] = [_qty(b, q) for b, q in inputs]
    doc["outputQuantityList"] = [_qty(b, b.quantity) for b in outputs]
    return doc


# --- the chain ------------------------------------------------------------------


class Capturer:
    """Feeds event dicts to the capture service per organization in chunks."""

    def __init__(self, world: World, chunk: int, progress: Callable[[int], None] | None):
        self.world = world
        self.chunk = chunk
        self.progress = progress
        self.pending: dict[int, tuple[Party, list[dict]]] = {}

    def add(self, party: Party, doc: dict) -> None:
        self.pending.setdefault(party.org.pk, (party, []))[1].append(doc)

    def flush(self) -> None:
        for party, docs in self.pending.values():
            for start in range(0, len(docs), self.chunk):
                part = docs[start : start + self.chunk]
                # Recorded an hour after the latest event of the upload: deterministic hashes.
                recorded = max(datetime.fromisoformat(d["eventTime"]) for d in part) + timedelta(
                    hours=1
                )
                capture_events(
                    documents=part, organization=party.org, user=party.user, record_time=recorded
                )
                self.world.events += len(part)
                if self.progress:
                    self.progress(len(part))
        self.pending = {}


def _lot(
    world: World,
    product: Product,
    prefix: str,
    quantity: Decimal,
    unit: str,
    site: Site,
    made: date,
    shelf_days: int,
) -> Batch:
    return Batch(
        product=product,
        gtin=product.gtin,
        lot=world.next_lot(prefix),
        quantity=quantity,
        unit=unit,
        site=site,
        production_date=made,
        expiry_date=made + timedelta(days=shelf_days),
    )


def _register(batches: list[Batch]) -> None:
    created = Batch.objects.bulk_create(batches)
    if created and created[0].pk is None:  # backends without RETURNING
        ids = dict(Batch.objects.filter(lot__in=[b.lot for b in batches]).values_list("lot", "pk"))
        for b in batches:
            b.pk = ids[b.lot]


def _whey_phase(world: World, runs: int, lots_needed: int, capturer: Capturer) -> None:
    supplier = world.parties["supplier"][0]
    plants = world.parties["plant"]
    per_lot = math.ceil(runs / lots_needed)
    share = per_lot * WHEY_PER_RUN
    when = EPOCH - timedelta(days=3)
    lots = [
        _lot(
            world,
            world.products["whey"],
            "WP",
            share * len(plants),
            "KGM",
            supplier.site,
            when.date(),
            365,
        )
        for _ in range(lots_needed)
    ]
    _register(lots)
    with transaction.atomic():
        for i, lot in enumerate(lots):
            capturer.add(supplier, commission(world, supplier, lot, when))
            capturer.add(
                supplier, inspect(world, supplier, lot, when + timedelta(hours=1), f"WP-QC-{i:04d}")
            )
            for j, plant in enumerate(plants):
                capturer.add(
                    supplier,
                    ship(
                        world,
                        supplier,
                        plant,
                        lot,
                        share,
                        when + timedelta(hours=2),
                        f"PO-WP-{i:04d}-{j:04d}",
                    ),
                )
        capturer.flush()
        for lot in lots:
            for plant in plants:
                capturer.add(
                    plant, receive(world, plant, supplier, lot, share, when + timedelta(days=1))
                )
        capturer.flush()
    world.whey_lots = lots
    world._whey_per_lot = per_lot  # type: ignore[attr-defined]


def _wave(world: World, first_run: int, runs: int, capturer: Capturer) -> None:
    day = EPOCH + timedelta(days=first_run // RUNS_PER_WAVE)
    plan = _plan_wave(world, first_run, runs, day)
    _capture_wave(world, plan, day, capturer)


def _plan_wave(world: World, first_run: int, runs: int, day: datetime) -> list[tuple]:
    """The lots of each run of the wave, drawn and saved: two raw-milk lots from a ranch made
    into yogurt and milk at a plant, for a distributor and two retailers. Returns one
    ``(ranch, plant, raws, whey, outs, distributor, retailers, run)`` per run."""
    rng = world.rng
    P = world.parties
    plan = []
    raw_lots: list[Batch] = []
    finished: list[Batch] = []
    for run in range(first_run, first_run + runs):
        plant_i = rng.randrange(len(P["plant"]))
        plant = P["plant"][plant_i]
        ranch_i = rng.randrange(len(P["ranch"]))
        ranch = P["ranch"][ranch_i]
        raws = [
            _lot(
                world,
                world.products[f"raw:{ranch_i}"],
                "RM",
                Decimal(rng.randrange(2000, 8000)),
                "KGM",
                ranch.site,
                day.date(),
                2,
            )
            for _ in range(2)
        ]
        total = sum(b.quantity for b in raws)
        yogurt_n = int(total * 3)
        milk_n = int(total * 2)
        outs = [
            _lot(
                world,
                world.products[f"yogurt:{plant_i}"],
                "YG",
                Decimal(yogurt_n),
                "EA",
                plant.site,
                day.date(),
                21,
            ),
            _lot(
                world,
                world.products[f"milk:{plant_i}"],
                "PM",
                Decimal(milk_n),
                "EA",
                plant.site,
                day.date(),
                180,
            ),
        ]
        whey = world.whey_lots[min(run // world._whey_per_lot, len(world.whey_lots) - 1)]  # type: ignore
        dist = P["distributor"][rng.randrange(len(P["distributor"]))]
        retailers = [P["retailer"][rng.randrange(len(P["retailer"]))] for _ in outs]
        raw_lots.extend(raws)
        finished.extend(outs)
        plan.append((ranch, plant, raws, whey, outs, dist, retailers, run))
    _register(raw_lots + finished)
    world.raw_lot_ids.extend(b.pk for b in raw_lots)
    world.finished_lot_ids.extend(b.pk for b in finished)
    return plan


def _capture_wave(world: World, plan: list[tuple], day: datetime, capturer: Capturer) -> None:
    """The wave's events, stage by stage along the chain: each stage flushed before the next."""
    at = lambda hours, minutes=0: day + timedelta(hours=hours, minutes=minutes)  # noqa: E731
    with transaction.atomic():
        for ranch, plant, raws, _whey, _outs, _dist, _ret, run in plan:
            for k, lot in enumerate(raws):
                capturer.add(ranch, commission(world, ranch, lot, at(0, k)))
                capturer.add(ranch, inspect(world, ranch, lot, at(1, k), f"QC-{lot.lot}"))
                capturer.add(
                    ranch,
                    ship(world, ranch, plant, lot, lot.quantity, at(2, k), f"PO-{run:08d}-{k}"),
                )
        capturer.flush()
        for _ranch, plant, raws, whey, outs, dist, _ret, run in plan:
            for k, lot in enumerate(raws):
                capturer.add(plant, receive(world, plant, _ranch, lot, lot.quantity, at(4, k)))
            inputs = [(b, b.quantity) for b in raws] + [(whey, WHEY_PER_RUN)]
            capturer.add(plant, transform(world, plant, inputs, outs, at(6)))
            for k, lot in enumerate(outs):
                capturer.add(plant, inspect(world, plant, lot, at(8, k), f"QC-{lot.lot}"))
                capturer.add(
                    plant,
                    ship(world, plant, dist, lot, lot.quantity, at(10, k), f"PO-D{run:08d}-{k}"),
                )
        capturer.flush()
        for _ranch, plant, _raws, _whey, outs, dist, retailers, run in plan:
            for k, (lot, shop) in enumerate(zip(outs, retailers, strict=True)):
                capturer.add(dist, receive(world, dist, plant, lot, lot.quantity, at(14, k)))
                capturer.add(
                    dist,
                    ship(world, dist, shop, lot, lot.quantity, at(20, k), f"PO-R{run:08d}-{k}"),
                )
        capturer.flush()
        for _ranch, _plant, _raws, _whey, outs, dist, retailers, _run in plan:
            for k, (lot, shop) in enumerate(zip(outs, retailers, strict=True)):
                capturer.add(shop, receive(world, shop, dist, lot, lot.quantity, at(26, k)))
                capturer.add(
                    shop,
                    sell(world, shop, lot, (lot.quantity * 3 / 5).quantize(Decimal(1)), at(40, k)),
                )
        capturer.flush()


def generate(
    *,
    size: int,
    seed: int = 1,
    chunk: int = 2000,
    progress: Callable[[int], None] | None = None,
    stages: Iterable[Stage] | None = None,
) -> World:
    """Build a chain of about ``size`` events. Same ``size`` and ``seed``, same data."""
    if size < EVENTS_PER_RUN:
        raise ValueError(f"size must be at least {EVENTS_PER_RUN} events")
    rng = random.Random(seed)
    world = World(seed=seed, rng=rng, namespace=seed % 1000)
    counts, whey_lots, runs = _plan(size)
    if Organization.objects.filter(gln=_gtin13(f"68{world.namespace:03d}{1:05d}00")).exists():
        raise AlreadyGenerated(f"a data set with seed {seed} is already in this database")
    with transaction.atomic():
        _make_parties(world, counts)
        _make_products(world)
    capturer = Capturer(world, chunk, progress)
    _whey_phase(world, runs, whey_lots, capturer)
    for first in range(0, runs, RUNS_PER_WAVE):
        _wave(world, first, min(RUNS_PER_WAVE, runs - first), capturer)
    for stage in STAGES if stages is None else stages:
        stage.run(world)
    return world


def parse_size(text: str) -> int:
    """``50000``, ``50k``, ``1M`` → events."""
    value = text.strip().lower().replace("_", "").replace(",", "")
    factor = 1
    if value.endswith("k"):
        factor, value = 1_000, value[:-1]
    elif value.endswith("m"):
        factor, value = 1_000_000, value[:-1]
    try:
        number = int(float(value) * factor)
    except ValueError as exc:
        raise ValueError(f"not a size: {text!r} (e.g. 50000, 50k, 1M)") from exc
    if number < EVENTS_PER_RUN:
        raise ValueError(f"size must be at least {EVENTS_PER_RUN} events")
    return number


def _plan(size: int) -> tuple[dict[str, int], int, int]:
    """(organizations per tier, whey-powder lots, production runs) for ``size`` events."""
    counts = plan_counts(size)
    whey_lots = 4 if size >= 2_000 else 1
    whey_events = (2 + 2 * counts["plant"]) * whey_lots
    runs = max(1, (size - whey_events) // EVENTS_PER_RUN)
    return counts, whey_lots, runs


def estimate_events(size: int) -> int:
    counts, whey_lots, runs = _plan(size)
    return (2 + 2 * counts["plant"]) * whey_lots + runs * EVENTS_PER_RUN
