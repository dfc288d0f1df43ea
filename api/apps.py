from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.utils.translation import gettext_lazy as _

from .validators import region_codes


def check_region_codes(app_configs=None, **kwargs):
    """The GB/T 2260 list every typed region code is checked against must be readable: without
    it every organization, site and incident write would fail."""
    try:
        known = region_codes()
    except (OSError, ValueError, KeyError) as exc:
        return [
            checks.Error(
                f"REGION_CODES_FILE ({settings.REGION_CODES_FILE}) is not a readable GB/T 2260 "
                f"list: {exc}",
                hint="Point REGION_CODES_FILE at api/data/gb2260.json or a list written by "
                "manage.py update_region_codes.",
                id="api.E001",
            )
        ]
    if not known.codes:
        return [checks.Error("REGION_CODES_FILE lists no region code.", id="api.E002")]
    return []


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("Organizations and access")

    def ready(self):
        checks.register(check_region_codes)
