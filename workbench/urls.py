"""``/workbench/…``: each page module keeps its own ``urlpatterns``; this joins them."""

from .views import annual, dashboard, enterprise, inbox, lot_trace, quality, records, scan

app_name = "workbench"

urlpatterns = [
    *inbox.urlpatterns,
    *records.urlpatterns,
    *lot_trace.urlpatterns,  # before lots/<id>/<action>/, which would take …/trace/
    *enterprise.urlpatterns,
    *dashboard.urlpatterns,
    *quality.urlpatterns,
    *annual.urlpatterns,
    *scan.urlpatterns,
]
