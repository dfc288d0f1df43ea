"""The complaints API: anonymous submission and status lookup for consumers' apps, the
regulators' complaint list and actions, risk signals, and the public consumer warnings."""

from trace.models import Batch

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api.exceptions import detail_from_django
from api.pagination import StandardPagination
from api.parsing import DepthLimitedJSONParser, query_id
from api.permissions import IsMember
from api.viewsets import ScopedViewSetMixin
from incidents.models import Incident

from . import escalation, policy, report_services, risk, services
from . import report_serializers as rs
from . import serializers as s
from .filters import ComplaintFilterSet
from .models import Complaint, ConsumerWarning, RiskSignal
from .privacy import normalize_tracking_code
from .throttles import (
    ComplaintLookupThrottle,
    ComplaintSubmitThrottle,
    ComplaintWithdrawThrottle,
)


def find_batch(gtin: str, lot: str) -> Batch:
    batch = Batch.objects.select_related("product__owner").filter(gtin=gtin, lot=lot).first()
    if batch is None:
        raise exceptions.ValidationError(
            {
                "code": [
                    exceptions.ErrorDetail(
                        _("No lot with this product code and lot number is known here."),
                        code="unknown_code",
                    )
                ]
            }
        )
    return batch


def submit(request, data) -> Complaint:
    """Validate and submit (shared by the API and the phone form)."""
    serializer = s.ComplaintSubmitSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    v = serializer.validated_data
    batch = find_batch(v["gtin"], v["lot"])
    try:
        return services.complaint_submit(
            batch=batch,
            description=v["description"],
            injured=v["injured"],
            contact_name=v["contact_name"],
            contact_phone=v["contact_phone"],
            contact_address=v["contact_address"],
            claim=v.get("claim") or "",
            claim_detail=v["claim_detail"],
            respondent=v["respondent"],
            consents_mediation=v["consents_mediation"],
            strict=v["strict"],
            photos=v["photos"],
            seller_region_code=v["seller_region_code"],
        )
    except DjangoValidationError as exc:
        raise exceptions.ValidationError(detail_from_django(exc)) from exc


class PublicComplaintCreateView(APIView):
    """Anonymous: a consumer's complaint about a lot → 201 with a tracking code."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ComplaintSubmitThrottle]
    parser_classes = [MultiPartParser, FormParser, DepthLimitedJSONParser]

    @extend_schema(
        request={
            "multipart/form-data": s.ComplaintSubmitSerializer,
            "application/json": s.ComplaintSubmitSerializer,
        },
        responses={201: s.ComplaintSubmittedSerializer},
    )
    def post(self, request):
        data = request.data
        if hasattr(data, "getlist"):
            data = {
                **{k: data.get(k) for k in data if k != "photos"},
                "photos": request.FILES.getlist("photos"),
            }
        complaint = submit(request, data)
        missing = (
            complaint.timeline.filter(action="submitted").values_list("data", flat=True).first()
            or {}
        ).get("missing", [])
        return Response(
            {
                "tracking_code": complaint.display_code,
                "status": complaint.status,
                "status_url": f"/api/v1/public/complaints/{complaint.display_code}/",
                "complete": complaint.complete,
                "missing": missing,
                "report_url": "/api/v1/public/reports/",
            },
            status=status.HTTP_201_CREATED,
        )


class PublicComplaintStatusView(APIView):
    """Anonymous: the status and reply of one complaint, by its tracking code. A malformed and an
    unknown code get the same 404."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ComplaintLookupThrottle]

    @extend_schema(responses=s.PublicComplaintSerializer)
    def get(self, request, tracking_code: str):
        return Response(s.PublicComplaintSerializer(lookup(tracking_code)).data)


