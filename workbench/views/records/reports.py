"""Report (举报) pages for regulators: the list (overdue first), the record with its timeline,
and its actions, each calling ``complaints.report_services`` (the API's services) through the
API's input serializers. Which actions a user is offered, and who sees the reporter, is
``complaints.report_policy``'s to say; enterprises see no report (``Report.objects.visible_to``).
"""

from __future__ import annotations

from trace.models import Batch

from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from complaints import report_policy, report_services
from complaints import report_serializers as s
from complaints.choices import OPEN_REPORT_STATUSES, ReportStatus
from complaints.models import Report
from complaints.privacy import decrypt_contact, normalize_tracking_code
from core.rulebook import rule
from incidents.models import Incident
from recalls.models import Recall

from ...access import regulator_page
from .common import (
    Action,
    ActionField,
    batch_rows,
    due,
    dues,
    reason_field,
    renamed,
    run_action,
    timeline_rows,
)


def report_dues(report: Report, now) -> list:
    """The case decision (checked within the penalty-procedure rule's working days, extendable
    once) while the report is open; then, for a real-name reporter, the notice (SAMR Order 20
    Art. 31 ¶2) until it is given."""
    if report.status in OPEN_REPORT_STATUSES:
        return dues(due(report.decision_due_at, _("case decision"), now, overdue=report.is_overdue))
    if report.reporter_notice_due_at and report.reporter_notified_at is None:
        return dues(
            due(
                report.reporter_notice_due_at,
                _("tell the reporter"),
                now,
                overdue=report.is_overdue,
            )
        )
    return []


def _specs() -> dict[str, tuple[Action, type, object, dict]]:
    return {
        "verify": (
            Action("verify", _("Checked: the clue holds up"), (reason_field(),)),
            s.ReportReasonSerializer,
            report_services.report_verify,
            {},
        ),
        "open-case": (
            Action(
                "open-case",
                _("Open a case"),
                (
                    ActionField("open_incident", _("Open a new incident for the case"), "checkbox"),
                    ActionField("title", _("Title of the new incident"), "text"),
                    ActionField("incident", _("Or the number of an existing incident"), "number"),
                    reason_field(),
                ),
            ),
            s.ReportOpenCaseSerializer,
            report_services.report_open_case,
            {"incident": "incident_id", "recall": "recall_id"},
        ),
        "decline": (
            Action(
                "decline",
                _("Open no case"),
                (reason_field(True),),
                danger=True,
            ),
            s.ReportRequiredReasonSerializer,
            report_services.report_decline,
            {},
        ),
        "extend": (
            Action("extend", _("Extend the check once"), (reason_field(True),)),
            s.ReportRequiredReasonSerializer,
            report_services.report_extend,
            {},
        ),
        "tell-reporter": (
            Action("tell-reporter", _("The reporter was told the decision"), (reason_field(),)),
            s.ReportReasonSerializer,
            report_services.report_tell_reporter,
            {},
        ),
    }


def report_actions(report: Report, user) -> list[Action]:
    specs = _specs()
    return [
        specs[name][0].at(reverse("workbench:report-action", args=[report.pk, name]))
        for name in report_policy.offered_actions(user, report)
        if name in specs
    ]


REPORT_LABELS = {
    "received": pgettext_lazy("report", "Received"),
    "verified": gettext_lazy("Checked"),
    "extended": gettext_lazy("Check extended"),
    "case_opened": gettext_lazy("Case opened"),
    "declined": gettext_lazy("No case opened"),
    "reporter_told": gettext_lazy("Reporter told the decision"),
    "overdue": gettext_lazy("Overdue"),
}


def describe_report(row) -> tuple[str, str]:
    data = row.data or {}
    label = str(REPORT_LABELS.get(row.action, row.action.replace("_", " ")))
    if row.action == "case_opened" and data.get("incident"):
        return label, _("incident #%(id)s") % {"id": data["incident"]}
    if row.action == "received" and data.get("from_complaint"):
        return label, _("from complaint #%(id)s") % {"id": data["from_complaint"]}
    if row.action in ("received", "extended", "overdue") and data.get("rule"):
        return label, rule(data["rule"], on=row.at).citation()  # in the page's language
    return label, ""


def _visible(request: HttpRequest, pk: int) -> Report:
    report = Report.objects.visible_to(request.user).filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


def _ordered(rows, now):
    """Overdue first (marked by the sweep, or past the due time it has not reached yet), then
    the soonest due, then the newest."""
    late = Case(
        When(Q(is_overdue=True) | Q(next_due_at__lte=now), then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return rows.annotate(late=late).order_by(
        "late", F("next_due_at").asc(nulls_last=True), "-received_at", "-id"
    )


@regulator_page
def report_list(request: HttpRequest) -> HttpResponse:
    rows = Report.objects.visible_to(request.user)
    chosen = {
        "status": [v for v in request.GET.getlist("status") if v in ReportStatus.values],
        "overdue": request.GET.get("overdue", ""),
        "q": request.GET.get("q", "").strip(),
    }
    if chosen["status"]:
        rows = rows.filter(status__in=chosen["status"])
    if chosen["overdue"] in ("true", "false"):
        rows = rows.filter(is_overdue=chosen["overdue"] == "true")
    if chosen["q"]:
        code = normalize_tracking_code(chosen["q"])
        rows = rows.filter(Q(enterprise_name__icontains=chosen["q"]) | Q(tracking_code=code or "-"))
    now = timezone.now()
    page = Paginator(_ordered(rows, now), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "workbench/records/report_list.html",
        {
            "items": [{"report": r, "dues": report_dues(r, now)} for r in page],
            "page": page,
            "query": query.urlencode(),
            "statuses": ReportStatus.choices,
            "chosen": chosen,
            "citation": rule(report_services.DECISION_RULE, on=now).citation(),
        },
    )


@regulator_page
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _visible(request, pk)
    handler = report_policy.is_handler(request.user, report)
    show_reporter = report_policy.may_see_reporter(request.user, report)
    timeline = report.timeline.select_related("actor_organization").order_by("at", "id")
    batches = (
        Batch.objects.filter(gtin=report.gtin, lot=report.lot).select_related("product")[:1]
        if report.gtin and report.lot
        else []
    )
    incident = (
        Incident.objects.visible_to(request.user).filter(pk=report.incident_id).first()
        if report.incident_id
        else None
    )
    recall = (
        Recall.objects.visible_to(request.user).filter(pk=report.recall_id).first()
        if report.recall_id
        else None
    )
    return render(
        request,
        "workbench/records/report_detail.html",
        {
            "report": report,
            "handler": handler,
            "reporter": decrypt_contact(report.contact_encrypted) if show_reporter else None,
            "show_reporter": show_reporter,
            "dues": report_dues(report, timezone.now()),
            "decision_citation": rule(
                report_services.DECISION_RULE, on=report.received_at
            ).citation(),
            "batches": batch_rows(batches, request.user),
            "incident": incident,
            "recall": recall,
            "timeline": timeline_rows(timeline, describe_report),
            "actions": report_actions(report, request.user),
        },
    )


@require_POST
@regulator_page
def report_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    report = _visible(request, pk)
    spec = _specs().get(action)

    def call(data):
        _button, _serializer, service, renames = spec
        return service(report_id=report.pk, actor=request.user, **renamed(data, renames))

    return run_action(request, spec, call, reverse("workbench:report", args=[report.pk]))


urlpatterns = [
    path("tips/", report_list, name="reports"),
    path("tips/<int:pk>/", report_detail, name="report"),
    path("tips/<int:pk>/do/<slug:action>/", report_action, name="report-action"),
]
