from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The HTTP API layer: authentication, problem+json errors, pagination, negotiation,
    parsing, throttles, the schema and the routes. It holds no models (the domain core is
    ``core``, which keeps the Django label ``api``)."""

    name = "api"
    label = "http_api"
    verbose_name = _("HTTP API")
