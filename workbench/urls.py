"""``/workbench/…``: each page module keeps its own ``urlpatterns``; this joins them."""

from .views import annual, dashboard, enterprise, files, inbox, lot_trace, quality, records, scan

app_name = "workbench"

urlpatterns = [
    *inbox.urlpatterns,
    *records.urlpatterns,
    *lot_trace.urlpatterns,  # before lots/<id>/<action>/, which would take …/trace/
    *files.urlpatterns,  # before lots/<id>/<action>/ too (…/labels/)
    *enterprise.urlpatterns,
    *dashboard.urlpatterns,
    *quality.urlpatterns,
    *annual.urlpatterns,
    *scan.urlpatterns,
]
