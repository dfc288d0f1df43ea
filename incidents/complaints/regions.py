"""Where a scan came from, at region level only: the operator's IP-to-region table.

``SCAN_REGION_NETWORKS_FILE`` names a CSV of ``network,region_code`` lines (e.g.
``203.0.113.0/24,320102``); the most specific network containing the address wins. Without
the file no scan is placed. The address is looked up and forgotten, never stored.
"""

import csv
import ipaddress
from functools import lru_cache
from pathlib import Path

from django.conf import settings


@lru_cache(maxsize=4)
def _table(path: str) -> list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str]]:
    rows = []
    with Path(path).open(newline="", encoding="utf-8") as handle:
        for line in csv.reader(handle):
            if len(line) < 2 or line[0].startswith("#"):
                continue
            try:
                rows.append((ipaddress.ip_network(line[0].strip(), strict=False), line[1].strip()))
            except ValueError:
                continue
    return sorted(rows, key=lambda row: row[0].prefixlen, reverse=True)


def region_of(address: str) -> str:
    path = settings.SCAN_REGION_NETWORKS_FILE
    if not path or not address:
        return ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    for network, region in _table(path):
        if ip.version == network.version and ip in network:
            return region
    return ""
