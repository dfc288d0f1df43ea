from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Quality-safety incidents")

    def ready(self):
        from trace.demo.extras import register_demo_seeder

        from api.deadlines import register_sweeper
        from api.models import Notification
        from api.outbox import notification_delivered

        from . import receivers, services
        from .demo import seed_incidents

        register_demo_seeder("incidents", seed_incidents, order=10)
        register_sweeper("incidents", services.incidents_sweep)
        notification_delivered.connect(
            receivers.record_notification,
            sender=Notification,
            dispatch_uid="incidents.record_notification",
        )
