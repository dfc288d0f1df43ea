"""System checks of the core: a malformed ``RULEBOOK_OVERRIDES`` refuses to start."""

from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from .rulebook.book import active_overrides


@register("rulebook")
def check_rulebook_overrides(app_configs=None, **kwargs):
    try:
        active_overrides()
    except ImproperlyConfigured as exc:
        return [
            Error(
                str(exc),
                hint="Give known rule keys, numeric values, dates as YYYY-MM-DD "
                "(docs/RULES.md lists every key).",
                id="core.E001",
            )
        ]
    return []
