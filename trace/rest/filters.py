from trace.core.choices import BatchStatus, EventType, ProductCategory
from trace.models import Batch, Event, Product, Site

from django.db.models import Q
from django_filters import rest_framework as filters

from api.parsing import IdFilter, RegionPrefixFilter, StorableIsoDateTimeFilter, StrictFilterSet


class ProductFilterSet(StrictFilterSet):
    q = filters.CharFilter(method="search")
    owner_id = IdFilter(field_name="owner_id")
    category = filters.MultipleChoiceFilter(choices=ProductCategory.choices)

    class Meta:
        model = Product
        fields = ["owner_id", "category", "gtin"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(name_en__icontains=value) | Q(gtin__contains=value)
        )


class SiteFilterSet(StrictFilterSet):
    region_code = RegionPrefixFilter()

    class Meta:
        model = Site
        fields = ["region_code"]


class BatchFilterSet(StrictFilterSet):
    q = filters.CharFilter(method="search")
    product_id = IdFilter(field_name="product_id")
    status = filters.MultipleChoiceFilter(choices=BatchStatus.choices)
    produced_after = filters.DateFilter(field_name="production_date", lookup_expr="gte")
    produced_before = filters.DateFilter(field_name="production_date", lookup_expr="lte")

    class Meta:
        model = Batch
        fields = ["product_id", "status", "gtin", "lot"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(lot__icontains=value) | Q(product__name__icontains=value) | Q(gtin=value)
        )


class EventFilterSet(StrictFilterSet):
    batch_id = IdFilter(field_name="batch_links__batch_id", distinct=True)
    event_type = filters.MultipleChoiceFilter(choices=EventType.choices)
    biz_step = filters.CharFilter()
    after = StorableIsoDateTimeFilter(field_name="event_time", lookup_expr="gte")
    before = StorableIsoDateTimeFilter(field_name="event_time", lookup_expr="lt")

    class Meta:
        model = Event
        fields = ["batch_id", "event_type", "biz_step", "organization"]
