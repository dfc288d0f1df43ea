"""A lot's trace in the workbench (``/workbench/lots/<id>/trace/``): its journey both ways as a
drawn graph, the events as a table beside it, the lots of its lineage, and the FSMA 204-style
spreadsheet (``…/trace.xlsx``, ``…/trace.csv``: the API's export, with the session).

For every member who may see the lot, regulators included. Who sees the lot and which of its
events is the trace app's rule (``Batch.objects.visible_to``, ``visible_trace_graph``), the
very rule of ``GET /api/v1/batches/<id>/trace/``; a lot the reader may not see is a 404.
"""

from __future__ import annotations

from trace.core.choices import BatchRole, BatchStatus
from trace.core.identifiers import digital_link_path
from trace.core.labels import biz_step_label, disposition_label, unit_label
from trace.core.selectors import visible_trace_graph
from trace.exports import trace_csv, trace_xlsx
from trace.models import Batch

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import tracegraph
from ..access import member_page
from .records.common import display_name

# Beyond this many nodes a drawing is no help: the tables and the spreadsheet say it all.
MAX_DRAWN_NODES = 150

STATUS_BADGES = {
    BatchStatus.ACTIVE: "ok",
    BatchStatus.ON_HOLD: "warn",
    BatchStatus.RECALLED: "bad",
    BatchStatus.DESTROYED: "bad",
}
FILES = {
    "xlsx": (trace_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": (trace_csv, "text/csv; charset=utf-8"),
}


def _number(value) -> str:
    if value is None:
        return ""
    return format(value.normalize(), "f")


def _product(batch: Batch) -> str:
    return display_name(batch.product) if batch.product_id else batch.gtin


def _lot_text(batch: Batch) -> str:
    return _("Lot %(lot)s") % {"lot": batch.lot}


def _event_rows(graph, batches: dict[int, Batch]) -> list[dict]:
    roles = {BatchRole.INPUT: BatchRole.INPUT.label, BatchRole.OUTPUT: BatchRole.OUTPUT.label}
    rows = []
    for event in graph.events:
        lots = []
        for link in event.batch_links.all():
            batch = batches.get(link.batch_id)
            if batch is None:
                continue
            quantity = _number(link.quantity)
            lots.append(
                {
                    "batch": batch,
                    "product": _product(batch),
                    "role": roles.get(link.role, ""),
                    "quantity": f"{quantity} {unit_label(link.uom)}".strip() if quantity else "",
                }
            )
        rows.append(
            {
                "event": event,
                "at": timezone.localtime(event.event_time),
                "step": biz_step_label(event.biz_step) or event.event_type,
                "disposition": disposition_label(event.disposition),
                "by": display_name(event.organization),
                "source": display_name(event.source_org),
                "destination": display_name(event.destination_org),
                "lots": lots,
            }
        )
    return rows


def _visible_lot(request: HttpRequest, pk: int) -> Batch:
    batch = (
        Batch.objects.visible_to(request.user)
        .select_related("product__owner", "site")
        .filter(pk=pk)
        .first()
    )
    if batch is None:
        raise Http404
    return batch


@member_page
def lot_trace(request: HttpRequest, pk: int, fmt: str | None = None) -> HttpResponse:
    batch = _visible_lot(request, pk)
    if fmt is not None and fmt not in FILES:
        raise Http404
    graph = visible_trace_graph(
        request.user, batch, direction="both", depth=settings.SUYUAN_TRACE_DEFAULT_DEPTH
    )
    if fmt is not None:
        write, content_type = FILES[fmt]
        response = HttpResponse(
            write(graph, viewer=request.organization), content_type=content_type
        )
        response["Content-Disposition"] = (
            f'attachment; filename="trace-{batch.gtin}-{batch.lot}.{fmt}"'
        )
        return response

    batches = {b.pk: b for b in graph.batches}
    readable = set(
        Batch.objects.visible_to(request.user).filter(pk__in=batches).values_list("pk", flat=True)
    )

    def lot_href(b: Batch) -> str:
        return reverse("workbench:lot-trace", args=[b.pk]) if b.pk in readable else ""

    journey = tracegraph.build(
        graph,
        name=display_name,
        lot_label=lambda b: (_product(b), _lot_text(b)),
        lot_href=lot_href,
    )
    title = _("The journey of lot %(lot)s") % {"lot": batch.lot}
    drawn = len(journey.nodes) <= MAX_DRAWN_NODES
    lots = sorted(graph.batches, key=lambda b: (graph.distances.get(b.pk, 0), b.pk))
    org = request.organization
    own_lot_page = not org.is_regulator
    return render(
        request,
        "workbench/trace/lot_trace.html",
        {
            "batch": batch,
            "product": _product(batch),
            "producer": display_name(batch.product.owner) if batch.product_id else "",
            "status": batch.get_status_display(),
            "badge": STATUS_BADGES.get(batch.status, "info"),
            "svg": tracegraph.render(journey, title=title) if drawn else "",
            "node_count": len(journey.nodes),
            "title": title,
            "events": _event_rows(graph, batches),
            "lots": [
                {
                    "batch": b,
                    "product": _product(b),
                    "producer": display_name(b.product.owner) if b.product_id else "",
                    "distance": graph.distances.get(b.pk, 0),
                    "status": b.get_status_display(),
                    "trace_url": lot_href(b) if b.pk != batch.pk else "",
                    "page_url": digital_link_path(b.gtin, b.lot),
                }
                for b in lots
            ],
            "lot_page": reverse("workbench:lot", args=[batch.pk]) if own_lot_page else "",
            "page_url": digital_link_path(batch.gtin, batch.lot),
        },
    )


urlpatterns = [
    path("lots/<int:pk>/trace/", lot_trace, name="lot-trace"),
    # The same name: ``{% url 'workbench:lot-trace' pk 'xlsx' %}`` is the page's spreadsheet.
    path("lots/<int:pk>/trace.<slug:fmt>", lot_trace, name="lot-trace"),
]
