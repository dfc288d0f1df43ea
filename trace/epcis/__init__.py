"""The EPCIS 2.0 binding: /epcis/ capture (jobs), queries, named queries and streaming
subscriptions with their webhooks, document validation against GS1's schema.

May import ``trace.core`` (capture), ``trace.gs1``, ``trace.models`` and ``api``. The core
never imports it: ``receivers`` listens to ``trace.core.signals.events_captured``.
Its tables belong to the ``trace`` app label (``TraceConfig.import_models``).
"""
