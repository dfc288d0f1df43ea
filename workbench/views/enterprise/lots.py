"""Products and lots: the list, a lot's page (its events, where it came from and went, labels,
the trace) with the events it may record now, and registering a lot. Every write is a
``trace.core.services`` action; ``trace.core.rules`` decides what is offered and refuses."""

from __future__ import annotations

from decimal import Decimal
from trace.consumer.public import page_actions
from trace.consumer.public_views import done_message
from trace.core import rules, services
from trace.core.choices import BatchStatus
from trace.core.identifiers import digital_link_path
from trace.core.labels import biz_step_label, disposition_label, unit_label
from trace.core.selectors import trace_graph
from trace.models import Batch, Custody, Event, EventBatch, Product
from trace.rest.serializers import BatchCreateSerializer

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, DecimalField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from api.parsing import query_id

from ...access import enterprise_page, refused
from .common import REFUSALS, can_write, check_with, local_name, number, refuse_into, viewer_refusal
from .forms import InspectForm, LotForm, ReasonForm, ReceiveForm, SellForm, ShipForm

PAGE_SIZE = 50
# The events a lot's page records, in the order its forms are shown.
ACTIONS = ("receive", "ship", "inspect", "sell", "hold", "release")


def _titles() -> dict[str, str]:
    return {
        "receive": _("Receive a shipment"),
        "ship": _("Ship to a customer"),
        "inspect": _("Record an inspection"),
        "sell": _("Record a sale"),
        "hold": _("Put the lot on hold"),
        "release": _("Release the hold"),
    }


def _held_columns(organization):
    custody = Custody.objects.filter(organization=organization, batch=OuterRef("pk"))
    zero = Value(Decimal(0), output_field=DecimalField(max_digits=18, decimal_places=3))
    return {
        "held": Coalesce(Subquery(custody.values("quantity")[:1]), zero),
        "on_way": Coalesce(Subquery(custody.values("in_transit")[:1]), zero),
    }


STATUS_BADGES = {
    BatchStatus.ACTIVE: "ok",
    BatchStatus.ON_HOLD: "warn",
    BatchStatus.RECALLED: "bad",
    BatchStatus.DESTROYED: "bad",
}


def _lot_row(batch: Batch) -> dict:
    return {
        "batch": batch,
        "product": local_name(batch.product) if batch.product_id else batch.gtin,
        "status": batch.get_status_display(),
        "badge": STATUS_BADGES.get(batch.status, "info"),
        "quantity": number(batch.quantity),
        "unit": unit_label(batch.unit),
        "held": number(getattr(batch, "held", None)),
        "on_way": number(getattr(batch, "on_way", None)),
        "page_url": digital_link_path(batch.gtin, batch.lot),
    }


@enterprise_page
def lots(request: HttpRequest) -> HttpResponse:
    """Its products and every lot it may see (made, recorded or shipped to it), with what it
    holds of each."""
    org = request.organization
    products = (
        Product.objects.visible_to(request.user)
        .filter(owner=org)
        .annotate(lot_count=Count("batches"))
        .order_by("id")
    )
    rows = (
        Batch.objects.visible_to(request.user)
        .select_related("product")
        .annotate(**_held_columns(org))
        .order_by("-id")
    )
    status = request.GET.get("status", "")
    if status in BatchStatus.values:
        rows = rows.filter(status=status)
    product = query_id(request.GET, "product")
    if product is not None:
        rows = rows.filter(product_id=product)
    q = request.GET.get("q", "").strip()[:20]
    if q:
        rows = rows.filter(Q(lot__icontains=q) | Q(gtin__contains=q))
    mine = request.GET.get("mine", "")
    if mine == "held":
        rows = rows.filter(Q(held__gt=0) | Q(on_way__gt=0))
    elif mine == "made":
        rows = rows.filter(product__owner=org)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "workbench/enterprise/lots.html",
        {
            "products": [
                {"product": p, "name": local_name(p), "category": p.get_category_display()}
                for p in products
            ],
            "lots": [_lot_row(b) for b in page],
            "page": page,
            "query": query.urlencode(),
            "statuses": BatchStatus.choices,
            "status": status,
            "product": product,
            "q": q,
            "mine": mine,
            "can_write": can_write(request.user),
            "product_choices": [(p.pk, local_name(p)) for p in products],
        },
    )


