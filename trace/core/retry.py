"""Writes that met a concurrent one are tried again: the one retry rule of every write path.

Two captures at the same moment can meet on a unique row (the same event ID sent twice, the
custody row of a lot a holder holds for the first time) or deadlock on row locks. PostgreSQL
then refuses one of them; tried again, in a fresh transaction or savepoint, it sees what the
other committed: the events are duplicates (stored once), the custody row exists and is
locked in turn. Capture (``trace.core.capture``) runs through here, so the EPCIS capture jobs
and the business endpoints share it; ``is_concurrent`` tells their callers (a 409, not a 500
or "database down", once the tries are spent).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, OperationalError, transaction

logger = logging.getLogger(__name__)

CONCURRENT_TRIES = 4
_RETRYABLE_PGCODES = frozenset({"40001", "40P01"})  # serialization failure, deadlock detected

T = TypeVar("T")


def is_concurrent(exc: BaseException) -> bool:
    """Whether ``exc`` is what a concurrent write causes (worth trying again)."""
    if isinstance(exc, IntegrityError):
        return True
    return (
        isinstance(exc, OperationalError)
        and getattr(exc.__cause__, "pgcode", None) in _RETRYABLE_PGCODES
    )


def retry_concurrent(
    write: Callable[[], T], *, tries: int = CONCURRENT_TRIES, what: str = "write"
) -> T:
    """Run ``write()`` in a transaction (a savepoint inside one), up to ``tries`` times while it
    meets a concurrent write; the last failure is raised as it came."""
    for attempt in range(1, tries + 1):
        try:
            with transaction.atomic():
                return write()
        except (IntegrityError, OperationalError) as exc:
            if not is_concurrent(exc) or attempt == tries:
                raise
            logger.info("%s met a concurrent write (%s); trying again", what, exc)
    raise AssertionError("unreachable")  # pragma: no cover
