import uuid
from trace.consumer.qr import qr_png, qr_svg
from trace.core import rules, services
from trace.core.identifiers import parse_scan
from trace.core.retry import is_concurrent
from trace.core.selectors import visible_trace_graph
from trace.exports import trace_csv, trace_xlsx
from trace.models import Batch, Event, Product, Site

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import OperationalError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from api.exceptions import Conflict, detail_from_django
from api.negotiation import FileContentNegotiation
from api.parsing import query_int
from api.permissions import IsEnterpriseMember, IsMember, organization_of
from api.viewsets import ScopedViewSetMixin

from .filters import BatchFilterSet, EventFilterSet, ProductFilterSet, SiteFilterSet
from .serializers import (
    BatchCreateSerializer,
    BatchSerializer,
    DeclareErrorSerializer,
    DestroySerializer,
    EventSerializer,
    HoldSerializer,
    InspectSerializer,
    ProductSerializer,
    ReceiveSerializer,
    ScanSerializer,
    SellSerializer,
    ShipSerializer,
    SiteSerializer,
    TransformSerializer,
)


class RuleStatusMixin:
    """A rule of ``trace.rules`` refused the action: answer with its status (403, 409 or 400),
    the problem naming the field and the rule. A write that still met a concurrent one after
    capture's tries (``trace.core.retry``) answers 409, like a unique conflict: nothing of it
    was stored and the database is up (not the 503 of an outage)."""

    def handle_exception(self, exc):
        if isinstance(exc, rules.RuleViolation):
            refused = serializers.ValidationError(detail_from_django(exc))
            refused.status_code = exc.status
            exc = refused
        elif isinstance(exc, OperationalError) and is_concurrent(exc):
            exc = Conflict(
                _(
                    "This write met a concurrent one on the same records and was not stored; "
                    "send it again."
                )
            )
        return super().handle_exception(exc)


class _OwnedWritesMixin:
    """Enterprises write only their own rows; reads follow visibility."""

    permission_classes = [IsEnterpriseMember]

    def scope(self, queryset):
        if self.request.method not in ("GET", "HEAD", "OPTIONS"):
            return queryset.filter(owner=organization_of(self.request.user))
        return queryset.visible_to(self.request.user)

    def perform_create(self, serializer):
        serializer.save(owner=organization_of(self.request.user))


@extend_schema(tags=["products"])
class ProductViewSet(
    _OwnedWritesMixin,
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Trade items (GTINs) an enterprise makes."""

    queryset = Product.objects.select_related("owner").order_by("id")
    serializer_class = ProductSerializer
    filterset_class = ProductFilterSet
    ordering_fields = ["id", "name", "gtin", "created_at"]


@extend_schema(tags=["sites"])
class SiteViewSet(
    _OwnedWritesMixin,
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Places where an enterprise produces, stores or sells."""

    queryset = Site.objects.select_related("owner").order_by("id")
    serializer_class = SiteSerializer
    filterset_class = SiteFilterSet


def _file(content: bytes, content_type: str, filename: str | None = None) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


TRACE_PARAMETERS = [
    OpenApiParameter("direction", str, enum=["forward", "backward", "both"], default="both"),
    OpenApiParameter("depth", int, default=settings.SUYUAN_TRACE_DEFAULT_DEPTH),
]


class TraceQuerySerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=["forward", "backward", "both"], default="both")
    depth = serializers.IntegerField(
        min_value=1,
        max_value=settings.SUYUAN_TRACE_MAX_DEPTH,
        default=settings.SUYUAN_TRACE_DEFAULT_DEPTH,
    )


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.UUID,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "A UUID the client chose for this action. Sent again with the same key, the action is "
        "not recorded twice: the answer is 200 with the event recorded the first time (the "
        "event's eventID is urn:uuid:<key>)."
    ),
)


