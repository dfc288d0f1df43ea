"""HTTP hardening that Django does not ship: a Content-Security-Policy, the client address.

- ``ContentSecurityPolicyMiddleware`` adds ``settings.CONTENT_SECURITY_POLICY`` to every
  HTML answer that has none (the consumer page, sign-in, admin, Swagger UI): scripts only
  from this origin, no plugins, no framing. Swagger UI is served in its split form
  (``SpectacularSwaggerSplitView``), its start-up script a file, so no inline script is needed.
- ``client_ip(request)`` is the address login lockouts count by (django-axes): the one rule of
  ``api.client.client_address`` (``X-Forwarded-For`` only from ``TRUSTED_PROXIES``), the same
  the throttles and the scan regions use.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpResponse

from api.client import client_address


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")
        content_type = response.get("Content-Type", "")
        if (
            policy
            and content_type.startswith("text/html")
            and "Content-Security-Policy" not in response
        ):
            response["Content-Security-Policy"] = policy
        return response


def client_ip(request) -> str:
    return client_address(request.META)


def healthz(request) -> HttpResponse:
    """Liveness for the container healthcheck: the database answers (Redis is optional)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    response = HttpResponse("ok\n", content_type="text/plain")
    response["Cache-Control"] = "no-store"
    return response
