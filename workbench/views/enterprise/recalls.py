"""Start a voluntary recall of its own lots (``recalls.services.recall_create``), confirm or
edit the scope it proposes (``recall_edit_scope``), and run a drill (``recalls.drill``): a mock
recall that computes and times the scope and the notices, changing nothing."""

from __future__ import annotations

from trace.core.choices import BatchStatus
from trace.models import Batch

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from api.parsing import query_id
from incidents.models import Incident
from recalls import services
from recalls.choices import RecallStatus, RecallType, ScopeSource
from recalls.drill import recall_drill
from recalls.models import Recall, RecallDrill

from ...access import enterprise_page, refused
from .common import REFUSALS, can_write, local_name, number, refuse_into, viewer_refusal
from .forms import DrillForm, RecallForm, ScopeEditForm


def recall_url(pk: int) -> str:
    """The recall's workbench page (``/workbench/recalls/<pk>/``: filing, activation, reports)."""
    try:
        return reverse("workbench:recall", kwargs={"pk": pk})
    except NoReverseMatch:
        return f"/workbench/recalls/{pk}/"


def own_lots(request: HttpRequest):
    """Lots it made that the rules still let it recall (not recalled or destroyed already)."""
    return (
        Batch.objects.visible_to(request.user)
        .filter(product__owner=request.organization)
        .exclude(status__in=[BatchStatus.RECALLED, BatchStatus.DESTROYED])
        .select_related("product")
        .order_by("-id")
    )


def _initial_lots(request: HttpRequest) -> dict:
    """``?batch=<id>`` (a lot's page) or ``?incident=<id>`` (an incident's page): the form starts
    with that lot, or with the incident linked and the producer's own lots it names."""
    incident = query_id(request.GET, "incident")
    if incident is not None:
        found = Incident.objects.visible_to(request.user).filter(pk=incident).first()
        if found is not None:
            named = own_lots(request).filter(incident_links__incident=found)
            return {
                "batches": list(named.values_list("pk", flat=True)),
                "linked_incidents": [found.pk],
            }
    batch = query_id(request.GET, "batch")
    if batch is not None and own_lots(request).filter(pk=batch).exists():
        return {"batches": [batch]}
    return {}


@enterprise_page
def recall_new(request: HttpRequest) -> HttpResponse:
    if not can_write(request.user):
        return refused(request, viewer_refusal())
    incidents = Incident.objects.visible_to(request.user).order_by("-id")
    status = 200
    if request.method == "POST":
        form = RecallForm(request.POST, lots=own_lots(request), incidents=incidents)
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                recall = services.recall_create(
                    actor=request.user,
                    recall_type=RecallType.VOLUNTARY,
                    batch_ids=[b.pk for b in data.pop("batches")],
                    linked_incidents=[i.pk for i in data.pop("linked_incidents")],
                    **data,
                )
            except REFUSALS as exc:
                status = refuse_into(form, exc)
            else:
                messages.success(
                    request,
                    _("Recall %(number)s is drafted; check the scope it proposes and confirm it.")
                    % {"number": recall.number},
                )
                return redirect("workbench:enterprise-recall-scope", pk=recall.pk)
    else:
        form = RecallForm(
            initial={"remedies": ["refund", "replacement"], **_initial_lots(request)},
            lots=own_lots(request),
            incidents=incidents,
        )
    drafts = Recall.objects.visible_to(request.user).filter(
        producer=request.organization, status=RecallStatus.DRAFT
    )
    return render(
        request,
        "workbench/enterprise/recall_new.html",
        {
            "form": form,
            "drafts": [
                {
                    "recall": r,
                    "url": recall_url(r.pk),
                    "confirmed": r.scope_confirmed_at is not None,
                }
                for r in drafts.order_by("-id")[:20]
            ],
        },
        status=status,
    )


def _own_recall(request: HttpRequest, pk: int) -> Recall | HttpResponse:
    recall = Recall.objects.visible_to(request.user).filter(pk=pk).first()
    if recall is None:
        raise Http404
    if recall.producer_id != request.organization.pk:
        return refused(request, _("Only the producer running this recall sees its whole scope."))
    return recall


def _targets(recall: Recall, lots, holders) -> list[tuple[str, str]]:
    return [
        (f"lot:{link.batch_id}", _("Lot %(lot)s") % {"lot": link.batch.lot}) for link in lots
    ] + [(f"org:{n.organization_id}", local_name(n.organization)) for n in holders]


