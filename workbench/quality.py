"""An enterprise's quality record and credit class (seeds 002 Art. 23, 003 Art. 32, 001 Art. 25),
its award eligibility and, for award holders, the 30-day written-report duty (seed 004).

The record counts, over the last ``QUALITY_WINDOW_YEARS`` years:

- incidents concerning the enterprise, by grade, once the handling regulator has accepted the
  report and a regulator confirmed its grade (``incidents.policy.COUNTS_IN_CREDIT_RECORD``:
  until then a report is an allegation, whoever filed it; a rejected or merged one is none);
- its recalls that reached consignees, by class (drafts and cancelled plans are not counted);
- complaints upheld about its products: ended in the consumer's favour, a mediation agreement
  (``complaints.selectors.upheld_complaints``; acceptance, a reply, a termination without
  agreement, a withdrawal or a decline are not);
- failed inspections of its lots: inspection events with the ``non_conformant`` disposition, by
  anyone, unless retracted by an error declaration;
- late reports: its incident reports filed after their deadline, its award written reports and
  its recall progress and summary reports the sweep found overdue.

The class is rule-based: ``QUALITY_CLASS_THRESHOLDS`` (config/settings.py) gives, per class D, C
and B, the count from which each measure puts the enterprise there; the worst class reached wins,
and the reasons list every threshold of that class the record reaches. Records of many
enterprises are computed together, one grouped query per measure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from trace.core.choices import BizStep, Disposition
from trace.models import Event, EventBatch

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from api.choices import OrganizationKind
from api.models import Organization
from complaints.models import Complaint
from complaints.selectors import upheld_complaints
from incidents.choices import Grade
from incidents.models import Incident, IncidentTimeline, QualityAward
from incidents.policy import COUNTS_IN_CREDIT_RECORD
from recalls.models import NOTIFIED_STATUSES, Recall, RecallTimelineEntry

CLASSES = ("A", "B", "C", "D")
OVERDUE_REPORT_ACTIONS = ("progress_report_overdue", "summary_report_overdue")


def measure_labels() -> dict[str, str]:
    return {
        "incidents_major": _("Incidents of grade I or II"),
        "incidents_grade_III": _("Incidents of grade III"),
        "incidents_grade_IV": _("Incidents of grade IV"),
        "recalls": _("Recalls (any class)"),
        "recalls_class_1": _("Class I recalls"),
        "complaints_upheld": _("Complaints upheld"),
        "failed_inspections": _("Failed inspections"),
        "late_reports": _("Late reports"),
    }


@dataclass
class WrittenReport:
    """One award holder's written-report duty on an incident: ``due``, ``overdue`` or ``filed``."""

    incident_id: int
    title: str
    grade: str
    status: str
    due_at: datetime | None = None
    filed_at: datetime | None = None
    late: bool = False

    @property
    def status_label(self) -> str:
        return {
            "due": _("due"),
            "overdue": _("overdue"),
            "filed": _("filed late") if self.late else _("filed"),
        }[self.status]


@dataclass
class QualityRecord:
    organization: Organization
    since: datetime
    until: datetime
    incidents_by_grade: dict[str, int] = field(default_factory=dict)
    recalls_by_class: dict[int, int] = field(default_factory=dict)
    complaints_upheld: int = 0
    failed_inspections: int = 0
    late_incident_reports: int = 0
    overdue_written_reports: int = 0
    overdue_recall_reports: int = 0
    award_names: list[str] = field(default_factory=list)
    written_reports: list[WrittenReport] = field(default_factory=list)
    disqualifying: list[tuple[int, str, str]] = field(default_factory=list)  # id, title, grade

    @property
    def late_reports(self) -> int:
        return (
            self.late_incident_reports + self.overdue_written_reports + self.overdue_recall_reports
        )

    @property
    def recalls(self) -> int:
        return sum(self.recalls_by_class.values())

    @property
    def incidents(self) -> int:
        return sum(self.incidents_by_grade.values())

    def measures(self) -> dict[str, int]:
        g = self.incidents_by_grade
        return {
            "incidents_major": g.get("I", 0) + g.get("II", 0),
            "incidents_grade_III": g.get("III", 0),
            "incidents_grade_IV": g.get("IV", 0),
            "recalls": self.recalls,
            "recalls_class_1": self.recalls_by_class.get(1, 0),
            "complaints_upheld": self.complaints_upheld,
            "failed_inspections": self.failed_inspections,
            "late_reports": self.late_reports,
        }

    @property
    def credit_class(self) -> str:
        return classify(self.measures())[0]

    @property
    def reasons(self) -> list[str]:
        return classify(self.measures())[1]

    @property
    def award_eligible(self) -> bool:
        return not self.disqualifying

    @property
    def award_holder(self) -> bool:
        return bool(self.award_names)


