from django.urls import path
from rest_framework.routers import DefaultRouter

from . import public_views, views

app_name = "recalls"

router = DefaultRouter()
router.register("recalls", views.RecallViewSet, basename="recall")

urlpatterns = [
    path("public/recalls/", public_views.PublicRecallListView.as_view(), name="public-recalls"),
    path("public/recalls/feed.atom", public_views.RecallAtomFeed(), name="public-recalls-feed"),
    path(
        "public/recall-ack/<str:token>/",
        public_views.PublicRecallAckView.as_view(),
        name="public-recall-ack",
    ),
    *router.urls,
]
