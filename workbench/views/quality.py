"""Quality records (``/workbench/quality/``): for a regulator the enterprises of its jurisdiction
with their credit class; for an enterprise its own record. One enterprise's record at
``/workbench/quality/organizations/<id>/``, for that enterprise and the regulators governing it."""

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone

from core.models import Organization

from .. import quality
from ..access import member_page

PAGE_SIZE = 50


def _record_page(request: HttpRequest, enterprise: Organization) -> HttpResponse:
    record = quality.quality_record(enterprise)
    labels = quality.measure_labels()
    context = {
        "enterprise": enterprise,
        "record": record,
        "since": timezone.localdate(record.since),
        "until": timezone.localdate(record.until),
        "measures": [(labels[k], v) for k, v in record.measures().items()],
        "grades": list(record.incidents_by_grade.items()),
        "recall_classes": list(record.recalls_by_class.items()),
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


@member_page
def quality_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = get_object_or_404(Organization, pk=pk)
    if not quality.may_see_record(request.organization, enterprise):
        raise Http404()  # hidden, as the API hides what a user may not see
    return _record_page(request, enterprise)


urlpatterns = [
    path("quality/", quality_list, name="quality"),
    path("quality/organizations/<int:pk>/", quality_detail, name="quality-record"),
]
