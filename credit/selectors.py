"""Reads of the credit app: an enterprise's quality credit record and class, its disclosure, the
award's eligibility conditions, the holders' written-report duties and the grounds for revoking
an award.

The record lists, over the last ``QUALITY_WINDOW_YEARS`` years, the facts about the enterprise
that the regulator handling each has concluded, and only those:

- incidents concerning it, once the handling regulator accepted the report and a regulator
  confirmed its grade (``incidents.policy.COUNTS_IN_CREDIT_RECORD``);
- complaints about its products upheld (``facts.upheld_complaints``: the one place that says which);
- official spot checks of it that failed (``inspections.selectors``): not any ``non_conformant``
  inspection event someone captured;
- its ordered recalls that reached consignees; a voluntary recall is the producer's duty (State
  Council Order 503 Art. 9) and never counts;
- late reports: its incident reports filed after their deadline, its award written reports and
  its recall progress and summary reports the sweep found overdue (local policy).

Each fact has a key (``incident:12``). A fact against which an objection was upheld, or for
which credit repair was granted, is listed but no longer counts. The class is the worst one
whose threshold (``QUALITY_CLASS_THRESHOLDS``, local policy) a measure of the counted facts
reaches; every reason names its measure's article and the setting of its threshold. Records of
many enterprises are read together, one query per kind of fact (``credit.facts``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import rulebook
from core.choices import OrganizationKind
from core.models import Organization
from incidents.choices import Grade
from incidents.models import Incident, IncidentTimeline, QualityAward
from inspections.selectors import last_spot_checks

from . import criteria
from .choices import STRIKING, AwardTrigger, DeclarationStatus, RequestStatus
from .facts import FACT_READERS, Fact
from .models import (
    AwardDeclaration,
    AwardReport,
    AwardRevocation,
    CreditRequest,
    CreditTimelineEntry,
)

CLASSES = ("A", "B", "C", "D")


def measure_labels() -> dict[str, str]:
    return {k: str(m.label) for k, m in criteria.MEASURES.items()}


@dataclass(frozen=True)
class Reason:
    measure: str
    label: str
    count: int
    credit_class: str
    minimum: int
    citation: str

    @property
    def text(self) -> str:
        return _("%(measure)s: %(count)s (class %(class)s from %(minimum)s)") % {
            "measure": self.label,
            "count": self.count,
            "class": self.credit_class,
            "minimum": self.minimum,
        }

    def __str__(self) -> str:
        return self.text


def classify(measures: dict[str, int]) -> tuple[str, list[Reason]]:
    """The worst class whose thresholds the measures reach, and why (every threshold reached,
    each with its article and setting). No threshold reached: class A, with no reason."""
    for credit_class in ("D", "C", "B"):
        thresholds = settings.QUALITY_CLASS_THRESHOLDS.get(credit_class, {})
        reached = []
        for name, minimum in thresholds.items():
            key = criteria.ALIASES.get(name, name)
            count = measures.get(key, 0)
            if key in criteria.MEASURES and minimum > 0 and count >= minimum:
                reached.append(
                    Reason(
                        measure=key,
                        label=str(criteria.MEASURES[key].label),
                        count=count,
                        credit_class=credit_class,
                        minimum=minimum,
                        citation=str(criteria.measure_citation(key, credit_class)),
                    )
                )
        if reached:
            return credit_class, reached
    return "A", []


def class_a_reason() -> str:
    return _("No threshold of classes B to D is reached.")


def window(now: datetime | None = None) -> tuple[datetime, datetime]:
    now = now or timezone.now()
    local = timezone.localtime(now)
    years = settings.QUALITY_WINDOW_YEARS
    try:
        since = local.replace(year=local.year - years)
    except ValueError:  # 29 February
        since = local.replace(year=local.year - years, day=28)
    return since, now


@dataclass
class WrittenReport:
    """One award holder's written-report duty on an incident filed as a supplement:
    ``due``, ``overdue`` or ``filed``."""

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
class CreditRecord:
    organization: Organization
    since: datetime
    until: datetime
    facts: list[Fact] = field(default_factory=list)
    award_names: list[str] = field(default_factory=list)
    written_reports: list[WrittenReport] = field(default_factory=list)
    requests: list[CreditRequest] = field(default_factory=list)

    def counted(self, measure: str | None = None) -> list[Fact]:
        return [f for f in self.facts if f.counts and (measure is None or measure in f.measures)]

    def _count_kind(self, prefix: str) -> int:
        return sum(1 for f in self.counted("late_reports") if f.key.startswith(prefix))

    @property
    def incidents_by_grade(self) -> dict[str, int]:
        grades = dict.fromkeys(Grade.values, 0)
        for f in self.counted():
            if f.kind == "incident":
                grades[f.grade] += 1
        return grades

    @property
    def recalls_by_class(self) -> dict[int, int]:
        classes = {1: 0, 2: 0, 3: 0}
        for f in self.counted("recalls"):
            classes[f.recall_class] += 1
        return classes

    @property
    def complaints_upheld(self) -> int:
        return len(self.counted("complaints_upheld"))

    @property
    def failed_spot_checks(self) -> int:
        return len(self.counted("failed_spot_checks"))

    @property
    def late_incident_reports(self) -> int:
        return self._count_kind("late_report:incident:")

    @property
    def overdue_written_reports(self) -> int:
        return self._count_kind("late_report:written:")

    @property
    def overdue_recall_reports(self) -> int:
        return self._count_kind("late_report:recall:")

    @property
    def late_reports(self) -> int:
        return len(self.counted("late_reports"))

    @property
    def recalls(self) -> int:
        return len(self.counted("recalls"))

    @property
    def incidents(self) -> int:
        return sum(self.incidents_by_grade.values())

    def measures(self) -> dict[str, int]:
        counts = dict.fromkeys(criteria.MEASURES, 0)
        for f in self.counted():
            for m in f.measures:
                counts[m] += 1
        return counts

    @property
    def credit_class(self) -> str:
        return classify(self.measures())[0]

    @property
    def reasons(self) -> list[Reason]:
        return classify(self.measures())[1]

    @property
    def disqualifying(self) -> list[Fact]:
        excluding = set(settings.QUALITY_AWARD_EXCLUDING_GRADES)
        return [f for f in self.counted() if f.kind == "incident" and f.grade in excluding]

    @property
    def award_holder(self) -> bool:
        return bool(self.award_names)

    def fact(self, key: str) -> Fact | None:
        return next((f for f in self.facts if f.key == key), None)


# The record kept its first name in the workbench.
QualityRecord = CreditRecord


def credit_records(organizations, *, now: datetime | None = None) -> dict[int, CreditRecord]:
    """The records of the given enterprises (a queryset or list), by organization id."""
    since, until = window(now)
    orgs = list(organizations)
    records = {o.pk: CreditRecord(organization=o, since=since, until=until) for o in orgs}
    ids = list(records)
    if not ids:
        return records
    for read in FACT_READERS:
        for org_id, fact in read(ids, since, until):
            records[org_id].facts.append(fact)

    struck, pending = defaultdict(dict), defaultdict(dict)
    for org_id, fact, kind, status in (
        CreditRequest.objects.filter(enterprise_id__in=ids)
        .order_by("filed_at", "id")
        .values_list("enterprise_id", "fact", "kind", "status")
    ):
        if status in STRIKING:
            struck[org_id][fact] = status
        elif status == RequestStatus.PENDING:
            pending[org_id][fact] = kind
    for org_id in set(struck) | set(pending):
        for f in records[org_id].facts:
            f.struck = struck[org_id].get(f.key, "")
            f.pending = pending[org_id].get(f.key, "")

    today = timezone.localdate(until)
    for org_id, name in (
        valid_awards(today).filter(organization_id__in=ids).values_list("organization_id", "name")
    ):
        records[org_id].award_names.append(name)
    return records


def struck_facts(enterprise_id: int) -> set[str]:
    return set(
        CreditRequest.objects.filter(enterprise_id=enterprise_id, status__in=STRIKING).values_list(
            "fact", flat=True
        )
    )


def written_reports(
    organization: Organization, *, now: datetime | None = None
) -> list[WrittenReport]:
    """The incidents on which ``organization`` owes or owed the award holder's written report
    filed as an incident supplement: still due (``written_report_due_at`` set), overdue (the
    sweep said so) or filed (a supplement marked as the written report)."""
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


def credit_record(organization: Organization, *, now: datetime | None = None) -> CreditRecord:
    record = credit_records([organization], now=now)[organization.pk]
    record.written_reports = written_reports(organization, now=now)
    record.requests = list(
        CreditRequest.objects.filter(enterprise=organization).select_related(
            "decided_by_organization"
        )
    )
    return record


quality_records = credit_records
quality_record = credit_record


def timeline(organization: Organization) -> list[CreditTimelineEntry]:
    return list(
        CreditTimelineEntry.objects.filter(enterprise=organization)
        .select_related("actor", "actor_organization")
        .order_by("at", "id")
    )


def enterprises_governed_by(regulator: Organization):
    """The enterprises registered in ``regulator``'s jurisdiction (region-code prefix)."""
    return Organization.objects.filter(kind=OrganizationKind.ENTERPRISE).governed_by(regulator)