class PublicComplaintWithdrawView(APIView):
    """Anonymous: the complainant withdraws the complaint (SAMR Order 20 Art. 21 ¶1 (1)) with its
    tracking code and the last four digits of the phone number given at filing. Unknown code:
    404; digits that do not match: 403; a final outcome already: 409 naming the status.
    Rate-limited like the public intake."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ComplaintWithdrawThrottle]

    @extend_schema(
        request=s.PublicWithdrawSerializer,
        responses={200: s.PublicComplaintSerializer},
        summary="Withdraw a complaint (the complainant)",
    )
    def post(self, request, tracking_code: str):
        serializer = s.PublicWithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        complaint = services.complaint_withdraw_by_complainant(
            tracking_code=tracking_code, **serializer.validated_data
        )
        return Response(s.PublicComplaintSerializer(complaint).data)


def lookup(tracking_code: str) -> Complaint:
    code = normalize_tracking_code(tracking_code)
    complaint = (
        Complaint.objects.select_related("batch__product").filter(tracking_code=code).first()
        if code
        else None
    )
    if complaint is None:
        raise exceptions.NotFound()
    return complaint


class ComplaintViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Complaints for the regulators of the place; contact details only for the handling county."""

    queryset = (
        Complaint.objects.select_related("batch")
        .annotate(photo_n=Count("photos"))
        .order_by("-submitted_at", "-id")
    )
    serializer_class = s.ComplaintSerializer
    pagination_class = StandardPagination
    filterset_class = ComplaintFilterSet

    def get_serializer_class(self):
        return s.ComplaintListSerializer if self.action == "list" else s.ComplaintSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "tracking_code", description="The consumer's tracking code (with or without -)."
            ),
            OpenApiParameter(
                "respondent", description="Part of the respondent's name (seller or maker)."
            ),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        params = self.request.query_params
        if "tracking_code" in params:
            code = normalize_tracking_code(params["tracking_code"])
            queryset = queryset.filter(tracking_code=code) if code else queryset.none()
        respondent = params.get("respondent", "").strip()
        if respondent:
            queryset = queryset.filter(respondent_name__icontains=respondent)
        return queryset

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.action != "list" and self.kwargs.get("pk"):
            complaint = Complaint.objects.filter(pk=self.kwargs["pk"]).first()
            context["show_contact"] = complaint is not None and policy.can(
                self.request.user, "see-contact", complaint
            )
        return context

    def _act(self, request, pk, serializer_class, service, **mapping):
        complaint = self.get_object()  # 404 for a complaint the user may not see
        policy.require(request.user, self.action.replace("_", "-"), complaint)  # 403 first
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        kwargs = {mapping.get(k, k): v for k, v in data.validated_data.items()}
        try:
            complaint = service(complaint_id=int(pk), actor=request.user, **kwargs)
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(detail_from_django(exc)) from exc
        return Response(
            s.ComplaintSerializer(complaint, context=self.get_serializer_context()).data
        )

    @extend_schema(request=s.ComplaintReasonSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._act(request, pk, s.ComplaintReasonSerializer, services.complaint_accept)

    @extend_schema(request=s.ComplaintDeclineSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """Not accepted, on a ground of SAMR Order 20 Art. 15, with the reason told."""
        return self._act(request, pk, s.ComplaintDeclineSerializer, services.complaint_decline)

    @extend_schema(request=s.ComplaintPauseSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        """Testing or appraisal starts: the mediation clock stops (Consumer Rights Regulation
        Art. 46 ¶3); ``designated`` when the regulator named the body (Art. 47)."""
        return self._act(request, pk, s.ComplaintPauseSerializer, services.complaint_pause)

    @extend_schema(request=s.ComplaintReasonSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        """Testing is done: the clock runs again, the deadline moved by the time paused."""
        return self._act(request, pk, s.ComplaintReasonSerializer, services.complaint_resume)

    @extend_schema(request=s.ComplaintLinkRespondentSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"], url_path="link-respondent", url_name="link-respondent")
    def link_respondent(self, request, pk=None):
        """Link the respondent (Order 20 Art. 9 (2)) to the enterprise registered with this
        unified social credit code, when intake found none or more than one."""
        return self._act(
            request, pk, s.ComplaintLinkRespondentSerializer, services.complaint_link_respondent
        )

    @extend_schema(request=s.ComplaintAgreementSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"], url_path="record-agreement", url_name="record-agreement")
    def record_agreement(self, request, pk=None):
        """Mediation ends in an agreement, recorded as the mediation document (Order 20 Art. 22)."""
        return self._act(
            request, pk, s.ComplaintAgreementSerializer, services.complaint_record_agreement
        )

    @extend_schema(request=s.ComplaintTerminateSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def terminate(self, request, pk=None):
        """Mediation ends without agreement (Order 20 Art. 21 ¶1); both parties to be told
        within 7 working days (¶2)."""
        return self._act(request, pk, s.ComplaintTerminateSerializer, services.complaint_terminate)

    @extend_schema(request=s.ComplaintReasonSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """The complainant withdrew the complaint."""
        return self._act(request, pk, s.ComplaintReasonSerializer, services.complaint_withdraw)

    @extend_schema(request=s.ComplaintReasonSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"], url_path="notify-parties", url_name="notify-parties")
    def notify_parties(self, request, pk=None):
        """Both parties were told that mediation ended (Order 20 Art. 21 ¶2)."""
        return self._act(
            request, pk, s.ComplaintReasonSerializer, services.complaint_notify_parties
        )

    @extend_schema(request=s.ComplaintReplySerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        return self._act(request, pk, s.ComplaintReplySerializer, services.complaint_reply)

    @extend_schema(request=s.ComplaintForwardSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def forward(self, request, pk=None):
        return self._act(request, pk, s.ComplaintForwardSerializer, services.complaint_forward)

    @extend_schema(request=s.ComplaintCloseSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._act(request, pk, s.ComplaintCloseSerializer, services.complaint_close)

    @extend_schema(request=s.ComplaintMergeSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        return self._act(
            request, pk, s.ComplaintMergeSerializer, services.complaint_merge, into="into_id"
        )

    @extend_schema(request=s.ComplaintConvertSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        return self._act(request, pk, s.ComplaintConvertSerializer, services.complaint_convert)

    def _escalate(self, request, pk, serializer_class, service):
        complaint = self.get_object()
        escalation.escalation_require_actor(
            complaint=complaint, actor=request.user, action=self.action.replace("_", "-")
        )
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = service(complaint_id=int(pk), actor=request.user, **data.validated_data)
        return Response(
            s.ComplaintSerializer(complaint, context=self.get_serializer_context()).data
        )

    @extend_schema(request=s.ComplaintReasonSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"], url_path="take-over", url_name="take-over")
    def take_over(self, request, pk=None):
        """The city takes over a complaint escalated to it (SAMR Order 20 Art. 12)."""
        return self._escalate(
            request, pk, s.ComplaintReasonSerializer, escalation.complaint_take_over
        )

    @extend_schema(request=s.ComplaintUrgeSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def urge(self, request, pk=None):
        """The city urges the county to act on an escalated complaint by a deadline."""
        return self._escalate(request, pk, s.ComplaintUrgeSerializer, escalation.complaint_urge)

    @extend_schema(request=s.ComplaintRequiredReasonSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"], url_path="hand-back", url_name="hand-back")
    def hand_back(self, request, pk=None):
        """The city hands a complaint it took over back to the county, with a reason."""
        return self._escalate(
            request, pk, s.ComplaintRequiredReasonSerializer, escalation.complaint_hand_back
        )

    @extend_schema(request=rs.ComplaintToReportSerializer, responses={201: rs.ReportSerializer})
    @action(detail=True, methods=["post"], url_path="to-report", url_name="to-report")
    def to_report(self, request, pk=None):
        """The handling regulator turns a complaint revealing a violation into a report (SAMR
        Order 20 Art. 7: two matters); the complaint goes on, each links the other."""
        complaint = self.get_object()
        policy.require(request.user, "to-report", complaint)
        data = rs.ComplaintToReportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            report = report_services.report_from_complaint(
                complaint_id=int(pk), actor=request.user, **data.validated_data
            )
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(detail_from_django(exc)) from exc
        return Response(
            rs.ReportSerializer(report, context={"show_reporter": False}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(responses=s.ComplaintTimelineSerializer(many=True))
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        complaint = self.get_object()
        rows = complaint.timeline.select_related("actor_organization").order_by("at", "id")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.ComplaintTimelineSerializer(page, many=True).data)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"], url_path=r"photos/(?P<photo_id>\d+)", url_name="photo")
    def photo(self, request, pk=None, photo_id=None):
        complaint = self.get_object()
        photo = complaint.photos.filter(pk=photo_id).first()
        if photo is None:
            raise exceptions.NotFound()
        response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(
        parameters=[OpenApiParameter("by", enum=["product", "batch", "region", "week"])],
        responses=s.InjuryGroupSerializer(many=True),
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="injury-groups",
        url_name="injury-groups",
        pagination_class=None,
    )
    def injury_groups(self, request):
        """Injury complaints and incidents with casualties, grouped by product, batch, region or
        week (seed 004), each from what the asker may see. ``casualties`` counts people: one per
        injury complaint, an incident's deaths + serious + minor injuries. The filters ``batch``
        and ``region_code`` narrow both sides; the others are the complaints' own."""
        by = request.query_params.get("by", "batch")
        if by not in ("product", "batch", "region", "week"):
            raise exceptions.ValidationError(
                {
                    "by": [
                        exceptions.ErrorDetail(
                            "product, batch, region or week", code="invalid_choice"
                        )
                    ]
                }
            )
        incidents = risk.injury_incidents().filter(
            pk__in=Incident.objects.visible_to(request.user).values("pk")
        )
        params = request.query_params
        batch_id = query_id(params, "batch")
        if batch_id is not None:
            incidents = incidents.filter(batch_links__batch_id=batch_id)
        if params.get("region_code"):
            incidents = incidents.filter(region_code=params["region_code"])
        complaints = self.filter_queryset(self.get_queryset())
        return Response(
            risk.injury_groups(complaints, incidents.distinct(), by=by, batch_id=batch_id)
        )


class RespondentComplaintViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The complaints against the asker's enterprise, once a regulator accepted them (SAMR Order
    20 Art. 16: mediation needs the respondent's consent): read without the complainant's phone
    or address; answer, agree to or refuse mediation (operators and admins)."""

    permission_classes = [IsMember]
    serializer_class = s.RespondentComplaintSerializer
    pagination_class = StandardPagination
    filterset_fields = ["status", "claim", "outcome"]

    def get_queryset(self):
        return (
            policy.respondent_complaints(self.request.user)
            .select_related("batch")
            .order_by("-accepted_at", "-id")
        )

    def _act(self, request, pk, serializer_class, service):
        complaint = self.get_object()
        policy.require(request.user, self.action.replace("_", "-"), complaint)
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            complaint = service(complaint_id=int(pk), actor=request.user, **data.validated_data)
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(detail_from_django(exc)) from exc
        return Response(s.RespondentComplaintSerializer(complaint).data)

    @extend_schema(request=s.ComplaintAnswerSerializer, responses=s.RespondentComplaintSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        return self._act(request, pk, s.ComplaintAnswerSerializer, services.complaint_answer)

    @extend_schema(
        request=s.ComplaintAgreeMediationSerializer, responses=s.RespondentComplaintSerializer
    )
    @action(detail=True, methods=["post"], url_path="agree-mediation", url_name="agree-mediation")
    def agree_mediation(self, request, pk=None):
        return self._act(
            request, pk, s.ComplaintAgreeMediationSerializer, services.complaint_agree_mediation
        )

    @extend_schema(request=s.ComplaintReasonSerializer, responses=s.RespondentComplaintSerializer)
    @action(detail=True, methods=["post"], url_path="refuse-mediation", url_name="refuse-mediation")
    def refuse_mediation(self, request, pk=None):
        return self._act(
            request, pk, s.ComplaintReasonSerializer, services.complaint_refuse_mediation
        )


class RiskSignalViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Risk signals: regulators of the place and the producer see them; regulators decide."""

    queryset = RiskSignal.objects.select_related("warning").prefetch_related(
        "batches", "complaints", "incidents"
    )
    serializer_class = s.RiskSignalSerializer
    pagination_class = StandardPagination
    filterset_fields = ["kind", "status"]

    def _act(self, request, pk, serializer_class, service):
        self.get_object()
        if not self.organization.is_regulator:  # 403 before looking at the input
            raise services.NotYourComplaint(
                _("Only a regulator of the place concerned decides on a risk signal.")
            )
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            result = service(signal_id=int(pk), actor=request.user, **data.validated_data)
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(detail_from_django(exc)) from exc
        return result

    @extend_schema(request=s.ComplaintReasonSerializer, responses=s.RiskSignalSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        signal = self._act(request, pk, s.ComplaintReasonSerializer, services.signal_confirm)
        return Response(
            s.RiskSignalSerializer(
                self.get_queryset().get(pk=signal.pk), context=self.get_serializer_context()
            ).data
        )

    @extend_schema(request=s.ComplaintRequiredReasonSerializer, responses=s.RiskSignalSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        signal = self._act(
            request, pk, s.ComplaintRequiredReasonSerializer, services.signal_dismiss
        )
        return Response(
            s.RiskSignalSerializer(
                self.get_queryset().get(pk=signal.pk), context=self.get_serializer_context()
            ).data
        )

    @extend_schema(
        request=s.ComplaintPublishSerializer, responses={201: s.ConsumerWarningSerializer}
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish the confirmed signal as a public, bilingual consumer warning."""
        warning = self._act(request, pk, s.ComplaintPublishSerializer, services.warning_publish)
        return Response(s.ConsumerWarningSerializer(warning).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=s.RiskSignalTimelineSerializer(many=True))
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        signal = self.get_object()
        rows = signal.timeline.select_related("actor_organization").order_by("at", "id")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.RiskSignalTimelineSerializer(page, many=True).data)


class PublicWarningViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Published consumer warnings, in Chinese and English, for anyone."""

    permission_classes = [AllowAny]
    authentication_classes = []
    queryset = ConsumerWarning.objects.prefetch_related("batches__product").order_by(
        "-published_at", "-id"
    )
    serializer_class = s.ConsumerWarningSerializer
    pagination_class = StandardPagination
