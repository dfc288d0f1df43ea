"""The credit API: the public disclosure of an enterprise's class, the regulators' list of the
enterprises they govern with their class, the full record, objections and repairs with their
decisions, and the award's declarations, written reports and revocation. Thin: the rules are in
``policy``, ``selectors`` and ``services``."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api.throttling import AnonRateThrottle
from core.models import Organization
from incidents.models import QualityAward

from . import policy, selectors, serializers, services
from .models import AwardDeclaration, CreditRequest

TAGS = ["credit"]
PAGE_SIZE = 100


def _enterprise(organization_id: int) -> Organization:
    org = get_object_or_404(Organization, pk=organization_id)
    if not org.is_enterprise:
        raise NotFound()
    return org


def _require_on(request, model, id: int, action: str, owner: str = "enterprise"):
    """The ``model`` row ``id`` (404 when there is none), once ``action`` on its enterprise is
    allowed to the caller (``policy.require``)."""
    found = model.objects.select_related(owner).filter(pk=id).first()
    if found is None:
        raise NotFound()
    policy.require(request.user, action, getattr(found, owner))
    return found


def full_record(enterprise: Organization) -> dict:
    record = selectors.credit_record(enterprise)
    return serializers.record_data(
        record,
        selectors.award_eligibility(enterprise, record),
        selectors.award_duties(enterprise, record),
        selectors.timeline(enterprise),
    )


class PublicCreditView(APIView):
    """An enterprise's credit class, the reasons with their articles and the period, for anyone
    (Hangzhou Art. 23, Xinjiang Art. 32)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [AnonRateThrottle]

    @extend_schema(tags=TAGS, responses={200: OpenApiTypes.OBJECT}, summary="Credit disclosure")
    def get(self, request, organization_id: int):
        record = selectors.credit_record(_enterprise(organization_id))
        response = Response(serializers.public_data(record))
        response["Cache-Control"] = "no-cache"
        return response


class CreditListView(APIView):
    """The enterprises the regulator governs, with their class (``?class=D`` filters)."""

    @extend_schema(
        tags=TAGS,
        responses={200: OpenApiTypes.OBJECT},
        summary="Credit classes",
        operation_id="api_v1_credit_list",
    )
    def get(self, request):
        regulator = policy.require_regulator(request.user)
        records = selectors.credit_records(
            selectors.enterprises_governed_by(regulator).order_by("name", "id")
        )
        rows = list(records.values())
        wanted = request.query_params.get("class", "")
        if wanted in selectors.CLASSES:
            rows = [r for r in rows if r.credit_class == wanted]
        page = Paginator(rows, PAGE_SIZE).get_page(request.query_params.get("page"))
        return Response(
            {
                "count": len(rows),
                "results": [serializers.matrix_row(r) for r in page.object_list],
            }
        )


class CreditRecordView(APIView):
    """The full record: facts, objections, repairs, award conditions and duties, timeline."""

    @extend_schema(tags=TAGS, responses={200: OpenApiTypes.OBJECT}, summary="Credit record")
    def get(self, request, organization_id: int):
        enterprise = _enterprise(organization_id)
        policy.require_visible(request.user, enterprise)
        return Response(full_record(enterprise))


class _RequestView(APIView):
    kind = ""

    def post(self, request, organization_id: int):
        enterprise = _enterprise(organization_id)
        policy.require(request.user, services.ACTION_OF_KIND[self.kind], enterprise)
        s = serializers.RequestInput(data=request.data)
        s.is_valid(raise_exception=True)
        created = services.request_file(
            actor=request.user, enterprise=enterprise, kind=self.kind, **s.validated_data
        )
        return Response(serializers.request_data(created), status=status.HTTP_201_CREATED)


class ObjectionView(_RequestView):
    kind = "objection"

    @extend_schema(
        tags=TAGS,
        request=serializers.RequestInput,
        responses={201: OpenApiTypes.OBJECT},
        summary="Object to a fact listed on the credit record",
    )
    def post(self, request, organization_id: int):
        return super().post(request, organization_id)


class RepairView(_RequestView):
    kind = "repair"

    @extend_schema(
        tags=TAGS,
        request=serializers.RequestInput,
        responses={201: OpenApiTypes.OBJECT},
        summary="Apply to repair credit for a listed fact",
    )
    def post(self, request, organization_id: int):
        return super().post(request, organization_id)


class DecideView(APIView):
    @extend_schema(
        tags=TAGS,
        request=serializers.DecideInput,
        responses={200: OpenApiTypes.OBJECT},
        summary="Decide an objection or a repair (a regulator governing the enterprise)",
    )
    def post(self, request, id: int):
        _require_on(request, CreditRequest, id, "decide")
        s = serializers.DecideInput(data=request.data)
        s.is_valid(raise_exception=True)
        decided = services.request_decide(actor=request.user, request_id=id, **s.validated_data)
        return Response(serializers.request_data(decided))


class DeclarationView(APIView):
    @extend_schema(
        tags=TAGS,
        request=serializers.DeclarationInput,
        responses={201: OpenApiTypes.OBJECT},
        summary="Declare an award condition with evidence",
    )
    def post(self, request, organization_id: int):
        enterprise = _enterprise(organization_id)
        policy.require(request.user, "declare", enterprise)
        s = serializers.DeclarationInput(data=request.data)
        s.is_valid(raise_exception=True)
        d = services.declaration_file(actor=request.user, enterprise=enterprise, **s.validated_data)
        return Response(
            {"id": d.pk, "condition": d.condition, "status": d.status},
            status=status.HTTP_201_CREATED,
        )


class VerifyView(APIView):
    @extend_schema(
        tags=TAGS,
        request=serializers.VerifyInput,
        responses={200: OpenApiTypes.OBJECT},
        summary="Verify or refuse a declaration (the award office)",
    )
    def post(self, request, id: int):
        _require_on(request, AwardDeclaration, id, "verify")
        s = serializers.VerifyInput(data=request.data)
        s.is_valid(raise_exception=True)
        d = services.declaration_verify(actor=request.user, declaration_id=id, **s.validated_data)
        return Response({"id": d.pk, "condition": d.condition, "status": d.status})


class AwardReportView(APIView):
    @extend_schema(
        tags=TAGS,
        request=serializers.AwardReportInput,
        responses={201: OpenApiTypes.OBJECT},
        summary="File an award holder's written report to the award office",
    )
    def post(self, request, organization_id: int):
        enterprise = _enterprise(organization_id)
        policy.require(request.user, "report", enterprise)
        s = serializers.AwardReportInput(data=request.data)
        s.is_valid(raise_exception=True)
        r = services.award_report_file(
            actor=request.user, enterprise=enterprise, **s.validated_data
        )
        return Response(
            {
                "id": r.pk,
                "trigger": r.trigger,
                "fact": r.fact,
                "confirmed_on": r.confirmed_on.isoformat(),
                "office": r.office_id,
            },
            status=status.HTTP_201_CREATED,
        )


class RevokeView(APIView):
    @extend_schema(
        tags=TAGS,
        request=serializers.RevokeInput,
        responses={201: OpenApiTypes.OBJECT},
        summary="Revoke an award on a ground of SIP award Art. 30 (the award office)",
    )
    def post(self, request, id: int):
        award = _require_on(request, QualityAward, id, "revoke", owner="organization")
        s = serializers.RevokeInput(data=request.data)
        s.is_valid(raise_exception=True)
        r = services.award_revoke(actor=request.user, award_id=id, **s.validated_data)
        return Response(
            {"award": award.pk, "ground": r.ground, "facts": r.facts},
            status=status.HTTP_201_CREATED,
        )
