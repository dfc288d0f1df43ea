"""Where a read goes: the primary, or a streaming replica (``DATABASE_REPLICA_URLS``).

The decision is ``config.routers.ReplicaRouter``'s; this module only keeps, per request
(per thread or task: ``contextvars``), the two facts it decides by:

- **replica reads allowed**: set for a whole request by ``config.routers.ReplicaReadsMiddleware``
  for the views listed there (traces, exports, EPCIS queries, dashboards), or around one
  read with ``replica_reads()`` (the consumer page's journey). Off everywhere else: services,
  Celery tasks, management commands and every other view read the primary.
- **pinned to the primary**: set by any write (the router's ``db_for_write``) and by any unsafe
  HTTP method, for the rest of the request. What follows a write sees that write.

It sits in ``api`` (below every app) so that any app may mark a read as replica-safe without
importing ``config``.
"""

from __future__ import annotations

import contextlib
import contextvars
import random

_allowed = contextvars.ContextVar("suyuan_replica_reads", default=False)
_pinned = contextvars.ContextVar("suyuan_pinned_to_primary", default=False)
_chosen = contextvars.ContextVar("suyuan_replica_alias", default=None)


@contextlib.contextmanager
def request_scope(*, pinned: bool):
    """One request: nothing allowed yet, pinned from the start for an unsafe method."""
    tokens = (_allowed.set(False), _pinned.set(pinned), _chosen.set(None))
    try:
        yield
    finally:
        for var, token in zip((_allowed, _pinned, _chosen), tokens, strict=True):
            var.reset(token)


def allow_replica_reads() -> None:
    """The rest of this request may read from a replica (until a write pins it)."""
    _allowed.set(True)


@contextlib.contextmanager
def replica_reads():
    """Reads inside may come from a replica, lagging by its replay delay: only for what is shown
    as history (a journey, a trace), never a status anyone decides on."""
    token = _allowed.set(True)
    try:
        yield
    finally:
        _allowed.reset(token)


def pin_to_primary() -> None:
    _pinned.set(True)


def replica_for(aliases: list[str]) -> str | None:
    """The replica this request reads from (one per request, so its reads agree with each
    other), or None when it must read the primary."""
    if not aliases or not _allowed.get() or _pinned.get():
        return None
    alias = _chosen.get()
    if alias not in aliases:
        alias = random.choice(aliases)
        _chosen.set(alias)
    return alias
