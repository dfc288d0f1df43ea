"""The facts on enterprises' credit records (``credit.selectors``), read for many enterprises at
once, one query per kind of fact: each reader yields ``(organization id, Fact)`` in the order the
record lists them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Complaint
from complaints.selectors import UPHELD_Q
from incidents.models import Incident, IncidentTimeline
from incidents.policy import COUNTS_IN_CREDIT_RECORD
from inspections.selectors import failed_spot_check_rows
from recalls.choices import RecallType
from recalls.models import NOTIFIED_STATUSES, Recall, RecallTimelineEntry

from . import criteria

OVERDUE_REPORT_ACTIONS = ("progress_report_overdue", "summary_report_overdue")
GRADE_MEASURE = {
    "I": "incidents_major",
    "II": "incidents_major",
    "III": "incidents_grade_III",
    "IV": "incidents_grade_IV",
}


def upheld_complaints():
    """Which complaints count as upheld: those that ended in the consumer's favour, a mediation
    agreement (``complaints.selectors``, the one place that says so); acceptance alone, a reply,
    a termination without agreement, a withdrawal or a decline never count."""
    return UPHELD_Q


@dataclass
class Fact:
    """One concluded fact on the record: ``key`` (``incident:12``), what it is, its day and the
    measures it counts in; ``status`` says whether it still counts."""

    key: str
    kind: str
    on: date
    title: str
    measures: tuple[str, ...]
    citation: str
    struck: str = ""  # "upheld" (objection) or "granted" (repair): listed, not counted
    pending: str = ""  # a pending objection or repair
    grade: str = ""  # an incident's grade
    recall_class: int = 0  # a recall's class

    @property
    def counts(self) -> bool:
        return not self.struck


def incident_facts(ids: list[int], since: datetime, until: datetime) -> Iterator[tuple[int, Fact]]:
    """Incidents concerning the enterprises, as far as they count (``COUNTS_IN_CREDIT_RECORD``)."""
    incidents = Incident.objects.filter(
        COUNTS_IN_CREDIT_RECORD,
        enterprise_id__in=ids,
        occurred_at__gte=since,
        occurred_at__lt=until,
    )
    incident_basis = str(criteria.Citation(criteria._INCIDENTS))
    for pk, org_id, title, grade, occurred in incidents.order_by("occurred_at", "id").values_list(
        "pk", "enterprise_id", "title", "grade", "occurred_at"
    ):
        yield (
            org_id,
            Fact(
                f"incident:{pk}",
                "incident",
                timezone.localdate(occurred),
                f"#{pk} {title} ({grade})",
                (GRADE_MEASURE[grade],),
                incident_basis,
                grade=grade,
            ),
        )


def complaint_facts(ids: list[int], since: datetime, until: datetime) -> Iterator[tuple[int, Fact]]:
    """Complaints about their products that were upheld."""
    complaint_basis = str(criteria.Citation(criteria._COMPLAINTS))
    for pk, org_id, code, submitted in (
        Complaint.objects.filter(
            upheld_complaints(),
            batch__product__owner_id__in=ids,
            submitted_at__gte=since,
            submitted_at__lt=until,
        )
        .order_by("submitted_at", "id")
        .values_list("pk", "batch__product__owner_id", "tracking_code", "submitted_at")
    ):
        yield (
            org_id,
            Fact(
                f"complaint:{pk}",
                "complaint",
                timezone.localdate(submitted),
                _("Complaint %(code)s") % {"code": code[:4] + "…"},
                ("complaints_upheld",),
                complaint_basis,
            ),
        )


def spot_check_facts(
    ids: list[int], since: datetime, until: datetime
) -> Iterator[tuple[int, Fact]]:
    """Official spot checks of them that failed."""
    check_basis = str(criteria.Citation(criteria._SPOT_CHECKS))
    for pk, org_id, checked_on in failed_spot_check_rows(ids, since, until):
        yield (
            org_id,
            Fact(
                f"spot_check:{pk}",
                "spot_check",
                checked_on,
                _("Official spot check #%(id)s failed") % {"id": pk},
                ("failed_spot_checks",),
                check_basis,
            ),
        )


def recall_facts(ids: list[int], since: datetime, until: datetime) -> Iterator[tuple[int, Fact]]:
    """Their ordered recalls that reached consignees."""
    for pk, org_id, number, recall_class, activated in (
        Recall.objects.filter(
            producer_id__in=ids,
            recall_type=RecallType.ORDERED,
            status__in=NOTIFIED_STATUSES,
            activated_at__gte=since,
            activated_at__lt=until,
        )
        .order_by("activated_at", "id")
        .values_list("pk", "producer_id", "number", "recall_class", "activated_at")
    ):
        measures = ("recalls", "recalls_class_1") if recall_class == 1 else ("recalls",)
        yield (
            org_id,
            Fact(
                f"recall:{pk}",
                "recall",
                timezone.localdate(activated),
                _("Ordered recall %(number)s") % {"number": number},
                measures,
                str(criteria.Citation(setting="QUALITY_CLASS_*_RECALLS")),
                recall_class=recall_class,
            ),
        )


def late_incident_reports(
    ids: list[int], since: datetime, until: datetime
) -> Iterator[tuple[int, Fact]]:
    """Their incident reports filed after the deadline."""
    late_basis = str(criteria.Citation(setting="QUALITY_CLASS_*_LATE_REPORTS"))
    for pk, org_id, reported in (
        Incident.objects.filter(
            reporter_id__in=ids, reported_late=True, reported_at__gte=since, reported_at__lt=until
        )
        .order_by("reported_at", "id")
        .values_list("pk", "reporter_id", "reported_at")
    ):
        yield (
            org_id,
            Fact(
                f"late_report:incident:{pk}",
                "late_report",
                timezone.localdate(reported),
                _("Incident report #%(id)s filed late") % {"id": pk},
                ("late_reports",),
                late_basis,
            ),
        )


def overdue_written_reports(
    ids: list[int], since: datetime, until: datetime
) -> Iterator[tuple[int, Fact]]:
    """Written reports on their incidents the sweep found overdue."""
    late_basis = str(criteria.Citation(setting="QUALITY_CLASS_*_LATE_REPORTS"))
    for pk, org_id, incident_id, at in (
        IncidentTimeline.objects.filter(
            incident__reporter_id__in=ids,
            action="written_report_overdue",
            at__gte=since,
            at__lt=until,
        )
        .order_by("at", "id")
        .values_list("pk", "incident__reporter_id", "incident_id", "at")
    ):
        yield (
            org_id,
            Fact(
                f"late_report:written:{pk}",
                "late_report",
                timezone.localdate(at),
                _("Written report on incident #%(id)s overdue") % {"id": incident_id},
                ("late_reports",),
                late_basis,
            ),
        )


def overdue_recall_reports(
    ids: list[int], since: datetime, until: datetime
) -> Iterator[tuple[int, Fact]]:
    """Progress and summary reports on their recalls the sweep found overdue."""
    late_basis = str(criteria.Citation(setting="QUALITY_CLASS_*_LATE_REPORTS"))
    for pk, org_id, number, at in (
        RecallTimelineEntry.objects.filter(
            recall__producer_id__in=ids,
            action__in=OVERDUE_REPORT_ACTIONS,
            at__gte=since,
            at__lt=until,
        )
        .order_by("at", "id")
        .values_list("pk", "recall__producer_id", "recall__number", "at")
    ):
        yield (
            org_id,
            Fact(
                f"late_report:recall:{pk}",
                "late_report",
                timezone.localdate(at),
                _("Report on recall %(number)s overdue") % {"number": number},
                ("late_reports",),
                late_basis,
            ),
        )


# The readers, in the order the record lists their facts.
FACT_READERS = (
    incident_facts,
    complaint_facts,
    spot_check_facts,
    recall_facts,
    late_incident_reports,
    overdue_written_reports,
    overdue_recall_reports,
)
