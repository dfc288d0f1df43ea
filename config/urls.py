from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .security import healthz

# The operators' admin says whose it is, in their language.
admin.site.site_header = _("Suyuan administration")
admin.site.site_title = _("Suyuan admin")
admin.site.index_title = _("Traceability records and accounts")

urlpatterns = [
    path("", RedirectView.as_view(url="/api/docs/", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("healthz", healthz, name="healthz"),
    path("api-auth/", include("rest_framework.urls")),
    path("api/v1/", include("api.urls")),
    path("api/v1/", include("trace.rest.urls")),
    path("api/v1/", include("incidents.urls")),
    path("api/v1/", include("recalls.urls")),
    path("api/v1/", include("inspections.urls")),
    path("api/v1/", include("credit.urls")),
    path("epcis/", include("trace.epcis.urls")),
    path("", include("trace.consumer.public_urls")),
    path("", include("recalls.public_urls")),
    path("api/v1/", include("complaints.urls")),
    path("api/v1/", include("workbench.api")),
    path("", include("complaints.page_urls")),
    path("", include("credit.public_urls")),
    path("workbench/", include("workbench.urls")),
]

handler404 = "api.views.not_found"
# A database outage raised outside a view is a 503 too; a bug a 500 in the client's format.
handler500 = "api.outage.server_error"
