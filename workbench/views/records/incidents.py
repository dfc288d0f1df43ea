"""Incident pages: the list (the API's filters), the record, and its actions, each calling the
``incidents.services`` function the API's action calls, with the API's input serializer."""

from __future__ import annotations

from datetime import datetime

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from complaints.models import Report
from core.punctuation import joined
from incidents import escalation, policy, services
from incidents import serializers as s
from incidents.choices import Grade, Level, Status, TransferTarget
from incidents.filters import IncidentFilterSet
from incidents.models import Incident, IncidentTimeline
from recalls import policy as recall_policy
from recalls import selectors as recall_selectors

from ...access import member_page
from .common import (
    Action,
    ActionField,
    arrow,
    batch_rows,
    display_name,
    due,
    dues,
    filter_params,
    grade_text,
    reason_field,
    renamed,
    run_action,
    timeline_rows,
)

# --- which actions to offer ----------------------------------------------------------------


def offered_actions(incident: Incident, actor) -> list[str]:
    """The buttons to show: what the incident services' own rule lets ``actor`` do now
    (``incidents.policy.actions_for``: the transition table's actions from the current status,
    kept to those ``policy.can`` allows, and the escalation actions the level above may take).
    The service still decides."""
    return policy.actions_for(actor, incident) + escalation.escalation_actions_for(
        incident=incident, actor=actor
    )


L = gettext_lazy

# What an action's form asks for: "reason" (optional) or "reason!" (required), "figures" (the
# counts a supplementary report gives), or (name, label, kind, required[, choices' name]).
_FIGURES = (
    ("deaths", L("Deaths")),
    ("serious_injuries", L("Serious injuries")),
    ("minor_injuries", L("Minor injuries")),
    ("direct_loss", L("Direct economic loss (yuan)")),
    ("affected_quantity", L("Affected quantity")),
)
_MERGE = (("into", L("Incident number to merge into"), "number", True), "reason!")
_CONCLUDE = (
    ("findings", L("Findings"), "textarea", True),
    ("public_result", L("Result made public"), "textarea", True),
)
_TRANSFER = (
    ("target", L("Transfer to"), "select", True, "targets"),
    ("body", L("Receiving body"), "text", True),
    ("reference", L("Transfer reference"), "text", True),
    "reason",
)
_GRADE = (("grade", L("Grade"), "select", True, "grades"), "reason!")
_SUPPLEMENT = (
    "figures",
    ("written_report", L("This is the written report"), "checkbox", False),
    "reason",
)
_URGE = (("due_at", L("Act by"), "datetime", True), "reason")
_ANSWER = (("statement", L("Your statement"), "textarea", True),)
_TAKE_OVER = L("Take this case over? Your level will handle it from now on.")

# action → (label, fields, the API's input serializer, the service[, options: confirm, danger,
# renamed inputs])
_SPECS = {
    "accept": (L("Accept"), (), s.ReasonSerializer, services.incident_accept),
    "acknowledge": (L("Acknowledge"), (), s.ReasonSerializer, services.incident_acknowledge),
    "report-up": (
        L("Pass up to the next level"),
        (),
        s.ReportUpSerializer,
        services.incident_report_up,
        {"confirm": L("Pass this incident up to the next level?")},
    ),
    "reject": (
        L("Reject"),
        ("reason!",),
        s.RequiredReasonSerializer,
        services.incident_reject,
        {"danger": True},
    ),
    "merge": (
        L("Merge as duplicate"),
        _MERGE,
        s.MergeSerializer,
        services.incident_merge,
        {"renames": {"into": "into_id"}},
    ),
    "respond": (L("Start emergency handling"), (), s.ReasonSerializer, services.incident_respond),
    "investigate": (
        L("Start the investigation"),
        (),
        s.ReasonSerializer,
        services.incident_investigate,
    ),
    "extend": (
        L("Extend the investigation"),
        ("reason!",),
        s.RequiredReasonSerializer,
        services.incident_extend,
    ),
    "conclude": (L("Conclude"), _CONCLUDE, s.ConcludeSerializer, services.incident_conclude),
    "transfer": (
        L("Transfer the case"),
        _TRANSFER,
        s.TransferSerializer,
        services.incident_transfer,
    ),
    "close": (
        L("Close"),
        (),
        s.ReasonSerializer,
        services.incident_close,
        {"confirm": L("Close this incident?")},
    ),
    "grade": (
        L("Confirm or change the grade"),
        _GRADE,
        s.GradeSerializer,
        services.incident_grade,
    ),
    "supplement": (
        L("File a supplementary report"),
        _SUPPLEMENT,
        s.SupplementSerializer,
        services.incident_supplement,
    ),
    "take-over": (
        L("Take the case over"),
        ("reason",),
        s.ReasonSerializer,
        escalation.incident_take_over,
        {"confirm": _TAKE_OVER},
    ),
    "urge": (L("Urge the handling level"), _URGE, s.UrgeSerializer, escalation.incident_urge),
    "hand-back": (
        L("Hand the case back"),
        ("reason!",),
        s.RequiredReasonSerializer,
        escalation.incident_hand_back,
    ),
    "answer": (L("Answer this report"), _ANSWER, s.AnswerSerializer, services.incident_answer),
}


