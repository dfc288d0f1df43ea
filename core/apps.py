from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Domain core")

    def ready(self):
        # Registers the system check that refuses a malformed RULEBOOK_OVERRIDES at start-up.
        from . import checks  # noqa: F401
