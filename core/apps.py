from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Domain core")

    def ready(self):
        # A malformed RULEBOOK_OVERRIDES refuses to start (every entry point, gunicorn and
        # Celery included, runs this), naming each problem, rather than failing on first use.
        from .rulebook.book import active_overrides

        active_overrides()
