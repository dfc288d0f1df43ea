from trace.core.choices import ProductCategory
from trace.rest.filters import IdFilter

from django.db.models import Q
from django_filters import rest_framework as filters

from api.parsing import RegionPrefixFilter, StrictFilterSet

from .choices import SpotCheckResult, SpotCheckStatus
from .models import SpotCheck, SpotCheckDraw


class SpotCheckDrawFilterSet(StrictFilterSet):
    regulator_id = IdFilter(field_name="regulator_id")
    category = filters.MultipleChoiceFilter(choices=ProductCategory.choices)
    date_from = filters.DateFilter(field_name="drawn_at", lookup_expr="date__gte")
    date_to = filters.DateFilter(field_name="drawn_at", lookup_expr="date__lte")

    class Meta:
        model = SpotCheckDraw
        fields = ["regulator_id", "category"]


class SpotCheckFilterSet(StrictFilterSet):
    q = filters.CharFilter(method="search")
    status = filters.MultipleChoiceFilter(choices=SpotCheckStatus.choices)
    result = filters.MultipleChoiceFilter(choices=SpotCheckResult.choices)
    draw_id = IdFilter(field_name="draw_id")
    enterprise_id = IdFilter(field_name="enterprise_id")
    regulator_id = IdFilter(field_name="regulator_id")
    region = RegionPrefixFilter(field_name="region_code")
    date_from = filters.DateFilter(field_name="checked_on", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="checked_on", lookup_expr="lte")

    class Meta:
        model = SpotCheck
        fields = ["status", "result", "draw_id", "enterprise_id", "regulator_id", "region"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(enterprise__name__icontains=value) | Q(enterprise__credit_code__iexact=value)
        )


class PublicSpotCheckFilterSet(StrictFilterSet):
    """The published results: by result, region (code prefix), check date, enterprise."""

    q = filters.CharFilter(method="search")
    result = filters.MultipleChoiceFilter(choices=SpotCheckResult.choices)
    region = RegionPrefixFilter(field_name="region_code")
    date_from = filters.DateFilter(field_name="checked_on", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="checked_on", lookup_expr="lte")

    class Meta:
        model = SpotCheck
        fields = ["result", "region"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(enterprise__name__icontains=value) | Q(enterprise__credit_code__iexact=value)
        )
