"""The FSMA 204-style sortable spreadsheet of a lot's critical tracking events.

Both writers (csv and xlsx) take the same rows and pass every text cell
through :func:`safe_cell`: control characters are dropped (they are not
allowed in an xlsx file and mean nothing in a spreadsheet) and a cell that a
spreadsheet would run as a formula gets a leading apostrophe (OWASP, CSV
Injection). Codes stand beside their labels in the reader's language; times
are Asia/Shanghai (``TIME_ZONE``) and, in xlsx, real dates; quantities are
numbers.
"""

import csv
import io
import re
import unicodedata
from datetime import datetime
from decimal import Decimal
from trace.core.capture import short_type
from trace.core.choices import BatchRole
from trace.core.identifiers import INSPECTION_REPORT_BTT, business_document_number
from trace.core.labels import biz_step_label, disposition_label, unit_label
from trace.core.selectors import TraceGraph, site_names
from trace.models import may_read_transactions
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

BTT_LABELS = {"po": "PO", "desadv": "DESADV", "inv": "INV", INSPECTION_REPORT_BTT: "INSPECTION"}

# C0 and C1 control characters except tab, line feed and carriage return
# (which a cell may hold), and DEL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# What makes Excel, LibreOffice or Sheets read a cell as a formula (OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def safe_cell(value):
    """A cell value that a spreadsheet shows as written: control characters
    removed, a formula-leading text prefixed with ``'``. Numbers and dates pass."""
    if not isinstance(value, str):
        return value
    value = _CONTROL.sub("", value)
    if value.startswith(FORMULA_PREFIXES):
        value = "'" + value
    return value


def _columns():
    zone = settings.TIME_ZONE
    return [
        ("event_time", _("Event time (%(zone)s)") % {"zone": zone}),
        ("cte", _("Critical tracking event")),
        ("cte_code", _("Business step (CBV code)")),
        ("gtin", _("GTIN")),
        ("product", _("Product")),
        ("lot", _("Lot")),
        ("quantity", _("Quantity")),
        ("unit", _("Unit")),
        ("unit_code", _("Unit (UN/ECE code)")),
        ("ship_from", _("Ship from")),
        ("ship_to", _("Ship to")),
        ("location", _("Location")),
        ("recorded_by", _("Recorded by")),
        ("reference_type", _("Reference document type")),
        ("reference_number", _("Reference document number")),
        ("disposition", _("Disposition")),
        ("disposition_code", _("Disposition (CBV code)")),
        ("event_id", _("Event ID")),
    ]


def _cte_label(step: str, role: str) -> str:
    label = biz_step_label(step) or _("Transformation")
    if role in (BatchRole.INPUT, BatchRole.OUTPUT):
        return _("%(step)s (%(role)s)") % {"step": label, "role": BatchRole(role).label}
    return label


def trace_rows(graph: TraceGraph, *, viewer=None) -> list[dict]:
    """One row per (event, lot) in the trace, oldest first.

    ``event_time`` is an aware datetime in ``TIME_ZONE``, ``quantity`` a
    Decimal (or None); everything else is text.
    """
    zone = ZoneInfo(settings.TIME_ZONE)
    batches = {b.pk: b for b in graph.batches}
    places = site_names(e.biz_location or e.read_point for e in graph.events)
    rows = []
    for event in graph.events:
        # The one rule of who reads an event's business documents (``trace.models``), as the
        # REST API, the EPCIS query and the webhooks apply it; nobody named, no documents.
        shares_documents = may_read_transactions(event, viewer)
        transactions = event.document.get("bizTransactionList", []) if shares_documents else []
        types = (short_type(t.get("type", "")) for t in transactions)
        ref_type = "; ".join(BTT_LABELS.get(kind, kind) for kind in types)
        ref_number = "; ".join(
            business_document_number(t.get("bizTransaction", "")) for t in transactions
        )
        for link in event.batch_links.all():
            batch = batches.get(link.batch_id)
            if batch is None:
                continue
            unit = link.uom or batch.unit
            rows.append(
                {
                    "event_time": timezone.localtime(event.event_time, zone),
                    "cte": _cte_label(event.biz_step, link.role),
                    "cte_code": f"{event.biz_step} ({link.role})"
                    if link.role in ("input", "output")
                    else event.biz_step,
                    "gtin": batch.gtin,
                    "product": batch.product.name if batch.product_id else "",
                    "lot": batch.lot,
                    "quantity": None if link.quantity is None else link.quantity.normalize(),
                    "unit": unit_label(unit),
                    "unit_code": unit,
                    "ship_from": event.source_org.name if event.source_org else "",
                    "ship_to": event.destination_org.name if event.destination_org else "",
                    "location": places.get(
                        event.biz_location or event.read_point,
                        event.biz_location or event.read_point,
                    ),
                    "recorded_by": event.organization.name,
                    "reference_type": ref_type,
                    "reference_number": ref_number,
                    "disposition": disposition_label(event.disposition),
                    "disposition_code": event.disposition,
                    "event_id": event.event_id,
                }
            )
    return rows


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        # Excel and LibreOffice read this form as a date and time.
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def trace_csv(graph: TraceGraph, *, viewer=None) -> bytes:
    columns = _columns()
    buffer = io.StringIO()
    # A BOM so Excel opens the Chinese text as UTF-8.
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(str(title)) for _, title in columns])
    for row in trace_rows(graph, viewer=viewer):
        writer.writerow([safe_cell(_csv_text(row[key])) for key, _ in columns])
    return buffer.getvalue().encode("utf-8")


def _display_width(value) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return len(XLSX_DATETIME_FORMAT)
    text = str(value)
    # East Asian wide characters take two columns.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def sheet_title(text: str) -> str:
    """An xlsx sheet name: at most 31 characters, none of ``[]:*?/\\`` or control characters."""
    title = re.sub(r"[\[\]:*?/\\]", "-", _CONTROL.sub("", text or "")).strip("'")[:31]
    return title or "trace"


def trace_xlsx(graph: TraceGraph, *, viewer=None) -> bytes:
    columns = _columns()
    rows = trace_rows(graph, viewer=viewer)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title(graph.root.lot))
    headers = [safe_cell(str(title)) for _, title in columns]
    for index, (key, _title) in enumerate(columns):
        widest = max(
            [_display_width(headers[index])] + [_display_width(row[key]) for row in rows[:500]]
        )
        sheet.column_dimensions[get_column_letter(index + 1)].width = min(max(widest + 2, 8), 60)
    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    sheet.freeze_panes = "A2"

    bold = Font(bold=True)
    shade = PatternFill("solid", fgColor="E7ECF2")
    wrap = Alignment(vertical="top", wrap_text=True)
    header_cells = []
    for title in headers:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font, cell.fill, cell.alignment = bold, shade, wrap
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        cells = []
        for key, _title in columns:
            value = safe_cell(row[key])
            if isinstance(value, datetime):
                # xlsx has no time zones: the local (Asia/Shanghai) wall time, named in the header.
                cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None))
                cell.number_format = XLSX_DATETIME_FORMAT
            else:
                cell = WriteOnlyCell(sheet, value=value)
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
