"""The public side of incidents, no account needed: the results of concluded incidents.

What an instrument says is published is published: the food-safety regulator publishes the
incident and its handling (Food Safety Law Art. 105); the regulator that concludes any incident
writes its ``public_result`` for the public. The list carries no personal data: no reporter,
no user, no title or description (free text an enterprise wrote), only the category, grade,
place (region code), dates and the public result.
"""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny

from api.parsing import RegionPrefixFilter, StrictFilterSet
from api.throttling import AnonRateThrottle
from core.rulebook import day_of

from .choices import Category, Grade, Kind, Status
from .models import Incident

PUBLISHED = (Status.CONCLUDED, Status.CLOSED)


def published_results():
    """Concluded (or closed) incidents with a public result, newest conclusion first."""
    return (
        Incident.objects.filter(status__in=PUBLISHED, concluded_at__isnull=False)
        .exclude(public_result="")
        .order_by("-concluded_at", "-id")
    )


class PublicIncidentResultSerializer(serializers.ModelSerializer):
    occurred_on = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "category",
            "kind",
            "grade",
            "region_code",
            "occurred_on",
            "concluded_at",
            "public_result",
        ]
        read_only_fields = fields

    def get_occurred_on(self, obj) -> str:
        return day_of(obj.occurred_at).isoformat()


class PublicIncidentResultFilterSet(StrictFilterSet):
    category = django_filters.ChoiceFilter(choices=Category.choices)
    kind = django_filters.ChoiceFilter(choices=Kind.choices)
    grade = django_filters.MultipleChoiceFilter(choices=Grade.choices, distinct=False)
    region = RegionPrefixFilter(
        method="filter_region", label="region code prefix (32, 3203, 320312)"
    )

    class Meta:
        model = Incident
        fields = ["category", "kind", "grade"]

    def filter_region(self, queryset, name, value):
        value = value.rstrip("0") if len(value) == 6 and value.endswith("00") else value
        return queryset.filter(region_code__startswith=value)


@extend_schema(tags=["public"], auth=[], summary="Published results of concluded incidents")
class PublicIncidentResultListView(generics.ListAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AnonRateThrottle]
    serializer_class = PublicIncidentResultSerializer
    filterset_class = PublicIncidentResultFilterSet
    ordering_fields = ["concluded_at", "id"]

    def get_queryset(self):
        return published_results()