@extend_schema(tags=["batches"])
class BatchViewSet(RuleStatusMixin, ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Production lots, and the supply-chain actions recorded on them.

    Each action records one EPCIS 2.0 event through the same capture service
    the EPCIS interface uses.
    """

    queryset = Batch.objects.select_related("product__owner", "site").order_by("id")
    serializer_class = BatchSerializer
    filterset_class = BatchFilterSet
    permission_classes = [IsEnterpriseMember]
    ordering_fields = ["id", "production_date", "expiry_date", "lot", "created_at"]

    def _run(self, serializer_class, handler, *, result_status=status.HTTP_201_CREATED, **context):
        serializer = serializer_class(
            data=self.request.data, context={"request": self.request, **context}
        )
        serializer.is_valid(raise_exception=True)
        result = handler(serializer)
        if isinstance(result, Batch):
            return Response(BatchSerializer(result).data, status=result_status)
        return Response(
            EventSerializer(result, context=self._event_context()).data, status=result_status
        )

    def _idempotency(self) -> tuple[str | None, int]:
        """The event ID an ``Idempotency-Key`` header (a UUID the client chose) names, and the
        status to answer: 201 when the action records now, 200 when that key's event was
        recorded before (the action is not done again)."""
        key = self.request.headers.get("Idempotency-Key", "").strip()
        if not key:
            return None, status.HTTP_201_CREATED
        try:
            event_id = f"urn:uuid:{uuid.UUID(key)}"
        except ValueError:
            raise serializers.ValidationError(
                {
                    "Idempotency-Key": serializers.ErrorDetail(
                        _("The Idempotency-Key header must be a UUID."), code="idempotency_key"
                    )
                }
            ) from None
        before = services.already_recorded(event_id, organization_of(self.request.user))
        return event_id, status.HTTP_200_OK if before else status.HTTP_201_CREATED

    def _event_context(self):
        return {"viewer_org": organization_of(self.request.user)}

    def _own_sites(self, serializer):
        site = serializer.validated_data.get("site")
        if site is not None and site.owner_id != organization_of(self.request.user).pk:
            raise serializers.ValidationError(
                {
                    "site": serializers.ErrorDetail(
                        _("This site belongs to another organization."), code="site_not_owned"
                    )
                }
            )
        return site

    @extend_schema(
        request=BatchCreateSerializer,
        responses={201: BatchSerializer},
        summary="Register a lot and record its production (commissioning)",
    )
    def create(self, request):
        def handle(s):
            # Only the product's owner may produce its lots: ``trace.rules`` decides, in capture.
            return services.batch_produce(
                product=s.validated_data["product"],
                lot=s.validated_data["lot"],
                quantity=s.validated_data["quantity"],
                unit=s.validated_data["unit"],
                production_date=s.validated_data.get("production_date"),
                expiry_date=s.validated_data.get("expiry_date"),
                site=self._own_sites(s),
                when=s.validated_data.get("event_time"),
                actor=request.user,
            )

        return self._run(BatchCreateSerializer, handle)

    @extend_schema(
        request=InspectSerializer,
        responses={201: EventSerializer, 200: EventSerializer},
        parameters=[IDEMPOTENCY_KEY],
        summary="Record an inspection",
    )
    @action(detail=True, methods=["post"])
    def inspect(self, request, pk=None):
        batch = self.get_object()
        event_id, answer = self._idempotency()
        return self._run(
            InspectSerializer,
            lambda s: services.batch_inspect(
                batch=batch,
                result=s.validated_data["result"],
                report_ref=s.validated_data["report_ref"],
                note=s.validated_data["note"],
                site=self._own_sites(s),
                when=s.validated_data.get("event_time"),
                actor=request.user,
                event_id=event_id,
            ),
            result_status=answer,
        )

    @extend_schema(
        request=ShipSerializer,
        responses={201: EventSerializer},
        summary="Ship to another enterprise",
    )
    @action(detail=True, methods=["post"])
    def ship(self, request, pk=None):
        batch = self.get_object()
        return self._run(
            ShipSerializer,
            lambda s: services.batch_ship(
                batch=batch,
                to=s.validated_data["to_organization"],
                quantity=s.validated_data["quantity"],
                documents=s.documents(),
                site=self._own_sites(s),
                when=s.validated_data.get("event_time"),
                actor=request.user,
            ),
        )

    @extend_schema(
        request=ReceiveSerializer,
        responses={201: EventSerializer, 200: EventSerializer},
        parameters=[IDEMPOTENCY_KEY],
        summary="Receive a shipment",
    )
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        batch = self.get_object()
        event_id, answer = self._idempotency()
        return self._run(
            ReceiveSerializer,
            lambda s: services.batch_receive(
                batch=batch,
                quantity=s.validated_data.get("quantity"),
                documents=s.documents(),
                site=self._own_sites(s),
                when=s.validated_data.get("event_time"),
                actor=request.user,
                event_id=event_id,
            ),
            result_status=answer,
        )

    @extend_schema(
        request=SellSerializer,
        responses={201: EventSerializer, 200: EventSerializer},
        parameters=[IDEMPOTENCY_KEY],
        summary="Record a retail sale",
    )
    @action(detail=True, methods=["post"])
    def sell(self, request, pk=None):
        batch = self.get_object()
        event_id, answer = self._idempotency()
        return self._run(
            SellSerializer,
            lambda s: services.batch_sell(
                batch=batch,
                quantity=s.validated_data["quantity"],
                site=self._own_sites(s),
                when=s.validated_data.get("event_time"),
                actor=request.user,
                event_id=event_id,
            ),
            result_status=answer,
        )

    @extend_schema(
        request=DestroySerializer, responses={201: EventSerializer}, summary="Record destruction"
    )
    @action(detail=True, methods=["post"], url_path="destroy")
    def destroy_stock(self, request, pk=None):
        batch = self.get_object()
        return self._run(
            DestroySerializer,
            lambda s: services.batch_destroy(
                batch=batch,
                quantity=s.validated_data["quantity"],
                reason=s.validated_data["reason"],
                site=self._own_sites(s),
                when=s.validated_data.get("event_time"),
                actor=request.user,
            ),
        )

    @extend_schema(
        request=HoldSerializer,
        responses={201: EventSerializer, 200: EventSerializer},
        parameters=[IDEMPOTENCY_KEY],
        summary="Put the lot on hold",
    )
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        batch = self.get_object()
        event_id, answer = self._idempotency()
        return self._run(
            HoldSerializer,
            lambda s: services.batch_hold(
                batch=batch,
                reason=s.validated_data["reason"],
                site=self._own_sites(s),
                when=s.validated_data.get("event_time"),
                actor=request.user,
                event_id=event_id,
            ),
            result_status=answer,
        )

    @extend_schema(
        request=HoldSerializer,
        responses={201: EventSerializer, 200: EventSerializer},
        parameters=[IDEMPOTENCY_KEY],
        summary="Release a hold",
    )
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        batch = self.get_object()
        event_id, answer = self._idempotency()
        return self._run(
            HoldSerializer,
            lambda s: services.batch_hold(
                batch=batch,
                reason=s.validated_data["reason"],
                release=True,
                site=self._own_sites(s),
                when=s.validated_data.get("event_time"),
                actor=request.user,
                event_id=event_id,
            ),
            result_status=answer,
        )

    @extend_schema(
        request=TransformSerializer,
        responses={201: BatchSerializer},
        summary="Transform input lots into a new output lot",
    )
    @action(detail=False, methods=["post"])
    def transform(self, request):
        def handle(s):
            data = s.validated_data
            return services.batch_transform(
                inputs=[(i["batch"], i["quantity"]) for i in data["inputs"]],
                product=data["product"],
                lot=data["lot"],
                quantity=data["quantity"],
                unit=data["unit"],
                production_date=data.get("production_date"),
                expiry_date=data.get("expiry_date"),
                site=self._own_sites(s),
                when=data.get("event_time"),
                actor=request.user,
            )

        return self._run(
            TransformSerializer, handle, batch_queryset=Batch.objects.visible_to(request.user)
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), **self._event_context()}

    @extend_schema(
        parameters=TRACE_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
        summary="The lot's trace graph: lots, organizations, edges and events",
    )
    # Not named ``trace``: a method of that name is Django's handler for the HTTP TRACE verb
    # (advertised in Allow and dispatched to); the URL stays …/trace/.
    @action(detail=True, methods=["get"], url_path="trace", url_name="trace")
    def trace_lot(self, request, pk=None):
        graph = self._graph(request)
        viewer = organization_of(request.user)
        return Response(
            {
                "root": graph.root.pk,
                "direction": graph.direction,
                "depth": graph.depth,
                "batches": [
                    {**BatchSerializer(b).data, "distance": graph.distances.get(b.pk, 0)}
                    for b in graph.batches
                ],
                "organizations": [
                    {
                        "id": o.pk,
                        "name": o.name,
                        "name_en": o.name_en,
                        "kind": o.kind,
                        "region_code": o.region_code,
                    }
                    for o in graph.organizations
                ],
                "edges": _edges(graph),
                "events": EventSerializer(
                    graph.events, many=True, context={"viewer_org": viewer}
                ).data,
            }
        )

    def _graph(self, request):
        batch = self.get_object()
        query = TraceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        # The graph's lots are the lot's lineage; its events, as everywhere, only those the
        # viewer may see (one step up, one step down: ``Event.objects.visible_to``).
        return visible_trace_graph(
            request.user,
            batch,
            direction=query.validated_data["direction"],
            depth=query.validated_data["depth"],
        )

    @extend_schema(
        parameters=TRACE_PARAMETERS,
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
        summary="FSMA 204-style spreadsheet of the lot's critical tracking events (CSV)",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="trace.csv",
        content_negotiation_class=FileContentNegotiation,
    )
    def trace_csv(self, request, pk=None):
        graph = self._graph(request)
        return _file(
            trace_csv(graph, viewer=organization_of(request.user)),
            "text/csv; charset=utf-8",
            f"trace-{graph.root.gtin}-{graph.root.lot}.csv",
        )

    @extend_schema(
        parameters=TRACE_PARAMETERS,
        responses={
            (
                200,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ): OpenApiTypes.BINARY
        },
        summary="FSMA 204-style spreadsheet of the lot's critical tracking events (Excel)",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="trace.xlsx",
        content_negotiation_class=FileContentNegotiation,
    )
    def trace_xlsx(self, request, pk=None):
        graph = self._graph(request)
        return _file(
            trace_xlsx(graph, viewer=organization_of(request.user)),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"trace-{graph.root.gtin}-{graph.root.lot}.xlsx",
        )

    @extend_schema(
        responses={(200, "image/svg+xml"): OpenApiTypes.BINARY},
        summary="QR code (SVG) carrying the lot's GS1 Digital Link URI",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="qr.svg",
        content_negotiation_class=FileContentNegotiation,
    )
    def qr_svg(self, request, pk=None):
        return _file(qr_svg(self.get_object().digital_link), "image/svg+xml")

    @extend_schema(
        responses={(200, "image/png"): OpenApiTypes.BINARY},
        parameters=[OpenApiParameter("size", int, description="module size in pixels (1–40)")],
        summary="QR code (PNG) carrying the lot's GS1 Digital Link URI",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="qr.png",
        content_negotiation_class=FileContentNegotiation,
    )
    def qr_png(self, request, pk=None):
        batch = self.get_object()
        box = query_int(request.query_params, "size", default=10, min_value=1, max_value=40)
        return _file(qr_png(batch.digital_link, box_size=box), "image/png")


def _edges(graph) -> list[dict]:
    edges = [
        {
            "kind": "transformation",
            "from_batch": e.parent_id,
            "to_batch": e.child_id,
            "event_id": e.event.event_id,
            "quantity": None if e.quantity is None else str(e.quantity),
        }
        for e in graph.edges
    ]
    for event in graph.events:
        if event.biz_step != "shipping" or not event.destination_org_id:
            continue
        for link in event.batch_links.all():
            edges.append(
                {
                    "kind": "shipment",
                    "batch": link.batch_id,
                    "from_organization": event.source_org_id or event.organization_id,
                    "to_organization": event.destination_org_id,
                    "event_id": event.event_id,
                    "quantity": None if link.quantity is None else str(link.quantity),
                    "event_time": event.event_time.isoformat(),
                }
            )
    return edges


@extend_schema(tags=["events"])
class EventViewSet(RuleStatusMixin, ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Supply-chain events (append-only). Corrections are error declarations."""

    queryset = (
        Event.objects.select_related("organization", "source_org", "destination_org")
        .prefetch_related("batch_links")
        .order_by("-event_time", "-id")
    )
    serializer_class = EventSerializer
    filterset_class = EventFilterSet
    permission_classes = [IsEnterpriseMember]
    ordering_fields = ["event_time", "record_time", "id"]

    def get_queryset(self):
        queryset = super().get_queryset()
        if "pk" in self.kwargs:  # one event: read only the month it was recorded in
            queryset = queryset.by_pks([self.kwargs["pk"]])
        return queryset

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "viewer_org": organization_of(self.request.user),
        }

    @extend_schema(
        request=DeclareErrorSerializer,
        responses={201: EventSerializer},
        summary="Declare this event erroneous (it stays, marked, and its effects are undone)",
    )
    @action(detail=True, methods=["post"], url_path="declare-error")
    def declare_error(self, request, pk=None):
        event = self.get_object()
        serializer = DeclareErrorSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        declaration = services.event_declare_error(
            event=event,
            reason=serializer.validated_data["reason"],
            corrective_event_ids=serializer.validated_data.get("corrective_event_ids"),
            actor=request.user,
        )
        return Response(
            EventSerializer(declaration, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


class ScanView(APIView):
    """Resolve whatever a scanner produced to the lot it names."""

    permission_classes = [IsMember]

    @extend_schema(
        request=ScanSerializer,
        responses={200: BatchSerializer, 404: OpenApiResponse(description="unknown lot")},
        tags=["batches"],
        summary="Resolve a scanned code (Digital Link or GS1 element string)",
    )
    def post(self, request):
        serializer = ScanSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            scanned = parse_scan(serializer.validated_data["code"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError(
                {"code": serializers.ErrorDetail(exc.messages[0], code=exc.code)}
            ) from exc
        if not scanned.lot:
            raise serializers.ValidationError(
                {
                    "code": serializers.ErrorDetail(
                        _("The code names a product but no lot (AI 10)."), code="scan_no_lot"
                    )
                }
            )
        batch = get_object_or_404(
            Batch.objects.visible_to(request.user).select_related("product__owner", "site"),
            gtin=scanned.gtin.zfill(14),
            lot=scanned.lot,
        )
        return Response({**BatchSerializer(batch).data, "serial": scanned.serial})
