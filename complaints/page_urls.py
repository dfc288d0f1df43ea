"""The consumer's complaint pages at ``/report/…`` (included from ``config.urls`` at the root)."""

from django.urls import path, re_path

from . import pages

app_name = "complaint-pages"

urlpatterns = [
    path("report/", pages.enter_code, name="enter-code"),
    path("report/status/", pages.status_lookup, name="status-lookup"),
    path("report/status/<str:tracking_code>/", pages.status_page, name="status"),
    path("report/status/<str:tracking_code>/withdraw/", pages.withdraw, name="withdraw"),
    path("report/tip/01/<str:gtin>/10/<str:lot>/", pages.tip, name="tip"),
    re_path(r"^report/01/(?P<gtin>[^/]+)/10/(?P<rest>.+?)/?$", pages.report, name="report"),
]
