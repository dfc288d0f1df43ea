"""The files the workbench links to, served at workbench addresses (never the API browser):
a lot's label sheet and QR code, an incident's attachment, a complaint's photo. Each reads
through the same ``visible_to`` rule as its page; what the reader may not see is a 404."""

from __future__ import annotations

from trace.consumer.label_views import MAX_LABELS, _inline_svg, gs1_date_hri, gs1_hri
from trace.consumer.qr import qr_svg
from trace.models import Batch

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.safestring import mark_safe

from complaints.models import Complaint
from incidents.models import Incident

from ..access import member_page


def _batch(request: HttpRequest, pk: int) -> Batch:
    batch = (
        Batch.objects.visible_to(request.user)
        .select_related("product__owner")
        .filter(pk=pk)
        .first()
    )
    if batch is None:
        raise Http404
    return batch


def _private(response: HttpResponse) -> HttpResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@member_page
def lot_labels(request: HttpRequest, pk: int) -> HttpResponse:
    """The print-ready A4 label sheet (as ``GET /api/v1/batches/<id>/labels/``)."""
    batch = _batch(request, pk)
    try:
        count = min(max(int(request.GET.get("count", 24)), 1), MAX_LABELS)
    except ValueError:
        count = 24
    response = render(
        request,
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
    )
    return _private(response)


@member_page
def lot_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """The lot's QR code (SVG), carrying its GS1 Digital Link URI."""
    batch = _batch(request, pk)
    return _private(HttpResponse(qr_svg(batch.digital_link), content_type="image/svg+xml"))


@member_page
def incident_attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    incident = Incident.objects.visible_to(request.user).filter(pk=pk).first()
    attachment = incident and incident.attachments.filter(pk=attachment_id).first()
    if not attachment:
        raise Http404
    return _private(
        FileResponse(
            attachment.file.open("rb"),
            content_type=attachment.content_type,
            as_attachment=True,
            filename=attachment.original_name,
        )
    )


@member_page
def complaint_photo(request: HttpRequest, pk: int, photo_id: int) -> HttpResponse:
    complaint = Complaint.objects.visible_to(request.user).filter(pk=pk).first()
    photo = complaint and complaint.photos.filter(pk=photo_id).first()
    if not photo:
        raise Http404
    return _private(FileResponse(photo.file.open("rb"), content_type=photo.content_type))


urlpatterns = [
    path("lots/<int:pk>/labels/", lot_labels, name="lot-labels"),
    path("lots/<int:pk>/qr.svg", lot_qr, name="lot-qr"),
    path(
        "incidents/<int:pk>/attachments/<int:attachment_id>/",
        incident_attachment,
        name="incident-attachment",
    ),
    path("complaints/<int:pk>/photos/<int:photo_id>/", complaint_photo, name="complaint-photo"),
]
