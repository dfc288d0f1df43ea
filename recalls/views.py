"""The recalls API (signed in): recalls, their scope, notices, timeline, actions and reports."""

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.viewsets import ScopedViewSetMixin

from . import policy, services
from .drill import recall_drill
from .filters import RecallFilterSet
from .models import Recall, RecallNotice, RecallSummaryReport
from .selectors import pending_scope_changes
from .serializers import (
    ActivateInput,
    DecideObjectionInput,
    DrillInput,
    DrillSerializer,
    NoticeSerializer,
    OrderInput,
    ProgressReportInput,
    ProgressReportSerializer,
    RecallCloseSerializer,
    RecallCreateSerializer,
    RecallReasonSerializer,
    RecallSerializer,
    RecallTimelineSerializer,
    RecallUpdateSerializer,
    ScopeLotSerializer,
    ScopeUpdateSerializer,
    SummaryReportInput,
    SummaryReportSerializer,
)

_REASON_ACTIONS = {
    "object": services.recall_object,
    "terminate": services.recall_terminate,
    "cancel": services.recall_cancel,
}


@extend_schema(tags=["recalls"])
class RecallViewSet(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Defect recalls: voluntary (opened by the producer) or ordered (by a regulator)."""

    queryset = (
        Recall.objects.select_related("producer", "ordered_by")
        .prefetch_related("incidents")
        .annotate(
            lots=Count("scope_batches", filter=Q(scope_batches__included=True), distinct=True),
            consignees=Count("notices", filter=Q(notices__included=True), distinct=True),
            answered=Count(
                "notices",
                filter=Q(notices__included=True, notices__acknowledged_at__isnull=False),
                distinct=True,
            ),
        )
        .order_by("-id")
    )
    serializer_class = RecallSerializer
    filterset_class = RecallFilterSet
    ordering_fields = ["id", "activated_at", "created_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _recall(self, action: str | None = None) -> Recall:
        """The recall named in the URL (404 if not yours to see). A write is only for its
        parties, the producer and the regulators of the place; a consignee acknowledges through
        its link. Who may take ``action`` (``policy.require``) is decided here,
        before the body is read: the wrong party gets 403 naming the rule, not a 400 about its
        input nor a 409 about the state (the authorization matrix)."""
        recall = self.get_object()
        if self.request.method not in permissions.SAFE_METHODS:
            policy.require_party(self.request.user, recall)
        if action is not None:
            policy.require(self.request.user, action, recall)
        return recall

    def _can_see_scope(self, recall: Recall) -> bool:
        return policy.can(self.request.user, "act", recall)

    def _out(self, recall: Recall, code=status.HTTP_200_OK) -> Response:
        return Response(RecallSerializer(self.get_queryset().get(pk=recall.pk)).data, status=code)

    @extend_schema(
        request=RecallCreateSerializer,
        responses={201: RecallSerializer},
        summary="Open a recall in draft (from lots, or from an incident), its scope proposed from the trace graph",
    )
    def create(self, request):
        s = RecallCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        incident_id = data.pop("incident", None)
        if incident_id is not None:
            recall = services.recall_create_from_incident(
                actor=request.user, incident_id=incident_id, **data
            )
        else:
            recall = services.recall_create(
                actor=request.user, batch_ids=data.pop("batches"), **data
            )
        return self._out(recall, status.HTTP_201_CREATED)

    @extend_schema(
        request=RecallUpdateSerializer,
        responses={200: RecallSerializer},
        summary="Edit a draft's plan, or re-file a filed plan (versioned; reason required)",
    )
    def partial_update(self, request, pk=None):
        recall = self._recall("update_plan")
        s = RecallUpdateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        reason = data.pop("reason", "")
        recall = services.recall_update_plan(
            recall_id=recall.pk, actor=request.user, changes=data, reason=reason
        )
        return self._out(recall)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            raise exceptions.MethodNotAllowed(request.method)
        return self.partial_update(request, kwargs.get("pk"))

    @extend_schema(
        methods=["get"],
        responses={200: ScopeLotSerializer(many=True)},
        summary="The scope: lots and holders with quantities",
    )
    @extend_schema(
        methods=["post"],
        request=ScopeUpdateSerializer,
        responses={200: ScopeLotSerializer(many=True)},
        summary="Confirm the proposed scope, or edit it (a reason per edit)",
    )
    @action(detail=True, methods=["get", "post"], url_path="scope", url_name="scope")
    def recall_scope(self, request, pk=None):  # not ``scope``: the base viewset's tenancy hook
        recall = self._recall("edit_scope" if request.method == "POST" else None)
        if not self._can_see_scope(recall):
            raise exceptions.PermissionDenied(
                _("Only the producer and the regulators see a recall's whole scope.")
            )
        if request.method == "POST":
            s = ScopeUpdateSerializer(data=request.data)
            s.is_valid(raise_exception=True)
            recall = services.recall_edit_scope(
                recall_id=recall.pk, actor=request.user, **s.validated_data
            )
        lots = recall.scope_batches.select_related("batch__product").order_by("distance", "id")
        holders = recall.notices.select_related("organization").order_by("id")
        holdings = recall.holdings.select_related("organization", "batch").order_by(
            "organization_id", "batch_id"
        )
        return Response(
            {
                "recall": recall.number,
                "proposed_at": recall.scope_proposed_at,
                "confirmed_at": recall.scope_confirmed_at,
                # Changes found when the start brought the scope up to date, not yet confirmed.
                "pending_changes": pending_scope_changes(recall),
                "units_planned": recall.units_planned,
                "units_producer_held": recall.units_producer_held,
                "units_sold": recall.units_sold,
                "lots": ScopeLotSerializer(lots, many=True).data,
                "holders": [
                    {
                        "organization": {
                            "id": n.organization_id,
                            "name": n.organization.name,
                            "region_code": n.organization.region_code,
                        },
                        "included": n.included,
                        "edit_reason": n.edit_reason,
                        "lots": n.lots,
                        "received": n.received,
                        "sold_on": n.sold_on,
                        "held": n.held,
                    }
                    for n in holders
                ],
                "holdings": [
                    {
                        "organization": h.organization_id,
                        "organization_name": h.organization.name,
                        "batch": h.batch_id,
                        "lot": h.batch.lot,
                        "produced": h.produced,
                        "received": h.received,
                        "sold_on": h.sold_on,
                        "used": h.used,
                        "held": h.held,
                    }
                    for h in holdings
                ],
            }
        )

    @extend_schema(
        responses={200: RecallTimelineSerializer(many=True)},
        summary="Everything that happened, in order",
    )
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        recall = self._recall()
        rows = recall.timeline.select_related("actor", "actor_organization").order_by("at", "id")
        if not self._can_see_scope(recall):
            rows = rows.filter(
                Q(data__organization=self.organization.pk)
                | Q(actor_organization=self.organization)
                | Q(action__in=["activated", "completed", "closed", "terminated"])
            )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(RecallTimelineSerializer(page, many=True).data)

    @extend_schema(
        responses={200: NoticeSerializer(many=True)},
        summary="Consignee notices (a consignee sees its own, with its ack_url)",
    )
    @action(detail=True, methods=["get"])
    def notices(self, request, pk=None):
        recall = self._recall()
        rows = (
            RecallNotice.objects.filter(recall=recall).select_related("organization").order_by("id")
        )
        own = not self._can_see_scope(recall)
        if own:
            rows = rows.filter(organization=self.organization, included=True)
        page = self.paginate_queryset(rows)
        ack_urls = {}
        for notice in page:
            if notice.organization_id == self.organization.pk and notice.notified_at is not None:
                ack_urls[notice.pk] = services.current_ack_url(notice)
        return self.get_paginated_response(
            NoticeSerializer(page, many=True, context={"ack_urls": ack_urls}).data
        )

    def _transition(self, recall: Recall, service, **kwargs) -> Response:
        return self._out(service(recall_id=recall.pk, actor=self.request.user, **kwargs))

    def _reason(self, serializer_class=RecallReasonSerializer) -> dict:
        s = serializer_class(data=self.request.data)
        s.is_valid(raise_exception=True)
        return dict(s.validated_data)

    @extend_schema(request=None, responses={200: RecallSerializer}, summary="File the plan (备案)")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._transition(self._recall("submit"), services.recall_submit)

    @extend_schema(
        request=RecallReasonSerializer,
        responses={200: RecallSerializer},
        summary="A regulator acknowledges the filed plan",
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        recall = self._recall("approve")
        return self._transition(recall, services.recall_approve, note=self._reason()["reason"])

    @extend_schema(
        request=ActivateInput,
        responses={200: RecallSerializer},
        summary="Start the recall: scope brought up to date, lots recalled, consignees notified, "
        "consumer pages warn",
        description=(
            "The scope is computed again from the trace graph first. When it changed since it "
            "was confirmed the answer is 409 problem+json of type scope-changed whose "
            "``scope_changes`` lists each change (lots and consignees added, consignees changed "
            "or removed, units before and after); post again with ``confirm_scope: true`` to "
            "confirm them and start."
        ),
    )
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        recall = self._recall("activate")
        s = ActivateInput(data=request.data)
        s.is_valid(raise_exception=True)
        try:
            return self._transition(recall, services.recall_activate, **s.validated_data)
        except services.ScopeChanged as exc:
            response = self.handle_exception(exc)
            response.data["scope_changes"] = exc.changes  # an RFC 9457 extension member
            return response

    def _reason_action(self, name: str) -> Response:
        recall = self._recall(name)
        return self._transition(recall, _REASON_ACTIONS[name], reason=self._reason()["reason"])

    @extend_schema(
        request=RecallReasonSerializer,
        responses={200: RecallSerializer},
        summary="The producer objects, with its reasons, to a notice to recall "
        "(SAMR Order 19 Art. 13: within 10 working days)",
    )
    @action(detail=True, methods=["post"], url_path="object")
    def object_(self, request, pk=None):
        return self._reason_action("object")

    @extend_schema(
        request=DecideObjectionInput,
        responses={200: RecallSerializer},
        summary="A regulator decides the producer's objection (SAMR Order 19 Art. 13), "
        "noting the expert review; upheld withdraws the recall, not upheld lets it start",
    )
    @action(detail=True, methods=["post"], url_path="decide-objection")
    def decide_objection(self, request, pk=None):
        recall = self._recall("decide_objection")
        s = DecideObjectionInput(data=request.data)
        s.is_valid(raise_exception=True)
        return self._transition(recall, services.recall_decide_objection, **s.validated_data)

    @extend_schema(
        request=OrderInput,
        responses={200: RecallSerializer},
        summary="SAMR orders the recall once the notice to recall stands (SAMR Order 19 Art. 14): "
        "after the objection window, or an objection decided and not upheld",
    )
    @action(detail=True, methods=["post"], url_path="order")
    def order(self, request, pk=None):
        recall = self._recall("order")
        s = OrderInput(data=request.data)
        s.is_valid(raise_exception=True)
        return self._transition(recall, services.recall_order, **s.validated_data)

    @extend_schema(
        request=RecallReasonSerializer,
        responses={200: RecallSerializer},
        summary="Stop a recall early",
    )
    @action(detail=True, methods=["post"])
    def terminate(self, request, pk=None):
        return self._reason_action("terminate")

    @extend_schema(
        request=RecallReasonSerializer,
        responses={200: RecallSerializer},
        summary="Withdraw a recall that has not started",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._reason_action("cancel")

    @extend_schema(
        request=RecallReasonSerializer,
        responses={200: RecallSerializer},
        summary="The producer reports the plan carried out; the summary report falls due "
        "(only a regulator then closes it)",
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        recall = self._recall("complete")
        return self._transition(recall, services.recall_complete, note=self._reason()["reason"])

    @extend_schema(
        request=RecallCloseSerializer,
        responses={200: RecallSerializer},
        summary="A regulator closes (terminates) the recall after evaluating it: target met "
        "and all answered, or override with a reason; the producer completes instead (403)",
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        recall = self._recall("close")
        return self._transition(
            recall, services.recall_close, **self._reason(RecallCloseSerializer)
        )

    @extend_schema(methods=["get"], responses={200: ProgressReportSerializer(many=True)})
    @extend_schema(
        methods=["post"],
        request=ProgressReportInput,
        responses={201: ProgressReportSerializer},
        summary="File a progress report",
    )
    @action(detail=True, methods=["get", "post"], url_path="progress-reports")
    def progress_reports(self, request, pk=None):
        recall = self._recall("progress_report" if request.method == "POST" else None)
        if request.method == "POST":
            s = ProgressReportInput(data=request.data)
            s.is_valid(raise_exception=True)
            report = services.recall_file_progress_report(
                recall_id=recall.pk, actor=request.user, **s.validated_data
            )
            return Response(ProgressReportSerializer(report).data, status=status.HTTP_201_CREATED)
        if not self._can_see_scope(recall):
            raise exceptions.PermissionDenied(
                _("Only the producer and the regulators see the reports.")
            )
        page = self.paginate_queryset(recall.progress_reports.order_by("sequence"))
        return self.get_paginated_response(ProgressReportSerializer(page, many=True).data)

    @extend_schema(methods=["get"], responses={200: SummaryReportSerializer})
    @extend_schema(
        methods=["post"],
        request=SummaryReportInput,
        responses={201: SummaryReportSerializer},
        summary="File the summary report",
    )
    @action(detail=True, methods=["get", "post"], url_path="summary-report")
    def summary_report(self, request, pk=None):
        recall = self._recall("summary_report" if request.method == "POST" else None)
        if request.method == "POST":
            s = SummaryReportInput(data=request.data)
            s.is_valid(raise_exception=True)
            report = services.recall_file_summary_report(
                recall_id=recall.pk, actor=request.user, **s.validated_data
            )
            return Response(SummaryReportSerializer(report).data, status=status.HTTP_201_CREATED)
        if not self._can_see_scope(recall):
            raise exceptions.PermissionDenied(
                _("Only the producer and the regulators see the reports.")
            )
        report = RecallSummaryReport.objects.filter(recall=recall).first()
        if report is None:
            raise exceptions.NotFound(_("No summary report has been filed."))
        return Response(SummaryReportSerializer(report).data)

    @extend_schema(
        request=DrillInput,
        responses={201: DrillSerializer},
        summary="Mock recall: scope, notices and an acknowledgement round timed; nothing changes",
    )
    @action(detail=False, methods=["post"])
    def drill(self, request):
        s = DrillInput(data=request.data)
        s.is_valid(raise_exception=True)
        drill = recall_drill(actor=request.user, batch_ids=s.validated_data["batches"])
        return Response(DrillSerializer(drill).data, status=status.HTTP_201_CREATED)
