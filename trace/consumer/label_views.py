"""A print-ready A4 sheet of QR labels for one lot."""

from __future__ import annotations

from trace.models import Batch

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import get_object_or_404
from rest_framework.views import APIView

from api.negotiation import FileContentNegotiation
from api.permissions import IsMember

from .qr import qr_svg

MAX_LABELS = 200


class LabelQuerySerializer(serializers.Serializer):
    count = serializers.IntegerField(
        min_value=1, max_value=MAX_LABELS, default=24, help_text=_("How many labels (1–200).")
    )


def gs1_hri(batch: Batch) -> str:
    """``(01)06901234500028 (10)YG2026111601``: the human-readable interpretation."""
    return f"(01){batch.gtin} (10){batch.lot}"


def gs1_date_hri(batch: Batch) -> str:
    """``(11)261116 (17)261207``: production and expiry dates as GS1 AIs."""
    parts = []
    if batch.production_date:
        parts.append(f"(11){batch.production_date:%y%m%d}")
    if batch.expiry_date:
        parts.append(f"(17){batch.expiry_date:%y%m%d}")
    return " ".join(parts)


def _inline_svg(data: str) -> str:
    svg = qr_svg(data).decode()
    # Inline SVG must not carry an XML declaration.
    return svg[svg.index("<svg") :]


@extend_schema(
    tags=["batches"],
    parameters=[OpenApiParameter("count", int, description="how many labels (1–200), default 24")],
    responses={(200, "text/html"): OpenApiTypes.STR},
    summary="Print-ready A4 label sheet (HTML) with the lot's QR code and GS1 human-readable text",
)
class BatchLabelSheetView(APIView):
    permission_classes = [IsMember]
    content_negotiation_class = FileContentNegotiation

    def get(self, request, pk: int):
        batch = get_object_or_404(
            Batch.objects.visible_to(request.user).select_related("product__owner"), pk=pk
        )
        query = LabelQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        count = query.validated_data["count"]
        html = render_to_string(
            "trace/labels.html",
            {
                "batch": batch,
                "product": batch.product,
                "qr": mark_safe(_inline_svg(batch.digital_link)),  # noqa: S308 (our own SVG)
                "hri": gs1_hri(batch),
                "date_hri": gs1_date_hri(batch),
                "labels": range(count),
                "count": count,
            },
            request=request,
        )
        response = HttpResponse(html, content_type="text/html; charset=utf-8")
        response["Cache-Control"] = "private, no-store"
        return response
