"""Every write to a report (举报): keyword-only ``report_<action>`` services.

Each locks its row, checks ``choices.REPORT_TRANSITIONS`` and the policy
(``report_policy``), saves with ``update_fields`` and writes its timeline row (never the
reporter's identity) and its notifications (outbox) in the same transaction. Clocks come from
the rulebook, in force on the report's date: checked and a case opened or not within
``report.case_decision_working_days`` (15, penalty procedure Art. 18, which SAMR Order 20
Art. 31 applies to reports), extendable once by ``report.case_decision_extension_working_days``
(15); a real-name reporter told within ``report.reporter_notice_working_days`` (5, Order 20
Art. 31 ¶2) of that decision.
"""

from __future__ import annotations

from datetime import datetime

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions

from core.errors import StateConflict, check_transition
from core.outbox import notify_each
from core.rulebook import rule
from core.validators import field_error as _field_error
from core.validators import require_county_region_code
from core.workdays import add_working_days
from incidents import services as incident_services
from incidents.choices import Level, Source
from incidents.models import Incident, IncidentTimeline

from . import privacy
from . import services as complaint_services
from .choices import (
    REPORT_TRANSITIONS,
    ReportSource,
    report_allowed_actions,
)
from .models import Complaint, ComplaintTimeline, Report, ReportTimeline
from .report_policy import require_handler

DECISION_RULE = "report.case_decision_working_days"
EXTENSION_RULE = "report.case_decision_extension_working_days"
NOTICE_RULE = "report.reporter_notice_working_days"

_log = ReportTimeline.record  # one row on a report's timeline (never the reporter's identity)


IllegalReportTransition = StateConflict  # 409 naming the current state and what it allows


def _cite(key: str, on: datetime) -> dict:
    found = rule(key, on=on)
    return {"rule": key, "value": found.value, "citation": found.citation("en")}


def _payload(report: Report) -> dict:
    """What a notification says about a report: never the reporter."""
    return {
        "id": report.pk,
        "status": report.status,
        "region_code": report.region_code,
        "decision_due_at": report.decision_due_at.isoformat(),
        "url": f"{settings.PUBLIC_BASE_URL}/api/v1/reports/{report.pk}/",
    }


def _notify(report: Report, level: str, *, topic: str, subject: str, body: str) -> None:
    notify_each(
        incident_services.regulators_at(level, report.region_code),
        topic=topic,
        subject=subject,
        body=body,
        payload=_payload(report),
        about=report,
    )


def _lock(report_id: int, actor) -> Report:
    report = Report.objects.select_for_update().filter(pk=report_id).first()
    if report is None or not Report.objects.visible_to(actor).filter(pk=report_id).exists():
        raise exceptions.NotFound()
    require_handler(actor, report)
    return report


def _check(report: Report, action: str) -> str | None:
    return check_transition(report, action, REPORT_TRANSITIONS, allowed=report_allowed_actions)


