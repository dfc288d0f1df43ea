"""The address a request came from: the one rule for rate limits, login lockouts and scan regions.

``client_address`` reads a WSGI environ or ``request.META`` (the same keys), so the fast page
layer, which answers scans without Django's request, places a scan exactly as Django would; the
throttles (``api.throttling``), django-axes (``config.security.client_ip``) and the scan regions
(``trace.consumer.regions``) all call it.

``X-Forwarded-For`` is anyone's to write: it is believed only when the peer is one of the
proxies named in ``TRUSTED_PROXIES`` (addresses or networks; none by default). Then the list is
read from the right, each trusted proxy's hop skipped: the first address that is not a trusted
proxy is the client — the hop our own proxy appended, not what the client wrote before it. A
request straight from the internet keeps its peer address whatever headers it sends, so a forged
header cannot give a flood a fresh throttle key, unlock an account or move a scan to another
city.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """``TRUSTED_PROXIES`` as networks (a bare address is a /32 or /128); a typo fails loudly."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: {entry!r} is not an IP address or network (CIDR)"
            ) from exc
    return tuple(networks)


def parse_address(text: str) -> Address | None:
    """An address as proxies write it (``203.0.113.7``, ``[2001:db8::1]:443``, ``1.2.3.4:80``),
    IPv4 on a dual-stack socket as IPv4; None when it is not one."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # IPv4 with a port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, networks: Iterable[Network]) -> bool:
    return any(address in network for network in networks)


def client_address(meta: Mapping[str, str]) -> str:
    peer_text = meta.get("REMOTE_ADDR", "") or ""
    networks = trusted_networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))
    peer = parse_address(peer_text)
    if peer is None:
        return peer_text
    if not networks or not _trusted(peer, networks):
        return str(peer)
    client = peer
    hops = (meta.get("HTTP_X_FORWARDED_FOR", "") or "").split(",")
    for hop in reversed(hops):
        if not hop.strip():
            continue
        address = parse_address(hop)
        if address is None:  # garbage: the nearest proxy we trust is all we know
            break
        client = address
        if not _trusted(address, networks):
            break
    return str(client)