def _visible_lot(request: HttpRequest, pk: int) -> Batch:
    batch = (
        Batch.objects.visible_to(request.user)
        .select_related("product__owner", "site")
        .filter(pk=pk)
        .first()
    )
    if batch is None:
        raise Http404
    return batch


def _allowed(request: HttpRequest, batch: Batch):
    """What the rules let this member record on the lot now (the phone page's same question),
    and a release where the rules let it decide and the lot is on hold."""
    actions = page_actions(request.user, batch)
    allowed = list(actions.allowed)
    org = request.organization
    if can_write(request.user) and batch.status == BatchStatus.ON_HOLD:
        owner = batch.product.owner_id if batch.product_id else None
        actor = rules.Actor.of(org, related=[batch.pk])
        if rules.may_decide(actor, rules.LotFacts(batch.pk, batch.lot, batch.status, owner)):
            allowed.append("release")
    return actions, [a for a in ACTIONS if a in allowed]


def _form(action: str, data, *, org, actions):
    kwargs = {"prefix": action}
    if action == "ship":
        return ShipForm(data, organization=org, held=actions.held, **kwargs)
    if action == "receive":
        return ReceiveForm(data, in_transit=actions.in_transit, **kwargs)
    if action == "sell":
        return SellForm(data, held=actions.held, **kwargs)
    if action == "inspect":
        return InspectForm(data, **kwargs)
    return ReasonForm(data, **kwargs)


def _events(request: HttpRequest, batch: Batch) -> list[dict]:
    links = EventBatch.objects.filter(batch=batch)
    events = (
        Event.objects.visible_to(request.user)
        .filter(pk__in=links.values("event_id"))
        .select_related("organization", "source_org", "destination_org")
        .order_by("-event_time", "-id")[:200]
    )
    quantities = dict(links.values_list("event_id", "quantity"))
    rows = []
    for e in events:
        rows.append(
            {
                "event": e,
                "step": biz_step_label(e.biz_step) or e.event_type,
                "disposition": disposition_label(e.disposition),
                "by": local_name(e.organization),
                "to": local_name(e.destination_org),
                "quantity": number(quantities.get(e.pk)),
                "retracted": e.error_declaration is not None,
            }
        )
    return rows


def _trace(request: HttpRequest, batch: Batch) -> dict:
    """The lot's trace as ``GET /api/v1/batches/<id>/trace/`` gives it: the lots up and down
    its lineage, and who took part in the events of them the reader may see."""
    graph = trace_graph(batch, direction="both", depth=settings.SUYUAN_TRACE_DEFAULT_DEPTH)
    visible_lots = set(
        Batch.objects.visible_to(request.user)
        .filter(pk__in=[b.pk for b in graph.batches])
        .values_list("pk", flat=True)
    )
    visible_events = set(
        Event.objects.visible_to(request.user)
        .by_pks([e.pk for e in graph.events])
        .values_list("pk", flat=True)
    )
    lots = sorted(
        (b for b in graph.batches if b.pk != batch.pk), key=lambda b: graph.distances[b.pk]
    )
    parties: dict[int, dict] = {}
    for event in graph.events:
        if event.pk not in visible_events:
            continue
        for org in (event.organization, event.destination_org):
            if org is not None and org.pk not in parties:
                parties[org.pk] = {"name": local_name(org), "region": org.region_code}
    return {
        "lots": [
            {
                **_lot_row(b),
                "distance": graph.distances[b.pk],
                "visible": b.pk in visible_lots,
            }
            for b in lots
        ],
        "parties": list(parties.values()),
    }


