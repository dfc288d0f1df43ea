"""The address a request came from, read from a WSGI environ or ``request.META`` (the same
keys): the peer address, or behind the documented proxy (``SECURE_PROXY=1``) the last address
of ``X-Forwarded-For``, the one our proxy appended; the earlier ones are client-supplied.

One rule for login lockouts (``config.security.client_ip``) and for placing a scan in a region
(``trace.consumer.regions``), so the fast page layer, which runs without Django's request,
places a scan exactly as Django would."""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings


def client_address(meta: Mapping[str, str]) -> str:
    if getattr(settings, "SECURE_PROXY", False):
        forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return meta.get("REMOTE_ADDR", "")
