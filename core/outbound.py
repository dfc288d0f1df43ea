"""Outbound HTTP to addresses users give us (webhooks, notification endpoints), made safe.

A subscriber chooses where our workers post. Left unchecked, that lets any
enterprise make the server call into its own network (``http://127.0.0.1``,
the cloud metadata address ``169.254.169.254``, the database host): server-side
request forgery. Every outbound call to a user-chosen URL goes through here:

- ``check_destination(url)`` refuses, with a ``DestinationRefused`` naming the
  rule, a URL that is not HTTPS or whose host is (or resolves to) an address
  that is not public: private, loopback, link-local, multicast, reserved,
  unspecified, shared (CGN) or an IPv4 address mapped into IPv6. Every address
  the name resolves to is checked, so a DNS answer mixing a public and a
  private address is refused. Call it when the URL is registered (answer 400)
  and again when sending.
- ``post_json(url, body, headers, timeout)`` checks again, resolves once and
  connects to the checked address itself (DNS rebinding cannot swap it
  between check and connect), sends the Host header and TLS server name of the
  URL (the certificate is verified against the name), and never follows a
  redirect: a 3xx is returned as the answer like any other status.

Intranet deployments open what they need in settings, never more:
``WEBHOOK_ALLOWED_HOSTS`` lists host names (``hooks.example.internal``, or
``.example.internal`` for a domain and its subdomains) and address networks
(``10.20.0.0/16``) where private addresses and plain ``http://`` are accepted;
``WEBHOOK_ALLOW_PRIVATE_NETWORKS`` accepts private (RFC 1918, IPv6 unique-local)
addresses for every destination, still over HTTPS, and still never loopback,
link-local, multicast or reserved ones.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Carrier-grade NAT space: not global, yet Python's is_private says False for it.
_SHARED = ipaddress.ip_network("100.64.0.0/10")


class DestinationRefused(ValueError):
    """The URL may not be called; ``rule`` names why (for problem+json ``errors[].rule``)."""

    def __init__(self, rule: str, message):
        super().__init__(str(message))
        self.rule = rule
        self.message = message


class OutboundError(OSError):
    """The call could not be made or got no HTTP answer (refused, timeout, TLS failure)."""


@dataclass(frozen=True)
class Destination:
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]  # every address the host resolved to, all checked


def _allowed_entries():
    names, networks = [], []
    for entry in getattr(settings, "WEBHOOK_ALLOWED_HOSTS", []) or []:
        entry = entry.strip().lower()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            names.append(entry)
    return names, networks


def _host_allowed(host: str, names) -> bool:
    for name in names:
        if name.startswith(".") and (host == name[1:] or host.endswith(name)):
            return True
        if host == name:
            return True
    return False


def _address_refusal(ip, *, allow_private: bool) -> str | None:
    """Why this address may not be called (a rule name), or None."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return "mapped_address"
    if ip.is_loopback:
        return "loopback_address"
    if ip.is_link_local:
        return "link_local_address"
    if ip.is_multicast:
        return "multicast_address"
    if ip.is_unspecified or ip.is_reserved:
        return "reserved_address"
    if ip.version == 4 and ip in _SHARED:
        return "private_address"
    if ip.is_private:
        return None if allow_private else "private_address"
    if not ip.is_global:
        return "reserved_address"
    return None


_MESSAGES = {
    "url": _("The destination must be an absolute URL with a host."),
    "https_required": _("The destination must use https://."),
    "unresolvable": _("The destination's host name does not resolve."),
    "loopback_address": _("The destination is a loopback address of this server."),
    "link_local_address": _("The destination is a link-local address."),
    "multicast_address": _("The destination is a multicast address."),
    "reserved_address": _("The destination is a reserved or non-routable address."),
    "private_address": _("The destination is a private-network address."),
    "mapped_address": _("The destination is an IPv4 address written as IPv6."),
}


def _refuse(rule: str) -> DestinationRefused:
    return DestinationRefused(rule, _MESSAGES[rule])


def _resolve(host: str, port: int) -> tuple[str, ...]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise _refuse("unresolvable") from exc
    return tuple(dict.fromkeys(info[4][0] for info in infos))


def check_destination(url: str) -> Destination:
    """Resolve and check a user-given URL; raise ``DestinationRefused`` if it may not be called."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise _refuse("url") from exc
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if scheme not in _DEFAULT_PORTS or not host or any(c in host for c in "\x00 \t\r\n"):
        raise _refuse("url")
    port = port or _DEFAULT_PORTS[scheme]
    names, networks = _allowed_entries()
    host_listed = _host_allowed(host, names)
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    addresses = (str(literal),) if literal is not None else _resolve(host, port)
    if not addresses:
        raise _refuse("unresolvable")
    allow_private = bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE_NETWORKS", False))
    all_listed = True  # every address on the allow-list (by name or network)
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if host_listed or any(ip in network for network in networks):
            continue
        all_listed = False
        rule = _address_refusal(ip, allow_private=allow_private)
        if rule:
            raise _refuse(rule)
    if scheme != "https" and getattr(settings, "WEBHOOK_REQUIRE_HTTPS", True) and not all_listed:
        raise _refuse("https_required")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Destination(scheme, host, port, path, addresses)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, context=ssl.create_default_context(), **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # The certificate is verified against the URL's host name, not the address.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post_json(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST ``body`` to a checked URL, connecting to the checked address; return the HTTP status.

    Raises ``DestinationRefused`` (not to be retried) or ``OutboundError``. Redirects are
    not followed: their status is returned.
    """
    return post(url, body, headers, timeout)[0]


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
    """``post_json`` that also returns the first 64 KiB of the answer's body (a chat platform
    says in it whether it took the message)."""
    destination = check_destination(url)
    connection_class = (
        _PinnedHTTPSConnection if destination.scheme == "https" else _PinnedHTTPConnection
    )
    last_error: Exception | None = None
    for address in destination.addresses:
        connection = connection_class(
            destination.host, destination.port, address.split("%", 1)[0], timeout=timeout
        )
        try:
            connection.request("POST", destination.path, body=body, headers=headers)
            response = connection.getresponse()
            answer = response.read(64 * 1024)  # a bounded look at the answer
            return response.status, answer
        except (OSError, http.client.HTTPException) as exc:
            last_error = exc
            if getattr(connection, "sock", None) is not None:
                break  # connected, then failed: do not repost to another address
        finally:
            connection.close()
    raise OutboundError(str(last_error)[:500] if last_error else "no address")
