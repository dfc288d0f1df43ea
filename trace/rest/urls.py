import re
from trace.consumer import label_views, public_views

from django.urls import path, re_path
from rest_framework.routers import DefaultRouter

from . import chain_views, views

app_name = "trace"

router = DefaultRouter()
router.register("products", views.ProductViewSet, basename="product")
router.register("sites", views.SiteViewSet, basename="site")
router.register("batches", views.BatchViewSet, basename="batch")
router.register("events", views.EventViewSet, basename="event")

_files = {
    "qr.svg": "qr_svg",
    "qr.png": "qr_png",
    "trace.csv": "trace_csv",
    "trace.xlsx": "trace_xlsx",
}

urlpatterns = [
    # The contract names these without a trailing slash (…/qr.png), as files are.
    *(
        # Any pk text (as the router's routes take): an unknown or negative id is the view's
        # problem+json 404, not a redirect to the router's …/qr.png/ spelling.
        re_path(
            rf"^batches/(?P<pk>[^/.]+)/{re.escape(name)}$",
            views.BatchViewSet.as_view(
                {"get": method}, **getattr(views.BatchViewSet, method).kwargs
            ),
            name=f"batch-{method}-file",
        )
        for name, method in _files.items()
    ),
    path("scan/", views.ScanView.as_view(), name="scan"),
    path("chain/digests/", chain_views.ChainDigestListView.as_view(), name="chain-digest-list"),
    re_path(
        r"^chain/digests/(?P<day>\d{4}-\d{2}-\d{2})/$",
        chain_views.ChainDigestDetailView.as_view(),
        name="chain-digest-detail",
    ),
    path(
        "batches/<int:pk>/labels/", label_views.BatchLabelSheetView.as_view(), name="batch-labels"
    ),
    re_path(
        r"^public/batches/(?P<gtin>[^/]+)/(?P<lot>.+)/recall-status/$",
        public_views.PublicRecallStatusView.as_view(),
        name="public-batch-recall-status",
    ),
    re_path(
        r"^public/batches/(?P<gtin>[^/]+)/(?P<lot>.+)/$",
        public_views.PublicBatchView.as_view(),
        name="public-batch",
    ),
    *router.urls,
]
