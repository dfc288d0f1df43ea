"""The respondent enterprise's side of a complaint (SAMR Order 20 Art. 16: mediation needs its
consent): the complaints against it that a regulator accepted, each with the claim and the facts
but never the complainant's phone or address (``complaints.policy``), and its three actions —
answer, agree to mediation, refuse it — through ``complaints.services``, with the API's input
serializers."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints import policy, services
from complaints import serializers as s
from complaints.choices import respondent_allowed_actions
from complaints.models import Complaint
from complaints.privacy import decrypt_contact

from ...access import enterprise_page
from ..records.common import Action, ActionField, reason_field, run_action, timeline_rows
from ..records.complaints import describe_complaint


def _specs() -> dict[str, tuple]:
    return {
        "answer": (
            Action(
                "answer",
                _("Answer the complaint"),
                (ActionField("answer", _("Your answer"), "textarea", True),),
            ),
            s.ComplaintAnswerSerializer,
            services.complaint_answer,
        ),
        "agree-mediation": (
            Action(
                "agree-mediation",
                _("Agree to mediation"),
                (ActionField("answer", _("Your answer (optional)"), "textarea"),),
            ),
            s.ComplaintAgreeMediationSerializer,
            services.complaint_agree_mediation,
        ),
        "refuse-mediation": (
            Action("refuse-mediation", _("Refuse mediation"), (reason_field(),), danger=True),
            s.ComplaintReasonSerializer,
            services.complaint_refuse_mediation,
        ),
    }


def _visible(request: HttpRequest, pk: int) -> Complaint:
    complaint = (
        policy.respondent_complaints(request.user)
        .select_related("batch__product")
        .filter(pk=pk)
        .first()
    )
    if complaint is None:
        raise Http404
    return complaint


def complaint_rows(request: HttpRequest) -> list[Complaint]:
    return list(
        policy.respondent_complaints(request.user)
        .select_related("batch__product")
        .order_by("-accepted_at", "-id")[:100]
    )


@enterprise_page
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _visible(request, pk)
    specs = _specs()
    actions = [
        specs[name][0].at(reverse("workbench:enterprise-complaint-action", args=[pk, name]))
        for name in respondent_allowed_actions(complaint.status)
        if policy.can(request.user, name, complaint)
    ]
    timeline = complaint.timeline.select_related("actor_organization").order_by("at", "id")
    return render(
        request,
        "workbench/enterprise/complaint_detail.html",
        {
            "complaint": complaint,
            "complainant": decrypt_contact(complaint.contact_encrypted).get("name", ""),
            "actions": actions,
            "timeline": timeline_rows(timeline, describe_complaint),
        },
    )


@require_POST
@enterprise_page
def complaint_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    complaint = _visible(request, pk)
    spec = _specs().get(action)

    def call(data):
        return spec[2](complaint_id=complaint.pk, actor=request.user, **data)

    return run_action(
        request, spec, call, reverse("workbench:enterprise-complaint", args=[complaint.pk])
    )