def classify(measures: dict[str, int]) -> tuple[str, list[str]]:
    """The worst class whose thresholds the measures reach, and why (every threshold reached)."""
    labels = measure_labels()
    for credit_class in ("D", "C", "B"):
        thresholds = settings.QUALITY_CLASS_THRESHOLDS.get(credit_class, {})
        reached = [
            (name, measures.get(name, 0), minimum)
            for name, minimum in thresholds.items()
            if minimum > 0 and measures.get(name, 0) >= minimum
        ]
        if reached:
            return credit_class, [
                _("%(measure)s: %(count)s (class %(class)s from %(minimum)s)")
                % {
                    "count": n,
                    "measure": labels.get(name, name),
                    "class": credit_class,
                    "minimum": m,
                }
                for name, n, m in reached
            ]
    return "A", [_("No threshold of classes B to D is reached.")]


def window(now: datetime | None = None) -> tuple[datetime, datetime]:
    now = now or timezone.now()
    local = timezone.localtime(now)
    years = settings.QUALITY_WINDOW_YEARS
    try:
        since = local.replace(year=local.year - years)
    except ValueError:  # 29 February
        since = local.replace(year=local.year - years, day=28)
    return since, now


def quality_records(organizations, *, now: datetime | None = None) -> dict[int, QualityRecord]:
    """The records of the given enterprises (a queryset), by organization id."""
    since, until = window(now)
    orgs = list(organizations)
    records = {o.pk: QualityRecord(organization=o, since=since, until=until) for o in orgs}
    ids = list(records)
    if not ids:
        return records
    for record in records.values():
        record.incidents_by_grade = dict.fromkeys(Grade.values, 0)
        record.recalls_by_class = {1: 0, 2: 0, 3: 0}

    # Issue 19: what anyone files counts only once the handling regulator accepted and graded it.
    incidents = Incident.objects.filter(
        COUNTS_IN_CREDIT_RECORD,
        enterprise_id__in=ids,
        occurred_at__gte=since,
        occurred_at__lt=until,
    )
    for row in incidents.order_by().values("enterprise_id", "grade").annotate(n=Count("id")):
        records[row["enterprise_id"]].incidents_by_grade[row["grade"]] += row["n"]
    excluding = settings.QUALITY_AWARD_EXCLUDING_GRADES
    for pk, org_id, title, grade in (
        incidents.filter(grade__in=excluding)
        .order_by("occurred_at", "id")
        .values_list("pk", "enterprise_id", "title", "grade")
    ):
        records[org_id].disqualifying.append((pk, title, grade))

    recalls = Recall.objects.filter(
        producer_id__in=ids,
        status__in=NOTIFIED_STATUSES,
        activated_at__gte=since,
        activated_at__lt=until,
    )
    for row in recalls.order_by().values("producer_id", "recall_class").annotate(n=Count("id")):
        records[row["producer_id"]].recalls_by_class[row["recall_class"]] += row["n"]

    upheld = upheld_complaints(Complaint.objects).filter(
        batch__product__owner_id__in=ids,
        submitted_at__gte=since,
        submitted_at__lt=until,
    )
    for row in upheld.order_by().values("batch__product__owner_id").annotate(n=Count("id")):
        records[row["batch__product__owner_id"]].complaints_upheld += row["n"]

    failed = Event.objects.filter(
        biz_step=BizStep.INSPECTING,
        disposition=Disposition.NON_CONFORMANT,
        error_declaration__isnull=True,
        event_time__gte=since,
        event_time__lt=until,
    ).exclude(event_id__in=Event.objects.filter(error_declaration__isnull=False).values("event_id"))
    for org_id, n in (
        EventBatch.objects.filter(event__in=failed, batch__product__owner_id__in=ids)
        .order_by()
        .values("batch__product__owner_id")
        .annotate(n=Count("event_id", distinct=True))
        .values_list("batch__product__owner_id", "n")
    ):
        records[org_id].failed_inspections += n

    reported = Incident.objects.filter(
        reporter_id__in=ids, reported_at__gte=since, reported_at__lt=until
    )
    for row in (
        reported.filter(reported_late=True).order_by().values("reporter_id").annotate(n=Count("id"))
    ):
        records[row["reporter_id"]].late_incident_reports += row["n"]
    for row in (
        IncidentTimeline.objects.filter(
            incident__reporter_id__in=ids,
            action="written_report_overdue",
            at__gte=since,
            at__lt=until,
        )
        .order_by()
        .values("incident__reporter_id")
        .annotate(n=Count("id"))
    ):
        records[row["incident__reporter_id"]].overdue_written_reports += row["n"]
    for row in (
        RecallTimelineEntry.objects.filter(
            recall__producer_id__in=ids,
            action__in=OVERDUE_REPORT_ACTIONS,
            at__gte=since,
            at__lt=until,
        )
        .order_by()
        .values("recall__producer_id")
        .annotate(n=Count("id"))
    ):
        records[row["recall__producer_id"]].overdue_recall_reports += row["n"]

    today = timezone.localdate(until)
    for org_id, name in (
        QualityAward.objects.filter(organization_id__in=ids)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .order_by("awarded_on", "id")
        .values_list("organization_id", "name")
    ):
        records[org_id].award_names.append(name)
    return records


