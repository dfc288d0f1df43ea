"""Where a scan came from, at region level only: the operator's IP-to-region table.

``SCAN_REGION_NETWORKS_FILE`` names a CSV of ``network,region_code`` lines (e.g.
``203.0.113.0/24,320102``; ``#`` starts a comment, bad lines are skipped); the most specific
network containing the address wins. Without the file no scan is placed. The table is read once
per process. Both paths that answer a scan place it here — Django's consumer page and the fast
Redis layer in front of it (``fastpage``) — and keep only the region code on the scan log; the
address is looked up and forgotten, never stored or queued.
"""

from __future__ import annotations

import csv
import ipaddress
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from api.client import client_address

# For each IP version: the prefix lengths present, longest first, and {network: region}.
Table = dict[int, tuple[list[int], dict[ipaddress.IPv4Network | ipaddress.IPv6Network, str]]]


@lru_cache(maxsize=4)
def _table(path: str) -> Table:
    table: Table = {4: ([], {}), 6: ([], {})}
    with Path(path).open(newline="", encoding="utf-8") as handle:
        for line in csv.reader(handle):
            if len(line) < 2 or line[0].strip().startswith("#"):
                continue
            region = line[1].strip()
            try:
                network = ipaddress.ip_network(line[0].strip(), strict=False)
            except ValueError:
                continue
            if not (region.isascii() and region.isdigit() and len(region) == 6):
                continue
            table[network.version][1].setdefault(network, region)
    for version in (4, 6):
        lengths = sorted({n.prefixlen for n in table[version][1]}, reverse=True)
        table[version] = (lengths, table[version][1])
    return table


def region_of(address: str) -> str:
    """The GB/T 2260 code of the region the table places ``address`` in, or ``""``."""
    path = settings.SCAN_REGION_NETWORKS_FILE
    if not path or not address:
        return ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    if ip.version == 6 and ip.ipv4_mapped is not None:  # a dual-stack socket's IPv4 client
        ip = ip.ipv4_mapped
    lengths, networks = _table(path)[ip.version]
    for length in lengths:  # one dictionary look-up per prefix length in the table
        region = networks.get(ipaddress.ip_network((ip, length), strict=False))
        if region:
            return region
    return ""


def scan_region(meta: Mapping[str, str]) -> str:
    """The region of the client of this request (a WSGI environ or ``request.META``)."""
    if not settings.SCAN_REGION_NETWORKS_FILE:
        return ""
    return region_of(client_address(meta))