# --- the award -------------------------------------------------------------------------------


def _rule(key: str, on: date):
    """The award rule in force on ``on``; outside the measures' dates, the nearest text."""
    try:
        return rulebook.rule(key, on=on)
    except rulebook.NoRuleInForce:
        versions = rulebook.book.VERSIONS[key]
        first = versions[0]
        if first.in_force_from and on < first.in_force_from:
            return first
        return versions[-1]


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def award_valid_until(award: QualityAward) -> date:
    """The last day an award is valid: its own ``valid_until``, else its term (Art. 4)."""
    if award.valid_until:
        return award.valid_until
    years = _rule("award.sip.validity_years", award.awarded_on).value
    return _years_before(award.awarded_on, -years) - timedelta(days=1)


def valid_awards(on: date):
    """Awards valid on ``on``: awarded by then, not expired, not revoked."""
    awards = QualityAward.objects.filter(awarded_on__lte=on).exclude(revocation__isnull=False)
    ids = [a.pk for a in awards if award_valid_until(a) >= on]
    return QualityAward.objects.filter(pk__in=ids).order_by("awarded_on", "id")


@dataclass
class ConditionCheck:
    condition: criteria.Condition
    holds: bool
    detail: str
    declaration: AwardDeclaration | None = None

    @property
    def number(self) -> int:
        return self.condition.number

    @property
    def label(self) -> str:
        return str(self.condition.label)

    @property
    def how(self) -> str:
        return self.condition.how

    @property
    def citation(self) -> str:
        return str(self.condition.citation)


