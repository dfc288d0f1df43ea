"""The demo supply chain: a Xuzhou dairy, from ranch to two supermarkets.

Raw-milk lots from a ranch in Suining County are made into yogurt at a dairy
in Tongshan District, shipped through a cold-chain distributor to a
supermarket in Xuzhou and one in Nanjing; regulators sit at county, city,
province and national level. Created only by ``manage.py seed_demo``.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from trace.core import services
from trace.core.choices import ProductCategory
from trace.gs1.digital_link import check_digit
from trace.models import Batch

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.choices import OrganizationKind, RegulatorLevel, Role
from core.models import Membership, Organization
from core.validators import credit_code_check_character

DEMO_PASSWORD = "demo-pass-2026"


def credit_code(body17: str) -> str:
    return body17 + credit_code_check_character(body17)


def gtin13(body12: str) -> str:
    return body12 + check_digit(body12)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    organization: str
    role: str
    description: str


ENTERPRISES = {
    "ranch": dict(
        name="徐州绿源牧业有限公司",
        name_en="Xuzhou Lvyuan Ranch Co., Ltd.",
        credit_code=credit_code("91320324MA1XLY001"),
        region_code="320324",
        gln=gtin13("690123400001"),
        site=("绿源牧场一号牛舍", "江苏省徐州市睢宁县魏集镇牧场路1号"),
    ),
    "producer": dict(
        name="徐州彭城乳业有限公司",
        name_en="Xuzhou Pengcheng Dairy Co., Ltd.",
        credit_code=credit_code("91320312MA1PCR002"),
        region_code="320312",
        gln=gtin13("690123400002"),
        site=("彭城乳业铜山工厂", "江苏省徐州市铜山区银山路8号"),
    ),
    "distributor": dict(
        name="徐州淮海冷链物流有限公司",
        name_en="Xuzhou Huaihai Cold Chain Logistics Co., Ltd.",
        credit_code=credit_code("91320311MA1HHL003"),
        region_code="320311",
        gln=gtin13("690123400003"),
        site=("淮海冷链泉山仓", "江苏省徐州市泉山区物流园路18号"),
    ),
    "retailer": dict(
        name="云龙万家超市有限公司",
        name_en="Yunlong Wanjia Supermarket Co., Ltd.",
        credit_code=credit_code("91320303MA1YLW004"),
        region_code="320303",
        gln=gtin13("690123400004"),
        site=("万家超市云龙店", "江苏省徐州市云龙区和平路66号"),
    ),
    "retailer2": dict(
        name="南京玄武惠民超市有限公司",
        name_en="Nanjing Xuanwu Huimin Supermarket Co., Ltd.",
        credit_code=credit_code("91320102MA1XWH005"),
        region_code="320102",
        gln=gtin13("690123400005"),
        site=("惠民超市玄武店", "江苏省南京市玄武区中山路100号"),
    ),
}

REGULATORS = {
    "county-regulator": dict(
        name="徐州市铜山区市场监督管理局",
        name_en="Tongshan District AMR, Xuzhou",
        level=RegulatorLevel.COUNTY,
        region_code="320312",
    ),
    "city-regulator": dict(
        name="徐州市市场监督管理局",
        name_en="Xuzhou Municipal AMR",
        level=RegulatorLevel.CITY,
        region_code="320300",
    ),
    "province-regulator": dict(
        name="江苏省市场监督管理局",
        name_en="Jiangsu Provincial AMR",
        level=RegulatorLevel.PROVINCE,
        region_code="320000",
    ),
    "national-regulator": dict(
        name="国家市场监督管理总局",
        name_en="State Administration for Market Regulation",
        level=RegulatorLevel.NATIONAL,
        region_code="110000",
    ),
}

ACCOUNTS = [
    DemoAccount("producer", "producer", Role.ADMIN, "dairy plant (makes the yogurt)"),
    DemoAccount("distributor", "distributor", Role.OPERATOR, "cold-chain distributor"),
    DemoAccount("retailer", "retailer", Role.OPERATOR, "supermarket in Xuzhou"),
    DemoAccount("retailer2", "retailer2", Role.OPERATOR, "supermarket in Nanjing"),
    DemoAccount("ranch", "ranch", Role.OPERATOR, "ranch (raw milk)"),
    DemoAccount(
        "county-regulator", "county-regulator", Role.OPERATOR, "Tongshan District (320312)"
    ),
    DemoAccount("city-regulator", "city-regulator", Role.OPERATOR, "Xuzhou (320300)"),
    DemoAccount("province-regulator", "province-regulator", Role.OPERATOR, "Jiangsu (320000)"),
    DemoAccount("national-regulator", "national-regulator", Role.OPERATOR, "national"),
]

RAW_MILK_GTIN = "0" + gtin13("690123450001")
YOGURT_GTIN = "0" + gtin13("690123450002")


@transaction.atomic
def seed_demo() -> tuple[bool, list[DemoAccount]]:
    """Create the demo chain once; a second run changes nothing. Returns (created, accounts)."""
    if Organization.objects.filter(credit_code=ENTERPRISES["producer"]["credit_code"]).exists():
        return False, ACCOUNTS

    orgs, sites, users = _create_parties()
    raw_milk, yogurt = _create_products(orgs)

    day0 = timezone.localtime().replace(hour=5, minute=30, second=0, microsecond=0) - timedelta(
        days=6
    )
    at = lambda days, hours=0: day0 + timedelta(days=days, hours=hours)  # noqa: E731
    lot_date = day0.strftime("%Y%m%d")
    raw_lots = _raw_milk_lots(raw_milk, orgs, sites, users, at=at, lot_date=lot_date)
    _yogurt_lots(yogurt, raw_lots, orgs, sites, users, at=at, lot_date=lot_date)
    return True, ACCOUNTS


def _create_parties() -> tuple[dict, dict, dict]:
    """The enterprises with their sites, the regulators, and one user per demo account."""
    orgs, sites = {}, {}
    for key, data in ENTERPRISES.items():
        data = dict(data)
        site_name, address = data.pop("site")
        org = Organization.objects.create(kind=OrganizationKind.ENTERPRISE, **data)
        orgs[key] = org
        sites[key] = services.site_create(
            owner=org, name=site_name, address=address, region_code=org.region_code
        )
    for key, data in REGULATORS.items():
        orgs[key] = Organization.objects.create(kind=OrganizationKind.REGULATOR, **data)

    User = get_user_model()
    users = {}
    for account in ACCOUNTS:
        user = User.objects.create_user(username=account.username, password=DEMO_PASSWORD)
        Membership.objects.create(
            user=user, organization=orgs[account.organization], role=account.role
        )
        users[account.username] = user
    return orgs, sites, users


def _create_products(orgs: dict) -> tuple:
    """The ranch's raw milk and the dairy's yogurt."""
    raw_milk = services.product_create(
        owner=orgs["ranch"],
        gtin=RAW_MILK_GTIN,
        name="生鲜牛乳",
        name_en="Raw cow milk",
        category=ProductCategory.KEY_AGRICULTURAL,
        specification="散装 / bulk, kg",
        standard="GB 19301-2010",
    )
    yogurt = services.product_create(
        owner=orgs["producer"],
        gtin=YOGURT_GTIN,
        name="彭城原味酸奶 200g",
        name_en="Pengcheng plain yogurt 200 g",
        category=ProductCategory.FOOD,
        specification="200 g/杯",
        standard="GB 19302-2010",
    )
    return raw_milk, yogurt


def _raw_milk_lots(raw_milk, orgs: dict, sites: dict, users: dict, *, at, lot_date: str) -> list:
    """Two raw-milk lots, each inspected at the ranch, shipped to the dairy and received there:
    ``[(lot, kg)]``."""
    raw_lots = []
    for suffix, kg in (("A", Decimal(5000)), ("B", Decimal(3000))):
        lot = services.batch_produce(
            product=raw_milk,
            lot=f"RM{lot_date}{suffix}",
            quantity=kg,
            unit="KGM",
            production_date=at(0).date(),
            expiry_date=(at(0) + timedelta(days=2)).date(),
            site=sites["ranch"],
            when=at(0),
            actor=users["ranch"],
        )
        services.batch_inspect(
            batch=lot,
            result="pass",
            report_ref=f"LY-QC-{lot_date}-{suffix}",
            note="菌落总数、蛋白质、抗生素残留合格",
            site=sites["ranch"],
            when=at(0, 1),
            actor=users["ranch"],
        )
        services.batch_ship(
            batch=lot,
            to=orgs["producer"],
            quantity=kg,
            site=sites["ranch"],
            when=at(0, 2),
            documents={"desadv": f"DA-LY-{lot_date}-{suffix}"},
            actor=users["ranch"],
        )
        services.batch_receive(
            batch=lot, site=sites["producer"], when=at(0, 4), actor=users["producer"]
        )
        raw_lots.append((lot, kg))
    return raw_lots


def _yogurt_lots(
    yogurt, raw_lots: list, orgs: dict, sites: dict, users: dict, *, at, lot_date: str
):
    """The yogurt lot made of the raw milk, shipped through the distributor to both supermarkets
    and partly sold; and a second lot still at the plant."""
    yogurt_lot = services.batch_transform(
        inputs=raw_lots,
        product=yogurt,
        lot=f"YG{lot_date}01",
        quantity=Decimal(38000),
        unit="EA",
        production_date=at(0).date(),
        expiry_date=(at(0) + timedelta(days=21)).date(),
        site=sites["producer"],
        when=at(0, 10),
        actor=users["producer"],
    )
    services.batch_inspect(
        batch=yogurt_lot,
        result="pass",
        report_ref=f"PC-QC-{lot_date}-01",
        note="出厂检验：酸度、乳酸菌数、大肠菌群合格",
        site=sites["producer"],
        when=at(1),
        actor=users["producer"],
    )
    services.batch_ship(
        batch=yogurt_lot,
        to=orgs["distributor"],
        quantity=Decimal(30000),
        site=sites["producer"],
        when=at(1, 3),
        documents={"po": "PO-HH-2026-0871", "desadv": f"DA-PC-{lot_date}-01"},
        actor=users["producer"],
    )
    services.batch_receive(
        batch=yogurt_lot, site=sites["distributor"], when=at(1, 6), actor=users["distributor"]
    )
    for key, quantity, days in (("retailer", Decimal(12000), 2), ("retailer2", Decimal(10000), 2)):
        services.batch_ship(
            batch=yogurt_lot,
            to=orgs[key],
            quantity=quantity,
            site=sites["distributor"],
            when=at(days),
            documents={"po": f"PO-{key.upper()}-{lot_date}", "desadv": f"DA-HH-{lot_date}-{key}"},
            actor=users["distributor"],
        )
        services.batch_receive(
            batch=yogurt_lot, site=sites[key], when=at(days, 8), actor=users[key]
        )
        services.batch_sell(
            batch=yogurt_lot,
            quantity=Decimal(1500),
            site=sites[key],
            when=at(days + 1),
            actor=users[key],
        )

    # A second yogurt lot still at the plant, for trying the actions yourself.
    services.batch_produce(
        product=yogurt,
        lot=f"YG{lot_date}02",
        quantity=Decimal(8000),
        unit="EA",
        production_date=at(1).date(),
        expiry_date=(at(1) + timedelta(days=21)).date(),
        site=sites["producer"],
        when=at(1, 8),
        actor=users["producer"],
    )


def demo_yogurt_batch() -> Batch:
    return Batch.objects.filter(gtin=YOGURT_GTIN).order_by("id").first()
