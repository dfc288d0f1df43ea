from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecallsConfig(AppConfig):
    name = "recalls"
    verbose_name = _("Defect recalls")

    def ready(self):
        from trace.consumer.extensions import register_notice_provider
        from trace.demo.extras import register_demo_seeder

        from core.deadlines import register_sweeper
        from core.outbox import notification_delivered
        from core.workdays import calendar_year_loaded

        from . import public_views, receivers, sweeps
        from .demo import seed_recall_demo

        register_demo_seeder("recalls", seed_recall_demo, order=20)
        register_sweeper("recalls", sweeps.sweep_recalls)
        notification_delivered.connect(
            receivers.notification_delivered, dispatch_uid="recalls-delivery"
        )
        calendar_year_loaded.connect(
            receivers.calendar_year_loaded, dispatch_uid="recalls-calendar-year"
        )
        # The consumer page and gs1:recallStatus of a recalled lot name the recall and its remedy.
        register_notice_provider("recalls", public_views.recall_page_notices)