def written_reports(
    organization: Organization, *, now: datetime | None = None
) -> list[WrittenReport]:
    """The incidents on which ``organization`` owes or owed the award holder's written report:
    still due (``written_report_due_at`` set), overdue (the sweep said so) or filed (a supplement
    marked as the written report)."""
    now = now or timezone.now()
    owing = Incident.objects.filter(reporter=organization).filter(
        Q(written_report_due_at__isnull=False)
        | Q(timeline__action="written_report_overdue")
        | Q(timeline__action="supplement", timeline__data__written_report=True)
    )
    duties = {}
    for incident in owing.distinct().order_by("-reported_at", "-id")[:200]:
        duties[incident.pk] = WrittenReport(
            incident_id=incident.pk,
            title=incident.title,
            grade=incident.grade,
            status="due",
            due_at=incident.written_report_due_at,
        )
    rows = (
        IncidentTimeline.objects.filter(
            incident_id__in=list(duties), action__in=("written_report_overdue", "supplement")
        )
        .order_by("at", "id")
        .values_list("incident_id", "action", "at", "data")
    )
    for incident_id, action, at, data in rows:
        duty = duties[incident_id]
        if action == "written_report_overdue":
            duty.status, duty.due_at = "overdue", (data or {}).get("due_at") or duty.due_at
        elif (data or {}).get("written_report") and duty.filed_at is None:
            duty.late = duty.status == "overdue"
            duty.status, duty.filed_at = "filed", at
    for duty in duties.values():
        if isinstance(duty.due_at, str):
            duty.due_at = datetime.fromisoformat(duty.due_at)
        if duty.status == "due" and duty.due_at and duty.due_at < now:
            duty.status = "overdue"  # the sweep has not run since it fell due
    return list(duties.values())


def quality_record(organization: Organization, *, now: datetime | None = None) -> QualityRecord:
    record = quality_records(Organization.objects.filter(pk=organization.pk), now=now)[
        organization.pk
    ]
    record.written_reports = written_reports(organization, now=now)
    return record


def enterprises_governed_by(regulator: Organization):
    """The enterprises registered in ``regulator``'s jurisdiction (region-code prefix)."""
    enterprises = Organization.objects.filter(kind=OrganizationKind.ENTERPRISE)
    prefix = regulator.jurisdiction_prefix
    return enterprises.filter(region_code__startswith=prefix) if prefix else enterprises


def may_see_record(viewer: Organization | None, enterprise: Organization) -> bool:
    """The enterprise itself and the regulators whose jurisdiction holds its region; nobody else."""
    if viewer is None or not enterprise.is_enterprise:
        return False
    if viewer.is_regulator:
        return viewer.governs(enterprise.region_code)
    return viewer.pk == enterprise.pk
