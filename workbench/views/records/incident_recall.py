"""Ordering a recall from an incident's page (the regulator's notice to recall, SAMR Order 19
Arts. 12–13; 责令召回): a regulator whose jurisdiction holds the producer of the incident's lots
writes the plan; the scope follows from those lots. The form hands it to ``recalls.services.recall_create_from_incident``, the
service ``POST /api/v1/recalls/`` with ``incident`` calls; the recall links the incident and
both timelines record the order. Who may is ``recalls.policy``'s to say. Once an ordered recall
of those lots stands (``recalls.selectors.standing_order``) the page answers 409 with a link to
it and no form, as the service refuses a second order."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from rest_framework import exceptions as drf

from recalls import policy as recall_policy
from recalls import selectors, services
from recalls.choices import RecallType

from ...access import member_page, refused
from ..enterprise.common import REFUSALS, refuse_into
from ..enterprise.forms import RecallPlanForm
from .common import batch_rows, display_name
from .incidents import _visible


@member_page
def incident_order_recall(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _visible(request, pk)
    try:
        recall_policy.require_order_from_incident(request.user, incident)
    except drf.PermissionDenied as exc:
        return refused(request, str(exc.detail))
    producer = recall_policy.order_producer(incident)
    standing = selectors.incident_standing_order(incident)
    status = 409 if standing is not None else 200
    form = None
    if standing is None and request.method == "POST":
        form = RecallPlanForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                recall = services.recall_create_from_incident(
                    actor=request.user,
                    incident_id=incident.pk,
                    recall_type=RecallType.ORDERED,
                    **form.cleaned_data,
                )
            except REFUSALS as exc:
                status = refuse_into(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "Recall %(number)s is ordered; the producer may object within the "
                        "window shown."
                    )
                    % {"number": recall.number},
                )
                return redirect("workbench:recall", pk=recall.pk)
    elif standing is None:
        form = RecallPlanForm(initial={"remedies": ["refund", "replacement"]})
    lots = incident.batches.select_related("product").filter(product__owner=producer)
    return render(
        request,
        "workbench/records/incident_order_recall.html",
        {
            "incident": incident,
            "producer": display_name(producer),
            "batches": batch_rows(lots.order_by("id"), request.user),
            "form": form,
            "standing": standing,
        },
        status=status,
    )


urlpatterns = [
    path("incidents/<int:pk>/order-recall/", incident_order_recall, name="incident-order-recall"),
]
