"""Recall pages: the list (the API's filters), the record with its scope, consignees,
quantities reconciled and effectiveness against target, and the producer's and regulators'
actions, each calling the ``recalls.services`` function the API calls."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.http import require_POST

from core.choices import RegulatorLevel
from core.models import Organization, organization_of
from recalls import law, policy, services
from recalls import serializers as s
from recalls.choices import Effectiveness, RecallClass, RecallStatus, RecallType, Remedy
from recalls.filters import RecallFilterSet
from recalls.models import Recall, RecallNotice, RecallSummaryReport
from recalls.selectors import pending_scope_changes, report_figures, target_percent

from ...access import member_page
from .common import (
    Action,
    ActionField,
    batch_rows,
    display_name,
    due,
    dues,
    filter_params,
    reason_field,
    run_action,
    timeline_rows,
)

# The model's labels carry the Chinese term in brackets; the pages say it in the page's language.
TYPE_NAMES = {
    RecallType.VOLUNTARY: gettext_lazy("Voluntary recall"),
    RecallType.ORDERED: gettext_lazy("Ordered recall"),
}

# A recall's status in its own words ("Active" alone is also a lot's status, translated as such).
STATUS_NAMES = {
    RecallStatus.DRAFT: pgettext_lazy("recall status", "Draft"),
    RecallStatus.SUBMITTED: pgettext_lazy("recall status", "Plan filed"),
    RecallStatus.ACTIVE: pgettext_lazy("recall status", "Active"),
    RecallStatus.COMPLETED: pgettext_lazy("recall status", "Completed"),
    RecallStatus.CLOSED: pgettext_lazy("recall status", "Closed"),
    RecallStatus.TERMINATED: pgettext_lazy("recall status", "Terminated"),
    RecallStatus.CANCELLED: pgettext_lazy("recall status", "Cancelled"),
}


def status_name(recall: Recall) -> str:
    return str(STATUS_NAMES.get(recall.status, recall.status))


def _summary(recall: Recall) -> RecallSummaryReport | None:
    try:
        return recall.summary_report
    except ObjectDoesNotExist:
        return None


def is_party(recall: Recall, org) -> bool:
    """The producer, the ordering regulator and the regulators of the producer's place: who
    acts on a recall and sees its whole scope (``policy.parties``, as the API's)."""
    return bool(policy.parties(org, recall) & {"producer", "orderer", "regulator"})


def offered_actions(recall: Recall, actor, now) -> list[str]:
    """``services.TRANSITIONS`` from the current status that the recall services' own actor rule
    (``policy.can``) lets ``actor`` take, less those the recall's state rules
    out for now (a confirmed scope, an approved plan, an objection window, a filed summary). The services
    still decide; this only chooses the buttons."""
    ordered = recall.recall_type == RecallType.ORDERED
    window_open = recall.objection_due_at is not None and now <= recall.objection_due_at
    org = organization_of(actor)
    producer = org is not None and org.pk == recall.producer_id
    undecided = recall.objected_at is not None and recall.objection_decided_at is None
    state_allows = {
        "edit_scope": not (
            recall.status == RecallStatus.DRAFT and recall.scope_confirmed_at is not None
        ),
        "approve": recall.approved_at is None,
        # the regulator activates an ordered recall only once the objection window has closed
        # or the objection was decided; nobody while an objection awaits its decision
        "activate": not undecided
        and (not ordered or producer or recall.order_issued_at is not None),
        # SAMR orders once the notice stands (SAMR Order 19 Arts. 13-14)
        "order": ordered
        and recall.order_issued_at is None
        and not undecided
        and (not window_open or recall.objection_decided_at is not None),
        "object": ordered and window_open and recall.objected_at is None,
        "decide_objection": undecided,
    }
    offered = []
    for action, (sources, _target) in services.TRANSITIONS.items():
        if recall.status not in sources or not state_allows.get(action, True):
            continue
        if not policy.can(actor, action, recall):
            continue
        if action == "summary_report" and _summary(recall) is not None:
            continue  # filed once
        offered.append(action)
    return offered


def _quantities() -> tuple[ActionField, ...]:
    return (
        ActionField(
            "units_recovered", _("Units recovered (blank: as the consignees said)"), "number"
        ),
        ActionField("units_corrected", _("Units corrected"), "number"),
        ActionField("units_destroyed", _("Units destroyed"), "number"),
        ActionField("note", _("Note"), "textarea"),
    )


def _specs() -> dict[str, tuple[Action, type | None, object]]:
    """action → (button or form, the API's input serializer, the call)."""
    return {
        **_plan_specs(),
        **_order_specs(),
        **_report_specs(),
        **_ending_specs(),
    }


def _plan_specs() -> dict[str, tuple[Action, type | None, object]]:
    """Confirming the scope, filing, approving and starting the recall."""
    return {
        "edit_scope": (
            Action("edit_scope", _("Confirm the proposed scope")),
            None,
            lambda recall, actor, data: services.recall_edit_scope(
                recall_id=recall.pk, actor=actor, edits=[], confirm=True
            ),
        ),
        "submit": (
            Action("submit", _("File the plan"), confirm=_("File this recall plan?")),
            None,
            lambda recall, actor, data: services.recall_submit(recall_id=recall.pk, actor=actor),
        ),
        "approve": (
            Action("approve", _("Approve the plan"), (reason_field(),)),
            s.RecallReasonSerializer,
            lambda recall, actor, data: services.recall_approve(
                recall_id=recall.pk, actor=actor, note=data["reason"]
            ),
        ),
        "activate": (
            Action(
                "activate",
                _("Start the recall"),
                confirm=_("Start the recall? The lots become recalled and consignees are told."),
            ),
            None,
            lambda recall, actor, data: services.recall_activate(recall_id=recall.pk, actor=actor),
        ),
        "confirm_scope_and_activate": (
            Action(
                "confirm_scope_and_activate",
                _("Confirm the changed scope and start the recall"),
                confirm=_(
                    "Confirm the changes to the scope listed and start the recall? The lots "
                    "become recalled and consignees are told."
                ),
            ),
            None,
            lambda recall, actor, data: services.recall_activate(
                recall_id=recall.pk, actor=actor, confirm_scope=True
            ),
        ),
    }


def _order_specs() -> dict[str, tuple[Action, type | None, object]]:
    """A recall the regulator orders: the objection to it and its decision."""
    return {
        "object": (
            Action("object", _("Object to the order"), (reason_field(True),)),
            s.RecallReasonSerializer,
            lambda recall, actor, data: services.recall_object(
                recall_id=recall.pk, actor=actor, reason=data["reason"]
            ),
        ),
        "order": (
            Action(
                "order",
                _("Order the recall (SAMR)"),
                (
                    reason_field(True),
                    ActionField(
                        "expert_review", _("Expert review, testing or appraisal"), "textarea"
                    ),
                ),
            ),
            s.OrderInput,
            lambda recall, actor, data: services.recall_order(
                recall_id=recall.pk, actor=actor, **data
            ),
        ),
        "decide_objection": (
            Action(
                "decide_objection",
                _("Decide the objection"),
                (
                    ActionField(
                        "upheld", _("Uphold the objection (the recall is withdrawn)"), "checkbox"
                    ),
                    reason_field(True),
                    ActionField(
                        "expert_review", _("Expert review, testing or appraisal"), "textarea"
                    ),
                ),
            ),
            s.DecideObjectionInput,
            lambda recall, actor, data: services.recall_decide_objection(
                recall_id=recall.pk, actor=actor, **data
            ),
        ),
    }


def _report_specs() -> dict[str, tuple[Action, type | None, object]]:
    """Progress and summary reports, and reporting the recall completed."""
    return {
        "progress_report": (
            Action("progress_report", _("File a progress report"), _quantities()),
            s.ProgressReportInput,
            lambda recall, actor, data: services.recall_file_progress_report(
                recall_id=recall.pk, actor=actor, **data
            ),
        ),
        "complete": (
            Action(
                "complete",
                _("Report the recall completed"),
                (ActionField("reason", _("Note"), "textarea"),),
                confirm=_("Mark this recall as completed?"),
            ),
            s.RecallReasonSerializer,
            lambda recall, actor, data: services.recall_complete(
                recall_id=recall.pk, actor=actor, note=data["reason"]
            ),
        ),
        "summary_report": (
            Action(
                "summary_report",
                _("File the summary report"),
                (ActionField("conclusion", _("Conclusion"), "textarea", True), *_quantities()),
            ),
            s.SummaryReportInput,
            lambda recall, actor, data: services.recall_file_summary_report(
                recall_id=recall.pk, actor=actor, **data
            ),
        ),
    }


def _ending_specs() -> dict[str, tuple[Action, type | None, object]]:
    """Closing, stopping early and withdrawing the recall."""
    return {
        "close": (
            Action(
                "close",
                _("Close the recall"),
                (
                    ActionField("override", _("Close although the target is not met"), "checkbox"),
                    reason_field(),
                ),
            ),
            s.RecallCloseSerializer,
            lambda recall, actor, data: services.recall_close(
                recall_id=recall.pk, actor=actor, **data
            ),
        ),
        "terminate": (
            Action("terminate", _("Stop the recall early"), (reason_field(True),), danger=True),
            s.RecallReasonSerializer,
            lambda recall, actor, data: services.recall_terminate(
                recall_id=recall.pk, actor=actor, reason=data["reason"]
            ),
        ),
        "cancel": (
            Action("cancel", _("Withdraw the recall"), (reason_field(True),), danger=True),
            s.RecallReasonSerializer,
            lambda recall, actor, data: services.recall_cancel(
                recall_id=recall.pk, actor=actor, reason=data["reason"]
            ),
        ),
    }


def _slug(action: str) -> str:
    return action.replace("_", "-")


def _may_confirm_scope(recall: Recall, actor) -> bool:
    return policy.can(actor, "edit_scope", recall)


def _plan_receiver(recall: Recall) -> dict | None:
    """The level a food recall's plan is reported to and the rule that says so (CFDA Order 12
    Art. 13, or from 2026-12-01 SAMR Order 122 Art. 5 ¶3); None for a consumer product."""
    r = policy.plan_receiver_rule(recall)
    if r is None:
        return None
    return {"level": RegulatorLevel(r.value).label, "citation": r.citation()}


def actions_for(recall: Recall, actor, now) -> list[Action]:
    """The buttons; a start whose scope changed since it was confirmed is
    offered as "confirm the changed scope and start" to who may confirm it."""
    specs = _specs()
    names = offered_actions(recall, actor, now)
    if (
        "activate" in names
        and recall.status == RecallStatus.SUBMITTED
        and recall.scope_confirmed_at is None
        and _may_confirm_scope(recall, actor)
    ):
        names[names.index("activate")] = "confirm_scope_and_activate"
    return [
        specs[name][0].at(reverse("workbench:recall-action", args=[recall.pk, _slug(name)]))
        for name in names
        if name in specs
    ]


def recall_dues(recall: Recall, org, now) -> list:
    """The reports the producer owes and the objection window, for the recall's parties."""
    if not is_party(recall, org):
        return []
    items = []
    if recall.status == RecallStatus.ACTIVE:
        items.append(due(recall.next_report_due_at, _("progress report"), now))
    if recall.status == RecallStatus.COMPLETED and _summary(recall) is None:
        items.append(due(recall.summary_due_at, _("summary report"), now))
    if (
        recall.recall_type == RecallType.ORDERED
        and recall.status in (RecallStatus.DRAFT, RecallStatus.SUBMITTED)
        and recall.objection_due_at
        and recall.objected_at is None
    ):
        items.append(due(recall.objection_due_at, _("objection window ends"), now))
    return dues(*items)


RECALL_LABELS = {
    "created": gettext_lazy("Opened"),
    "opened_from_incident": gettext_lazy("Opened from an incident"),
    "scope_proposed": gettext_lazy("Scope proposed from the trace"),
    "scope_confirmed": gettext_lazy("Scope confirmed"),
    "scope_refreshed": gettext_lazy("Scope brought up to date from the trace"),
    "consignee_reminded": gettext_lazy("Consignee reminded"),
    "consignee_escalated": gettext_lazy("Silent consignee escalated"),
    "progress_report_overdue": gettext_lazy("Progress report overdue"),
    "summary_report_overdue": gettext_lazy("Summary report overdue"),
    "scope_lot_added": gettext_lazy("Lot added to the scope"),
    "scope_lot_excluded": gettext_lazy("Lot left out of the scope"),
    "scope_lot_included": gettext_lazy("Lot put back in the scope"),
    "scope_holder_excluded": gettext_lazy("Holder left out"),
    "scope_holder_included": gettext_lazy("Holder put back"),
    "plan_edited": gettext_lazy("Plan edited"),
    "plan_refiled": gettext_lazy("Plan re-filed"),
    "submitted": gettext_lazy("Plan filed"),
    "approved": gettext_lazy("Plan approved"),
    "objected": gettext_lazy("Objection lodged"),
    "objection_upheld": gettext_lazy("Objection upheld"),
    "objection_rejected": gettext_lazy("Objection not upheld"),
    "activated": gettext_lazy("Recall started"),
    "notice_undeliverable": gettext_lazy("Notice could not be delivered"),
    "consignee_acknowledged": gettext_lazy("Consignee acknowledged"),
    "consignee_reported": gettext_lazy("Consignee reported quantities"),
    "progress_report_filed": gettext_lazy("Progress report filed"),
    "completed": gettext_lazy("Completed"),
    "summary_report_filed": gettext_lazy("Summary report filed"),
    "closed": gettext_lazy("Closed"),
    "terminated": gettext_lazy("Stopped early"),
    "cancelled": gettext_lazy("Withdrawn"),
}


# A sweep runs every minute: a row it wrote later than this after its due time was caught up.
LATE_SWEEP = timedelta(minutes=10)


CONSIGNEE_ACTIONS = (
    "notice_undeliverable",
    "consignee_reminded",
    "consignee_escalated",
    "consignee_acknowledged",
    "consignee_reported",
)


def _organization_name(pk) -> str:
    org = Organization.objects.filter(pk=pk).only("name", "name_en").first()
    return display_name(org) if org else f"#{pk}"


def describe(row) -> tuple[str, str]:
    label = str(RECALL_LABELS.get(row.action, row.action.replace("_", " ")))
    data = row.data or {}
    swept_at = parse_datetime(data.get("swept_at") or "")
    if swept_at is not None and swept_at - row.at > LATE_SWEEP:
        # Stamped with its due time by a sweep that ran late.
        return label, _("due at this time; done at %(at)s, the sweep having been down") % {
            "at": timezone.localtime(swept_at).strftime("%Y-%m-%d %H:%M")
        }
    if row.action == "scope_refreshed":
        lots = data.get("lots_added_count", 0)
        added = data.get("consignees_added_count", 0)
        return label, _(
            "%(lots)s and %(consignees)s added, %(changed)s changed, %(removed)s removed; "
            "units to recover %(before)s → %(after)s"
        ) % {
            "lots": ngettext("%(n)s lot", "%(n)s lots", lots) % {"n": lots},
            "consignees": ngettext("%(n)s consignee", "%(n)s consignees", added) % {"n": added},
            "changed": data.get("consignees_changed_count", 0),
            "removed": data.get("consignees_removed_count", 0),
            "before": data.get("units_planned_before", ""),
            "after": data.get("units_planned", ""),
        }
    if row.action in CONSIGNEE_ACTIONS and data.get("organization"):
        name = _organization_name(data["organization"])
        if row.action == "notice_undeliverable":
            return label, _(
                "%(org)s: nobody there can receive the notice (no member with an address); "
                "reach it another way"
            ) % {"org": name}
        if row.action == "consignee_reminded" and data.get("reminder"):
            return label, _("%(org)s, reminder %(n)s") % {"org": name, "n": data["reminder"]}
        return label, name
    if row.action in ("progress_report_filed", "summary_report_filed") and "effectiveness" in data:
        if data["effectiveness"] is None:
            return label, _("effectiveness not applicable: no consignee")
        return label, _("effectiveness %(e)s %%") % {"e": data["effectiveness"]}
    return label, ""


def _visible(request: HttpRequest, pk: int) -> Recall:
    recall = (
        Recall.objects.visible_to(request.user)
        .select_related("producer", "ordered_by")
        .filter(pk=pk)
        .first()
    )
    if recall is None:
        raise Http404
    return recall


@member_page
def recall_list(request: HttpRequest) -> HttpResponse:
    queryset = (
        Recall.objects.visible_to(request.user)
        .select_related("producer")
        .annotate(
            lots=Count("scope_batches", filter=Q(scope_batches__included=True), distinct=True),
            consignees=Count("notices", filter=Q(notices__included=True), distinct=True),
        )
    )
    filters = RecallFilterSet(filter_params(request) or None, queryset=queryset)
    rows = (
        filters.qs.order_by("-id")
        if not filters.is_bound or filters.is_valid()
        else queryset.none()
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    now = timezone.now()
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "workbench/records/recall_list.html",
        {
            "items": [
                {
                    "recall": r,
                    "producer": display_name(r.producer),
                    "type": TYPE_NAMES.get(r.recall_type, r.recall_type),
                    "status": status_name(r),
                    "dues": recall_dues(r, request.organization, now),
                }
                for r in page
            ],
            "page": page,
            "query": query.urlencode(),
            "statuses": list(STATUS_NAMES.items()),
            "types": list(TYPE_NAMES.items()),
            "chosen": {
                "status": request.GET.getlist("status"),
                "recall_type": request.GET.get("recall_type", ""),
                "q": request.GET.get("q", ""),
            },
        },
    )


@member_page
def recall_detail(request: HttpRequest, pk: int) -> HttpResponse:
    recall = _visible(request, pk)
    org = request.organization
    now = timezone.now()
    party = is_party(recall, org)
    timeline = recall.timeline.select_related("actor_organization").order_by("at", "id")
    notices = RecallNotice.objects.filter(recall=recall).select_related("organization")
    context = {
        "recall": recall,
        "party": party,
        "producer": display_name(recall.producer),
        "ordered_by": display_name(recall.ordered_by),
        "type": TYPE_NAMES.get(recall.recall_type, recall.recall_type),
        "status": status_name(recall),
        "recall_class": RecallClass(recall.recall_class).label,
        "remedies": [Remedy(r).label for r in recall.remedies if r in Remedy.values],
        "target": Effectiveness(recall.target_effectiveness).label,
        "title": recall.notice_title_en
        if request.LANGUAGE_CODE == "en" and recall.notice_title_en
        else recall.notice_title,
        "dues": recall_dues(recall, org, now),
        "actions": actions_for(recall, request.user, now),
        "linked_incidents": recall.incidents.visible_to(request.user).order_by("id"),
        "category": recall.get_recall_category_display(),
        "deadlines": law.deadlines(recall),
        "plan_receiver": _plan_receiver(recall),
    }
    if party:
        lots = recall.scope_batches.select_related("batch__product").order_by("distance", "id")
        rows = batch_rows([link.batch for link in lots], request.user)
        figures = report_figures(recall)
        context.update(
            {
                "scope_changes": pending_scope_changes(recall),
                "lots": [{"link": link, **row} for link, row in zip(lots, rows, strict=True)],
                "notices": notices.order_by("id"),
                "holdings": recall.holdings.select_related("organization", "batch").order_by(
                    "organization_id", "batch_id"
                ),
                "figures": figures,
                "target_percent": target_percent(
                    recall.target_effectiveness, law.recall_date(recall)
                ),
                "effectiveness_check": law.effectiveness(
                    recall,
                    consignees=figures["consignees_total"],
                    answered=figures["consignees_answered"],
                ),
                "progress_reports": recall.progress_reports.order_by("sequence"),
                "summary": _summary(recall),
                "timeline": timeline_rows(timeline, describe),
            }
        )
    else:  # a consignee: its own notice and acknowledgement link, the public milestones
        own = notices.filter(organization=org, included=True).first()
        context.update(
            {
                "own_notice": own,
                "ack_url": services.current_ack_url(own)
                if own is not None and own.notified_at is not None
                else None,
                "timeline": timeline_rows(
                    timeline.filter(
                        Q(data__organization=org.pk)
                        | Q(actor_organization=org)
                        | Q(action__in=["activated", "completed", "closed", "terminated"])
                    ),
                    describe,
                ),
            }
        )
    return render(request, "workbench/records/recall_detail.html", context)


@require_POST
@member_page
def recall_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    recall = _visible(request, pk)
    spec = _specs().get(action.replace("-", "_"))

    def call(data):
        return spec[2](recall, request.user, data)

    return run_action(request, spec, call, reverse("workbench:recall", args=[recall.pk]))


urlpatterns = [
    path("recalls/", recall_list, name="recalls"),
    path("recalls/<int:pk>/", recall_detail, name="recall"),
    path("recalls/<int:pk>/do/<slug:action>/", recall_action, name="recall-action"),
]
