import django_filters
from django.db.models import Exists, OuterRef, Q

from api.parsing import (
    IdFilter,
    RegionPrefixFilter,
    StorableIsoDateTimeFilter,
    StrictBooleanFilter,
    StrictFilterSet,
)

from .choices import Grade, Level, Status
from .models import OPEN_Q, Incident, IncidentBatch


class IncidentFilterSet(StrictFilterSet):
    """The regulator's list: status, grade, level, region, overdue, date ranges,
    product, enterprise."""

    status = django_filters.MultipleChoiceFilter(choices=Status.choices, distinct=False)
    grade = django_filters.MultipleChoiceFilter(choices=Grade.choices, distinct=False)
    level = django_filters.MultipleChoiceFilter(choices=Level.choices, distinct=False)
    region = RegionPrefixFilter(
        method="filter_region", label="region code prefix (32, 3203, 320312)"
    )
    overdue = StrictBooleanFilter(field_name="is_overdue")
    open = StrictBooleanFilter(method="filter_open")
    occurred_after = StorableIsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = StorableIsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")
    discovered_after = StorableIsoDateTimeFilter(field_name="discovered_at", lookup_expr="gte")
    discovered_before = StorableIsoDateTimeFilter(field_name="discovered_at", lookup_expr="lt")
    reported_after = StorableIsoDateTimeFilter(field_name="reported_at", lookup_expr="gte")
    reported_before = StorableIsoDateTimeFilter(field_name="reported_at", lookup_expr="lt")
    product_id = IdFilter(method="filter_product", label="product id")
    batch_id = IdFilter(method="filter_batch", label="batch id")
    enterprise_id = IdFilter(method="filter_enterprise", label="enterprise (organization) id")
    q = django_filters.CharFilter(method="filter_q", label="search title and description")

    class Meta:
        model = Incident
        fields = ["status", "grade", "level", "kind", "category", "source"]

    def filter_region(self, queryset, name, value):
        value = value.rstrip("0") if len(value) == 6 and value.endswith("00") else value
        return queryset.filter(region_code__startswith=value)

    def filter_open(self, queryset, name, value):
        return queryset.filter(OPEN_Q) if value else queryset.exclude(OPEN_Q)

    def filter_product(self, queryset, name, value):
        links = IncidentBatch.objects.filter(incident=OuterRef("pk"), batch__product_id=value)
        return queryset.filter(Exists(links))

    def filter_batch(self, queryset, name, value):
        links = IncidentBatch.objects.filter(incident=OuterRef("pk"), batch_id=value)
        return queryset.filter(Exists(links))

    def filter_enterprise(self, queryset, name, value):
        return queryset.filter(Q(reporter_id=value) | Q(enterprise_id=value))

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))


class IncidentApiFilterSet(IncidentFilterSet):
    """The API's: builds only the filters its query string names (each page would otherwise
    deep-copy every filter and its form field). A filter not named filters nothing either way,
    and one named is validated as before; the form of every filter is the workbench's."""

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        if data is not None and prefix is None:
            base = type(self).base_filters
            self.base_filters = {name: f for name, f in base.items() if name in data}
        super().__init__(data, queryset, request=request, prefix=prefix)
