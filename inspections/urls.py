from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

app_name = "inspections"

router = DefaultRouter()
router.register("spot-check-draws", views.SpotCheckDrawViewSet, basename="spot-check-draw")
router.register("spot-checks", views.SpotCheckViewSet, basename="spot-check")

urlpatterns = [
    path(
        "public/spot-checks/",
        views.PublicSpotCheckListView.as_view(),
        name="public-spot-checks",
    ),
    *router.urls,
]