def _fields(specs, choices: dict) -> tuple[ActionField, ...]:
    fields: list[ActionField] = []
    for spec in specs:
        if spec in ("reason", "reason!"):
            fields.append(reason_field(spec == "reason!"))
        elif spec == "figures":
            fields += [ActionField(name, str(label), "number") for name, label in _FIGURES]
        else:
            name, label, kind, required, *named = spec
            fields.append(
                ActionField(name, str(label), kind, required, choices[named[0]] if named else ())
            )
    return tuple(fields)


def _specs() -> dict[str, tuple[Action, type, object, dict]]:
    """action → (button or form, the API's input serializer, the service, renamed inputs), in
    the current language."""
    choices = {
        "grades": tuple((g.value, grade_text(g.value)) for g in Grade),
        "targets": tuple(TransferTarget.choices),
    }
    specs = {}
    for name, (label, fields, serializer, service, *more) in _SPECS.items():
        options = more[0] if more else {}
        action = Action(
            name,
            str(label),
            _fields(fields, choices),
            confirm=str(options.get("confirm", "")),
            danger=options.get("danger", False),
        )
        specs[name] = (action, serializer, service, options.get("renames", {}))
    return specs


def actions_for(incident: Incident, actor) -> list[Action]:
    specs = _specs()
    return [
        specs[name][0].at(reverse("workbench:incident-action", args=[incident.pk, name]))
        for name in offered_actions(incident, actor)
        if name in specs
    ]


# --- reading -------------------------------------------------------------------------------


def _when(value) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


_OVERDUE = ("supplement_overdue", "written_report_overdue", "investigation_overdue")
_DONE = ("supplement", "status_changed")


def overdue_owed_many(incidents) -> dict[int, dict[str, datetime]]:
    """For each incident, the reports the sweep marked overdue and nobody has filed since (the
    sweep clears a due time once it has noticed it; the duty stays): ``supplement``,
    ``written_report`` and ``investigation``, each with the time it fell due. Two queries
    whatever the number of incidents."""
    ids = [i.pk for i in incidents]
    late = set(
        IncidentTimeline.objects.filter(incident_id__in=ids, action__in=_OVERDUE)
        .values_list("incident_id", flat=True)
        .distinct()
    )
    owed: dict[int, dict[str, datetime]] = {pk: {} for pk in ids}
    if not late:
        return owed
    rows = IncidentTimeline.objects.filter(
        incident_id__in=late, action__in=_OVERDUE + _DONE
    ).values_list("incident_id", "action", "data")
    for pk, action, data in rows.order_by("at", "id"):
        data = data or {}
        if action in _OVERDUE:
            due_at = _when(data.get("due_at"))
            if due_at is not None:
                owed[pk][action.removesuffix("_overdue")] = due_at
        elif action == "supplement":
            owed[pk].pop("supplement", None)
            if data.get("written_report"):
                owed[pk].pop("written_report", None)
        elif data.get("action") == "conclude":
            owed[pk].pop("investigation", None)
    return owed


def overdue_owed(incident: Incident) -> dict[str, datetime]:
    return overdue_owed_many([incident])[incident.pk]


