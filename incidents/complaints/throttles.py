"""Per-client rate limits on anonymous submissions and status lookups.

The client is a keyed hash of its address (``privacy.client_key``), never the address. The
counts live in the default cache (Redis when configured); when the cache cannot be reached
they fall back to this process's memory, so a Redis outage never opens the flood gate.
Rates are settings (``COMPLAINT_SUBMIT_RATE``, ``COMPLAINT_LOOKUP_RATE``), read at each
request; these classes are set on the views, so they apply whatever
``DEFAULT_THROTTLE_CLASSES`` says.
"""

import logging

from django.conf import settings
from django.core.cache import cache as shared_cache
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.throttling import SimpleRateThrottle

from .privacy import client_key

logger = logging.getLogger(__name__)
_local = LocMemCache("complaints-throttle", {"OPTIONS": {"MAX_ENTRIES": 100_000}})


class _FallbackCache:
    """The shared cache, or this process's memory while the shared one fails."""

    def get(self, key, default=None):
        try:
            return shared_cache.get(key, default)
        except Exception:  # Redis down: count locally rather than let everything through
            logger.warning("throttle cache unreachable; counting in process memory")
            return _local.get(key, default)

    def set(self, key, value, timeout=None):
        try:
            shared_cache.set(key, value, timeout)
        except Exception:
            _local.set(key, value, timeout)


class _ClientThrottle(SimpleRateThrottle):
    cache = _FallbackCache()
    setting = ""

    def get_rate(self):
        return getattr(settings, self.setting)

    def allow_request(self, request, view):
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return self.cache_format % {
            "scope": self.scope,
            "ident": client_key(self.get_ident(request)),
        }


class ComplaintSubmitThrottle(_ClientThrottle):
    scope = "complaint-submit"
    setting = "COMPLAINT_SUBMIT_RATE"


class ComplaintLookupThrottle(_ClientThrottle):
    scope = "complaint-lookup"
    setting = "COMPLAINT_LOOKUP_RATE"
