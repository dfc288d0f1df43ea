"""System checks of the deployment settings this app reads (``manage.py check --deploy``)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def trusted_proxies_behind_a_proxy(app_configs, **kwargs):
    """Behind a proxy with no TRUSTED_PROXIES, every client has the proxy's address."""
    if getattr(settings, "SECURE_PROXY", False) and not getattr(settings, "TRUSTED_PROXIES", []):
        return [
            Warning(
                "SECURE_PROXY is on but TRUSTED_PROXIES is empty: X-Forwarded-For is not "
                "believed, so every client has the proxy's address and the rate limits and "
                "login lockouts count them all as one.",
                hint="Set TRUSTED_PROXIES to your proxy's address or network, e.g. "
                "TRUSTED_PROXIES=127.0.0.1 for a proxy on the same machine.",
                id="suyuan.W001",
            )
        ]
    return []
