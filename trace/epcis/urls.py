from django.urls import path, re_path

from . import views

app_name = "epcis"

urlpatterns = [
    path("", views.DiscoveryView.as_view(), name="root"),
    path("capture", views.CaptureView.as_view(), name="capture"),
    path("capture/<str:capture_id>", views.CaptureJobView.as_view(), name="capture-job"),
    path("events", views.EventsView.as_view(), name="events"),
    # Event IDs are URIs (``ni:///sha-256;…?ver=CBV2.0`` arrives percent-encoded): take the rest of the path.
    re_path(r"^events/(?P<event_id>.+)$", views.EventDetailView.as_view(), name="event"),
    path("queries", views.QueriesView.as_view(), name="queries"),
    path("queries/<str:name>", views.QueryDetailView.as_view(), name="query"),
    path("queries/<str:name>/events", views.QueryEventsView.as_view(), name="query-events"),
    path(
        "queries/<str:name>/subscriptions", views.SubscriptionsView.as_view(), name="subscriptions"
    ),
    path(
        "queries/<str:name>/subscriptions/<str:subscription_id>",
        views.SubscriptionDetailView.as_view(),
        name="subscription",
    ),
]