@dataclass
class AwardEligibility:
    conditions: list[ConditionCheck]
    barred_until: date | None = None

    @property
    def eligible(self) -> bool:
        return all(c.holds for c in self.conditions) and self.barred_until is None


def award_eligibility(
    organization: Organization, record: CreditRecord | None = None, *, now: datetime | None = None
) -> AwardEligibility:
    """The nine conditions of SIP award Art. 11, each checked from the record or declared by the
    applicant with evidence and verified by the award office; eligible only when all hold and no
    revocation of the last five years bars the applicant (Art. 30)."""
    record = record or credit_record(organization, now=now)
    today = timezone.localdate(record.until)
    checks = []
    declarations = {}
    for d in AwardDeclaration.objects.filter(enterprise=organization).order_by("declared_at", "id"):
        declarations[d.condition] = d  # the latest declaration of each condition
    since_checks = _years_before(today, _rule("award.sip.spot_check_years", today).value)
    since_incidents = _years_before(today, _rule("award.sip.incident_free_years", today).value)
    for condition in criteria.CONDITIONS:
        if condition.how == criteria.DECLARED:
            d = declarations.get(condition.number)
            holds = bool(d and d.status == DeclarationStatus.VERIFIED)
            detail = (
                d.get_status_display()
                if d
                else _("Not declared: the applicant declares it with evidence.")
            )
            checks.append(ConditionCheck(condition, holds, str(detail), d))
            continue
        if condition.number == 4:
            failed = [f for f in record.counted("failed_spot_checks") if f.on >= since_checks]
            ordered = record.counted("recalls")
            holds = not failed and not ordered
            detail = (
                _("No failed official spot check and no ordered recall on the record.")
                if holds
                else _("On the record: %(facts)s")
                % {"facts": "; ".join(f.title for f in failed + ordered)}
            )
        elif condition.number == 7:
            bad = set(settings.AWARD_SERIOUS_DISHONESTY_CLASSES)
            holds = record.credit_class not in bad
            detail = _("Credit class %(c)s (classes counting as serious dishonesty: %(bad)s).") % {
                "c": record.credit_class,
                "bad": ", ".join(sorted(bad)) or "—",
            }
        else:  # 8
            found = [f for f in record.disqualifying if f.on >= since_incidents]
            holds = not found
            detail = (
                _("No incident of grade I to III on the record.")
                if holds
                else _("On the record: %(facts)s") % {"facts": "; ".join(f.title for f in found)}
            )
        checks.append(ConditionCheck(condition, holds, str(detail)))
    barred_until = None
    ban = _rule("award.sip.reapply_ban_years", today).value
    for revocation in AwardRevocation.objects.filter(award__organization=organization):
        until = _years_before(timezone.localdate(revocation.decided_at), -ban)
        if until > today and (barred_until is None or until > barred_until):
            barred_until = until
    return AwardEligibility(checks, barred_until)


