"""What a consumer's scan reaches: the GS1 Digital Link resolver, the consumer page and
its caches (``fastpage`` in front of Django), the scan log, phone sign-in and the action
forms, QR codes and label sheets. Templates stay in trace/templates.

May import ``trace.core``, ``trace.gs1``, ``trace.models`` and ``api``; listens to the
core's signals in ``receivers`` (connected in ``TraceConfig.ready()``). The apps above
(complaints, recalls) add to the page only by registering a notice provider in ``extensions``.
"""
