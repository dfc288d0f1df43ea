from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The shared domain core: organizations and memberships, the outbox, the working-day
    calendar, timelines, bulk writes, deadlines and the rulebook.

    Its models were born in the ``api`` package and keep the Django label ``api``: every table
    name (``api_organization``…), every migration (``api.0001``…) and every other app's
    migration that points at them stay as they were, so a database made before the move
    migrates unchanged."""

    name = "core"
    label = "api"
    verbose_name = _("Organizations and access")

    def ready(self):
        # A malformed RULEBOOK_OVERRIDES refuses to start (every entry point, gunicorn and
        # Celery included, runs this), naming each problem, rather than failing on first use.
        from . import checks  # noqa: F401 - registers the system checks
        from .rulebook.book import active_overrides

        active_overrides()
