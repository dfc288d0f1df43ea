"""A forged X-Forwarded-For changes nothing (issue 19, item 8).

Attack: anyone may send ``X-Forwarded-For``. DRF's throttles took it as the client, so each
request with a new made-up address had a fresh allowance: 20 fake injury complaints from one
machine raised a "9 people hurt" signal against a competitor's lot, and status lookups could be
guessed without limit. One rule (``api.client.client_address``) now decides the client for the
throttles, the login lockout (django-axes) and the scan regions alike: the header is believed
only from ``TRUSTED_PROXIES``, and then its right-most address that is not a trusted proxy.
"""

from trace.consumer import regions
from trace.models import ScanLog

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from rest_framework.test import APIClient

from api.client import client_address
from api.throttling import throttle_ident
from complaints.models import Complaint
from core.checks import trusted_proxies_behind_a_proxy
from core.choices import RegulatorLevel
from tests.factories import RegulatorFactory, UserFactory, produce

ATTACKER = "198.51.100.20"
PROXY = "10.0.0.2"
SUBMIT = "/api/v1/public/complaints/"
PASSWORD = "pw-for-tests-2026"


def meta(peer, forwarded=None):
    values = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        values["HTTP_X_FORWARDED_FOR"] = forwarded
    return values


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(meta(ATTACKER, "203.0.113.1")) == ATTACKER
    assert client_address(meta(ATTACKER, "203.0.113.1, 10.0.0.2")) == ATTACKER


def test_from_an_untrusted_peer_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    assert client_address(meta(ATTACKER, "203.0.113.1")) == ATTACKER
    # Claiming to come through our proxy does not help either.
    assert client_address(meta(ATTACKER, f"203.0.113.1, {PROXY}")) == ATTACKER


def test_from_a_trusted_proxy_the_right_most_untrusted_address_is_the_client(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "2001:db8:ffff::/48"]
    # The client wrote the first hop itself; our proxy appended the one it saw.
    assert client_address(meta(PROXY, "203.0.113.1, 192.0.2.77")) == "192.0.2.77"
    # A chain of our proxies (a load balancer, then the TLS proxy): each skipped.
    assert client_address(meta(PROXY, "203.0.113.1, 192.0.2.77, 10.1.2.3")) == "192.0.2.77"
    assert client_address(meta("2001:db8:ffff::5", "192.0.2.77")) == "192.0.2.77"
    # The forms proxies write: ports, brackets, IPv4 on a dual-stack socket, spaces.
    assert client_address(meta(PROXY, "[2001:db8::7]:443")) == "2001:db8::7"
    assert client_address(meta(PROXY, "192.0.2.77:5123")) == "192.0.2.77"
    assert client_address(meta("::ffff:10.0.0.2", " ::ffff:192.0.2.77 ")) == "192.0.2.77"
    # No header, or nothing but our proxies in it: the farthest address known.
    assert client_address(meta(PROXY)) == PROXY
    assert client_address(meta(PROXY, "10.9.9.9")) == "10.9.9.9"
    # Garbage stops the walk at the nearest proxy we trust, never taken as an address.
    assert client_address(meta(PROXY, "192.0.2.77, not-an-address, 10.1.2.3")) == "10.1.2.3"


