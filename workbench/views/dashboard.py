"""The dashboard (``/workbench/dashboard/``): a regulator's jurisdiction in plots, each with its
figures as a table and as CSV/XLSX (``/workbench/dashboard/<figure>.csv`` / ``.xlsx``)."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from api.exceptions import PROBLEM_BASE, PROBLEM_CONTENT_TYPE
from api.parsing import validate_day_in_range

from .. import stats
from ..access import regulator_page


class PeriodForm(forms.Form):
    """The date range filter: both days included, at most ``DASHBOARD_MAX_DAYS`` long."""

    date_from = forms.DateField(
        label=pgettext_lazy("period", "From"), required=False, validators=[validate_day_in_range]
    )
    date_to = forms.DateField(
        label=pgettext_lazy("period", "To"), required=False, validators=[validate_day_in_range]
    )

    def clean(self):
        data = super().clean()
        default = stats.Period.default()
        start = data.get("date_from") or default.start
        end = data.get("date_to") or default.end
        if "date_from" in self.errors or "date_to" in self.errors:
            return data
        if start > end:
            self.add_error(
                "date_to",
                forms.ValidationError(
                    _("The end of the period comes before its start."), code="period_reversed"
                ),
            )
        elif end - start > timedelta(days=settings.DASHBOARD_MAX_DAYS):
            self.add_error(
                "date_from",
                forms.ValidationError(
                    _("A period of at most %(days)s days, please.")
                    % {"days": settings.DASHBOARD_MAX_DAYS},
                    code="period_too_long",
                ),
            )
        else:
            data["period"] = stats.Period(start, end)
        return data


def period_from(request: HttpRequest) -> tuple[PeriodForm, stats.Period | None]:
    form = PeriodForm(request.GET or None)
    if not request.GET.get("date_from") and not request.GET.get("date_to"):
        return form, stats.Period.default()
    if form.is_valid():
        return form, form.cleaned_data["period"]
    return form, None


def _query(period: stats.Period) -> str:
    return f"date_from={period.start.isoformat()}&date_to={period.end.isoformat()}"


@regulator_page
def dashboard(request: HttpRequest) -> HttpResponse:
    form, period = period_from(request)
    if period is None:
        context = {"form": form, "figures": [], "period": None}
        return render(request, "workbench/analytics/dashboard.html", context, status=400)
    if not request.GET.get("date_from") and not request.GET.get("date_to"):
        form = PeriodForm(initial={"date_from": period.start, "date_to": period.end})
    context = {
        "form": form,
        "period": period,
        "query": _query(period),
        "figures": stats.dashboard_figures(request.user, period),
    }
    return render(request, "workbench/analytics/dashboard.html", context)


@regulator_page
def figure_download(request: HttpRequest, figure: str, fmt: str) -> HttpResponse:
    build = stats.FIGURES.get(figure)
    if build is None or fmt not in ("csv", "xlsx"):
        raise Http404(_("No such figure."))
    form, period = period_from(request)
    if period is None:
        errors = [
            {"field": name, "rule": e["code"] or "invalid", "message": e["message"]}
            for name, items in form.errors.get_json_data().items()
            for e in items
        ]
        body = {
            "type": PROBLEM_BASE + "invalid-period",
            "title": _("Invalid period"),
            "status": 400,
            "detail": errors[0]["message"],
            "errors": errors,
        }
        return JsonResponse(body, status=400, content_type=PROBLEM_CONTENT_TYPE)
    result = build(request.user, period)
    name = f"{figure}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(stats.figure_csv(result), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            stats.figure_xlsx(result),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


urlpatterns = [
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/<slug:figure>.<str:fmt>", figure_download, name="dashboard-figure"),
]