def _lot_page(request: HttpRequest, batch: Batch, *, bound=None, status: int = 200):
    org = request.organization
    actions, allowed = _allowed(request, batch)
    forms = {a: _form(a, None, org=org, actions=actions) for a in allowed}
    if bound is not None:
        forms[bound[0]] = bound[1]
    titles = _titles()
    trace = _trace(request, batch)
    owner = batch.product_id is not None and batch.product.owner_id == org.pk
    row = _lot_row(batch)
    return render(
        request,
        "workbench/enterprise/lot.html",
        {
            "lot": row,
            "batch": batch,
            "producer": local_name(batch.product.owner) if batch.product_id else "",
            "held": number(actions.held),
            "on_way": number(actions.in_transit),
            "unit": unit_label(batch.unit),
            "forms": [
                {"action": a, "title": titles[a], "form": forms[a]} for a in ACTIONS if a in forms
            ],
            "events": _events(request, batch),
            "upstream": [r for r in trace["lots"] if r["distance"] < 0],
            "downstream": [r for r in trace["lots"] if r["distance"] > 0],
            "parties": trace["parties"],
            "owner": owner,
            "can_write": can_write(request.user),
            "links": {
                "labels": reverse("workbench:lot-labels", args=[batch.pk]),
                "qr": reverse("workbench:lot-qr", args=[batch.pk]),
            },
        },
        status=status,
    )


@enterprise_page
def lot(request: HttpRequest, pk: int) -> HttpResponse:
    return _lot_page(request, _visible_lot(request, pk))


def _record(action: str, batch: Batch, data: dict, form, user):
    if action == "receive":
        return services.batch_receive(batch=batch, quantity=data.get("quantity"), actor=user)
    if action == "ship":
        return services.batch_ship(
            batch=batch,
            to=data["to_organization"],
            quantity=data["quantity"],
            documents=form.documents(),
            actor=user,
        )
    if action == "inspect":
        return services.batch_inspect(
            batch=batch,
            result=data["result"],
            report_ref=data["report_ref"],
            note=data["note"],
            actor=user,
        )
    if action == "sell":
        return services.batch_sell(batch=batch, quantity=data["quantity"], actor=user)
    return services.batch_hold(
        batch=batch, reason=data["reason"], release=action == "release", actor=user
    )


@enterprise_page
def lot_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """A form of the lot's page posts here; the service records the event (its rules may
    refuse: the form then says why), and the page comes back saying what was recorded."""
    if action not in ACTIONS:
        raise Http404
    batch = _visible_lot(request, pk)
    if request.method != "POST":
        return redirect("workbench:lot", pk=batch.pk)
    if not can_write(request.user):
        return refused(request, viewer_refusal())
    before, _allowed_now = _allowed(request, batch)
    form = _form(action, request.POST, org=request.organization, actions=before)
    if not form.is_valid():
        return _lot_page(request, batch, bound=(action, form), status=400)
    try:
        _record(action, batch, form.cleaned_data, form, request.user)
    except REFUSALS as exc:
        status = refuse_into(form, exc)
        return _lot_page(request, batch, bound=(action, form), status=status)
    if action == "release":
        text = _("Recorded: the hold is released (%(reason)s).") % form.cleaned_data
    else:
        text = done_message(action, batch=batch, data=form.cleaned_data, before=before)
    messages.success(request, text)
    return redirect("workbench:lot", pk=batch.pk)


@enterprise_page
def lot_new(request: HttpRequest) -> HttpResponse:
    """``POST /api/v1/batches/`` as a form: the lot is registered and its production recorded."""
    org = request.organization
    if not can_write(request.user):
        return refused(request, viewer_refusal())
    status = 200
    if request.method == "POST":
        form = LotForm(request.POST, organization=org)
        status = 400
        if form.is_valid() and check_with(BatchCreateSerializer, request.POST, form) is not None:
            data = form.cleaned_data
            try:
                batch = services.batch_produce(
                    product=data["product"],
                    lot=data["lot"],
                    quantity=data["quantity"],
                    unit=data["unit"],
                    production_date=data.get("production_date"),
                    expiry_date=data.get("expiry_date"),
                    site=data.get("site"),
                    actor=request.user,
                )
            except REFUSALS as exc:
                status = refuse_into(form, exc)
            else:
                messages.success(
                    request,
                    _("Lot %(lot)s is registered: %(quantity)s %(unit)s produced.")
                    % {
                        "lot": batch.lot,
                        "quantity": number(batch.quantity),
                        "unit": unit_label(batch.unit),
                    },
                )
                return redirect("workbench:lot", pk=batch.pk)
    else:
        initial = {}
        product = query_id(request.GET, "product")
        if product is not None:
            initial["product"] = product
        form = LotForm(initial=initial, organization=org)
    return render(request, "workbench/enterprise/lot_new.html", {"form": form}, status=status)
