"""Read replicas (``DATABASE_REPLICA_URLS``): Django's database router and the middleware that
scopes it to one request. docs/SCALING.md, "Read replicas".

Every write goes to the primary (``default``). A read goes to a replica only when all of
these hold, and to the primary otherwise:

- replicas are configured (``settings.DATABASE_REPLICAS``, the aliases made from the URLs);
- the read was marked replica-safe (``core.replicas``): a whole view listed in
  ``REPLICA_VIEWS``, or one block inside ``replica_reads()``;
- nothing in this request has written yet, and its method is safe (GET, HEAD, OPTIONS);
- the primary is not inside a transaction (``select_for_update``, a service's atomic block);
- the model is not one that decides who may do what (``PRIMARY_APPS``: users, sessions, API
  tokens, lockouts, organizations and memberships), so a token made a moment ago, or a
  membership just revoked, is never judged from a lagging copy.

Celery tasks and management commands never mark reads, so they read the primary.
"""

from __future__ import annotations

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from core.replicas import allow_replica_reads, pin_to_primary, replica_for, request_scope

# Views whose every read may come from a replica: history shown to a reader, never a decision.
REPLICA_VIEWS = frozenset(
    {
        "trace:batch-trace",
        "trace:batch-trace-csv",
        "trace:batch-trace-xlsx",
        "trace:batch-trace_csv-file",
        "trace:batch-trace_xlsx-file",
        "trace:event-list",
        "epcis:events",
        "epcis:event",
        "epcis:query-events",
        "workbench:dashboard",
        "workbench:dashboard-figure",
        "workbench:annual-report",
        "workbench:annual-report-pdf",
    }
)
# Read from the primary only: authentication and authorization.
PRIMARY_APPS = frozenset({"auth", "contenttypes", "sessions", "admin", "knox", "axes", "api"})
# Writes that do not pin the request: append-only logs it never reads back (the consumer
# page's scan line is written before the page is rendered).
UNPINNED_WRITES = frozenset({"trace.scanlog"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if model._meta.app_label in PRIMARY_APPS:
            return DEFAULT_DB_ALIAS
        alias = replica_for(settings.DATABASE_REPLICAS)
        if alias is None or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model, **hints):
        if model._meta.label_lower not in UNPINNED_WRITES:
            pin_to_primary()
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replicas hold the primary's rows

    def allow_migrate(self, db, app_label, **hints):
        return db == DEFAULT_DB_ALIAS


class ReplicaReadsMiddleware:
    """Opens the request's scope: pinned at once for an unsafe method; replica reads allowed
    for the views in ``REPLICA_VIEWS`` (decided once the URL is resolved)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_scope(pinned=request.method not in SAFE_METHODS):
            return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is not None and match.view_name in REPLICA_VIEWS:
            allow_replica_reads()
        return None
