from django.urls import path
from rest_framework.routers import DefaultRouter

from . import report_views, views

app_name = "complaints"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("complaints", views.ComplaintViewSet, basename="complaint")
router.register(
    "enterprise/complaints", views.RespondentComplaintViewSet, basename="enterprise-complaint"
)
router.register("signals", views.RiskSignalViewSet, basename="signal")
router.register("reports", report_views.ReportViewSet, basename="report")
router.register("public/warnings", views.PublicWarningViewSet, basename="public-warning")

urlpatterns = [
    path(
        "public/complaints/",
        views.PublicComplaintCreateView.as_view(),
        name="public-complaint-create",
    ),
    path(
        "public/complaints/<str:tracking_code>/",
        views.PublicComplaintStatusView.as_view(),
        name="public-complaint-status",
    ),
    path(
        "public/complaints/<str:tracking_code>/withdraw/",
        views.PublicComplaintWithdrawView.as_view(),
        name="public-complaint-withdraw",
    ),
    path(
        "public/reports/",
        report_views.PublicReportCreateView.as_view(),
        name="public-report-create",
    ),
    path(
        "public/reports/<str:code>/",
        report_views.PublicReportStatusView.as_view(),
        name="public-report-status",
    ),
    *router.urls,
]
