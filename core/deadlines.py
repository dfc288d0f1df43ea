"""The deadline-sweeper registry: one periodic sweep, one sweeper per app.

Each app registers ``fn(now) -> int`` (how many rows it acted on) from its
``AppConfig.ready()``. A sweeper must be idempotent and exactly-once: it selects
due rows with ``select_for_update(skip_locked=True)``, acts, and moves each
row's next due time forward in the same transaction, so running twice,
concurrently, or a day late acts on the same rows once. The sweep is run by
the Celery beat task ``core.tasks.sweep_deadlines`` every minute and by
``manage.py sweep_deadlines [--now ISO-8601]``.
"""

import logging
from collections.abc import Callable
from datetime import datetime

logger = logging.getLogger(__name__)

Sweeper = Callable[[datetime], int]
_sweepers: dict[str, Sweeper] = {}


def register_sweeper(name: str, fn: Sweeper) -> None:
    """Register (or replace, so a reloaded app does not run twice) the sweeper called ``name``."""
    _sweepers[name] = fn


def registered_sweepers() -> dict[str, Sweeper]:
    return dict(_sweepers)


def sweep_all(now: datetime) -> dict[str, int]:
    """Run every sweeper at ``now``; one failing sweeper does not stop the others."""
    results: dict[str, int] = {}
    for name, fn in sorted(_sweepers.items()):
        try:
            results[name] = fn(now)
        except Exception:
            logger.exception("deadline sweeper %s failed at %s", name, now.isoformat())
            results[name] = -1
    return results
