from trace.consumer.extensions import code_not_found, register_notice_provider

from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _

from core.deadlines import register_sweeper


class ComplaintsConfig(AppConfig):
    name = "complaints"
    label = "complaints"
    verbose_name = _("Consumer complaints and risk signals")

    def ready(self):
        from trace.demo.extras import register_demo_seeder

        from . import (  # models are only importable once the registry is ready
            receivers,
            report_services,
            risk,
            services,
        )
        from .demo import seed_complaints, seed_reports

        register_demo_seeder("complaints", seed_complaints, order=30)
        register_demo_seeder("reports", seed_reports, order=35)
        register_sweeper("complaints", services.complaints_sweep)
        register_sweeper("reports", report_services.reports_sweep)
        register_sweeper("risk-scans", services.scan_signals_sweep)
        register_sweeper("risk-injuries", services.incident_injuries_sweep)
        post_save.connect(
            risk.queue_injury_check,
            sender="incidents.Incident",
            dispatch_uid="complaints.queue_injury_check",
        )
        register_notice_provider("complaints", receivers.consumer_page_notices)
        code_not_found.connect(
            receivers.count_unknown_code, dispatch_uid="complaints.count_unknown_code"
        )
        from core.models import Notification
        from core.outbox import notification_delivered

        notification_delivered.connect(
            receivers.record_signal_notification,
            sender=Notification,
            dispatch_uid="complaints.record_signal_notification",
        )