def _text(value: str, field: str, *, limit: int, message: str, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise _field_error(field, message, "required")
    if len(value) > limit:
        raise _field_error(field, _("At most %(max)s characters.") % {"max": limit}, "too_long")
    return value


def _new(**fields) -> Report:
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Report.objects.create(tracking_code=privacy.new_tracking_code(), **fields)
        except IntegrityError:  # a tracking-code collision (1 in 10^14): draw again
            continue
    raise IntegrityError("no free tracking code")


# --- someone reports ------------------------------------------------------------------------


def report_submit(
    *,
    subject: str,
    enterprise_name: str,
    region_code: str,
    facts: str,
    address: str = "",
    gtin: str = "",
    lot: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    now: datetime | None = None,
) -> Report:
    """A tip about a suspected violation (Order 20 Art. 3), to the county regulator of the place
    where it happened (Art. 25), anonymous or real-name (a name and a phone: Art. 31 ¶2)."""
    now = now or timezone.now()
    subject = _text(subject, "subject", limit=200, message=_("Say what is reported."))
    enterprise_name = _text(
        enterprise_name,
        "enterprise_name",
        limit=200,
        message=_("Name the enterprise or the place reported."),
    )
    facts = _text(
        facts,
        "facts",
        limit=settings.COMPLAINT_DESCRIPTION_MAX,
        message=_("Give the facts: what, where, when."),
    )
    address = _text(address, "address", limit=300, message="", required=False)
    require_county_region_code("region_code", region_code)
    contact_name = (contact_name or "").strip()
    if bool(contact_name) != bool(contact_phone):
        field = "contact_phone" if contact_name else "contact_name"
        raise _field_error(
            field,
            _(
                "A real-name report gives both a name and a phone number (to be told the "
                "decision); leave both empty to report anonymously."
            ),
            "incomplete_contact",
        )
    deadline = add_working_days(now, rule(DECISION_RULE, on=now).value)
    with transaction.atomic():
        report = _new(
            subject=subject,
            enterprise_name=enterprise_name,
            address=address,
            facts=facts,
            gtin=gtin,
            lot=lot,
            region_code=region_code,
            contact_encrypted=privacy.encrypt_contact(name=contact_name, phone=contact_phone),
            real_name=bool(contact_name),
            received_at=now,
            decision_due_at=deadline.due_at,
            next_due_at=deadline.due_at,
            calendar_covered=deadline.calendar_covered,
        )
        _log(
            report,
            "received",
            at=now,
            data={
                "real_name": report.real_name,
                "region_code": region_code,
                "decision_due_at": deadline.due_at,
                "calendar_covered": deadline.calendar_covered,
                **_cite(DECISION_RULE, now),
            },
        )
        _notify(
            report,
            Level.COUNTY,
            topic="report.received",
            subject=_("New report #%(id)s") % {"id": report.pk},
            body=_("A report about %(name)s; the case decision is due by %(due)s.")
            % {"name": enterprise_name, "due": timezone.localtime(deadline.due_at).date()},
        )
    return report


def report_from_complaint(
    *, complaint_id: int, actor, subject: str = "", reason: str = "", now: datetime | None = None
) -> Report:
    """The handling regulator turns a complaint that reveals a violation into a report (Order 20
    Art. 7: handled as two matters, so the complaint goes on as it was). The complainant is not
    made a reporter: the report carries no contact details. Each links the other."""
    now = now or timezone.now()
    with transaction.atomic():
        complaint = (
            Complaint.objects.select_for_update(of=("self",))
            .select_related("batch__product__owner")
            .filter(pk=complaint_id)
            .first()
        )
        if (
            complaint is None
            or not Complaint.objects.visible_to(actor).filter(pk=complaint_id).exists()
        ):
            raise exceptions.NotFound()
        if not complaint_services.is_handler(actor, complaint):
            raise complaint_services.NotYourComplaint(
                _("Only the county regulator of the place handling this complaint may do this.")
            )
        if Report.objects.filter(complaint=complaint).exists():
            raise _field_error(
                "complaint", _("This complaint already led to a report."), "already_reported"
            )
        batch = complaint.batch
        owner = batch.product.owner if batch.product_id and batch.product.owner_id else None
        deadline = add_working_days(now, rule(DECISION_RULE, on=now).value)
        report = _new(
            source=ReportSource.COMPLAINT,
            subject=(subject or "").strip()[:200]
            or _("Violation found in consumer complaint #%(id)s") % {"id": complaint.pk},
            enterprise_name=owner.name if owner else batch.gtin,
            facts=complaint.description,
            gtin=batch.gtin,
            lot=batch.lot,
            region_code=complaint.region_code,
            received_at=now,
            decision_due_at=deadline.due_at,
            next_due_at=deadline.due_at,
            calendar_covered=deadline.calendar_covered,
            complaint=complaint,
        )
        _log(
            report,
            "received",
            actor=actor,
            reason=reason,
            at=now,
            data={
                "from_complaint": complaint.pk,
                "decision_due_at": deadline.due_at,
                **_cite(DECISION_RULE, now),
            },
        )
        ComplaintTimeline.record(
            complaint, "to_report", actor=actor, reason=reason, at=now, data={"report": report.pk}
        )
    return report


# --- the handling regulator acts ------------------------------------------------------------


def report_verify(
    *, report_id: int, actor, reason: str = "", now: datetime | None = None
) -> Report:
    """The clue is checked (核查, penalty procedure Art. 18); the case decision is next."""
    now = now or timezone.now()
    with transaction.atomic():
        report = _lock(report_id, actor)
        report.status = _check(report, "verify")
        report.verified_at = now
        report.save(update_fields=["status", "verified_at", "updated_at"])
        _log(report, "verified", actor=actor, reason=reason, at=now)
    return report


def report_extend(*, report_id: int, actor, reason: str, now: datetime | None = None) -> Report:
    """Extend the check once, in special cases, by 15 working days (penalty procedure Art. 18)."""
    now = now or timezone.now()
    reason = _text(reason, "reason", limit=2000, message=_("Say why the check needs more time."))
    with transaction.atomic():
        report = _lock(report_id, actor)
        _check(report, "extend")
        if report.extended_at is not None:
            raise IllegalReportTransition(
                status=report.status,
                label=_("already extended once"),
                action="extend",
                allowed=[a for a in report_allowed_actions(report.status) if a != "extend"],
            )
        deadline = add_working_days(
            report.decision_due_at, rule(EXTENSION_RULE, on=report.received_at).value
        )
        old = report.decision_due_at
        report.decision_due_at = report.next_due_at = deadline.due_at
        report.extended_at, report.extension_reason = now, reason
        report.is_overdue = False
        report.calendar_covered = report.calendar_covered and deadline.calendar_covered
        report.save(
            update_fields=[
                "decision_due_at",
                "next_due_at",
                "extended_at",
                "extension_reason",
                "is_overdue",
                "calendar_covered",
                "updated_at",
            ]
        )
        _log(
            report,
            "extended",
            actor=actor,
            reason=reason,
            at=now,
            data={
                "from": old,
                "decision_due_at": deadline.due_at,
                **_cite(EXTENSION_RULE, report.received_at),
            },
        )
    return report


def _decide(report: Report, *, actor, action: str, target: str, reason: str, now, data: dict):
    report.status, report.decided_at, report.public_reason = target, now, reason
    fields = ["status", "decided_at", "public_reason", "next_due_at", "updated_at"]
    report.next_due_at = None
    notice = None
    if report.real_name:
        notice = add_working_days(now, rule(NOTICE_RULE, on=now).value)
        report.reporter_notice_due_at = report.next_due_at = notice.due_at
        fields.append("reporter_notice_due_at")
    report.save(update_fields=fields)
    _log(
        report,
        action,
        actor=actor,
        reason=reason,
        at=now,
        data={
            **data,
            "late": now > report.decision_due_at,
            "reporter_notice_due_at": notice.due_at if notice else None,
            **(_cite(NOTICE_RULE, now) if notice else {}),
        },
    )
    if notice:
        _notify(
            report,
            Level.COUNTY,
            topic="report.reporter_notice_due",
            subject=_("Tell the reporter of report #%(id)s the decision") % {"id": report.pk},
            body=_(
                "The reporter gave their name: tell them whether a case was opened by %(due)s "
                "(%(citation)s). Their contact details are on the report."
            )
            % {
                "due": timezone.localtime(notice.due_at).date(),
                "citation": rule(NOTICE_RULE, on=now).citation(),
            },
        )


def _visible_recall(recall_id: int, actor):
    # recalls sit above complaints (README layers): reached through the app registry, no import.
    recall_model = apps.get_model("recalls", "Recall")
    return recall_model.objects.visible_to(actor).filter(pk=recall_id).first()


def _case_incident(report: Report, *, actor, title: str, now: datetime) -> Incident:
    """The incident a case opened on a report starts (source ``report``: SAMR Order 20 Art. 31),
    in the handling county, on the reported lot where the regulator may see it."""
    batch_ids = []
    if report.gtin and report.lot:
        batch_model = apps.get_model("trace", "Batch")
        batch_ids = list(
            batch_model.objects.visible_to(actor)
            .filter(gtin=report.gtin, lot=report.lot)
            .values_list("pk", flat=True)[:1]
        )
    return incident_services.incident_open(
        actor=actor,
        source=Source.REPORT,
        title=(title or "").strip()[:200]
        or _("From report %(code)s") % {"code": report.display_code},
        description=report.facts,
        region_code=report.region_code,
        occurred_at=min(report.received_at, now),
        discovered_at=min(report.received_at, now),
        batch_ids=batch_ids,
        now=now,
    )


def report_open_case(
    *,
    report_id: int,
    actor,
    reason: str = "",
    incident_id: int | None = None,
    recall_id: int | None = None,
    open_incident: bool = False,
    title: str = "",
    now: datetime | None = None,
) -> Report:
    """A case is opened (立案); optionally linked to the incident or recall it led to, which the
    regulator may see, or to a new incident opened for it (``open_incident``, with ``title``).
    The link is written on both sides' timelines."""
    now = now or timezone.now()
    if open_incident and incident_id is not None:
        raise _field_error(
            "incident",
            _("Name an existing incident or open a new one, not both."),
            "incident_or_new",
        )
    with transaction.atomic():
        report = _lock(report_id, actor)
        target = _check(report, "open-case")
        incident = recall = None
        if open_incident:
            incident = _case_incident(report, actor=actor, title=title, now=now)
        if incident_id is not None:
            incident = Incident.objects.visible_to(actor).filter(pk=incident_id).first()
            if incident is None:
                raise _field_error("incident", _("Name an incident you can see."), "not_found")
        if recall_id is not None:
            recall = _visible_recall(recall_id, actor)
            if recall is None:
                raise _field_error("recall", _("Name a recall you can see."), "not_found")
        report.incident, report.recall_id = incident, recall.pk if recall else None
        report.save(update_fields=["incident", "recall_id", "updated_at"])
        _decide(
            report,
            actor=actor,
            action="case_opened",
            target=target,
            reason=(reason or "").strip(),
            now=now,
            data={"incident": report.incident_id, "recall": report.recall_id},
        )
        link = {
            "report": report.pk,
            "url": f"{settings.PUBLIC_BASE_URL}/api/v1/reports/{report.pk}/",
        }
        if incident is not None:
            IncidentTimeline.record(incident, "from_report", actor=actor, at=now, data=link)
        if recall is not None:
            recall_timeline = apps.get_model("recalls", "RecallTimelineEntry")
            recall_timeline.record(recall, "from_report", actor=actor, at=now, data=link)
    return report


def report_decline(*, report_id: int, actor, reason: str, now: datetime | None = None) -> Report:
    """No case is opened, with the reason the reporter is told."""
    now = now or timezone.now()
    reason = _text(reason, "reason", limit=2000, message=_("Give a reason; the reporter is told."))
    with transaction.atomic():
        report = _lock(report_id, actor)
        target = _check(report, "decline")
        _decide(
            report, actor=actor, action="declined", target=target, reason=reason, now=now, data={}
        )
    return report


def report_tell_reporter(
    *, report_id: int, actor, reason: str = "", now: datetime | None = None
) -> Report:
    """Record that the real-name reporter was told the decision (Order 20 Art. 31 ¶2)."""
    now = now or timezone.now()
    with transaction.atomic():
        report = _lock(report_id, actor)
        _check(report, "tell-reporter")
        if not report.real_name or report.reporter_notified_at is not None:
            raise IllegalReportTransition(
                status=report.status,
                label=report.get_status_display(),
                action="tell-reporter",
                allowed=[],
            )
        report.reporter_notified_at, report.next_due_at = now, None
        report.save(update_fields=["reporter_notified_at", "next_due_at", "updated_at"])
        _log(
            report,
            "reporter_told",
            actor=actor,
            reason=reason,
            at=now,
            data={"late": now > report.reporter_notice_due_at},
        )
    return report


# --- the sweep ------------------------------------------------------------------------------


def reports_sweep(now: datetime) -> int:
    """The reports sweeper (api.deadlines, beside the complaints'): a report past its case
    decision or reporter-notice deadline is marked overdue and the city regulator above told,
    exactly once (``next_due_at`` cleared in the same transaction, rows locked SKIP LOCKED)."""
    acted = 0
    while True:
        with transaction.atomic():
            rows = list(
                Report.objects.select_for_update(skip_locked=True)
                .filter(next_due_at__lte=now)
                .order_by("next_due_at", "id")[:500]
            )
            for report in rows:
                due = report.next_due_at
                which = "case_decision" if report.decided_at is None else "reporter_notice"
                report.is_overdue, report.next_due_at = True, None
                report.save(update_fields=["is_overdue", "next_due_at", "updated_at"])
                key = DECISION_RULE if which == "case_decision" else NOTICE_RULE
                _log(
                    report,
                    "overdue",
                    at=due,
                    data={"deadline": which, "due_at": due, "swept_at": now, **_cite(key, due)},
                )
                _notify(
                    report,
                    Level.CITY,
                    topic="report.overdue",
                    subject=_("Report #%(id)s is overdue at the county") % {"id": report.pk},
                    body=_("Deadline missed: %(citation)s.")
                    % {"citation": rule(key, on=due).citation()},
                )
                acted += 1
        if len(rows) < 500:
            return acted