def incident_dues(incident: Incident, org, now, owed: dict | None = None) -> list:
    """The due times that concern this organization (in the capacities ``policy.roles`` gives
    it), soonest (or latest overdue) first; a report that fell due and was not filed stays
    until it is (``owed``: this incident's ``overdue_owed_many`` entry, read here when not
    given)."""
    if not incident.is_open:
        return []
    roles = policy.roles(org, incident)
    items = []
    if "reporter" in roles and not org.is_regulator:
        owed = overdue_owed(incident) if owed is None else owed
        items += [
            due(
                incident.supplement_due_at or owed.get("supplement"),
                _("supplementary report"),
                now,
            ),
            due(
                incident.written_report_due_at or owed.get("written_report"),
                _("written report"),
                now,
            ),
        ]
    if "current" in roles:
        items += [
            due(incident.escalation_due_at, _("pass up"), now),
            None
            if incident.level_acknowledged
            else due(incident.reminder_due_at, _("acknowledge"), now),
        ]
    elif "late_report" in roles:
        # escalated past this level: its own report up is still owed, late since the deadline
        items.append(due(incident.overdue_since, _("pass up"), now, overdue=True))
    if org.is_regulator:
        urge = escalation.open_urge(incident, org)
        if urge is not None and urge["due_at"] is not None:
            items.append(due(urge["due_at"], _("act as urged"), now))
    if "handling" in roles:
        investigation = incident.investigation_due_at
        if investigation is None and incident.accepted_at is not None:
            investigation = (overdue_owed(incident) if owed is None else owed).get("investigation")
        items.append(due(investigation, _("investigation report"), now))
        if incident.status == Status.REPORTED and incident.is_overdue and incident.overdue_since:
            items.append(due(incident.overdue_since, _("accept"), now, overdue=True))
    return dues(*items)


TIMELINE_LABELS = {
    "reported": gettext_lazy("Reported"),
    "opened": gettext_lazy("Opened by a regulator"),
    "acknowledged": gettext_lazy("Acknowledged"),
    "status_changed": gettext_lazy("Status changed"),
    "reported_up": gettext_lazy("Passed up"),
    "escalated": gettext_lazy("Escalated: not passed up in time"),
    "reminder": gettext_lazy("Reminder sent"),
    "grade_changed": gettext_lazy("Grade changed"),
    "grade_confirmed": gettext_lazy("Grade confirmed"),
    "required_level_changed": gettext_lazy("Level required changed"),
    "supplement": gettext_lazy("Supplementary report"),
    "supplement_overdue": gettext_lazy("Supplementary report overdue"),
    "investigation_overdue": gettext_lazy("Investigation report overdue"),
    "written_report_overdue": gettext_lazy("Written report overdue"),
    "attachment": gettext_lazy("Attachment added"),
    "from_complaint": gettext_lazy("Opened from a consumer complaint"),
    "from_report": gettext_lazy("A case opened on a report (tip-off)"),
    "recall_opened": gettext_lazy("Recall opened"),
    "answered": gettext_lazy("Answered by the enterprise concerned"),
    "taken_over": gettext_lazy("Taken over"),
    "urged": gettext_lazy("Urged to act"),
    "handed_back": gettext_lazy("Handed back"),
    "informed": gettext_lazy("Levels informed"),
}


def _level(code) -> str:
    return Level(code).label if code in Level.values else str(code or "")


def _status(code) -> str:
    return Status(code).label if code in Status.values else str(code or "")


def describe(row) -> tuple[str, str]:
    data = row.data or {}
    label = str(TIMELINE_LABELS.get(row.action, row.action.replace("_", " ")))
    if row.action == "status_changed":
        return label, arrow(_status(data.get("from")), _status(data.get("to")))
    if row.action in (
        "reported_up",
        "escalated",
        "required_level_changed",
        "taken_over",
        "handed_back",
    ):
        return label, arrow(_level(data.get("from")), _level(data.get("to")))
    if row.action in ("grade_changed", "grade_confirmed"):
        return label, arrow(data.get("from", ""), data.get("to", ""))
    if row.action == "from_report" and data.get("report"):
        return label, _("report #%(id)s") % {"id": data["report"]}
    if row.action in ("acknowledged", "reminder"):
        return label, _level(data.get("level"))
    if row.action == "urged":
        due_at = data.get("due_at")
        when = (
            timezone.localtime(datetime.fromisoformat(due_at)).strftime("%Y-%m-%d %H:%M")
            if isinstance(due_at, str)
            else ""
        )
        return label, _("%(level)s, by %(due)s") % {"level": _level(data.get("level")), "due": when}
    if row.action == "informed":
        return label, joined(_level(v) for v in data.get("levels", []))
    if row.action in ("reported", "opened"):
        return label, _("grade %(grade)s, level %(level)s") % {
            "grade": data.get("grade", ""),
            "level": _level(data.get("level")),
        }
    return label, ""


def _visible(request: HttpRequest, pk: int) -> Incident:
    incident = (
        policy.visible_to(request.user, Incident.objects.select_related("reporter", "enterprise"))
        .filter(pk=pk)
        .first()
    )
    if incident is None:
        raise Http404
    return incident


