"""Redis down is not an outage: one process-wide switch every Redis user consults.

Redis holds only what can be rebuilt: the page cache, the fast page layer's
copies and scan queue, throttling counters and the Celery broker. When a call
to it fails, ``redis_failed`` marks Redis down for this process and logs ONE
error line saying what happens meanwhile; every user then skips Redis without
waiting for a timeout: the cache misses (pages are rendered from the database;
the throttles count in a file of this host, ``api.throttling``), the fast page
layer hands every request to Django, and Celery tasks run inline in the process that queued them
(``config.celery.ResilientTask``). After ``REDIS_RETRY_SECONDS`` the next call
tries Redis again; the first success logs one line that Redis is back and runs
the recovery hooks (``on_recovery``): page caches written before the outage
are dropped there, since the invalidations made while Redis was down were lost.
No restart is needed either way.

The database's outages are tracked here too (below): they are not degraded around but
answered with 503 and Retry-After, and logged the same way.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.backends.signals import connection_created

logger = logging.getLogger("suyuan.redis")
logger_db = logging.getLogger("suyuan.database")

_lock = threading.Lock()
_down_since: float | None = None
_retry_at = 0.0
_hooks: list[Callable[[], None]] = []


def _retry_seconds() -> float:
    return float(getattr(settings, "REDIS_RETRY_SECONDS", 5))


def redis_available() -> bool:
    """False while Redis is known down and the retry time has not come."""
    return _down_since is None or time.monotonic() >= _retry_at


def redis_down() -> bool:
    return _down_since is not None


def redis_failed(exc: BaseException, where: str) -> None:
    """Record a failed Redis call; the first failure of an outage logs the one line."""
    global _down_since, _retry_at
    with _lock:
        first = _down_since is None
        if first:
            _down_since = time.monotonic()
        _retry_at = time.monotonic() + _retry_seconds()
    if first:
        logger.error(
            "Redis unreachable (%s in %s: %s): serving from the database without cache, "
            "throttles count per host, tasks run inline; retrying every %ss without restart",
            type(exc).__name__,
            where,
            exc,
            _retry_seconds(),
        )


def redis_succeeded() -> None:
    """Record a successful Redis call; the first one after an outage logs and runs the hooks."""
    global _down_since
    if _down_since is None:
        return
    with _lock:
        if _down_since is None:
            return
        seconds = time.monotonic() - _down_since
        _down_since = None
    logger.warning("Redis is back after %.0f s: cache, throttling and queued tasks resume", seconds)
    for hook in list(_hooks):
        try:
            hook()
        except Exception as exc:  # noqa: BLE001 - a hook failing means Redis failed again
            redis_failed(exc, getattr(hook, "__name__", "recovery hook"))
            return


def on_recovery(hook: Callable[[], None]) -> Callable[[], None]:
    """Register ``hook`` to run when Redis comes back after an outage (decorator)."""
    if hook not in _hooks:
        _hooks.append(hook)
    return hook


def reset() -> None:
    """Forget any outage (tests)."""
    global _down_since, _retry_at, _database_down_since, _database_failures
    with _lock:
        _down_since, _retry_at = None, 0.0
        _database_down_since, _database_failures = None, 0


# --- the database ----------------------------------------------------------------------------
# PostgreSQL down is an outage (nothing can be read or saved), but a brief one the site rides
# out: every request it cannot serve answers 503 with Retry-After (``api.outage``), each request
# tries the database afresh, and the first new connection after the outage ends it. The log gets
# the first failure of an outage, a reminder at most once a minute, and one line when it is back.
DATABASE_ERRORS = (OperationalError, InterfaceError)
_database_down_since: float | None = None
_database_logged_at = 0.0
_database_failures = 0


def database_retry_after() -> int:
    return int(getattr(settings, "DATABASE_RETRY_AFTER_SECONDS", 5))


def database_down() -> bool:
    return _database_down_since is not None


def database_failed(exc: BaseException, where: str) -> None:
    """Record a request the database could not serve."""
    global _database_down_since, _database_logged_at, _database_failures
    now = time.monotonic()
    with _lock:
        first = _database_down_since is None
        if first:
            _database_down_since = now
        _database_failures += 1
        remind = not first and now - _database_logged_at >= 60
        if first or remind:
            _database_logged_at = now
        failures, since = _database_failures, _database_down_since
    if first:
        logger_db.error(
            "Database unreachable (%s in %s: %s): answering 503 with Retry-After %ss; "
            "each request tries it again, no restart needed",
            type(exc).__name__,
            where,
            str(exc).strip(),
            database_retry_after(),
        )
    elif remind:
        logger_db.error(
            "Database still unreachable after %.0f s (%d requests refused with 503): %s",
            now - since,
            failures,
            str(exc).strip(),
        )


def database_connected(**kwargs) -> None:
    """A new database connection opened (``connection_created``): an outage, if any, is over."""
    global _database_down_since, _database_failures
    if _database_down_since is None:
        return
    with _lock:
        if _database_down_since is None:
            return
        seconds = time.monotonic() - _database_down_since
        failures = _database_failures
        _database_down_since, _database_failures = None, 0
    logger_db.warning(
        "Database is back after %.1f s (%d requests were refused with 503)", seconds, failures
    )


connection_created.connect(database_connected, dispatch_uid="suyuan-database-connected")
