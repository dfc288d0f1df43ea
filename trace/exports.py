"""The FSMA 204-style sortable spreadsheet of a lot's critical tracking events."""

import csv
import io
from trace.core.capture import short_type
from trace.core.identifiers import INSPECTION_REPORT_BTT, business_document_number
from trace.core.selectors import TraceGraph, site_names

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

BTT_LABELS = {"po": "PO", "desadv": "DESADV", "inv": "INV", INSPECTION_REPORT_BTT: "INSPECTION"}


def _columns():
    return [
        ("event_time", _("Event time")),
        ("cte", _("Critical tracking event")),
        ("gtin", _("GTIN")),
        ("product", _("Product")),
        ("lot", _("Lot")),
        ("quantity", _("Quantity")),
        ("unit", _("Unit")),
        ("ship_from", _("Ship from")),
        ("ship_to", _("Ship to")),
        ("location", _("Location")),
        ("recorded_by", _("Recorded by")),
        ("reference_type", _("Reference document type")),
        ("reference_number", _("Reference document number")),
        ("disposition", _("Disposition")),
        ("event_id", _("Event ID")),
    ]


def trace_rows(graph: TraceGraph, *, viewer=None) -> list[dict]:
    """One row per (event, lot) in the trace, oldest first."""
    batches = {b.pk: b for b in graph.batches}
    places = site_names(e.biz_location or e.read_point for e in graph.events)
    rows = []
    for event in graph.events:
        shares_documents = viewer is None or not viewer.is_enterprise or viewer.pk in (
            event.organization_id, event.source_org_id, event.destination_org_id)
        transactions = event.document.get("bizTransactionList", []) if shares_documents else []
        types = (short_type(t.get("type", "")) for t in transactions)
        ref_type = "; ".join(BTT_LABELS.get(kind, kind) for kind in types)
        ref_number = "; ".join(business_document_number(t.get("bizTransaction", "")) for t in transactions)
        for link in event.batch_links.all():
            batch = batches.get(link.batch_id)
            if batch is None:
                continue
            rows.append({
                "event_time": timezone.localtime(event.event_time).isoformat(timespec="seconds"),
                "cte": f"{event.biz_step} ({link.role})" if link.role in ("input", "output") else event.biz_step,
                "gtin": batch.gtin,
                "product": batch.product.name if batch.product_id else "",
                "lot": batch.lot,
                "quantity": "" if link.quantity is None else format(link.quantity.normalize(), "f"),
                "unit": link.uom or batch.unit,
                "ship_from": event.source_org.name if event.source_org else "",
                "ship_to": event.destination_org.name if event.destination_org else "",
                "location": places.get(event.biz_location or event.read_point, event.biz_location or event.read_point),
                "recorded_by": event.organization.name,
                "reference_type": ref_type,
                "reference_number": ref_number,
                "disposition": event.disposition,
                "event_id": event.event_id,
            })
    return rows


def trace_csv(graph: TraceGraph, *, viewer=None) -> bytes:
    columns = _columns()
    buffer = io.StringIO()
    # A BOM so Excel opens the Chinese text as UTF-8.
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([str(title) for _, title in columns])
    for row in trace_rows(graph, viewer=viewer):
        writer.writerow([row[key] for key, _ in columns])
    return buffer.getvalue().encode("utf-8")


def trace_xlsx(graph: TraceGraph, *, viewer=None) -> bytes:
    columns = _columns()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=graph.root.lot[:31] or "trace")
    for index, (key, _title) in enumerate(columns, start=1):
        width = 28 if key in ("event_id", "product", "ship_from", "ship_to", "location") else 16
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}1"
    sheet.freeze_panes = "A2"
    sheet.append([str(title) for _, title in columns])
    for row in trace_rows(graph, viewer=viewer):
        sheet.append([row[key] for key, _ in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
