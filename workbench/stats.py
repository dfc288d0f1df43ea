"""The dashboard's and the annual report's figures, read through the same ``visible_to`` rule as
the API: a county regulator counts its county, a city its city, the national regulator all.

Each figure is a table (columns and rows, the codes beside their labels) from which the page
draws its plot and the CSV/XLSX download is written, so the plot, the table and the file always
show the same numbers. Periods are whole days in Asia/Shanghai (``TIME_ZONE``).
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from trace.core.choices import ProductCategory
from trace.core.labels import region_name
from trace.exports import safe_cell, sheet_title
from trace.models import Batch, Product, ScanLog

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook

from complaints.choices import ComplaintStatus, SignalKind, SignalStatus
from complaints.models import Complaint, RiskSignal
from incidents.choices import Grade, Level, Source, Status, level_rank
from incidents.models import Incident, IncidentTimeline
from recalls.choices import RecallStatus
from recalls.models import Recall
from recalls.selectors import report_figures, target_percent

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


def _local_date(value) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


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
    """The incidents ``user`` sees that were reported in the period (the API's ``reported_after``
    and ``reported_before`` filters over the same instants)."""
    return Incident.objects.visible_to(user).filter(
        reported_at__gte=period.start_at, reported_at__lt=period.end_at
    )


def incidents_figure(user, period: Period) -> Figure:
    rows_db = (
        incidents_in(user, period)
        .order_by()
        .annotate(month=TruncMonth("reported_at"))
        .values("month", "grade", "status")
        .annotate(n=Count("id"))
    )
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    for row in rows_db:
        month = _local_date(row["month"])
        counts[(f"{month:%Y-%m}", row["grade"], row["status"])] += row["n"]
    rows = [
        {
            "month": month,
            "grade": grade,
            "grade_label": grade_name(grade),
            "status": status,
            "status_label": Status(status).label,
            "count": n,
        }
        for (month, grade, status), n in sorted(
            counts.items(),
            key=lambda kv: (kv[0][0], Grade.values.index(kv[0][1]), Status.values.index(kv[0][2])),
        )
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

LEVEL_ENTERPRISE = "enterprise"


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


def deadline_counts(incidents) -> dict[tuple[str, str], list[int]]:
    """(level, deadline) → [met, missed] over the incidents given, from their due and done times
    and their timelines: a report is late when ``reported_late``; a pass-up is met when the level
    passed it up within ``INCIDENT_PASS_UP_MINUTES`` of receiving it and missed when the sweep
    escalated it (a level at or above the one the incident's grade requires owes no pass-up); an investigation report is missed when the sweep marked it overdue and met when
    the incident was concluded without that; the award holder's written report likewise."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    incidents = incidents.order_by()
    for row in (
        incidents.filter(source=Source.ENTERPRISE).values("reported_late").annotate(n=Count("id"))
    ):
        counts[(LEVEL_ENTERPRISE, "report")][1 if row["reported_late"] else 0] += row["n"]
    overdue = IncidentTimeline.objects.filter(
        incident=OuterRef("pk"), action="investigation_overdue"
    )
    for row in (
        incidents.filter(concluded_at__isnull=False)
        .exclude(Exists(overdue))
        .values("handling_level")
        .annotate(n=Count("id"))
    ):
        counts[(row["handling_level"], "investigation")][0] += row["n"]
    rows = (
        IncidentTimeline.objects.filter(incident__in=incidents.values("pk"))
        .filter(
            action__in=(
                "reported_up",
                "escalated",
                "investigation_overdue",
                "written_report_overdue",
                "supplement",
            )
        )
        .order_by("incident_id", "at", "id")
        .values_list(
            "incident_id",
            "action",
            "at",
            "data",
            "incident__reported_at",
            "incident__required_level",
            "incident__handling_level",
        )
    )
    window = timedelta(minutes=settings.INCIDENT_PASS_UP_MINUTES)
    arrived: dict[str, datetime] = {}
    current, written_overdue = None, False
    for incident_id, action, at, data, reported_at, required, handling in rows.iterator(
        chunk_size=2000
    ):
        if incident_id != current:  # rows come incident by incident
            current, arrived, written_overdue = incident_id, {}, False
        data = data or {}
        if action in ("reported_up", "escalated"):
            source_level, target = data.get("from"), data.get("to")
            if source_level not in Level.values:
                continue
            if target:
                arrived[target] = at
            if required in Level.values and level_rank(source_level) >= level_rank(required):
                continue  # passed on beyond the level the grade requires: no deadline ran
            entered = arrived.get(source_level, reported_at)
            met = action == "reported_up" and at - entered <= window
            counts[(source_level, "pass_up")][0 if met else 1] += 1
        elif action == "investigation_overdue":
            counts[(handling, "investigation")][1] += 1
        elif action == "written_report_overdue":
            written_overdue = True
            counts[(LEVEL_ENTERPRISE, "written_report")][1] += 1
        elif action == "supplement" and data.get("written_report") and not written_overdue:
            counts[(LEVEL_ENTERPRISE, "written_report")][0] += 1
    return counts


def deadlines_figure(user, period: Period) -> Figure:
    counts = deadline_counts(incidents_in(user, period))
    order = [LEVEL_ENTERPRISE, *Level.values]
    keys = sorted(counts, key=lambda k: (order.index(k[0]), list(DEADLINE_LABELS).index(k[1])))
    rows = []
    for level, deadline in keys:
        met, missed = counts[(level, deadline)]
        rows.append(
            {
                "level": level,
                "level_label": _level_label(level),
                "deadline": deadline,
                "deadline_label": DEADLINE_LABELS[deadline](),
                "met": met,
                "missed": missed,
                "met_percent": percent(met, met + missed),
            }
        )
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
    return Complaint.objects.visible_to(user).filter(
        submitted_at__gte=period.start_at, submitted_at__lt=period.end_at
    )


def category_label(code: str | None) -> str:
    if not code:
        return _("Unknown product")
    try:
        return str(ProductCategory(code).label)
    except ValueError:
        return code


def complaints_figure(user, period: Period) -> Figure:
    rows_db = (
        complaints_in(user, period)
        .order_by()
        .annotate(week=TruncWeek("submitted_at"), category=F("batch__product__category"))
        .values("week", "category")
        .annotate(n=Count("id"))
    )
    counts: dict[tuple[date, str], int] = defaultdict(int)
    for row in rows_db:
        counts[(_local_date(row["week"]), row["category"] or "")] += row["n"]
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
    """Recalls ``user`` sees that started (were activated) in the period."""
    return (
        Recall.objects.visible_to(user)
        .filter(activated_at__gte=period.start_at, activated_at__lt=period.end_at)
        .order_by("activated_at", "id")
    )


def recall_rows(recalls) -> list[dict]:
    rows = []
    for recall in recalls:
        figures = report_figures(recall)
        rows.append(
            {
                "number": recall.number,
                "products": product_names(recall.product_names),
                "recall_class": recall.recall_class,
                "status": recall.status,
                "status_label": RecallStatus(recall.status).label,
                "target": recall.target_effectiveness,
                "target_percent": target_percent(recall.target_effectiveness),
                "effectiveness": figures["effectiveness"],
                "target_met": _("yes") if figures["target_met"] else _("no"),
                "met": figures["target_met"],
                "recalled_over_planned": figures["recalled_over_planned"],
                "defect": recall.defect,
                "root_cause": recall.root_cause,
            }
        )
    return rows


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
    rows_db = (
        ScanLog.objects.filter(
            batch__in=Batch.objects.visible_to(user).values("pk"),
            scanned_at__date__gte=period.start,
            scanned_at__date__lte=period.end,
        )
        .exclude(region_code="")
        .order_by()
        .values("region_code")
        .annotate(n=Count("pk"))
    )
    rows = sorted(
        (
            {
                "region": row["region_code"],
                "region_label": region_name(row["region_code"]) or row["region_code"],
                "count": row["n"],
            }
            for row in rows_db
        ),
        key=lambda r: (-r["count"], r["region"]),
    )
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
    """Decisions within Order 20's 7 working days (accepted or declined by ``accept_due_at``;
    undecided past it counts as late) and mediation ended by its deadline (``close_due_at``:
    60 days from acceptance under the 2024 Consumer Rights Regulation Art. 46, or the 45 working
    days of Order 20 Art. 21 for complaints filed before 2024-07-01)."""
    now = now or timezone.now()
    decided_in_time = decided_late = ended_in_time = ended_late = 0
    for status, due, accepted, closed, close_due in complaints.order_by().values_list(
        "status", "accept_due_at", "accepted_at", "closed_at", "close_due_at"
    ):
        decided = accepted or (closed if status == ComplaintStatus.DECLINED else None)
        if decided is not None:
            if decided <= due:
                decided_in_time += 1
            else:
                decided_late += 1
        elif status == ComplaintStatus.SUBMITTED and due < now:
            decided_late += 1
        if accepted and close_due:
            if closed is not None and status == ComplaintStatus.CLOSED:
                if closed <= close_due:
                    ended_in_time += 1
                else:
                    ended_late += 1
            elif closed is None and close_due < now:
                ended_late += 1
    return {
        "decided_in_time": decided_in_time,
        "decided_late": decided_late,
        "decided_percent": percent(decided_in_time, decided_in_time + decided_late),
        "ended_in_time": ended_in_time,
        "ended_late": ended_late,
        "ended_percent": percent(ended_in_time, ended_in_time + ended_late),
    }


def top_causes(incidents, recall_rows_: list[dict], limit: int = 5) -> list[tuple[str, int]]:
    """The most frequent stated defect causes: recalls' root causes (their defect where no cause
    was stated) and concluded incidents' findings, counted by their text."""
    causes: Counter[str] = Counter()
    for row in recall_rows_:
        text = (row["root_cause"] or row["defect"] or "").strip()
        if text:
            causes[text] += 1
    for findings in incidents.exclude(findings="").order_by().values_list("findings", flat=True):
        causes[findings.strip()] += 1
    return sorted(causes.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


_SIGNAL_RANK = [
    SignalStatus.PUBLISHED,
    SignalStatus.CONFIRMED,
    SignalStatus.OPEN,
    SignalStatus.DISMISSED,
]


def top_signals(user, period: Period, limit: int = 5) -> tuple[list[dict], list[dict]]:
    """Risk signals raised in the period: counts by kind, and the weightiest few (published as a
    warning first, then confirmed, open, dismissed; newest first within each)."""
    signals = RiskSignal.objects.visible_to(user).filter(
        raised_at__gte=period.start_at, raised_at__lt=period.end_at
    )
    by_kind = [
        {"kind": row["kind"], "kind_label": SignalKind(row["kind"]).label, "count": row["n"]}
        for row in signals.order_by().values("kind").annotate(n=Count("id")).order_by("-n", "kind")
    ]
    listed = sorted(
        signals.order_by("-raised_at", "-id")[:500],
        key=lambda s: _SIGNAL_RANK.index(s.status) if s.status in _SIGNAL_RANK else 9,
    )[:limit]
    top = [
        {
            "title": s.get_title_display(),
            "kind_label": SignalKind(s.kind).label,
            "status_label": SignalStatus(s.status).label,
            "raised_at": s.raised_at,
        }
        for s in listed
    ]
    return by_kind, top


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
