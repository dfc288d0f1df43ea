"""The reports (举报) API: anonymous or real-name submission and status lookup by tracking code,
the regulators' list, detail and actions (``verify``, ``open-case``, ``decline``, ``extend``,
``tell-reporter``), and the timeline. Enterprises see no report (``report_policy``)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api.exceptions import detail_from_django
from api.pagination import StandardPagination
from api.viewsets import ScopedViewSetMixin

from . import report_policy, report_services
from . import report_serializers as s
from .filters import ReportFilterSet
from .models import Report
from .privacy import normalize_tracking_code
from .throttles import ComplaintLookupThrottle, ComplaintSubmitThrottle


class ReportSubmitThrottle(ComplaintSubmitThrottle):
    """The public complaint intake's limit (``COMPLAINT_SUBMIT_RATE``), counted apart."""

    scope = "report-submit"


class ReportLookupThrottle(ComplaintLookupThrottle):
    scope = "report-lookup"


def _service(service, **kwargs):
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        raise exceptions.ValidationError(detail_from_django(exc)) from exc


class PublicReportCreateView(APIView):
    """Anyone, anonymous or real-name: a report of a suspected violation → 201 with a tracking
    code."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ReportSubmitThrottle]

    @extend_schema(request=s.ReportSubmitSerializer, responses={201: s.ReportSubmittedSerializer})
    def post(self, request):
        serializer = s.ReportSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = _service(report_services.report_submit, **serializer.validated_data)
        return Response(
            {
                "tracking_code": report.display_code,
                "status": report.status,
                "status_url": f"/api/v1/public/reports/{report.display_code}/",
            },
            status=status.HTTP_201_CREATED,
        )


class PublicReportStatusView(APIView):
    """Anyone with the tracking code: stage, decision and due date — never the reporter. A
    malformed and an unknown code get the same 404."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ReportLookupThrottle]

    @extend_schema(responses=s.PublicReportSerializer)
    def get(self, request, code: str):
        normalized = normalize_tracking_code(code)
        report = Report.objects.filter(tracking_code=normalized).first() if normalized else None
        if report is None:
            raise exceptions.NotFound()
        return Response(s.PublicReportSerializer(report).data)


class ReportViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Reports for the regulators of the place; the reporter only for the handling county."""

    queryset = Report.objects.order_by("-received_at", "-id")
    serializer_class = s.ReportSerializer
    pagination_class = StandardPagination
    filterset_class = ReportFilterSet

    def get_serializer_class(self):
        return s.ReportListSerializer if self.action == "list" else s.ReportSerializer

    def _detail(self, report):
        context = {
            **self.get_serializer_context(),
            "show_reporter": report_policy.may_see_reporter(self.request.user, report),
        }
        return Response(s.ReportSerializer(report, context=context).data)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    def _act(self, request, pk, serializer_class, service, **mapping):
        report = self.get_object()  # 404 for a report the user may not see
        report_policy.require_handler(request.user, report)  # 403 before reading the input
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        kwargs = {mapping.get(k, k): v for k, v in data.validated_data.items()}
        report = _service(service, report_id=int(pk), actor=request.user, **kwargs)
        return self._detail(report)

    @extend_schema(request=s.ReportReasonSerializer, responses=s.ReportSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """The clue is checked (penalty procedure Art. 18); the case decision comes next."""
        return self._act(request, pk, s.ReportReasonSerializer, report_services.report_verify)

    @extend_schema(request=s.ReportOpenCaseSerializer, responses=s.ReportSerializer)
    @action(detail=True, methods=["post"], url_path="open-case", url_name="open-case")
    def open_case(self, request, pk=None):
        """A case is opened; optionally linked to the incident or recall it led to."""
        return self._act(
            request,
            pk,
            s.ReportOpenCaseSerializer,
            report_services.report_open_case,
            incident="incident_id",
            recall="recall_id",
        )

    @extend_schema(request=s.ReportRequiredReasonSerializer, responses=s.ReportSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """No case is opened; the reason is what the reporter is told."""
        return self._act(
            request, pk, s.ReportRequiredReasonSerializer, report_services.report_decline
        )

    @extend_schema(request=s.ReportRequiredReasonSerializer, responses=s.ReportSerializer)
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        """Extend the check once by 15 working days (penalty procedure Art. 18), with a reason."""
        return self._act(
            request, pk, s.ReportRequiredReasonSerializer, report_services.report_extend
        )

    @extend_schema(request=s.ReportReasonSerializer, responses=s.ReportSerializer)
    @action(detail=True, methods=["post"], url_path="tell-reporter", url_name="tell-reporter")
    def tell_reporter(self, request, pk=None):
        """Record that the real-name reporter was told the decision (Order 20 Art. 31 ¶2)."""
        return self._act(
            request, pk, s.ReportReasonSerializer, report_services.report_tell_reporter
        )

    @extend_schema(responses=s.ReportTimelineSerializer(many=True))
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        report = self.get_object()
        rows = report.timeline.select_related("actor_organization").order_by("at", "id")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.ReportTimelineSerializer(page, many=True).data)