@enterprise_page
def recall_scope(request: HttpRequest, pk: int) -> HttpResponse:
    """The scope the trace graph proposed: every lot made from the affected ones and every
    holder with its quantities, to confirm (or change, a reason each) before filing the plan."""
    recall = _own_recall(request, pk)
    if isinstance(recall, HttpResponse):
        return recall
    lots = list(recall.scope_batches.select_related("batch__product").order_by("distance", "id"))
    holders = list(recall.notices.select_related("organization").order_by("id"))
    targets = _targets(recall, lots, holders)
    edit = ScopeEditForm(targets=targets)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if not can_write(request.user):
            return refused(request, viewer_refusal())
        outcome = _scope_post(request, recall, targets, edit)
        if isinstance(outcome, HttpResponse):
            return outcome
        edit, errors, status = outcome
    return render(
        request,
        "workbench/enterprise/recall_scope.html",
        {**_scope_context(request, recall, lots, holders), "edit": edit, "errors": errors},
        status=status,
    )


def _scope_post(request: HttpRequest, recall: Recall, targets, edit: ScopeEditForm):
    """Confirm the scope or change one target of it: a redirect when done, else the form, the
    errors and the status to show them with."""
    errors: list[str] = []
    if request.POST.get("op") == "confirm":
        try:
            services.recall_edit_scope(
                recall_id=recall.pk, actor=request.user, edits=[], confirm=True
            )
        except REFUSALS as exc:
            form = ScopeEditForm(targets=targets)
            status = refuse_into(form, exc)
            errors = form.non_field_errors()
        else:
            messages.success(
                request,
                _("The scope is confirmed. File the plan from the recall's page."),
            )
            return redirect(recall_url(recall.pk))
        return edit, errors, status
    edit = ScopeEditForm(request.POST, targets=targets)
    status = 400
    if edit.is_valid():
        try:
            services.recall_edit_scope(recall_id=recall.pk, actor=request.user, edits=[edit.edit()])
        except REFUSALS as exc:
            status = refuse_into(
                edit,
                exc,
                aliases={
                    "edits[0].reason": "reason",
                    "edits[0].batch": "target",
                    "edits[0].organization": "target",
                },
            )
        else:
            messages.success(request, _("The scope is changed; confirm it again."))
            return redirect("workbench:enterprise-recall-scope", pk=recall.pk)
    return edit, errors, status


def _scope_context(request: HttpRequest, recall: Recall, lots: list, holders: list) -> dict:
    """The recall, its lots with their products and its holders with their quantities."""
    sources = dict(ScopeSource.choices)
    return {
        "recall": recall,
        "recall_url": recall_url(recall.pk),
        "draft": recall.status == RecallStatus.DRAFT,
        "can_write": can_write(request.user),
        "lots": [
            {
                "link": link,
                "product": local_name(link.batch.product) if link.batch.product_id else "",
                "source": sources.get(link.source, link.source),
            }
            for link in lots
        ],
        "holders": [
            {
                "notice": n,
                "name": local_name(n.organization),
                "received": number(n.received),
                "sold_on": number(n.sold_on),
                "held": number(n.held),
            }
            for n in holders
        ],
        "units_planned": number(recall.units_planned),
        "units_sold": number(recall.units_sold),
    }


def _drill_row(drill: RecallDrill, lots: dict[int, Batch]) -> dict:
    return {
        "drill": drill,
        "lots_drilled": [lots[b].lot for b in drill.batch_ids if b in lots],
        "units_held": number(drill.units_held),
        "total_ms": drill.total_seconds * 1000,
        "timings": [  # in milliseconds, as measured by the drill
            (_("Scope from the trace graph"), drill.scope_seconds * 1000),
            (_("Notices and links written"), drill.notices_seconds * 1000),
            (_("Acknowledgement round"), drill.ack_seconds * 1000),
            (_("Total"), drill.total_seconds * 1000),
        ],
    }


@enterprise_page
def drill(request: HttpRequest) -> HttpResponse:
    """A mock recall of its own lots: what activation would reach, and how long it took."""
    org = request.organization
    status = 200
    form = DrillForm(initial=_initial_lots(request), lots=own_lots(request))
    if request.method == "POST":
        if not can_write(request.user):
            return refused(request, viewer_refusal())
        form = DrillForm(request.POST, lots=own_lots(request))
        status = 400
        if form.is_valid():
            try:
                done = recall_drill(
                    actor=request.user, batch_ids=[b.pk for b in form.cleaned_data["batches"]]
                )
            except REFUSALS as exc:
                status = refuse_into(form, exc)
            else:
                messages.success(request, _("Drill done: nothing was sent and no lot changed."))
                return redirect(f"{reverse('workbench:enterprise-drill')}?drill={done.pk}#result")
    drills = list(RecallDrill.objects.filter(organization=org).order_by("-id")[:20])
    ids = {b for d in drills for b in d.batch_ids}
    lots = {b.pk: b for b in Batch.objects.visible_to(request.user).filter(pk__in=ids)}
    chosen = query_id(request.GET, "drill")
    result = next((d for d in drills if d.pk == chosen), None)
    return render(
        request,
        "workbench/enterprise/drill.html",
        {
            "form": form,
            "can_write": can_write(request.user),
            "result": _drill_row(result, lots) if result else None,
            "drills": [_drill_row(d, lots) for d in drills],
        },
        status=status,
    )