def test_a_bad_trusted_proxies_entry_fails_loudly(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/33"]
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES"):
        client_address(meta(PROXY, "192.0.2.77"))


def test_an_ipv6_client_is_throttled_by_its_64(settings, rf):
    settings.TRUSTED_PROXIES = []
    one = rf.get("/", REMOTE_ADDR="2001:db8:1:2::1")
    other = rf.get("/", REMOTE_ADDR="2001:db8:1:2:ffff::9")
    elsewhere = rf.get("/", REMOTE_ADDR="2001:db8:1:3::1")
    assert throttle_ident(one) == throttle_ident(other) == "2001:db8:1:2::/64"
    assert throttle_ident(elsewhere) != throttle_ident(one)


@pytest.fixture
def lot(enterprise, product):
    RegulatorFactory(level=RegulatorLevel.COUNTY, region_code="320312")
    return produce(enterprise.user, product, lot="XFF1")


def _complain(lot, peer, forwarded):
    return APIClient().post(
        SUBMIT,
        {"gtin": lot.gtin, "lot": lot.lot, "description": "孩子吃了以后住院", "injured": True},
        format="json",
        REMOTE_ADDR=peer,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_forged_addresses_do_not_buy_more_complaints(lot, settings):
    settings.COMPLAINT_SUBMIT_RATE = "3/hour"
    settings.TRUSTED_PROXIES = [PROXY]
    statuses = [_complain(lot, ATTACKER, f"203.0.113.{n}").status_code for n in range(6)]
    assert statuses == [201, 201, 201, 429, 429, 429]
    assert Complaint.objects.count() == 3


def test_behind_the_proxy_each_client_has_its_own_allowance(lot, settings):
    settings.COMPLAINT_SUBMIT_RATE = "2/hour"
    settings.TRUSTED_PROXIES = [PROXY]
    # One client behind our proxy, varying what it writes before the hop the proxy appends.
    first = [_complain(lot, PROXY, f"203.0.113.{n}, 192.0.2.10").status_code for n in range(3)]
    assert first == [201, 201, 429]
    # Another client behind the same proxy is not refused for it.
    assert _complain(lot, PROXY, "192.0.2.11").status_code == 201


def test_forged_addresses_do_not_buy_more_status_lookups(settings, db):
    settings.COMPLAINT_LOOKUP_RATE = "3/minute"
    client = APIClient()
    codes = [
        client.get(
            f"/api/v1/public/complaints/ABCDE-FGH{c}K/",
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n, c in enumerate("JKMNP")
    ]
    assert codes == [404, 404, 404, 429, 429]


def test_forged_addresses_do_not_escape_the_login_lockout(settings, db):
    settings.AXES_FAILURE_LIMIT = 3
    settings.TRUSTED_PROXIES = [PROXY]
    UserFactory(username="op")

    def token(password, peer, forwarded):
        return APIClient().post(
            "/api/v1/auth/token/",
            {"username": "op", "password": password},
            format="json",
            REMOTE_ADDR=peer,
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    guesses = [token("guess", ATTACKER, f"203.0.113.{n}").status_code for n in range(3)]
    assert guesses == [400, 400, 429]  # the third failure locks out
    assert token(PASSWORD, ATTACKER, "203.0.113.99").status_code == 429
    # Behind the proxy the lockout follows the real client: a colleague elsewhere signs in.
    for n in range(3):
        token("guess", PROXY, f"203.0.113.{n}, 192.0.2.30")
    assert token(PASSWORD, PROXY, "203.0.113.77, 192.0.2.30").status_code == 429
    assert token(PASSWORD, PROXY, "192.0.2.31").status_code == 200


@pytest.fixture
def table(tmp_path, settings):
    path = tmp_path / "networks.csv"
    path.write_text("203.0.113.0/24,440106\n198.51.100.0/24,320311\n192.0.2.0/24,110101\n")
    settings.SCAN_REGION_NETWORKS_FILE = str(path)
    regions._table.cache_clear()
    yield
    regions._table.cache_clear()


def test_a_forged_address_does_not_move_a_scan_to_another_city(table, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    assert regions.scan_region(meta(ATTACKER, "203.0.113.5")) == "320311"
    assert regions.scan_region(meta(PROXY, "203.0.113.5, 192.0.2.8")) == "110101"


@pytest.mark.django_db
def test_the_consumer_page_places_the_scan_by_the_same_rule(table, settings, lot):
    settings.TRUSTED_PROXIES = [PROXY]
    path = lot.digital_link.replace("http://testserver", "")
    Client(REMOTE_ADDR=ATTACKER).get(
        path, HTTP_ACCEPT="text/html", HTTP_X_FORWARDED_FOR="203.0.113.5"
    )
    Client(REMOTE_ADDR=PROXY).get(path, HTTP_ACCEPT="text/html", HTTP_X_FORWARDED_FOR="192.0.2.8")
    logged = ScanLog.objects.filter(batch=lot).order_by("id").values_list("region_code", flat=True)
    assert list(logged) == ["320311", "110101"]


def test_check_deploy_warns_behind_a_proxy_that_is_not_trusted(settings):
    settings.SECURE_PROXY = True
    settings.TRUSTED_PROXIES = []
    assert [w.id for w in trusted_proxies_behind_a_proxy(None)] == ["suyuan.W001"]
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    assert trusted_proxies_behind_a_proxy(None) == []
