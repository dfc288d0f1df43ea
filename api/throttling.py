"""Rate limits that hold when Redis does not, keyed by the one client address rule.

DRF's throttles keep each client's recent request times in the default cache. That cache fails
open (``config.cache``: with Redis down a read is a miss and a write is dropped), which for a
throttle would mean "no request was ever seen": every limit gone. So the throttles here keep
their counts in ``ThrottleCache``: the shared cache while Redis answers; while ``core.degrade``
knows it down, a small SQLite file shared by every process of this host
(``THROTTLE_FALLBACK_FILE``, under ``var/``); and should that file be unusable too, this
process's memory. The limits stay on through an outage, per host instead of site-wide, and
return to the shared counts when Redis does, without a restart.

The client is ``api.client.client_address`` (``X-Forwarded-For`` only from ``TRUSTED_PROXIES``),
an IPv6 client by its /64 (one subscriber's network: changing addresses inside it is free).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import sqlite3
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache as shared_cache
from django.core.cache.backends.locmem import LocMemCache
from rest_framework import throttling

from core.degrade import redis_down

from .client import client_address

logger = logging.getLogger("suyuan.throttle")

_local = LocMemCache("suyuan-throttle", {"OPTIONS": {"MAX_ENTRIES": 100_000}})
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS throttle (key TEXT PRIMARY KEY, value TEXT NOT NULL, "
    "expires REAL NOT NULL) WITHOUT ROWID"
)


class _HostFile:
    """Counts in a SQLite file every process of this host opens (one connection per thread)."""

    def __init__(self):
        self._threads = threading.local()
        self._writes = 0

    def _connection(self) -> sqlite3.Connection:
        path = settings.THROTTLE_FALLBACK_FILE
        held = getattr(self._threads, "held", None)
        if held is not None and held[0] == path:
            return held[1]
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, timeout=5, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=OFF")  # counters: a crash may forget them
        connection.execute(_SCHEMA)
        self._threads.held = (path, connection)
        return connection

    def get(self, key: str, default):
        row = (
            self._connection()
            .execute("SELECT value FROM throttle WHERE key = ? AND expires > ?", (key, time.time()))
            .fetchone()
        )
        return json.loads(row[0]) if row else default

    def set(self, key: str, value, timeout) -> None:
        now = time.time()
        connection = self._connection()
        connection.execute(
            "INSERT INTO throttle (key, value, expires) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires",
            (key, json.dumps(value), now + (timeout or 300)),
        )
        self._writes += 1
        if self._writes % 500 == 0:
            connection.execute("DELETE FROM throttle WHERE expires <= ?", (now,))

    def clear(self) -> None:
        self._connection().execute("DELETE FROM throttle")


host_file = _HostFile()


def _fallback_get(key, default):
    try:
        return host_file.get(key, default)
    except (sqlite3.Error, OSError) as exc:
        logger.warning("throttle file unusable (%s): counting in process memory", exc)
        return _local.get(key, default)


def _fallback_set(key, value, timeout):
    try:
        host_file.set(key, value, timeout)
    except (sqlite3.Error, OSError) as exc:
        logger.warning("throttle file unusable (%s): counting in process memory", exc)
        _local.set(key, value, timeout)


class ThrottleCache:
    """The shared cache while Redis answers; the host file while it is known down.

    The shared cache is asked first even then: it skips Redis until the retry time and then
    tries it again, so the counts return to Redis as soon as it answers."""

    def get(self, key, default=None):
        try:
            value = shared_cache.get(key, default)
        except Exception:  # noqa: BLE001 - a cache backend that raises instead of failing open
            return _fallback_get(key, default)
        return _fallback_get(key, default) if _failed_open() else value

    def set(self, key, value, timeout=None):
        try:
            shared_cache.set(key, value, timeout)
        except Exception:  # noqa: BLE001 - as above
            _fallback_set(key, value, timeout)
            return
        if _failed_open():
            _fallback_set(key, value, timeout)


def _failed_open() -> bool:
    """The shared cache is one that fails open (``config.cache``) and Redis is known down."""
    return redis_down() and getattr(shared_cache, "fails_open", False)


def throttle_ident(request) -> str:
    """The client a throttle counts: its address, an IPv6 address by its /64."""
    address = client_address(request.META)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network((ip, 64), strict=False))
    return address


class ClientThrottleMixin:
    """For DRF throttles: the one client address rule, counts that survive a Redis outage."""

    cache = ThrottleCache()

    def get_ident(self, request):
        return throttle_ident(request)


class AnonRateThrottle(ClientThrottleMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(ClientThrottleMixin, throttling.UserRateThrottle):
    pass
