"""The public side of recalls, no account needed: the recall list and its Atom
feed, the recall notice page, what a lot's consumer page and ``gs1:recallStatus``
say, and the consignee's acknowledgement page and endpoint."""

from __future__ import annotations

from trace.consumer.extensions import PageNotice
from trace.core.choices import BatchStatus
from trace.models import Batch

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api.exceptions import detail_from_django
from api.throttling import AnonRateThrottle

from . import services
from .choices import Remedy
from .filters import PublicRecallFilterSet
from .models import Recall, RecallBatch
from .serializers import AckInput

# How many affected lots a public notice lists by name (the rest are counted).
LISTED_LOTS = 50


def _english() -> bool:
    return translation.get_language() == "en"


def notice_url(recall: Recall) -> str:
    return f"{settings.PUBLIC_BASE_URL}/recalls/{recall.number}/"


def public_recall(recall: Recall) -> dict:
    """A recall as the public sees it, in the request's language (English falls back to Chinese)."""
    en = _english()
    affected = list(
        RecallBatch.objects.filter(recall=recall, included=True, distance=0)
        .order_by("id")
        .values_list("batch__gtin", "batch__lot")[:LISTED_LOTS]
    )
    return {
        "number": recall.number,
        "title": (recall.notice_title_en if en and recall.notice_title_en else recall.notice_title),
        "text": (recall.notice_text_en if en and recall.notice_text_en else recall.notice_text),
        "recall_type": recall.recall_type,
        "recall_type_label": str(recall.get_recall_type_display()),
        "recall_class": recall.recall_class,
        "status": recall.status,
        "status_label": str(recall.get_status_display()),
        "producer": (
            recall.producer.name_en if en and recall.producer.name_en else recall.producer.name
        ),
        "products": recall.product_names,
        "category": recall.category,
        "region_code": recall.region_code,
        "defect": recall.defect,
        "hazard": recall.hazard,
        # What the notice must carry (``recalls.law.notice_gaps``): what to do now, the remedy,
        # whom to ask, and until when.
        "consumer_action": recall.consumer_action,
        "remedies": [{"code": r, "label": str(Remedy(r).label)} for r in recall.remedies],
        "contact": recall.contact,
        "planned_end": recall.planned_end,
        "affected_lots": [{"gtin": g, "lot": lot} for g, lot in affected],
        "lots_in_scope": RecallBatch.objects.filter(recall=recall, included=True).count(),
        "activated_at": recall.activated_at,
        "closed_at": recall.closed_at,
        "notice_url": notice_url(recall),
    }


def active_recall_of(batch: Batch) -> Recall | None:
    """The newest public recall whose scope includes this lot."""
    return (
        Recall.objects.public()
        .filter(scope_batches__batch=batch, scope_batches__included=True)
        .select_related("producer")
        .order_by("-activated_at", "-id")
        .first()
    )


def recall_page_notices(batch: Batch, language: str) -> list[PageNotice]:
    """The consumer page's notice provider (``trace.consumer.extensions``): a recalled lot's
    recall, its remedies and notice link, for the red banner, the public JSON and
    ``gs1:recallStatus``."""
    if batch.status != BatchStatus.RECALLED:
        return []
    recall = active_recall_of(batch)
    if recall is None:
        return []
    with translation.override(language or None):
        data = public_recall(recall)
    return [
        PageNotice(
            kind="recall",
            title=data["title"],
            text=data["text"],
            url=data["notice_url"],
            data={
                k: data[k]
                for k in (
                    "number",
                    "recall_type_label",
                    "recall_class",
                    "status",
                    "remedies",
                    "activated_at",
                    "notice_url",
                )
            },
        )
    ]


class PublicRecallSerializer(serializers.Serializer):
    """A public recall notice (see ``public_recall``)."""

    number = serializers.CharField()
    title = serializers.CharField()
    text = serializers.CharField()
    recall_type = serializers.CharField()
    recall_type_label = serializers.CharField()
    recall_class = serializers.IntegerField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    producer = serializers.CharField()
    products = serializers.ListField(child=serializers.CharField())
    category = serializers.CharField()
    region_code = serializers.CharField()
    defect = serializers.CharField()
    hazard = serializers.CharField()
    consumer_action = serializers.CharField(allow_blank=True)
    remedies = serializers.ListField(child=serializers.DictField())
    contact = serializers.CharField(allow_blank=True)
    planned_end = serializers.DateField(allow_null=True)
    affected_lots = serializers.ListField(child=serializers.DictField())
    lots_in_scope = serializers.IntegerField()
    activated_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    notice_url = serializers.URLField()

    def to_representation(self, instance):
        return public_recall(instance)


