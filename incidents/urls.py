from django.urls import path
from rest_framework.routers import DefaultRouter

from . import public, views

app_name = "incidents"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("incidents", views.IncidentViewSet, basename="incident")

urlpatterns = [
    path(
        "public/incident-results/",
        public.PublicIncidentResultListView.as_view(),
        name="public-incident-results",
    ),
    path(
        "batches/<int:batch_id>/incidents/",
        views.BatchIncidentsView.as_view(),
        name="batch-incidents",
    ),
    *router.urls,
]
