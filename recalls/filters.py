from trace.core.choices import ProductCategory

from django import forms
from django.db.models import Q
from django_filters import rest_framework as filters

from api.parsing import IdFilter, RegionPrefixFilter, StrictFilterSet

from .choices import RecallStatus, RecallType
from .models import PUBLIC_STATUSES, Recall


class RecallClassFilter(filters.NumberFilter):
    """A recall class: a whole number, 1 to 3 (not ``1e400``)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 3)
        super().__init__(*args, **kwargs)


def _search(queryset, name, value):
    return queryset.filter(
        Q(number__icontains=value)
        | Q(notice_title__icontains=value)
        | Q(notice_title_en__icontains=value)
        | Q(defect__icontains=value)
    )


class RecallFilterSet(StrictFilterSet):
    q = filters.CharFilter(method="search")
    status = filters.MultipleChoiceFilter(choices=RecallStatus.choices)
    recall_type = filters.ChoiceFilter(choices=RecallType.choices)
    recall_class = RecallClassFilter()
    producer_id = IdFilter(field_name="producer_id")
    category = filters.MultipleChoiceFilter(choices=ProductCategory.choices)
    region = RegionPrefixFilter(field_name="region_code")

    class Meta:
        model = Recall
        fields = ["status", "recall_type", "recall_class", "producer_id", "category", "region"]

    def search(self, queryset, name, value):
        return _search(queryset, name, value)


class PublicRecallFilterSet(StrictFilterSet):
    """The public list: by category, by region (code prefix), by start date, by status."""

    q = filters.CharFilter(method="search")
    status = filters.MultipleChoiceFilter(choices=[(s.value, s.label) for s in PUBLIC_STATUSES])
    category = filters.MultipleChoiceFilter(choices=ProductCategory.choices)
    region = RegionPrefixFilter(field_name="region_code")
    recall_class = RecallClassFilter()
    date_from = filters.DateFilter(field_name="activated_at", lookup_expr="date__gte")
    date_to = filters.DateFilter(field_name="activated_at", lookup_expr="date__lte")

    class Meta:
        model = Recall
        fields = ["status", "category", "region", "recall_class", "date_from", "date_to"]

    def search(self, queryset, name, value):
        return _search(queryset, name, value)
