"""``/workbench/…``: each page module keeps its own ``urlpatterns``; this joins them."""

from .views import annual, dashboard, enterprise, inbox, quality, records

app_name = "workbench"

urlpatterns = [
    *inbox.urlpatterns,
    *records.urlpatterns,
    *enterprise.urlpatterns,
    *dashboard.urlpatterns,
    *quality.urlpatterns,
    *annual.urlpatterns,
]
