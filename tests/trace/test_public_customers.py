"""Whoever scans never reads a business's customers (issue 19 §14).

A farm sells raw milk to the dairy (and to another dairy); the dairy makes yogurt, inspects it,
and ships it to a distributor, who ships it on to a supermarket that sells it and to a canteen
that does not. The public page and the public batch JSON name where the yogurt came from (the
farm, and its shipment to the dairy), who made, inspected and sold it; the distributor, its
customers and the farm's other customer appear only as counts."""

from datetime import timedelta
from decimal import Decimal
from trace.core.identifiers import digital_link_path
from trace.core.services import (
    batch_inspect,
    batch_receive,
    batch_sell,
    batch_ship,
    batch_transform,
)

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import Persona
from tests.factories import EnterpriseFactory, ProductFactory, UserFactory, produce

pytestmark = pytest.mark.django_db

FARM, DAIRY, OTHER_DAIRY = "铜山绿野牧场", "彭城乳业", "云龙乳品厂"
DISTRIBUTOR, SUPERMARKET, CANTEEN = "淮海商贸批发", "苏果超市铜山店", "徐工集团职工食堂"


def _org(name, region="320312"):
    persona = Persona(UserFactory(organization=EnterpriseFactory(region_code=region)))
    persona.org.name = name
    persona.org.name_en = ""
    persona.org.save()
    return persona


@pytest.fixture
def chain(db):
    farm, dairy, other = _org(FARM), _org(DAIRY), _org(OTHER_DAIRY)
    distributor, shop, canteen = _org(DISTRIBUTOR), _org(SUPERMARKET), _org(CANTEEN)
    t = timezone.now() - timedelta(days=3)
    milk = produce(farm.user, ProductFactory(owner=farm.org, name="生牛乳"), lot="M1", when=t)
    for to in (dairy, other):
        batch_ship(batch=milk, to=to.org, quantity=Decimal(10), actor=farm.user)
        batch_receive(batch=milk, actor=to.user)
    yogurt = batch_transform(
        inputs=[(milk, Decimal(10))],
        product=ProductFactory(owner=dairy.org, name="原味酸奶"),
        lot="Y1",
        quantity=Decimal(100),
        unit="EA",
        actor=dairy.user,
    )
    batch_inspect(batch=yogurt, result="pass", actor=dairy.user)
    batch_ship(batch=yogurt, to=distributor.org, quantity=Decimal(100), actor=dairy.user)
    batch_receive(batch=yogurt, actor=distributor.user)
    for to in (shop, canteen):
        batch_ship(batch=yogurt, to=to.org, quantity=Decimal(40), actor=distributor.user)
        batch_receive(batch=yogurt, actor=to.user)
    batch_sell(batch=yogurt, quantity=Decimal(5), actor=shop.user)
    return yogurt


def _page(batch, **headers) -> str:
    return Client().get(digital_link_path(batch.gtin, batch.lot), **headers).content.decode()


def test_the_page_names_the_source_the_maker_and_the_seller_but_no_customers(chain):
    page = _page(chain)
    for public in (FARM, DAIRY, SUPERMARKET):
        assert public in page
    for private in (DISTRIBUTOR, CANTEEN, OTHER_DAIRY):
        assert private not in page
    # The distributor's deliveries are there, as counts.
    assert "发往其他 3 家企业（不公开名称）" in page
    assert "由其他 2 家企业收货（不公开名称）" in page


def test_the_public_json_and_its_english_say_the_same(chain, anonymous):
    url = f"/api/v1/public/batches/{chain.gtin}/{chain.lot}/"
    for language in ("zh-hans", "en"):
        response = anonymous.client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        body = response.content.decode()
        for private in (DISTRIBUTOR, CANTEEN, OTHER_DAIRY):
            assert private not in body
        assert SUPERMARKET in body and FARM in body
    steps = anonymous.client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()["journey"]
    counted = [s for s in steps if s["businesses"] is not None]
    assert {(s["kind"], s["upstream"], s["businesses"], s["records"]) for s in counted} == {
        # the dairy → distributor and distributor → supermarket/canteen shipments
        ("shipped", False, 3, 3),
        # the distributor and the canteen took delivery (the supermarket is named: it sells)
        ("received", False, 2, 2),
        # the farm's shipment to the other dairy, and that dairy's receipt
        ("shipped", True, 1, 1),
        ("received", True, 1, 1),
    }
    assert all(s["organization"] == "" for s in counted)
    assert "Shipped to 3 other businesses (not named)" in [s["text"] for s in counted]
    named = [s for s in steps if s["businesses"] is None]
    assert {s["kind"] for s in named} >= {"produced", "transformed", "inspected", "sold"}
    # Where it came from: the farm's shipment to the dairy is named.
    assert any(s["kind"] == "shipped" and s["upstream"] and DAIRY in s["text"] for s in named)


def test_a_signed_in_distributor_scanning_reads_the_same_public_journey(chain):
    """The page shows the public journey whoever reads it; a business reads its own customers
    through the API, scoped to what it handled."""
    client = Client()
    shop = chain.custody.get(organization__name=SUPERMARKET).organization
    client.force_login(shop.memberships.first().user)
    page = client.get(digital_link_path(chain.gtin, chain.lot)).content.decode()
    journey = page.split('id="journey-title"', 1)[1].split("</section>", 1)[0]
    assert SUPERMARKET in journey and CANTEEN not in journey and DISTRIBUTOR not in journey
