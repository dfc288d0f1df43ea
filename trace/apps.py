from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TraceConfig(AppConfig):
    # The package is called ``trace`` (as DESIGN.md lays out) and shadows the
    # stdlib module of that name; nothing in this project imports the stdlib one.
    name = "trace"
    label = "trace"
    verbose_name = _("Traceability")

    def import_models(self):
        super().import_models()
        # The EPCIS binding's tables (capture jobs, named queries, subscriptions) belong to
        # this app's label; trace/models.py is the core's and does not import the binding.
        # Django imports apps.py before any model, hence here (tests/test_architecture.py).
        from trace.epcis import models as epcis_models

        self.epcis_models = epcis_models

    def ready(self):
        # The core announces (trace.core.signals); the consumer side and the EPCIS binding
        # listen. Connected here, where Django says receivers are connected.
        from trace.consumer import receivers as consumer_receivers
        from trace.epcis import receivers as epcis_receivers
        from trace.epcis.tasks import requeue_capture_jobs, run_scheduled_subscriptions

        from core.deadlines import register_sweeper

        consumer_receivers.connect()
        epcis_receivers.connect()
        # Accepted capture jobs are never lost: the deadline sweep (beat, or
        # `sweep_deadlines --every 60`) queues again any not finished in time.
        register_sweeper("epcis-capture-jobs", requeue_capture_jobs)
        # Scheduled EPCIS subscriptions run when the sweep finds them due.
        register_sweeper("epcis-scheduled-subscriptions", run_scheduled_subscriptions)
