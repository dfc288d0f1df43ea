"""Complaint and risk-signal pages: the list, the record, its actions (calling
``complaints.services``, the API's services, with the API's input serializers).
Contact details only where the API shows them: to the county regulator handling the complaint."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from complaints import escalation, services
from complaints import serializers as s
from complaints.choices import (
    OPEN_COMPLAINT_STATUSES,
    SIGNAL_TRANSITIONS,
    Claim,
    ComplaintStatus,
    DeclineGround,
    SignalStatus,
    TerminationGround,
    allowed_actions,
)
from complaints.models import Complaint, RiskSignal
from complaints.privacy import decrypt_contact, normalize_tracking_code

from ...access import member_page
from .common import (
    Action,
    ActionField,
    arrow,
    batch_rows,
    display_name,
    due,
    dues,
    reason_field,
    renamed,
    run_action,
    timeline_rows,
)


def complaint_dues(complaint: Complaint, now, org=None) -> list:
    """The decision deadline (SAMR Order 20 Art. 14) or the mediation deadline (the rulebook's
    ``complaint.mediation_days`` in force on the complaint's date); once mediation was
    terminated, telling both parties (Art. 21 ¶2) until it is done, overdue once the sweep
    flagged it or its time passed."""
    if complaint.status not in OPEN_COMPLAINT_STATUSES:
        if complaint.parties_notice_due_at is None or complaint.parties_notified_at is not None:
            return []
        return dues(
            due(
                complaint.parties_notice_due_at,
                _("tell both parties"),
                now,
                overdue=complaint.parties_notice_overdue,
            )
        )
    if complaint.paused_at is not None:
        return []  # testing under way: the mediation clock is stopped
    deadline = (
        complaint.accept_due_at
        if complaint.status == ComplaintStatus.SUBMITTED
        else complaint.close_due_at
    )
    what = _("decision") if complaint.status == ComplaintStatus.SUBMITTED else _("mediation ends")
    urge = escalation.open_urge(complaint, org) if org is not None else None
    urged = due(urge["due_at"], _("act as urged"), now) if urge and urge["due_at"] else None
    return dues(due(deadline, what, now, overdue=complaint.is_overdue), urged)


def _specs() -> dict[str, tuple[Action, type, object, dict]]:
    """Each complaint action: its button, input serializer, service and field renames."""
    return {
        **_handling_specs(),
        **_mediation_specs(),
        **_routing_specs(),
        **_escalation_specs(),
    }


def _handling_specs() -> dict[str, tuple[Action, type, object, dict]]:
    """Accepting, declining and pausing a complaint for testing."""
    return {
        "accept": (
            Action("accept", _("Accept")),
            s.ComplaintReasonSerializer,
            services.complaint_accept,
            {},
        ),
        "decline": (
            Action(
                "decline",
                _("Decline"),
                (
                    ActionField(
                        "ground",
                        _("Ground (SAMR Order 20 Art. 15)"),
                        "select",
                        True,
                        tuple(DeclineGround.choices),
                    ),
                    reason_field(True),
                ),
                danger=True,
            ),
            s.ComplaintDeclineSerializer,
            services.complaint_decline,
            {},
        ),
        "pause": (
            Action(
                "pause",
                _("Pause for testing or appraisal"),
                (
                    ActionField("testing_body", _("Testing or appraisal body"), "text", True),
                    ActionField(
                        "designated",
                        _(
                            "The parties disagree: the regulator designates this body "
                            "(Consumer Rights Regulation Art. 47)"
                        ),
                        "checkbox",
                    ),
                    reason_field(),
                ),
            ),
            s.ComplaintPauseSerializer,
            services.complaint_pause,
            {},
        ),
        "resume": (
            Action("resume", _("Testing done: resume the clock"), (reason_field(),)),
            s.ComplaintReasonSerializer,
            services.complaint_resume,
            {},
        ),
    }


def _mediation_specs() -> dict[str, tuple[Action, type, object, dict]]:
    """Ending mediation: an agreement, none, withdrawn, the parties told."""
    return {
        "record-agreement": (
            Action(
                "record-agreement",
                _("Record the mediation agreement"),
                (
                    ActionField(
                        "agreement", _("What was agreed (the mediation document)"), "textarea", True
                    ),
                ),
            ),
            s.ComplaintAgreementSerializer,
            services.complaint_record_agreement,
            {},
        ),
        "terminate": (
            Action(
                "terminate",
                _("End mediation without agreement"),
                (
                    ActionField(
                        "ground",
                        _("Ground (SAMR Order 20 Art. 21)"),
                        "select",
                        True,
                        tuple(TerminationGround.choices),
                    ),
                    reason_field(),
                ),
                danger=True,
            ),
            s.ComplaintTerminateSerializer,
            services.complaint_terminate,
            {},
        ),
        "withdraw": (
            Action("withdraw", _("The complainant withdrew it"), (reason_field(),)),
            s.ComplaintReasonSerializer,
            services.complaint_withdraw,
            {},
        ),
        "link-respondent": (
            Action(
                "link-respondent",
                _("Link the respondent to a registered enterprise"),
                (
                    ActionField(
                        "credit_code",
                        _("Its unified social credit code (GB 32100)"),
                        "text",
                        True,
                    ),
                    reason_field(),
                ),
            ),
            s.ComplaintLinkRespondentSerializer,
            services.complaint_link_respondent,
            {},
        ),
        "notify-parties": (
            Action(
                "notify-parties", _("Both parties were told mediation ended"), (reason_field(),)
            ),
            s.ComplaintReasonSerializer,
            services.complaint_notify_parties,
            {},
        ),
    }


def _routing_specs() -> dict[str, tuple[Action, type, object, dict]]:
    """Forwarding, replying, closing and merging."""
    return {
        "forward": (
            Action(
                "forward",
                _("Forward to another county"),
                (
                    ActionField("region_code", _("County region code"), "text", True),
                    reason_field(True),
                ),
            ),
            s.ComplaintForwardSerializer,
            services.complaint_forward,
            {},
        ),
        "reply": (
            Action(
                "reply",
                _("Reply to the consumer"),
                (ActionField("reply", _("Reply"), "textarea", True),),
            ),
            s.ComplaintReplySerializer,
            services.complaint_reply,
            {},
        ),
        "close": (
            Action(
                "close",
                _("Close"),
                (ActionField("outcome", _("Outcome told to the consumer"), "textarea"),),
            ),
            s.ComplaintCloseSerializer,
            services.complaint_close,
            {},
        ),
        "merge": (
            Action(
                "merge",
                _("Merge with another complaint"),
                (
                    ActionField("into", _("Complaint number to merge into"), "number", True),
                    reason_field(),
                ),
            ),
            s.ComplaintMergeSerializer,
            services.complaint_merge,
            {"into": "into_id"},
        ),
    }


def _escalation_specs() -> dict[str, tuple[Action, type, object, dict]]:
    """The city above: taking over, urging, handing back; and opening an incident."""
    return {
        "take-over": (
            Action(
                "take-over",
                _("Take the complaint over"),
                (reason_field(),),
                confirm=_("Take this complaint over? The city will handle it from now on."),
            ),
            s.ComplaintReasonSerializer,
            escalation.complaint_take_over,
            {},
        ),
        "urge": (
            Action(
                "urge",
                _("Urge the county"),
                (ActionField("due_at", _("Act by"), "datetime", True), reason_field()),
            ),
            s.ComplaintUrgeSerializer,
            escalation.complaint_urge,
            {},
        ),
        "hand-back": (
            Action("hand-back", _("Hand the complaint back"), (reason_field(True),)),
            s.ComplaintRequiredReasonSerializer,
            escalation.complaint_hand_back,
            {},
        ),
        "convert": (
            Action(
                "convert",
                _("Open an incident from it"),
                (ActionField("title", _("Incident title"), "text"), reason_field()),
            ),
            s.ComplaintConvertSerializer,
            services.complaint_convert,
            {},
        ),
    }


def complaint_actions(complaint: Complaint, user) -> list[Action]:
    """The transition table's actions from the current status, for the handler only
    (``complaints.policy.is_handler``, the rule the services and the API apply), and the
    escalation actions of the city above (``complaints.escalation``)."""
    specs = _specs()
    names = (
        [name for name in allowed_actions(complaint.status) if name in specs]
        if services.is_handler(user, complaint)
        else []
    )
    if (
        names
        and complaint.respondent_organization_id is None
        and complaint.status in (OPEN_COMPLAINT_STATUSES)
    ):
        names.append("link-respondent")  # intake found no one enterprise (Order 20 Art. 9 (2))
    names += [
        name
        for name in escalation.escalation_actions_for(complaint=complaint, actor=user)
        if name in specs
    ]
    paused = complaint.paused_at is not None
    skip = {"pause" if paused else "resume"}
    if complaint.parties_notice_due_at is None or complaint.parties_notified_at is not None:
        skip.add("notify-parties")
    if not complaint.complete:
        skip.add("accept")
    return [
        specs[name][0].at(reverse("workbench:complaint-action", args=[complaint.pk, name]))
        for name in names
        if name not in skip
    ]


COMPLAINT_LABELS = {
    "submitted": gettext_lazy("Submitted by the consumer"),
    "accepted": gettext_lazy("Accepted"),
    "declined": gettext_lazy("Declined"),
    "replied": gettext_lazy("Replied to the consumer"),
    "closed": gettext_lazy("Closed"),
    "forwarded": gettext_lazy("Forwarded"),
    "merged": gettext_lazy("Merged"),
    "duplicate_merged": gettext_lazy("A duplicate was merged into it"),
    "converted": gettext_lazy("Turned into an incident"),
    "overdue_escalated": gettext_lazy("Overdue: escalated to the city"),
    "respondent_answered": gettext_lazy("The respondent answered"),
    "mediation_agreed": gettext_lazy("The respondent agreed to mediation"),
    "testing_started": gettext_lazy("Testing started: the clock is paused"),
    "testing_ended": gettext_lazy("Testing done: the clock runs again"),
    "mediation_agreement": gettext_lazy("Mediation agreement recorded"),
    "mediation_terminated": gettext_lazy("Mediation ended without agreement"),
    "withdrawn": gettext_lazy("Withdrawn by the complainant"),
    "parties_notified": gettext_lazy("Both parties told"),
    "respondent_linked": gettext_lazy("Respondent linked to a registered enterprise"),
    "parties_notice_overdue": gettext_lazy(
        "Overdue: both parties not told within the time of SAMR Order 20 Art. 21 ¶2"
    ),
    "to_report": gettext_lazy("Turned into a report"),
    "taken_over": gettext_lazy("Taken over by the city"),
    "urged": gettext_lazy("Urged to act"),
    "handed_back": gettext_lazy("Handed back to the county"),
}


def describe_complaint(row) -> tuple[str, str]:
    data = row.data or {}
    label = str(COMPLAINT_LABELS.get(row.action, row.action.replace("_", " ")))
    if row.action == "forwarded":
        return label, arrow(data.get("from", ""), data.get("to", ""))
    if row.action == "converted" and data.get("incident"):
        return label, _("incident #%(id)s") % {"id": data["incident"]}
    if row.action == "testing_started":
        return label, data.get("testing_body", "")
    if row.action == "testing_ended" and data.get("close_due_at"):
        return label, _("mediation now ends %(at)s") % {"at": str(data["close_due_at"])[:16]}
    return label, ""


def _visible(request: HttpRequest, pk: int) -> Complaint:
    complaint = (
        Complaint.objects.visible_to(request.user)
        .select_related("batch__product")
        .filter(pk=pk)
        .first()
    )
    if complaint is None:
        raise Http404
    return complaint


@member_page
def complaint_list(request: HttpRequest) -> HttpResponse:
    rows = Complaint.objects.visible_to(request.user).select_related("batch__product")
    chosen = {
        "status": [v for v in request.GET.getlist("status") if v in ComplaintStatus.values],
        "injured": request.GET.get("injured", ""),
        "overdue": request.GET.get("overdue", ""),
        "q": request.GET.get("q", "").strip(),
        "claim": request.GET.get("claim", ""),
    }
    if chosen["q"]:
        code = normalize_tracking_code(chosen["q"])
        rows = rows.filter(Q(respondent_name__icontains=chosen["q"]) | Q(tracking_code=code or "-"))
    if chosen["claim"] in Claim.values:
        rows = rows.filter(claim=chosen["claim"])
    if chosen["status"]:
        rows = rows.filter(status__in=chosen["status"])
    if chosen["injured"] in ("true", "false"):
        rows = rows.filter(injured=chosen["injured"] == "true")
    if chosen["overdue"] in ("true", "false"):
        rows = rows.filter(is_overdue=chosen["overdue"] == "true")
    page = Paginator(rows.order_by("-submitted_at", "-id"), 50).get_page(request.GET.get("page"))
    now = timezone.now()
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "workbench/records/complaint_list.html",
        {
            "items": [
                {
                    "complaint": c,
                    "product": display_name(c.batch.product)
                    if c.batch.product_id
                    else c.batch.gtin,
                    "dues": complaint_dues(c, now, request.organization),
                }
                for c in page
            ],
            "page": page,
            "query": query.urlencode(),
            "statuses": ComplaintStatus.choices,
            "claims": Claim.choices,
            "chosen": chosen,
        },
    )


@member_page
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _visible(request, pk)
    handler = services.is_handler(request.user, complaint)
    timeline = complaint.timeline.select_related("actor_organization").order_by("at", "id")
    return render(
        request,
        "workbench/records/complaint_detail.html",
        {
            "complaint": complaint,
            "handler": handler,
            "contact": decrypt_contact(complaint.contact_encrypted) if handler else None,
            "dues": complaint_dues(complaint, timezone.now(), request.organization),
            "batches": batch_rows([complaint.batch], request.user),
            "photos": complaint.photos.order_by("id"),
            "timeline": timeline_rows(timeline, describe_complaint),
            "signals": complaint.risk_signals.visible_to(request.user).order_by("-raised_at"),
            "actions": complaint_actions(complaint, request.user),
            "report_id": getattr(getattr(complaint, "report", None), "pk", None),
        },
    )


@require_POST
@member_page
def complaint_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    complaint = _visible(request, pk)
    spec = _specs().get(action)

    def call(data):
        _button, _serializer, service, renames = spec
        return service(complaint_id=complaint.pk, actor=request.user, **renamed(data, renames))

    return run_action(request, spec, call, reverse("workbench:complaint", args=[complaint.pk]))


# --- risk signals ----------------------------------------------------------------------------


def _signal_specs() -> dict[str, tuple[Action, type, object]]:
    return {
        "confirm": (
            Action("confirm", _("Confirm the risk")),
            s.ComplaintReasonSerializer,
            services.signal_confirm,
        ),
        "dismiss": (
            Action("dismiss", _("Dismiss"), (reason_field(True),), danger=True),
            s.ComplaintRequiredReasonSerializer,
            services.signal_dismiss,
        ),
        "publish": (
            Action(
                "publish",
                _("Publish a consumer warning"),
                (
                    ActionField("title_zh", _("Title (Chinese)"), "text", True),
                    ActionField("title_en", _("Title (English)"), "text", True),
                    ActionField("text_zh", _("Text (Chinese)"), "textarea", True),
                    ActionField("text_en", _("Text (English)"), "textarea", True),
                ),
            ),
            s.ComplaintPublishSerializer,
            services.warning_publish,
        ),
    }


def signal_actions(signal: RiskSignal, org) -> list[Action]:
    """``SIGNAL_TRANSITIONS`` from the current status; regulators decide (as the API)."""
    if not org.is_regulator:
        return []
    specs = _signal_specs()
    return [
        specs[name][0].at(reverse("workbench:signal-action", args=[signal.pk, name]))
        for name, (sources, _target) in SIGNAL_TRANSITIONS.items()
        if signal.status in sources
    ]


SIGNAL_LABELS = {
    "raised": gettext_lazy("Raised"),
    "evidence_added": gettext_lazy("More evidence"),
    "confirmed": gettext_lazy("Confirmed"),
    "dismissed": gettext_lazy("Dismissed"),
    "published": gettext_lazy("Published as a consumer warning"),
}


EVIDENCE_LABELS = {
    "rule": gettext_lazy("Rule"),
    "lot": gettext_lazy("Lot"),
    "gtin": "GTIN",
    "batch": gettext_lazy("Lot record"),
    "product": gettext_lazy("Product record"),
    "product_name": gettext_lazy("Product"),
    "casualties": gettext_lazy("People hurt"),
    "incident_casualties": gettext_lazy("People hurt (incidents)"),
    "injury_complaints": gettext_lazy("Injury complaints"),
    "incidents": gettext_lazy("Incidents"),
    "window_days": gettext_lazy("Window (days)"),
    "threshold": gettext_lazy("Threshold"),
    "scans": gettext_lazy("Scans"),
    "since": gettext_lazy("Since"),
    "units": gettext_lazy("Units"),
    "ratio": gettext_lazy("Ratio to the usual rate"),
    "multiple": gettext_lazy("Multiple that raises a signal"),
    "factor": gettext_lazy("Factor"),
    "this_week": gettext_lazy("This week"),
    "trailing_weeks": gettext_lazy("Weeks averaged"),
    "trailing_weekly_average": gettext_lazy("Weekly average before"),
    "region": gettext_lazy("Region"),
    "shipped_to": gettext_lazy("Shipped to"),
    "expiry_date": gettext_lazy("Expiry date"),
    "gtin_registered": gettext_lazy("GTIN registered"),
    "status_changed_at": gettext_lazy("Status changed at"),
    "why": gettext_lazy("Why"),
    "signal": gettext_lazy("Signal"),
}
EVIDENCE_RULES = {
    "min_per_batch": gettext_lazy("at least so many people hurt by one lot within the window"),
    "multiple_of_trailing_average": gettext_lazy(
        "people hurt by a product at a multiple of its usual weekly rate"
    ),
}


def evidence_rows(evidence: dict) -> list[tuple[str, object]]:
    """A signal's evidence as a person reads it: each figure under its name in the page's
    language (not the stored key), a rule by what it says, yes/no for true/false."""
    rows = []
    for key, value in evidence.items():
        label = str(EVIDENCE_LABELS.get(key, key.replace("_", " ")))
        if key == "rule":
            value = str(EVIDENCE_RULES.get(value, value))
        elif isinstance(value, bool):
            value = _("yes") if value else _("no")
        elif isinstance(value, list | dict):
            value = ", ".join(str(v) for v in value) if isinstance(value, list) else value
        rows.append((label, value))
    return rows


def describe_signal(row) -> tuple[str, str]:
    return str(SIGNAL_LABELS.get(row.action, row.action.replace("_", " "))), ""


def _visible_signal(request: HttpRequest, pk: int) -> RiskSignal:
    signal = RiskSignal.objects.visible_to(request.user).filter(pk=pk).first()
    if signal is None:
        raise Http404
    return signal


@member_page
def signal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    signal = _visible_signal(request, pk)
    complaints = signal.complaints.visible_to(request.user).order_by("id")
    timeline = signal.timeline.select_related("actor_organization").order_by("at", "id")
    return render(
        request,
        "workbench/records/signal_detail.html",
        {
            "signal": signal,
            "open": signal.status == SignalStatus.OPEN,
            "producer": display_name(signal.producer),
            "batches": batch_rows(signal.batches.select_related("product"), request.user),
            "complaints": complaints,
            "evidence": evidence_rows(signal.evidence or {}),
            "linked": {
                "complaints": signal.complaints.count(),
                "injury_complaints": signal.complaints.filter(injured=True).count(),
                "incidents": signal.incidents.count(),
            },
            "timeline": timeline_rows(timeline, describe_signal),
            "actions": signal_actions(signal, request.organization),
        },
    )


@require_POST
@member_page
def signal_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    signal = _visible_signal(request, pk)
    spec = _signal_specs().get(action)

    def call(data):
        return spec[2](signal_id=signal.pk, actor=request.user, **data)

    return run_action(request, spec, call, reverse("workbench:signal", args=[signal.pk]))


urlpatterns = [
    path("complaints/", complaint_list, name="complaints"),
    path("complaints/<int:pk>/", complaint_detail, name="complaint"),
    path("complaints/<int:pk>/do/<slug:action>/", complaint_action, name="complaint-action"),
    path("signals/<int:pk>/", signal_detail, name="signal"),
    path("signals/<int:pk>/do/<slug:action>/", signal_action, name="signal-action"),
]
