"""The trace REST API's FilterSets (``trace.rest.filters``) on their own: a queryset and the
query's values in, the filtered queryset out; a value the filter refuses makes the form
invalid, naming the field."""

from datetime import date
from trace.models import Batch, Event, Product, Site
from trace.rest.filters import BatchFilterSet, EventFilterSet, ProductFilterSet, SiteFilterSet

import pytest

from tests.factories import ProductFactory, SiteFactory, produce

pytestmark = pytest.mark.django_db


def _ids(filterset) -> set[int]:
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("pk", flat=True))


@pytest.fixture
def goods(enterprise, other_enterprise):
    yogurt = ProductFactory(owner=enterprise.org, name="原味酸奶", name_en="Plain yogurt")
    milk = ProductFactory(owner=enterprise.org, name="纯牛奶", category="food")
    tea = ProductFactory(owner=other_enterprise.org, name="绿茶", category="key_agricultural")
    return {"yogurt": yogurt, "milk": milk, "tea": tea}


def test_products_by_search_owner_and_category(goods, enterprise):
    everything = Product.objects.all()
    assert _ids(ProductFilterSet({"q": "yogurt"}, everything)) == {goods["yogurt"].pk}
    assert _ids(ProductFilterSet({"q": goods["milk"].gtin}, everything)) == {goods["milk"].pk}
    assert _ids(ProductFilterSet({"owner_id": enterprise.org.pk}, everything)) == {
        goods["yogurt"].pk,
        goods["milk"].pk,
    }
    assert _ids(ProductFilterSet({"category": ["key_agricultural"]}, everything)) == {
        goods["tea"].pk
    }
    assert _ids(ProductFilterSet({}, everything)) == {p.pk for p in goods.values()}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"owner_id": "²"}, "owner_id"),
        ({"owner_id": "0"}, "owner_id"),
        ({"category": "x"}, "category"),
    ],
)
def test_products_refuse_what_is_no_value(goods, data, field):
    filterset = ProductFilterSet(data, Product.objects.all())
    assert not filterset.is_valid()
    assert list(filterset.errors) == [field]


def test_sites_by_region_prefix(enterprise, other_enterprise):
    here = SiteFactory(owner=enterprise.org, region_code="320312")
    there = SiteFactory(owner=other_enterprise.org, region_code="330106")
    sites = Site.objects.all()
    assert _ids(SiteFilterSet({"region_code": "3203"}, sites)) == {here.pk}
    assert _ids(SiteFilterSet({"region_code": "33"}, sites)) == {there.pk}
    assert _ids(SiteFilterSet({"region_code": "44"}, sites)) == set()


def test_batches_and_their_events(goods, enterprise):
    early = produce(enterprise.user, goods["yogurt"], lot="YG-A", production_date=date(2026, 3, 1))
    late = produce(enterprise.user, goods["milk"], lot="MK-B", production_date=date(2026, 5, 1))
    batches = Batch.objects.all()
    assert _ids(BatchFilterSet({"q": "yg-a"}, batches)) == {early.pk}
    assert _ids(BatchFilterSet({"q": "纯牛奶"}, batches)) == {late.pk}
    assert _ids(BatchFilterSet({"product_id": goods["milk"].pk}, batches)) == {late.pk}
    assert _ids(BatchFilterSet({"produced_after": "2026-04-01"}, batches)) == {late.pk}
    assert _ids(BatchFilterSet({"produced_before": "2026-04-01"}, batches)) == {early.pk}
    assert _ids(BatchFilterSet({"status": ["active"]}, batches)) == {early.pk, late.pk}
    assert _ids(BatchFilterSet({"status": ["recalled"]}, batches)) == set()

    events = Event.objects.all()
    of_early = _ids(EventFilterSet({"batch_id": early.pk}, events))
    assert of_early and of_early.isdisjoint(_ids(EventFilterSet({"batch_id": late.pk}, events)))
    assert _ids(EventFilterSet({"event_type": ["ObjectEvent"]}, events)) == set(
        events.filter(event_type="ObjectEvent").values_list("pk", flat=True)
    )
    assert _ids(EventFilterSet({"after": "2999-01-01T00:00:00+08:00"}, events)) == set()
    assert _ids(EventFilterSet({"before": "2999-01-01T00:00:00+08:00"}, events)) == set(
        events.values_list("pk", flat=True)
    )


@pytest.mark.parametrize(
    ("filterset_class", "data", "field"),
    [
        (BatchFilterSet, {"produced_after": "2026-02-30"}, "produced_after"),
        (BatchFilterSet, {"status": ["lost"]}, "status"),
        (BatchFilterSet, {"product_id": "1e400"}, "product_id"),
        (EventFilterSet, {"after": "yesterday"}, "after"),
        (EventFilterSet, {"before": "9999-12-31T23:00:00-12:00"}, "before"),
        (EventFilterSet, {"event_type": ["Nonsense"]}, "event_type"),
    ],
)
def test_batches_and_events_refuse_what_is_no_value(filterset_class, data, field):
    filterset = filterset_class(data, filterset_class.Meta.model.objects.all())
    assert not filterset.is_valid()
    assert list(filterset.errors) == [field]
