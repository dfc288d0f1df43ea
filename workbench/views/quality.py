"""Quality records (``/workbench/quality/``): for a regulator the enterprises of its jurisdiction
with their credit class; for an enterprise its own record. One enterprise's record at
``/workbench/quality/organizations/<id>/``, for that enterprise and the regulators governing it,
with the forms to object to a fact or apply for repair (the enterprise) and to decide (a
regulator governing it). The record and every rule come from ``credit``; these views render."""

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.models import Organization
from credit import policy as credit_policy
from credit import services as credit_services
from credit.choices import DECISIONS, TIMELINE_LABELS, RequestKind, RequestStatus
from credit.models import CreditRequest

from .. import quality
from ..access import member_page
from .records.common import perform

PAGE_SIZE = 50


def _record_page(request: HttpRequest, enterprise: Organization) -> HttpResponse:
    record = quality.quality_record(enterprise)
    labels = quality.measure_labels()
    today = timezone.localdate(record.until)
    may_decide = credit_policy.can(request.user, "decide", enterprise)
    requests = [
        (r, [(s.value, s.label) for s in DECISIONS[RequestKind(r.kind)]]) for r in record.requests
    ]
    context = {
        "enterprise": enterprise,
        "record": record,
        "since": timezone.localdate(record.since),
        "until": timezone.localdate(record.until),
        "measures": [(labels[k], v) for k, v in record.measures().items()],
        "grades": list(record.incidents_by_grade.items()),
        "recall_classes": list(record.recalls_by_class.items()),
        "class_a_reason": quality.class_a_reason(),
        "eligibility": quality.award_eligibility(enterprise, record),
        "duties": [(d, d.status(today)) for d in quality.award_duties(enterprise, record)],
        "timeline": [
            (t, TIMELINE_LABELS.get(t.action, t.action)) for t in quality.timeline(enterprise)
        ],
        "may_object": credit_policy.can(request.user, "object", enterprise),
        "may_decide": may_decide,
        "requests": requests,
        "pending": RequestStatus.PENDING,
        "kinds": RequestKind.choices,
    }
    return render(request, "workbench/analytics/quality_record.html", context)


@member_page
def quality_list(request: HttpRequest) -> HttpResponse:
    org = request.organization
    if not org.is_regulator:
        return _record_page(request, org)
    records = quality.quality_records(quality.enterprises_governed_by(org).order_by("name", "id"))
    wanted = request.GET.get("class", "")
    rows = sorted(
        records.values(),
        key=lambda r: (-quality.CLASSES.index(r.credit_class), r.organization.name),
    )
    counts = [(c, sum(1 for r in rows if r.credit_class == c)) for c in quality.CLASSES]
    if wanted in quality.CLASSES:
        rows = [r for r in rows if r.credit_class == wanted]
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "counts": counts, "wanted": wanted}
    return render(request, "workbench/analytics/quality_list.html", context)


def _visible_enterprise(request: HttpRequest, pk: int) -> Organization:
    enterprise = get_object_or_404(Organization, pk=pk)
    if not quality.may_see_record(request.organization, enterprise):
        raise Http404()  # hidden, as the API hides what a user may not see
    return enterprise


@member_page
def quality_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_page(request, _visible_enterprise(request, pk))


def _back(enterprise: Organization):
    return redirect(reverse("workbench:quality-record", args=[enterprise.pk]) + "#credit-requests")


@require_POST
@member_page
def credit_request(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = _visible_enterprise(request, pk)
    kind = request.POST.get("kind", "")
    perform(
        request,
        lambda: credit_services.request_file(
            actor=request.user,
            enterprise=enterprise,
            kind=kind,
            fact=request.POST.get("fact", ""),
            reason=request.POST.get("reason", ""),
        ),
        _("Your objection was filed.")
        if kind == RequestKind.OBJECTION
        else _("Your repair application was filed."),
    )
    return _back(enterprise)


@require_POST
@member_page
def credit_decide(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(CreditRequest.objects.select_related("enterprise"), pk=pk)
    enterprise = _visible_enterprise(request, found.enterprise_id)
    perform(
        request,
        lambda: credit_services.request_decide(
            actor=request.user,
            request_id=found.pk,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
        ),
        _("The decision is recorded on the credit record."),
    )
    return _back(enterprise)


urlpatterns = [
    path("quality/", quality_list, name="quality"),
    path("quality/organizations/<int:pk>/", quality_detail, name="quality-record"),
    path("quality/organizations/<int:pk>/requests/", credit_request, name="credit-request"),
    path("quality/requests/<int:pk>/decide/", credit_decide, name="credit-decide"),
]
