"""The annual quality report of a jurisdiction (000 Art. 12: publish an annual quality report),
generated from the records: counts and rates, deadline compliance, recall effectiveness, the
most frequent defect causes, the weightiest risk signals and complaints handled in time.

Every figure is read through ``visible_to`` for the regulator asking, over the calendar year in
Asia/Shanghai; the page and its PDF are the same template.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.choices import ComplaintStatus, SignalStatus
from complaints.models import Complaint, ConsumerWarning, RiskSignal
from core.models import Organization
from incidents.choices import Grade, Source
from incidents.models import Incident
from recalls.models import Recall

from . import stats
from .quality import enterprises_governed_by


@dataclass
class AnnualReport:
    organization: Organization
    year: int
    kpis: list[tuple[str, object, str]] = field(default_factory=list)  # label, value, unit/note
    figures: list[stats.Figure] = field(default_factory=list)
    grades: list[tuple[str, int]] = field(default_factory=list)
    causes: list[tuple[str, int]] = field(default_factory=list)
    signal_kinds: list[dict] = field(default_factory=list)
    signals: list[dict] = field(default_factory=list)
    complaints: dict = field(default_factory=dict)
    generated_at: object = None


def latest_year(user) -> int:
    """The latest year in which ``user`` sees an incident, a complaint or a recall (this year when
    there is none)."""
    years = [
        Incident.objects.visible_to(user).aggregate(m=Max("reported_at"))["m"],
        Complaint.objects.visible_to(user).aggregate(m=Max("submitted_at"))["m"],
        Recall.objects.visible_to(user).aggregate(m=Max("activated_at"))["m"],
    ]
    found = [timezone.localtime(y).year for y in years if y is not None]
    return max(found) if found else timezone.localdate().year


def years_with_data(user) -> list[int]:
    rows = (
        Incident.objects.visible_to(user)
        .order_by()
        .annotate(y=ExtractYear("reported_at"))
        .values_list("y", flat=True)
        .distinct()
    )
    return sorted({y for y in rows if y} | {latest_year(user)}, reverse=True)


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{value} %"


def annual_report(user, organization: Organization, year: int) -> AnnualReport:
    period = stats.Period.year(year)
    incidents = stats.incidents_in(user, period)
    complaints = stats.complaints_in(user, period)
    report = AnnualReport(organization=organization, year=year, generated_at=timezone.now())
    report.grades, incident_kpis = _incident_kpis(incidents, organization)
    recall_rows = stats.recall_rows(stats.recalls_in(user, period))
    report.complaints = stats.complaint_timeliness(complaints)
    report.kpis = [
        *incident_kpis,
        *_complaint_kpis(complaints, report.complaints),
        *_recall_kpis(recall_rows),
        *_signal_kpis(user, period),
        (
            _("Incidents opened by regulators"),
            incidents.exclude(source=Source.ENTERPRISE).count(),
            "",
        ),
    ]
    report.figures = [
        stats.incidents_figure(user, period),
        stats.deadlines_figure(user, period),
        stats.recalls_figure(user, period),
        stats.complaints_figure(user, period),
    ]
    report.causes = stats.top_causes(incidents, recall_rows)
    report.signal_kinds, report.signals = stats.top_signals(user, period)
    return report


def _incident_kpis(incidents, organization: Organization) -> tuple[list, list]:
    """The incidents by grade, and the figures on incidents and their deadlines."""
    grade_counts = dict.fromkeys(Grade.values, 0)
    for row in incidents.order_by().values("grade").annotate(n=Count("id")):
        grade_counts[row["grade"]] += row["n"]
    grades = [(stats.grade_short(g), n) for g, n in grade_counts.items()]
    total_incidents = sum(grade_counts.values())
    enterprises = enterprises_governed_by(organization).count()

    deadlines = stats.deadline_counts(incidents)
    on_time = [v for (level, kind), v in deadlines.items() if kind == "report"]
    reports_met = sum(v[0] for v in on_time)
    reports_all = sum(v[0] + v[1] for v in on_time)
    passed = [v for (level, kind), v in deadlines.items() if kind == "pass_up"]
    pass_met = sum(v[0] for v in passed)
    pass_all = sum(v[0] + v[1] for v in passed)
    all_met = sum(v[0] for v in deadlines.values())
    all_due = sum(v[0] + v[1] for v in deadlines.values())
    return grades, [
        (_("Incidents reported"), total_incidents, ""),
        (
            _("Incidents per 100 enterprises registered here"),
            stats.percent(total_incidents, enterprises) if enterprises else "—",
            _("%(n)s enterprises") % {"n": enterprises},
        ),
        (
            _("Enterprise reports on time"),
            _pct(stats.percent(reports_met, reports_all)),
            f"{reports_met}/{reports_all}",
        ),
        (
            _("Passed up within 2 hours"),
            _pct(stats.percent(pass_met, pass_all)),
            f"{pass_met}/{pass_all}",
        ),
        (_("All deadlines met"), _pct(stats.percent(all_met, all_due)), f"{all_met}/{all_due}"),
    ]


def _complaint_kpis(complaints, timeliness: dict) -> list:
    """The figures on complaints: received, decided and mediated in time, not accepted."""
    received = complaints.count()
    injured = complaints.filter(injured=True).count()
    declined = complaints.filter(status=ComplaintStatus.DECLINED).count()
    return [
        (_("Complaints received"), received, _("%(n)s with injury") % {"n": injured}),
        (
            _("Complaints decided within 7 working days"),
            _pct(timeliness["decided_percent"]),
            f"{timeliness['decided_in_time']}/"
            f"{timeliness['decided_in_time'] + timeliness['decided_late']}",
        ),
        (
            _("Mediation ended within its time limit"),
            _pct(timeliness["ended_percent"]),
            f"{timeliness['ended_in_time']}/"
            f"{timeliness['ended_in_time'] + timeliness['ended_late']}",
        ),
        (_("Complaints not accepted"), declined, ""),
    ]


def _recall_kpis(recall_rows: list) -> list:
    """The figures on recalls: started, meeting their target, mean effectiveness."""
    recalls_met = sum(1 for r in recall_rows if r["met"])
    effectiveness = [r["effectiveness"] for r in recall_rows if r["effectiveness"] is not None]
    mean_effectiveness = (
        (sum(effectiveness) / len(effectiveness)).quantize(Decimal("0.1"))
        if effectiveness
        else None
    )
    return [
        (_("Recalls started"), len(recall_rows), ""),
        (
            _("Recalls meeting their effectiveness target"),
            _pct(stats.percent(recalls_met, len(recall_rows))),
            f"{recalls_met}/{len(recall_rows)}",
        ),
        (_("Mean recall effectiveness"), _pct(mean_effectiveness), _("consignees answered")),
    ]


def _signal_kpis(user, period) -> list:
    """The figures on risk signals raised in the period and the consumer warnings they led to."""
    signals = RiskSignal.objects.visible_to(user).filter(
        raised_at__gte=period.start_at, raised_at__lt=period.end_at
    )
    warnings = ConsumerWarning.objects.filter(
        signal__in=signals.values("pk"), published_at__gte=period.start_at
    ).count()
    return [
        (_("Risk signals raised"), signals.count(), ""),
        (
            _("Risk signals confirmed or published"),
            signals.filter(status__in=(SignalStatus.CONFIRMED, SignalStatus.PUBLISHED)).count(),
            _("%(n)s consumer warnings") % {"n": warnings},
        ),
    ]
