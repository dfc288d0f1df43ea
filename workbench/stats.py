"""The dashboard's and the annual report's figures, read through the same ``visible_to`` rule as
the API: a county regulator counts its county, a city its city, the national regulator all.

Each figure is a table (columns and rows, the codes beside their labels) from which the page
draws its plot and the CSV/XLSX download is written, so the plot, the table and the file always
show the same numbers. Periods are whole days in Asia/Shanghai (``TIME_ZONE``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from trace.core.choices import ProductCategory
from trace.core.labels import region_name
from trace.core.selectors import scans_by_region
from trace.exports import safe_cell, sheet_title
from trace.models import Product

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook

from complaints import selectors as complaint_selectors
from complaints.choices import SignalKind, SignalStatus
from incidents import selectors as incident_selectors
from incidents.choices import Grade, Level, Status
from recalls import selectors as recall_selectors
from recalls.choices import RecallStatus

from . import charts
from .views.records.common import GRADE_NAMES


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end``, both days included."""

    start: date
    end: date

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_at(self) -> datetime:
        """The first instant after the period (exclusive bound)."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    @classmethod
    def default(cls, today: date | None = None) -> Period:
        """The last twelve months: from the first day of the month eleven months ago to today."""
        today = today or timezone.localdate()
        year, month = today.year, today.month - 11
        if month < 1:
            year, month = year - 1, month + 12
        return cls(date(year, month, 1), today)

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))


@dataclass
class Figure:
    """One figure: its table (what the CSV/XLSX holds) and the plots drawn from it."""

    key: str
    title: str
    columns: list[tuple[str, str]]
    rows: list[dict]
    charts: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def header(self) -> list[str]:
        return [str(title) for _key, title in self.columns]

    def _shown(self) -> list[int]:
        """The columns a page shows: not a code column that has its label beside it (the code
        is for machines: the CSV, the XLSX and the API keep it)."""
        keys = {key for key, _title in self.columns}
        return [i for i, (key, _t) in enumerate(self.columns) if f"{key}_label" not in keys]

    @property
    def shown_columns(self) -> list[tuple[str, str]]:
        return [self.columns[i] for i in self._shown()]

    def shown_cells(self) -> list[list]:
        shown = self._shown()
        return [[row[i] for i in shown] for row in self.cells()]

    def cells(self) -> list[list]:
        """The table's values: numbers stay numbers, labels (lazy translations) become text."""
        return [[_cell(row[key]) for key, _title in self.columns] for row in self.rows]


def _cell(value):
    if value is None or isinstance(value, int | float | Decimal | date):
        return value
    return str(value)


