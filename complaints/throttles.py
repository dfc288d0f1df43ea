"""Per-client rate limits on anonymous submissions and status lookups.

The client is a keyed hash (``privacy.client_key``) of the one client address rule
(``api.client``: ``X-Forwarded-For`` only from ``TRUSTED_PROXIES``), never the address. The
counts live where ``api.throttling`` keeps them: the shared cache (Redis when configured), and
while Redis is down a file shared by this host's processes, so a Redis outage never opens the
flood gate. Rates are settings (``COMPLAINT_SUBMIT_RATE``, ``COMPLAINT_LOOKUP_RATE``), read at
each request; these classes are set on the views, so they apply whatever
``DEFAULT_THROTTLE_CLASSES`` says.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from api.throttling import ClientThrottleMixin

from .privacy import client_key


class _ClientThrottle(ClientThrottleMixin, SimpleRateThrottle):
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


class ComplaintWithdrawThrottle(ComplaintSubmitThrottle):
    """The complainant's withdrawal by tracking code: the public intake's limit
    (``COMPLAINT_SUBMIT_RATE``), counted apart, so guessing the phone's last four digits is
    as slow as filing."""

    scope = "complaint-withdraw"