@member_page
def incident_list(request: HttpRequest) -> HttpResponse:
    queryset = policy.visible_to(request.user, Incident.objects.select_related("reporter"))
    filters = IncidentFilterSet(filter_params(request) or None, queryset=queryset)
    rows = (
        filters.qs.order_by("-reported_at", "-id")
        if not filters.is_bound or filters.is_valid()
        else queryset.none()
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    now = timezone.now()
    org = request.organization
    owed = overdue_owed_many(page)
    items = [
        {
            "incident": i,
            "reporter": display_name(i.reporter),
            "grade": grade_text(i.grade),
            "dues": incident_dues(i, org, now, owed[i.pk]),
        }
        for i in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "workbench/records/incident_list.html",
        {
            "items": items,
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "statuses": Status.choices,
            "grades": [(g.value, grade_text(g.value)) for g in Grade],
            "levels": Level.choices,
            "chosen": {
                "status": request.GET.getlist("status"),
                "grade": request.GET.getlist("grade"),
                "level": request.GET.getlist("level"),
                "overdue": request.GET.get("overdue", ""),
                "q": request.GET.get("q", ""),
            },
        },
    )


@member_page
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _visible(request, pk)
    org = request.organization
    now = timezone.now()
    batches = [link.batch for link in incident.batch_links.select_related("batch__product")]
    timeline = incident.timeline.select_related("actor_organization").order_by("at", "id")
    recalls = incident.recalls.visible_to(request.user).order_by("id")
    return render(
        request,
        "workbench/records/incident_detail.html",
        {
            "incident": incident,
            "reporter": display_name(incident.reporter),
            "enterprise": display_name(incident.enterprise),
            "grade": grade_text(incident.grade),
            "computed_grade": grade_text(incident.computed_grade),
            "dues": incident_dues(incident, org, now),
            "deadlines": [
                (label, timezone.localtime(at) if at else None)
                for label, at in (
                    (_("Report due"), incident.report_due_at),
                    (_("Pass-up due"), incident.escalation_due_at),
                    (_("Next reminder"), incident.reminder_due_at),
                    (_("Supplementary report due"), incident.supplement_due_at),
                    (_("Investigation report due"), incident.investigation_due_at),
                    (_("Written report due"), incident.written_report_due_at),
                )
                if at
            ],
            "batches": batch_rows(batches, request.user),
            "timeline": timeline_rows(timeline, describe),
            "attachments": incident.attachments.order_by("id"),
            "recalls": recalls,
            "reports": Report.objects.visible_to(request.user).filter(incident=incident),
            "actions": actions_for(incident, request.user),
            "recall_url": _recall_url(incident, org, batches),
            **_order_recall(incident, request.user),
        },
    )


def _recall_url(incident: Incident, org, batches) -> str:
    """Where the producer of a lot the incident names starts a recall from it (the form opens
    with the incident linked and its lots chosen); empty for anyone else or a closed case."""
    if org.is_regulator or incident.status in (Status.REJECTED, Status.MERGED):
        return ""
    if not any(b.product_id and b.product.owner_id == org.pk for b in batches):
        return ""
    return reverse("workbench:enterprise-recall-new") + f"?incident={incident.pk}"


def _order_recall(incident: Incident, actor) -> dict:
    """For a regulator of the producer's place (``recalls.policy``): where it orders a recall
    of the incident's lots (the page opens with the incident linked), or, once an ordered
    recall of them stands, that recall (``recalls.selectors.standing_order``) instead."""
    if not recall_policy.can_order_from_incident(actor, incident):
        return {"order_recall_url": "", "ordered_recall": None}
    standing = recall_selectors.incident_standing_order(incident)
    if standing is not None:
        return {"order_recall_url": "", "ordered_recall": standing}
    url = reverse("workbench:incident-order-recall", args=[incident.pk])
    return {"order_recall_url": url, "ordered_recall": None}


@require_POST
@member_page
def incident_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    incident = _visible(request, pk)
    spec = _specs().get(action)

    def call(data):
        _button, _serializer, service, renames = spec
        return service(incident_id=incident.pk, actor=request.user, **renamed(data, renames))

    return run_action(request, spec, call, reverse("workbench:incident", args=[incident.pk]))


urlpatterns = [
    path("incidents/", incident_list, name="incidents"),
    path("incidents/<int:pk>/", incident_detail, name="incident"),
    path("incidents/<int:pk>/do/<slug:action>/", incident_action, name="incident-action"),
]