def _months(period: Period) -> list[str]:
    months, year, month = [], period.start.year, period.start.month
    while (year, month) <= (period.end.year, period.end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _weeks(period: Period) -> list[date]:
    monday = period.start - timedelta(days=period.start.weekday())
    weeks = []
    while monday <= period.end:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


GRADE_COLORS = {"I": "#82071e", "II": "#cf222e", "III": "#bf8700", "IV": "#0b5cad"}


def grade_name(code: str) -> str:
    """``II · serious``: the grade and its name in the page's language (the model's labels
    carry the Chinese term in brackets, which an English table must not)."""
    return f"{code} · {GRADE_NAMES[code]}" if code in GRADE_NAMES else code


def product_names(names: list[str]) -> str:
    """A recall's product names (as recorded) in the reader's language: the English name of
    the product so named when there is one, joined as the language joins a list."""
    names = list(names or [])
    if translation.get_language() != "en":
        return "、".join(names)
    english = dict(
        Product.objects.filter(name__in=names).exclude(name_en="").values_list("name", "name_en")
    )
    return ", ".join(english.get(n, n) for n in names)


def grade_short(code: str) -> str:
    return _("Grade %(grade)s") % {"grade": code}


def percent(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * Decimal(part) / Decimal(whole)).quantize(Decimal("0.1"))


# --- incidents by grade and status, per month -------------------------------------------------


def incidents_in(user, period: Period):
    """The incidents ``user`` sees reported in the period (``incidents.selectors``)."""
    return incident_selectors.reported_between(user, period.start_at, period.end_at)


def incidents_figure(user, period: Period) -> Figure:
    counted = incident_selectors.counts_by_month(incidents_in(user, period))
    counts = {(r["month"], r["grade"], r["status"]): r["count"] for r in counted}
    rows = [
        {
            "month": r["month"],
            "grade": r["grade"],
            "grade_label": grade_name(r["grade"]),
            "status": r["status"],
            "status_label": Status(r["status"]).label,
            "count": r["count"],
        }
        for r in counted
    ]
    months = _months(period)
    by_grade = [
        charts.Series(
            grade_short(g),
            [
                sum(n for (m, gg, _s), n in counts.items() if m == month and gg == g)
                for month in months
            ],
            GRADE_COLORS[g],
        )
        for g in Grade.values
    ]
    by_status = [
        charts.Series(
            Status(s).label,
            [
                sum(n for (m, _g, ss), n in counts.items() if m == month and ss == s)
                for month in months
            ],
        )
        for s in Status.values
        if any(key[2] == s for key in counts)
    ]
    empty = _("No incidents in this period.")
    return Figure(
        key="incidents",
        title=_("Incidents by grade and status, per month"),
        columns=[
            ("month", _("Month")),
            ("grade", _("Grade (code)")),
            ("grade_label", _("Grade")),
            ("status", _("Status (code)")),
            ("status_label", _("Status")),
            ("count", _("Incidents")),
        ],
        rows=rows,
        charts=[
            charts.bar_chart(
                months, by_grade, title=_("Incidents per month by grade"), empty_text=empty
            ),
            charts.bar_chart(
                months, by_status, title=_("Incidents per month by status"), empty_text=empty
            ),
        ],
    )


# --- deadlines met and missed, per level ------------------------------------------------------

LEVEL_ENTERPRISE = incident_selectors.LEVEL_ENTERPRISE


def _level_label(level: str) -> str:
    return _("Enterprise") if level == LEVEL_ENTERPRISE else str(Level(level).label)


DEADLINE_LABELS = {
    "report": lambda: _(
        "Report to the regulator (local plan: 1 hour; SAMR Order 19: 2 working days)"
    ),
    "pass_up": lambda: _("Pass the report up (2 hours)"),
    "investigation": lambda: _("Investigation report (60 days)"),
    "written_report": lambda: _("Award holder's written report (30 days, seed 004)"),
}


deadline_counts = incident_selectors.deadline_counts


def deadlines_figure(user, period: Period) -> Figure:
    rows = [
        {
            "level": r["level"],
            "level_label": _level_label(r["level"]),
            "deadline": r["deadline"],
            "deadline_label": DEADLINE_LABELS[r["deadline"]](),
            "met": r["met"],
            "missed": r["missed"],
            "met_percent": percent(r["met"], r["met"] + r["missed"]),
        }
        for r in incident_selectors.deadline_rows(incidents_in(user, period))
    ]
    categories = [f"{r['level_label']}·{_short_deadline(r['deadline'])}" for r in rows]
    return Figure(
        key="deadlines",
        title=_("Deadlines met and missed, per level"),
        columns=[
            ("level", _("Level (code)")),
            ("level_label", _("Level")),
            ("deadline", _("Deadline (code)")),
            ("deadline_label", _("Deadline")),
            ("met", _("Met")),
            ("missed", _("Missed")),
            ("met_percent", _("Met, %")),
        ],
        rows=rows,
        charts=[
            charts.bar_chart(
                categories,
                [
                    charts.Series(_("Met"), [r["met"] for r in rows], "#1a7f37"),
                    charts.Series(_("Missed"), [r["missed"] for r in rows], "#cf222e"),
                ],
                stacked=False,
                title=_("Deadlines met and missed, per level"),
                empty_text=_("No deadlines fell in this period."),
            )
        ],
    )


def _short_deadline(key: str) -> str:
    return {
        "report": _("report"),
        "pass_up": _("pass up"),
        "investigation": _("investigation"),
        "written_report": _("written report"),
    }[key]


# --- complaints per week and product category --------------------------------------------------


def complaints_in(user, period: Period):
    """The complaints ``user`` sees submitted in the period (``complaints.selectors``)."""
    return complaint_selectors.submitted_between(user, period.start_at, period.end_at)


def category_label(code: str | None) -> str:
    if not code:
        return _("Unknown product")
    try:
        return str(ProductCategory(code).label)
    except ValueError:
        return code


def complaints_figure(user, period: Period) -> Figure:
    counts = complaint_selectors.counts_by_week_and_category(complaints_in(user, period))
    weeks = _weeks(period)
    categories = sorted({c for _w, c in counts}, key=lambda c: (c == "", c))
    rows = [
        {
            "week": week.isoformat(),
            "category": category,
            "category_label": category_label(category),
            "count": n,
        }
        for (week, category), n in sorted(counts.items())
    ]
    series = [
        charts.Series(category_label(c), [counts.get((w, c), 0) for w in weeks]) for c in categories
    ]
    return Figure(
        key="complaints",
        title=_("Complaints per week and product category"),
        columns=[
            ("week", _("Week starting")),
            ("category", _("Category (code)")),
            ("category_label", _("Product category")),
            ("count", _("Complaints")),
        ],
        rows=rows,
        charts=[
            charts.bar_chart(
                [f"{w:%m-%d}" for w in weeks],
                series,
                title=_("Complaints per week and product category"),
                empty_text=_("No complaints in this period."),
            )
        ],
    )


# --- recalls and their effectiveness ----------------------------------------------------------


def recalls_in(user, period: Period):
    """Recalls ``user`` sees that started (were activated) in the period (``recalls.selectors``)."""
    return recall_selectors.activated_between(user, period.start_at, period.end_at)


def recall_rows(recalls) -> list[dict]:
    """``recalls.selectors.effectiveness_rows`` with the labels a reader needs."""
    return [
        {
            **row,
            "products": product_names(row["product_names"]),
            "status_label": RecallStatus(row["status"]).label,
            "target_met": _("yes") if row["met"] else _("no"),
        }
        for row in recall_selectors.effectiveness_rows(recalls)
    ]


def recalls_figure(user, period: Period) -> Figure:
    rows = recall_rows(recalls_in(user, period))
    return Figure(
        key="recalls",
        title=_("Recalls and their effectiveness against target"),
        columns=[
            ("number", _("Recall")),
            ("products", _("Products")),
            ("recall_class", _("Class")),
            ("status", _("Status (code)")),
            ("status_label", _("Status")),
            ("target", _("Target level")),
            ("target_percent", _("Target share of consignees, %")),
            ("effectiveness", _("Consignees answered, %")),
            ("target_met", _("Target met")),
            ("recalled_over_planned", _("Recalled ÷ planned, %")),
        ],
        rows=rows,
        charts=[
            charts.hbar_chart(
                [r["number"] for r in rows],
                [r["effectiveness"] for r in rows],
                targets=[r["target_percent"] for r in rows],
                target_label=_("target"),
                maximum=100,
                suffix=" %",
                title=_("Recall effectiveness (consignees answered, %) against target"),
                empty_text=_("No recall started in this period."),
                color="#1a7f37",
            )
        ],
    )


# --- scans per region -------------------------------------------------------------------------


def scans_figure(user, period: Period) -> Figure:
    """Scans of the lots ``user`` sees, by the region the scan was placed in (the scan log's
    regions; a scan no network table placed is not counted here)."""
    rows = [
        {"region": code, "region_label": region_name(code) or code, "count": n}
        for code, n in scans_by_region(user, period.start, period.end)
    ]
    return Figure(
        key="scans",
        title=_("Consumer scans per region"),
        columns=[
            ("region", _("Region code")),
            ("region_label", _("Region")),
            ("count", _("Scans")),
        ],
        rows=rows,
        charts=[
            charts.hbar_chart(
                [r["region_label"] for r in rows],
                [r["count"] for r in rows],
                title=_("Consumer scans per region"),
                empty_text=_("No scan placed in a region in this period."),
            )
        ],
    )


FIGURES = {
    "incidents": incidents_figure,
    "deadlines": deadlines_figure,
    "complaints": complaints_figure,
    "recalls": recalls_figure,
    "scans": scans_figure,
}


def dashboard_figures(user, period: Period) -> list[Figure]:
    return [build(user, period) for build in FIGURES.values()]


# --- the annual report's further figures -------------------------------------------------------


def complaint_timeliness(complaints, *, now: datetime | None = None) -> dict:
    """``complaints.selectors.timeliness`` with its shares in per cent."""
    counts = complaint_selectors.timeliness(complaints, now=now)
    decided = counts["decided_in_time"] + counts["decided_late"]
    ended = counts["ended_in_time"] + counts["ended_late"]
    return {
        **counts,
        "decided_percent": percent(counts["decided_in_time"], decided),
        "ended_percent": percent(counts["ended_in_time"], ended),
    }


def top_causes(incidents, recall_rows_: list[dict], limit: int = 5) -> list[tuple[str, int]]:
    """``recalls.selectors.stated_causes``: the most frequent stated defect causes."""
    return recall_selectors.stated_causes(incidents, recall_rows_, limit)


def top_signals(user, period: Period, limit: int = 5) -> tuple[list[dict], list[dict]]:
    """Risk signals raised in the period (``complaints.selectors.signals_between``): counts by
    kind, and the weightiest few, with their labels."""
    by_kind, listed = complaint_selectors.signals_between(
        user, period.start_at, period.end_at, limit
    )
    kinds = [
        {"kind": row["kind"], "kind_label": SignalKind(row["kind"]).label, "count": row["count"]}
        for row in by_kind
    ]
    top = [
        {
            "title": s.get_title_display(),
            "kind_label": SignalKind(s.kind).label,
            "status_label": SignalStatus(s.status).label,
            "raised_at": s.raised_at,
        }
        for s in listed
    ]
    return kinds, top


# --- downloads --------------------------------------------------------------------------------


def _csv_text(value) -> str:
    if value is None:
        return ""
    return str(value)


def figure_csv(figure: Figure) -> bytes:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # a BOM so Excel opens the Chinese text as UTF-8
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in figure.header])
    for cells in figure.cells():
        writer.writerow([safe_cell(_csv_text(c)) for c in cells])
    return buffer.getvalue().encode("utf-8")


def figure_xlsx(figure: Figure) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title(figure.key))
    sheet.append([safe_cell(h) for h in figure.header])
    for cells in figure.cells():
        sheet.append([safe_cell(float(c) if isinstance(c, Decimal) else c) for c in cells])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
