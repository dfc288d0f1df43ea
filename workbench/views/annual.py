"""The annual quality report of the regulator's jurisdiction: ``/workbench/reports/annual/<year>/``
(printable) and ``/workbench/reports/annual/<year>.pdf`` where WeasyPrint can run;
``/workbench/reports/annual/`` opens the latest year with data."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import pdf
from ..access import refused, regulator_page
from ..report import annual_report, latest_year, years_with_data

FIRST_YEAR = 2000


def _year(year: int) -> int:
    if not FIRST_YEAR <= year <= timezone.localdate().year:
        raise Http404(_("No report for that year."))
    return year


@regulator_page
def annual_current(request: HttpRequest) -> HttpResponse:
    return redirect("workbench:annual-report", year=latest_year(request.user))


def _context(request: HttpRequest, year: int) -> dict:
    return {
        "report": annual_report(request.user, request.organization, year),
        "years": years_with_data(request.user),
        "pdf_available": pdf.available(),
        "open_tables": True,
    }


@regulator_page
def annual(request: HttpRequest, year: int) -> HttpResponse:
    context = _context(request, _year(year))
    return render(request, "workbench/analytics/annual.html", context)


@regulator_page
def annual_pdf(request: HttpRequest, year: int) -> HttpResponse:
    year = _year(year)
    if not pdf.available():
        return refused(
            request,
            _(
                "The PDF is not available on this server (WeasyPrint needs Pango); "
                "print the report page instead."
            ),
            status=503,
        )
    html = render_to_string(
        "workbench/analytics/annual_pdf.html", _context(request, year), request=request
    )
    response = HttpResponse(pdf.render_pdf(html), content_type="application/pdf")
    name = f"annual-quality-report-{request.organization.region_code}-{year}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


urlpatterns = [
    path("reports/annual/", annual_current, name="annual-report-current"),
    path("reports/annual/<int:year>/", annual, name="annual-report"),
    path("reports/annual/<int:year>.pdf", annual_pdf, name="annual-report-pdf"),
]