@dataclass
class AwardDuty:
    """A holder's written report of one Art. 29 event, due 30 days after its confirmation."""

    award: QualityAward
    trigger: int
    fact: str
    title: str
    confirmed_on: date
    due_on: date
    report: AwardReport | None = None

    def status(self, today: date) -> str:
        if self.report is not None:
            return (
                "filed_late" if timezone.localdate(self.report.filed_at) > self.due_on else "filed"
            )
        return "overdue" if today > self.due_on else "due"

    @property
    def trigger_label(self) -> str:
        return str(AwardTrigger(self.trigger).label)


def _award_holding_on(awards: list[QualityAward], day: date) -> QualityAward | None:
    """The award valid on ``day`` (none once it expired or was revoked)."""
    for award in awards:
        revoked = AwardRevocation.objects.filter(award=award).first()
        end = award_valid_until(award)
        if revoked is not None:
            end = min(end, timezone.localdate(revoked.decided_at))
        if award.awarded_on <= day <= end:
            return award
    return None


def award_duties(organization: Organization, record: CreditRecord | None = None) -> list[AwardDuty]:
    """The written reports the holder owes the award office (SIP award Art. 29) for events the
    record shows: a major incident (1) and a failed official spot check (3), each confirmed while
    an award was valid (an expired or revoked award creates no duty), plus the reports it filed
    of the other events (2, 4, 5), which the record cannot show."""
    record = record or credit_record(organization)
    awards = list(
        QualityAward.objects.filter(organization=organization).order_by("awarded_on", "id")
    )
    if not awards:
        return []
    major = set(settings.INCIDENT_AWARD_GRADES)
    reports = {
        (r.trigger, r.fact): r
        for r in AwardReport.objects.filter(award__organization=organization).order_by("filed_at")
    }
    duties = []
    for f in record.counted():  # a fact struck out on objection creates no duty
        if f.kind == "incident" and f.grade in major:
            trigger = AwardTrigger.MAJOR_INCIDENT
        elif f.kind == "spot_check":
            trigger = AwardTrigger.SPOT_CHECK_FAILED
        else:
            continue
        award = _award_holding_on(awards, f.on)
        if award is None:
            continue
        days = _rule("award.sip.written_report_days", f.on).value
        duties.append(
            AwardDuty(
                award,
                int(trigger),
                f.key,
                f.title,
                f.on,
                f.on + timedelta(days=days),
                reports.pop((int(trigger), f.key), None),
            )
        )
    for (trigger, fact), report in reports.items():
        days = _rule("award.sip.written_report_days", report.confirmed_on).value
        duties.append(
            AwardDuty(
                report.award,
                trigger,
                fact,
                report.text[:80],
                report.confirmed_on,
                report.confirmed_on + timedelta(days=days),
                report,
            )
        )
    return sorted(duties, key=lambda d: (d.confirmed_on, d.trigger))


@dataclass
class RevocationGround:
    ground: int
    facts: list[str]
    detail: str


def revocation_grounds(award: QualityAward) -> list[RevocationGround]:
    """The grounds of SIP award Art. 30 the record shows while the award was valid: a major
    incident (1), or the last official spot checks failed as many times in a row as the rule
    says (2)."""
    organization = award.organization
    record = credit_record(organization)
    start, end = award.awarded_on, award_valid_until(award)
    major = set(settings.INCIDENT_AWARD_GRADES)
    found = []
    incidents = [
        f
        for f in record.counted()
        if f.kind == "incident" and f.grade in major and start <= f.on <= end
    ]
    if incidents:
        found.append(
            RevocationGround(1, [f.key for f in incidents], "; ".join(f.title for f in incidents))
        )
    needed = _rule("award.sip.revocation_failed_spot_checks", timezone.localdate()).value
    struck = struck_facts(organization.pk)
    last = [
        row
        for row in last_spot_checks(organization.pk, needed + len(struck))
        if f"spot_check:{row[0]}" not in struck
    ][:needed]
    if (
        len(last) == needed
        and all(result == "fail" for _pk, _on, result in last)
        and all(start <= on <= end for _pk, on, _r in last)
    ):
        found.append(
            RevocationGround(
                2,
                [f"spot_check:{pk}" for pk, _on, _r in last],
                _("Official spot checks %(ids)s failed in a row")
                % {"ids": ", ".join(f"#{pk}" for pk, _on, _r in reversed(last))},
            )
        )
    return found
