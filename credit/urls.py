from django.urls import path

from . import views

app_name = "credit"

urlpatterns = [
    path(
        "public/credit/<int:organization_id>/",
        views.PublicCreditView.as_view(),
        name="public-credit",
    ),
    path("credit/", views.CreditListView.as_view(), name="credit-list"),
    path("credit/<int:organization_id>/", views.CreditRecordView.as_view(), name="credit-record"),
    path(
        "credit/<int:organization_id>/objections/",
        views.ObjectionView.as_view(),
        name="credit-objections",
    ),
    path(
        "credit/<int:organization_id>/repairs/", views.RepairView.as_view(), name="credit-repairs"
    ),
    path(
        "credit/<int:organization_id>/award-declarations/",
        views.DeclarationView.as_view(),
        name="award-declarations",
    ),
    path(
        "credit/<int:organization_id>/award-reports/",
        views.AwardReportView.as_view(),
        name="award-reports",
    ),
    path("credit/requests/<int:id>/decide/", views.DecideView.as_view(), name="credit-decide"),
    path(
        "credit/award-declarations/<int:id>/verify/",
        views.VerifyView.as_view(),
        name="award-declaration-verify",
    ),
    path("credit/awards/<int:id>/revoke/", views.RevokeView.as_view(), name="award-revoke"),
]
