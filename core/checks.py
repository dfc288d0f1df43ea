"""System checks of the settings this app reads (``manage.py check``, ``--deploy``)."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from .validators import region_codes


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


@register()
def check_region_codes(app_configs=None, **kwargs):
    """The GB/T 2260 list every typed region code is checked against must be readable: without
    it every organization, site and incident write would fail."""
    try:
        known = region_codes()
    except (OSError, ValueError, KeyError) as exc:
        return [
            Error(
                f"REGION_CODES_FILE ({settings.REGION_CODES_FILE}) is not a readable GB/T 2260 "
                f"list: {exc}",
                hint="Point REGION_CODES_FILE at core/data/gb2260.json or a list written by "
                "manage.py update_region_codes.",
                id="api.E001",
            )
        ]
    if not known.codes:
        return [Error("REGION_CODES_FILE lists no region code.", id="api.E002")]
    return []
