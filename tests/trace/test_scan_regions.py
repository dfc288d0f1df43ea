"""Placing a scan in a region with the operator's IP-to-region table (issue 12 §6): the same
rule for Django's consumer page and the fast Redis layer (``trace.consumer.regions``); only the
region code is kept on the scan log."""

from trace.consumer import regions
from trace.models import ScanLog

import pytest
from django.test import Client

from tests.factories import produce


@pytest.fixture
def table(tmp_path, settings):
    path = tmp_path / "networks.csv"
    path.write_text(
        "# network,region_code\n"
        "203.0.113.0/24,440106\n"
        "203.0.113.128/25,440305\n"
        "2001:db8::/32,310101\n"
        "not-a-network,320102\n"
        "198.51.100.0/24,Xuzhou\n"
    )
    settings.SCAN_REGION_NETWORKS_FILE = str(path)
    regions._table.cache_clear()
    yield
    regions._table.cache_clear()


def test_the_most_specific_network_wins_and_bad_lines_are_skipped(table):
    assert regions.region_of("203.0.113.7") == "440106"
    assert regions.region_of("203.0.113.200") == "440305"
    assert regions.region_of("2001:db8::1") == "310101"
    assert regions.region_of("::ffff:203.0.113.7") == "440106"  # IPv4 on a dual-stack socket
    assert regions.region_of("198.51.100.1") == ""  # its region code is not one
    assert regions.region_of("192.0.2.1") == regions.region_of("nonsense") == ""


def test_without_a_table_nothing_is_placed(settings):
    settings.SCAN_REGION_NETWORKS_FILE = ""
    assert regions.scan_region({"REMOTE_ADDR": "203.0.113.7"}) == ""


def test_behind_the_proxy_the_address_it_appended_is_placed(table, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    meta = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "192.0.2.1, 203.0.113.200"}
    assert regions.scan_region(meta) == "440305"  # the first hop is the client's own claim


@pytest.mark.django_db
def test_a_scan_of_the_consumer_page_keeps_the_region_not_the_address(table, enterprise, product):
    lot = produce(enterprise.user, product, lot="RG1")
    path = lot.digital_link.replace("http://testserver", "")
    Client(REMOTE_ADDR="203.0.113.9").get(path, HTTP_ACCEPT="text/html")
    Client(REMOTE_ADDR="192.0.2.1").get(path, HTTP_ACCEPT="text/html")
    logged = list(ScanLog.objects.filter(batch=lot).order_by("id").values())
    assert [row["region_code"] for row in logged] == ["440106", ""]
    assert "203.0.113" not in str(logged) and "192.0.2" not in str(logged)
