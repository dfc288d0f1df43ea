"""Report an incident (``POST /api/v1/incidents/`` and its attachments, as a form): the
service decides; its refusals are shown on the field they name, and nothing is stored."""

from __future__ import annotations

from trace.models import Batch

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from api.parsing import query_id
from incidents.attachments import incident_attach
from incidents.services import incident_report

from ...access import enterprise_page, refused
from .common import REFUSALS, can_write, refuse_into, viewer_refusal
from .forms import IncidentForm


def incident_url(pk: int) -> str:
    """The incident's workbench page (``/workbench/incidents/<pk>/``)."""
    try:
        return reverse("workbench:incident", kwargs={"pk": pk})
    except NoReverseMatch:
        return f"/workbench/incidents/{pk}/"


def _lots(request: HttpRequest):
    return Batch.objects.visible_to(request.user).select_related("product").order_by("-id")


def _form(request: HttpRequest, data=None, files=None, initial=None) -> IncidentForm:
    """The lots offered are those the reporter may see; which lots a report may name is the
    service's to decide (``batch_not_visible``), so any existing lot is taken to it."""
    form = IncidentForm(data, files, initial=initial, lots=Batch.objects.all())
    field = form.fields["batches"]
    field.widget.choices = [(b.pk, field.label_from_instance(b)) for b in _lots(request)]
    return form


@enterprise_page
def incident_new(request: HttpRequest) -> HttpResponse:
    org = request.organization
    if not can_write(request.user):
        return refused(request, viewer_refusal())
    status = 200
    if request.method == "POST":
        form = _form(request, request.POST, request.FILES)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():  # a refused attachment stores no report either
                    incident = incident_report(
                        actor=request.user,
                        title=data["title"],
                        description=data["description"],
                        kind=data["kind"],
                        category=data["category"],
                        recalled_abroad=data["recalled_abroad"],
                        batch_ids=[b.pk for b in data["batches"]],
                        region_code=data["region_code"],
                        occurred_at=data["occurred_at"],
                        discovered_at=data["discovered_at"],
                        deaths=data["deaths"],
                        serious_injuries=data["serious_injuries"],
                        minor_injuries=data["minor_injuries"],
                        direct_loss=data["direct_loss"],
                        affected_quantity=data.get("affected_quantity"),
                        measures_taken=data.get("measures_taken", ""),
                    )
                    for upload in data["attachments"]:
                        incident_attach(incident_id=incident.pk, actor=request.user, upload=upload)
            except REFUSALS as exc:
                status = refuse_into(form, exc)
            else:
                messages.success(
                    request,
                    _("Incident #%(id)s is reported; it has reached the regulator.")
                    % {"id": incident.pk},
                )
                return redirect(incident_url(incident.pk))
    else:
        initial = {"discovered_at": timezone.localtime().replace(second=0, microsecond=0)}
        if len(org.region_code or "") == 6 and not org.region_code.endswith("00"):
            initial["region_code"] = org.region_code
        batch = query_id(request.GET, "batch")
        if batch is not None and _lots(request).filter(pk=batch).exists():
            initial["batches"] = [batch]
        form = _form(request, initial=initial)
    return render(request, "workbench/enterprise/incident_new.html", {"form": form}, status=status)
