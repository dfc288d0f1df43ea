"""Redis down is not an outage: one process-wide switch every Redis user consults.

Redis holds only what can be rebuilt: the page cache, the fast page layer's
copies and scan queue, throttling counters and the Celery broker. When a call
to it fails, ``redis_failed`` marks Redis down for this process and logs ONE
error line saying what happens meanwhile; every user then skips Redis without
waiting for a timeout: the cache misses (pages are rendered from the database,
throttling counts nothing), the fast page layer hands every request to Django,
and Celery tasks run inline in the process that queued them
(``config.celery.ResilientTask``). After ``REDIS_RETRY_SECONDS`` the next call
tries Redis again; the first success logs one line that Redis is back and runs
the recovery hooks (``on_recovery``): page caches written before the outage
are dropped there, since the invalidations made while Redis was down were lost.
No restart is needed either way.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings

logger = logging.getLogger("suyuan.redis")

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
            "throttling off, tasks run inline; retrying every %ss without restart",
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
    global _down_since, _retry_at
    with _lock:
        _down_since, _retry_at = None, 0.0
