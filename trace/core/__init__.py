"""The core of the trace: capture (custody, lineage, the event hash chain), selectors,
the state-changing services, the SQL helpers (rows; bulk writes are ``core.bulk``) and the page-cache hook.

May import ``trace.gs1``, ``trace.models``, ``api`` and Django. Never the EPCIS
binding, the consumer side, the REST API or exports: it announces what happened
through ``trace.core.signals`` and they listen.
"""
