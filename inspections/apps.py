from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("Official spot checks")

    def ready(self):
        from trace.demo.extras import register_demo_seeder

        from .demo import seed_spot_check_draw

        register_demo_seeder("spot-checks", seed_spot_check_draw, order=40)
