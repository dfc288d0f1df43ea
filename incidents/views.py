from trace.models import Batch

from django.db.models import Count
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import IsMember, organization_of
from api.viewsets import ScopedViewSetMixin
from core.models import Organization

from . import escalation, policy, services
from . import serializers as s
from .attachments import incident_attach
from .choices import OPEN_STATUSES, Grade, Status
from .filters import IncidentApiFilterSet
from .listing import IncidentPagination, batch_ids
from .models import Incident


class IncidentViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Quality-safety incidents: reported by enterprises, handled and passed up by regulators."""

    queryset = Incident.objects.select_related("reporter").prefetch_related("batch_links")
    serializer_class = s.IncidentSerializer
    filterset_class = IncidentApiFilterSet
    pagination_class = IncidentPagination
    permission_classes = [IsMember]
    ordering_fields = ["reported_at", "occurred_at", "grade", "status", "next_due_at", "id"]

    def get_serializer_class(self):
        return s.IncidentListSerializer if self.action == "list" else s.IncidentSerializer

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action != "list":
            return queryset
        # The list counts on this queryset (no join) and reads its page as value rows with the
        # reporter's name (``listing.CountOncePaginator``), then the batch ids in one more query:
        # three a page, whatever its size.
        return queryset.select_related(None).prefetch_related(None)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = s.IncidentListSerializer.rows(page, batch_ids([row["id"] for row in page]))
        return self.get_paginated_response(rows)

    def _respond(self, incident, code=status.HTTP_200_OK):
        incident = (
            self.get_queryset()
            .model.objects.prefetch_related("batch_links")
            .select_related("reporter")
            .get(pk=incident.pk)
        )
        return Response(
            s.IncidentSerializer(incident, context=self.get_serializer_context()).data, status=code
        )

    @extend_schema(request=s.IncidentCreateSerializer, responses={201: s.IncidentSerializer})
    def create(self, request):
        data = s.IncidentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        org = organization_of(request.user)
        common = dict(
            actor=request.user,
            title=v["title"],
            description=v["description"],
            kind=v["kind"],
            category=v["category"],
            recalled_abroad=v["recalled_abroad"],
            batch_ids=v["batches"],
            region_code=v["region_code"],
            occurred_at=v["occurred_at"],
            discovered_at=v["discovered_at"],
            deaths=v["deaths"],
            serious_injuries=v["serious_injuries"],
            minor_injuries=v["minor_injuries"],
            direct_loss=v["direct_loss"],
            affected_quantity=v.get("affected_quantity"),
            measures_taken=v["measures_taken"],
        )
        if org.is_regulator:
            enterprise = None
            if v.get("enterprise"):
                enterprise = Organization.objects.filter(
                    pk=v["enterprise"], kind="enterprise"
                ).first()
                if enterprise is None:
                    raise exceptions.ValidationError(
                        {
                            "enterprise": [
                                exceptions.ErrorDetail(
                                    _("Unknown enterprise."), code="does_not_exist"
                                )
                            ]
                        }
                    )
            incident = services.incident_open(
                source=v.get("source") or "inspection", enterprise=enterprise, **common
            )
        else:
            incident = services.incident_report(**common)
        return self._respond(incident, status.HTTP_201_CREATED)

    def _act(self, request, pk, serializer_class, service, **mapping):
        incident = self.get_object()  # 404 for an incident the user may not see
        # Who may act is decided before the input is read: the wrong enterprise or level gets 403
        # naming the rule, not a 400 that reads as "allowed" nor a 409 about the state.
        action_name = self.action.replace("_", "-")
        services.incident_require_actor(incident=incident, actor=request.user, action=action_name)
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        kwargs = {mapping.get(k, k): v for k, v in data.validated_data.items()}
        incident = service(incident_id=int(pk), actor=request.user, **kwargs)
        return self._respond(incident)

    @extend_schema(request=s.ReasonSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._act(request, pk, s.ReasonSerializer, services.incident_accept)

    @extend_schema(request=s.RequiredReasonSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._act(request, pk, s.RequiredReasonSerializer, services.incident_reject)

    @extend_schema(request=s.MergeSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        return self._act(request, pk, s.MergeSerializer, services.incident_merge, into="into_id")

    @extend_schema(request=s.ReportUpSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"], url_path="report-up", url_name="report-up")
    def report_up(self, request, pk=None):
        return self._act(request, pk, s.ReportUpSerializer, services.incident_report_up)

    @extend_schema(request=s.GradeSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"])
    def grade(self, request, pk=None):
        return self._act(request, pk, s.GradeSerializer, services.incident_grade)

    @extend_schema(request=s.ReasonSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"])
    def respond(self, request, pk=None):
        return self._act(request, pk, s.ReasonSerializer, services.incident_respond)

    @extend_schema(request=s.ReasonSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"])
    def investigate(self, request, pk=None):
        return self._act(request, pk, s.ReasonSerializer, services.incident_investigate)

    @extend_schema(request=s.RequiredReasonSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        return self._act(request, pk, s.RequiredReasonSerializer, services.incident_extend)

    @extend_schema(request=s.ConcludeSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"])
    def conclude(self, request, pk=None):
        return self._act(request, pk, s.ConcludeSerializer, services.incident_conclude)

    @extend_schema(request=s.TransferSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        return self._act(request, pk, s.TransferSerializer, services.incident_transfer)

    @extend_schema(request=s.ReasonSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._act(request, pk, s.ReasonSerializer, services.incident_close)

    @extend_schema(request=s.SupplementSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"])
    def supplement(self, request, pk=None):
        return self._act(request, pk, s.SupplementSerializer, services.incident_supplement)

    @extend_schema(request=s.AnswerSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """The enterprise the incident names answers it (its statement on the timeline)."""
        return self._act(request, pk, s.AnswerSerializer, services.incident_answer)

    @extend_schema(request=s.ReasonSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self._act(request, pk, s.ReasonSerializer, services.incident_acknowledge)

    def _escalate(self, request, pk, serializer_class, service):
        incident = self.get_object()
        action_name = self.action.replace("_", "-")
        escalation.escalation_require_actor(
            incident=incident, actor=request.user, action=action_name
        )
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        incident = service(incident_id=int(pk), actor=request.user, **data.validated_data)
        return self._respond(incident)

    @extend_schema(request=s.ReasonSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"], url_path="take-over", url_name="take-over")
    def take_over(self, request, pk=None):
        """The level holding the incident, above the level handling it, takes the case over."""
        return self._escalate(request, pk, s.ReasonSerializer, escalation.incident_take_over)

    @extend_schema(request=s.UrgeSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"])
    def urge(self, request, pk=None):
        """The level holding the incident urges the handling level to act by a deadline."""
        return self._escalate(request, pk, s.UrgeSerializer, escalation.incident_urge)

    @extend_schema(request=s.RequiredReasonSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"], url_path="hand-back", url_name="hand-back")
    def hand_back(self, request, pk=None):
        """The level that took the case over hands it back, with a reason."""
        return self._escalate(
            request, pk, s.RequiredReasonSerializer, escalation.incident_hand_back
        )

    @extend_schema(responses=s.TimelineSerializer(many=True))
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        incident = self.get_object()
        rows = incident.timeline.select_related("actor", "actor_organization").order_by("at", "id")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.TimelineSerializer(page, many=True).data)

    @extend_schema(responses=s.CountsSerializer)
    @action(detail=False, methods=["get"])
    def counts(self, request):
        """Counts by grade and by status over the same filters as the list."""
        queryset = self.filter_queryset(self.get_queryset()).order_by()
        by_grade = dict.fromkeys(Grade.values, 0)
        by_status = dict.fromkeys(Status.values, 0)
        total = 0
        for row in queryset.values("grade", "status").annotate(n=Count("id")):
            by_grade[row["grade"]] += row["n"]
            by_status[row["status"]] += row["n"]
            total += row["n"]
        return Response({"total": total, "by_grade": by_grade, "by_status": by_status})

    @extend_schema(methods=["get"], responses=s.AttachmentSerializer(many=True))
    @extend_schema(
        methods=["post"],
        request={"multipart/form-data": s.AttachmentUploadSerializer},
        responses={201: s.AttachmentSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def attachments(self, request, pk=None):
        incident = self.get_object()
        if request.method == "GET":
            return Response(
                s.AttachmentSerializer(incident.attachments.order_by("id"), many=True).data
            )
        upload = s.AttachmentUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        attachment = incident_attach(
            incident_id=incident.pk, actor=request.user, upload=upload.validated_data["file"]
        )
        return Response(s.AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>\d+)",
        url_name="attachment-download",
    )
    def attachment_download(self, request, pk=None, attachment_id=None):
        incident = self.get_object()  # only those who may see the incident reach the file
        attachment = incident.attachments.filter(pk=attachment_id).first()
        if attachment is None:
            raise exceptions.NotFound()
        response = FileResponse(
            attachment.file.open("rb"),
            content_type=attachment.content_type,
            as_attachment=True,
            filename=attachment.original_name,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class BatchIncidentsView(APIView):
    """Open incidents on a batch, for its producer and the regulators who see them."""

    permission_classes = [IsMember]

    @extend_schema(responses=s.IncidentSerializer(many=True))
    def get(self, request, batch_id: int):
        org = organization_of(request.user)
        batch = (
            Batch.objects.visible_to(request.user)
            .select_related("product")
            .filter(pk=batch_id)
            .first()
        )
        if batch is None:
            raise exceptions.NotFound()
        if not policy.may_list_batch_incidents(org, batch):
            raise exceptions.PermissionDenied()
        incidents = (
            Incident.objects.visible_to(request.user)
            .filter(batch_links__batch=batch, status__in=OPEN_STATUSES)
            .select_related("reporter")
            .prefetch_related("batch_links")
            .order_by("-reported_at", "-id")
        )
        return Response(s.IncidentSerializer(incidents, many=True).data)
