"""Django's Redis cache, failing open: with Redis down, a miss instead of a 500.

Every operation consults ``core.degrade``: while Redis is known down it is not
tried at all (no timeout per request); a failed call marks it down (one log
line) and answers as an empty cache would. Reads miss, writes are dropped,
so pages are rendered from the database; the throttles notice the outage and count
elsewhere meanwhile (``api.throttling``).
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.degrade import redis_available, redis_down, redis_failed, redis_succeeded

FAILURES = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)


def _fail_open(fallback):
    def decorate(method):
        name = method.__name__

        def wrapper(self, *args, **kwargs):
            if not redis_available():
                return fallback(*args, **kwargs)
            if redis_down() and not self._probe():
                return fallback(*args, **kwargs)
            try:
                result = getattr(super(ResilientRedisCache, self), name)(*args, **kwargs)
            except FAILURES as exc:
                redis_failed(exc, f"cache.{name}")
                return fallback(*args, **kwargs)
            redis_succeeded()
            return result

        wrapper.__name__ = name
        wrapper.__doc__ = method.__doc__
        return wrapper

    return decorate


def _incr_unavailable(key, *args, **kwargs):
    raise ValueError(f"Key '{key}' not found (Redis unavailable)")


class _ReusedClients(RedisCacheClient):
    """One redis-py client per connection pool, not a new one per operation (a new client
    copies redis-py's table of response callbacks: a thousand entries, every cache call)."""

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        found = clients.get(id(pool))
        if found is None or found[0] is not pool:  # a pool replaced gets its own client
            found = clients[id(pool)] = (pool, self._client(connection_pool=pool))
        return found[1]


class ResilientRedisCache(RedisCache):
    # Tells the throttles (api.throttling) that a miss may be an outage: they count elsewhere
    # while api.degrade knows Redis down.
    fails_open = True
    _class = _ReusedClients

    def _probe(self) -> bool:
        """After an outage, one ping before any read: the recovery hooks drop what went stale."""
        try:
            self._cache.get_client(write=True).ping()
        except FAILURES as exc:
            redis_failed(exc, "cache")
            return False
        redis_succeeded()
        return not redis_down()

    @_fail_open(lambda key, default=None, version=None: default)
    def get(self, key, default=None, version=None): ...

    @_fail_open(lambda *a, **k: False)
    def add(self, key, value, timeout=None, version=None): ...

    @_fail_open(lambda *a, **k: None)
    def set(self, key, value, timeout=None, version=None): ...

    @_fail_open(lambda *a, **k: False)
    def touch(self, key, timeout=None, version=None): ...

    @_fail_open(lambda *a, **k: False)
    def delete(self, key, version=None): ...

    @_fail_open(lambda *a, **k: {})
    def get_many(self, keys, version=None): ...

    @_fail_open(lambda *a, **k: False)
    def has_key(self, key, version=None): ...

    @_fail_open(_incr_unavailable)
    def incr(self, key, delta=1, version=None): ...

    @_fail_open(lambda data, *a, **k: list(data))
    def set_many(self, data, timeout=None, version=None): ...

    @_fail_open(lambda *a, **k: None)
    def delete_many(self, keys, version=None): ...

    @_fail_open(lambda *a, **k: None)
    def clear(self): ...
