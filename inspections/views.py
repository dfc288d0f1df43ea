"""The spot-check API: draws (regulators), checks and their results, and the published list."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from api.throttling import AnonRateThrottle
from api.viewsets import ScopedViewSetMixin

from . import policy, selectors, services
from .filters import PublicSpotCheckFilterSet, SpotCheckDrawFilterSet, SpotCheckFilterSet
from .models import SpotCheck, SpotCheckDraw, SpotCheckTimelineEntry
from .serializers import (
    DrawInput,
    DrawSerializer,
    PublicSpotCheckSerializer,
    RecordInput,
    SpotCheckSerializer,
    VerificationSerializer,
)


@extend_schema(tags=["spot checks"])
class SpotCheckDrawViewSet(
    ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Random draws of enterprises and inspectors (双随机, Sichuan draft Art. 27). Immutable."""

    queryset = (
        SpotCheckDraw.objects.select_related("regulator", "drawn_by")
        .prefetch_related(
            Prefetch(
                "checks",
                queryset=SpotCheck.objects.select_related("enterprise")
                .prefetch_related("inspectors")
                .order_by("position"),
            )
        )
        .order_by("-drawn_at", "-id")
    )
    serializer_class = DrawSerializer
    filterset_class = SpotCheckDrawFilterSet
    ordering_fields = ["drawn_at", "id"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        policy.require_regulator(request.user)  # an enterprise is refused (403), not shown empty

    @extend_schema(
        request=DrawInput,
        responses={201: DrawSerializer},
        summary="Draw enterprises of your jurisdiction and inspectors at random, planning a check each",
    )
    def create(self, request):
        policy.require_drawer(request.user)
        s = DrawInput(data=request.data)
        s.is_valid(raise_exception=True)
        data = s.validated_data
        record = services.draw_make(
            actor=request.user,
            enterprise_count=data["enterprise_count"],
            inspectors_per_check=data["inspectors_per_check"],
            category=data.get("category", ""),
            region_code=data.get("region_code", ""),
            inspector_ids=data.get("inspectors"),
            seed=data.get("seed"),
            title=data.get("title", ""),
        )
        out = self.get_queryset().get(pk=record.pk)
        return Response(DrawSerializer(out).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={200: VerificationSerializer},
        summary="Re-draw from the stored seed and lists and say whether the result matches",
    )
    @action(detail=True, methods=["get"])
    def verify(self, request, pk=None):
        record = self.get_object()
        v = selectors.draw_verify(record)
        return Response(
            VerificationSerializer(
                {
                    "draw": record.pk,
                    "matches": v.matches,
                    "checks_match": v.checks_match,
                    "algorithm": v.algorithm,
                    "seed": v.seed,
                    "stored": v.stored,
                    "redrawn": v.redrawn,
                    "reason": v.reason,
                }
            ).data
        )


@extend_schema(tags=["spot checks"])
class SpotCheckViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Official spot checks: planned by a draw, done when their result is recorded."""

    queryset = (
        SpotCheck.objects.select_related("enterprise", "regulator")
        .prefetch_related(
            "inspectors",
            Prefetch(
                "timeline",
                queryset=SpotCheckTimelineEntry.objects.select_related(
                    "actor", "actor_organization"
                ),
            ),
        )
        .order_by("-id")
    )
    serializer_class = SpotCheckSerializer
    filterset_class = SpotCheckFilterSet
    ordering_fields = ["id", "checked_on"]

    @extend_schema(
        request=RecordInput,
        responses={200: SpotCheckSerializer},
        summary="Record the check's result (pass or fail, day, findings): it is then published",
    )
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        check = self.get_object()
        policy.require_record(request.user, check)
        s = RecordInput(data=request.data)
        s.is_valid(raise_exception=True)
        services.spot_check_record(check_id=check.pk, actor=request.user, **s.validated_data)
        return Response(SpotCheckSerializer(self.get_queryset().get(pk=check.pk)).data)


@extend_schema(
    tags=["public"],
    auth=[],
    summary="Published spot-check results (双随机、一公开): concluded checks, no inspector data",
)
class PublicSpotCheckListView(generics.ListAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AnonRateThrottle]
    serializer_class = PublicSpotCheckSerializer
    filterset_class = PublicSpotCheckFilterSet
    ordering_fields = ["checked_on", "id"]

    def get_queryset(self):
        return (
            SpotCheck.objects.public()
            .select_related("enterprise", "regulator")
            .order_by("-checked_on", "-id")
        )