class _Public:
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AnonRateThrottle]


@extend_schema(
    tags=["public"], auth=[], summary="Public recall notices (active, completed and closed)"
)
class PublicRecallListView(_Public, generics.ListAPIView):
    serializer_class = PublicRecallSerializer
    filterset_class = PublicRecallFilterSet
    ordering_fields = ["activated_at", "id"]

    def get_queryset(self):
        return Recall.objects.public().select_related("producer").order_by("-activated_at", "-id")


class RecallAtomFeed(Feed):
    """An Atom feed of the newest recalls that have reached the public."""

    feed_type = Atom1Feed
    title = gettext_lazy("Product recalls")
    subtitle = gettext_lazy("New defect recalls: what is recalled, why, and what to do")

    def link(self):
        return f"{settings.PUBLIC_BASE_URL}/api/v1/public/recalls/"

    def items(self):
        return (
            Recall.objects.public().select_related("producer").order_by("-activated_at", "-id")[:50]
        )

    def item_title(self, item):
        return f"{item.number} {item.notice_title}"

    def item_description(self, item):
        return item.notice_text

    def item_link(self, item):
        return notice_url(item)

    def item_pubdate(self, item):
        return item.activated_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return item.producer.name


def recall_notice_page(request, number: str):
    recall = Recall.objects.public().select_related("producer").filter(number=number).first()
    if recall is None:
        raise Http404
    response = render(request, "recalls/notice.html", {"recall": public_recall(recall)})
    response["Cache-Control"] = "no-cache"
    return response


# --- acknowledgement ------------------------------------------------------------


def _ack_context(row) -> dict:
    notice = row.notice
    return {
        "recall": public_recall(notice.recall),
        "notice": notice,
        "organization": notice.organization,
    }


@require_http_methods(["GET", "POST"])
def ack_page(request, token: str):
    """The consignee's phone page: the notice, then a form confirming receipt with quantities."""
    try:
        row = services.find_token(token)
    except exceptions.APIException as exc:
        response = render(
            request,
            "trace/message.html",
            {"title": _("This link cannot be used"), "text": str(exc.detail)},
            status=exc.status_code,
        )
        response["Cache-Control"] = "no-store"
        return response
    context = _ack_context(row)
    status_code = 200
    if request.method == "POST":
        try:
            notice, _next = services.recall_acknowledge(token=token, data=request.POST.dict())
        except DjangoValidationError as exc:
            detail = detail_from_django(exc)
            context["errors"] = (
                [(field, str(e)) for field, errors in detail.items() for e in errors]
                if isinstance(detail, dict)
                else [("", str(e)) for e in detail]
            )
            context["values"] = request.POST
            status_code = 400
        except exceptions.APIException as exc:
            context["errors"] = [("", str(exc.detail))]
            status_code = exc.status_code
        else:
            context["done"] = True
            context["notice"] = notice
    response = render(request, "recalls/ack.html", context, status=status_code)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = (
        "same-origin"  # the token is in the path: never sent to other sites
    )
    return response


@extend_schema(tags=["public"], auth=[])
class PublicRecallAckView(_Public, APIView):
    @extend_schema(
        responses={
            200: OpenApiTypes.OBJECT,
            404: OpenApiResponse(description="unknown link"),
            409: OpenApiResponse(description="link used"),
            410: OpenApiResponse(description="link expired"),
        },
        summary="The recall notice behind an acknowledgement link",
    )
    def get(self, request, token: str):
        row = services.find_token(token)
        notice = row.notice
        return Response(
            {
                "recall": public_recall(notice.recall),
                "organization": notice.organization.name,
                "lots": notice.lots,
                "held": notice.held,
                "answered": notice.acknowledged_at is not None,
            }
        )

    @extend_schema(
        request=AckInput,
        responses={201: OpenApiTypes.OBJECT},
        summary="A consignee acknowledges a recall notice and reports quantities (token link)",
    )
    def post(self, request, token: str):
        s = AckInput(data=request.data)
        s.is_valid(raise_exception=True)
        notice, next_token = services.recall_acknowledge(token=token, data=s.validated_data)
        return Response(
            {
                "recall": notice.recall.number,
                "organization": notice.organization.name,
                "acknowledged_at": notice.acknowledged_at,
                "held": notice.held,
                "on_hand": notice.on_hand,
                "returned": notice.returned,
                "destroyed": notice.destroyed,
                "corrected": notice.corrected,
                "next_ack_url": services.ack_url(next_token),
            },
            status=status.HTTP_201_CREATED,
        )
