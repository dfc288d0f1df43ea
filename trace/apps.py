from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TraceConfig(AppConfig):
    # The package is called ``trace`` (as DESIGN.md lays out) and shadows the
    # stdlib module of that name; nothing in this project imports the stdlib one.
    name = "trace"
    label = "trace"
    verbose_name = _("Traceability")
