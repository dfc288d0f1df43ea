from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Quality-safety incidents")

    def ready(self):
        from trace.demo.extras import register_demo_seeder

        from django.db.models.signals import post_delete, post_save

        from core.deadlines import register_sweeper
        from core.models import Notification
        from core.outbox import notification_delivered

        from . import listing, receivers, services
        from .demo import seed_incidents
        from .models import Incident

        register_demo_seeder("incidents", seed_incidents, order=10)
        register_sweeper("incidents", services.incidents_sweep)
        for signal in (post_save, post_delete):
            signal.connect(
                listing.incidents_written,
                sender=Incident,
                dispatch_uid=f"incidents.list_changed.{signal is post_save}",
            )
        notification_delivered.connect(
            receivers.record_notification,
            sender=Notification,
            dispatch_uid="incidents.record_notification",
        )
