"""``GET /api/v1/dashboard/``: the dashboard's figures for a regulator's own systems — the same
numbers as ``/workbench/dashboard/``, assembled by the same ``stats.dashboard_figures`` from the
apps' selectors (``incidents.selectors``, ``complaints.selectors``, ``recalls.selectors``,
``trace.core.selectors``) over the same period rule (``views.dashboard.PeriodForm``), scoped by
the same ``visible_to`` policies."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api import permissions

from . import stats
from .views.dashboard import PeriodForm

# The query's names → the form's (``date_from``/``date_to`` are accepted too, as on the page).
_NAMES = {"from": "date_from", "to": "date_to"}


class IsRegulator(permissions.IsRegulator):
    message = gettext_lazy("These figures are for regulators.")


def _period(params) -> stats.Period:
    data = {form: params.get(name) or params.get(form) or "" for name, form in _NAMES.items()}
    if not any(data.values()):
        return stats.Period.default()
    form = PeriodForm(data)
    if form.is_valid():
        return form.cleaned_data["period"]
    back = {form_name: name for name, form_name in _NAMES.items()}
    raise exceptions.ValidationError(
        {
            back.get(field, field): [
                exceptions.ErrorDetail(e["message"], code=e["code"] or "invalid") for e in items
            ]
            for field, items in form.errors.get_json_data().items()
        }
    )


def figures_json(user, period: stats.Period) -> dict:
    """The figures as data: each with its columns (key, title) and rows (numbers stay numbers)."""
    figures = stats.dashboard_figures(user, period)
    return {
        "from": period.start,
        "to": period.end,
        "figures": [
            {
                "key": figure.key,
                "title": str(figure.title),
                "note": str(figure.note),
                "columns": [{"key": key, "title": str(title)} for key, title in figure.columns],
                "rows": [
                    {key: stats._cell(row[key]) for key, _title in figure.columns}
                    for row in figure.rows
                ],
            }
            for figure in figures
        ],
    }


class DashboardColumnSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="the row field holding this column")
    title = serializers.CharField(help_text="the column's heading in the request's language")


class DashboardFigureSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=list(stats.FIGURES), help_text="which figure")
    title = serializers.CharField()
    note = serializers.CharField(allow_blank=True)
    columns = DashboardColumnSerializer(many=True)
    rows = serializers.ListField(
        child=serializers.DictField(),
        help_text="one object per row, keyed by the columns' keys; numbers stay numbers",
    )


class DashboardSerializer(serializers.Serializer):
    """A period and the dashboard's figures over it, as ``GET /api/v1/dashboard/`` answers."""

    from_ = serializers.DateField(help_text="first day of the period")
    to = serializers.DateField(help_text="last day of the period")
    figures = DashboardFigureSerializer(many=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class DashboardView(APIView):
    """The regulator's dashboard figures over its jurisdiction for a period (both days
    included; by default the last twelve months)."""

    permission_classes = [IsRegulator]

    @extend_schema(
        tags=["dashboard"],
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="first day (YYYY-MM-DD)"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="last day (YYYY-MM-DD)"),
        ],
        responses={200: DashboardSerializer},
        summary="Dashboard figures (regulators)",
    )
    def get(self, request):
        return Response(figures_json(request.user, _period(request.query_params)))


urlpatterns = [path("dashboard/", DashboardView.as_view(), name="api-dashboard")]
