"""Outbound safety (issue 9, item 6): webhooks only to public HTTPS unless allow-listed.

Attack: a subscription ``dest`` of ``http://127.0.0.1:…``, ``localhost`` or ``[::1]`` made the
worker post into the server's own network and follow redirects (SSRF, OWASP A10:2021).
"""

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from core.outbound import DestinationRefused, check_destination, post_json


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("http://127.0.0.1:8080/hook", "loopback_address"),
        ("https://127.0.0.1/hook", "loopback_address"),
        ("https://localhost/hook", "loopback_address"),  # refused after DNS resolution
        ("https://[::1]/hook", "loopback_address"),
        ("https://[::ffff:127.0.0.1]/hook", "mapped_address"),
        ("https://169.254.169.254/latest/meta-data", "link_local_address"),
        ("https://10.0.0.5/hook", "private_address"),
        ("https://192.168.1.10/hook", "private_address"),
        ("https://100.64.0.1/hook", "private_address"),
        ("https://[fd00::1]/hook", "private_address"),
        ("https://224.0.0.251/hook", "multicast_address"),
        ("https://0.0.0.0/hook", "reserved_address"),
        ("https://240.0.0.1/hook", "reserved_address"),
        ("http://93.184.215.14/hook", "https_required"),
        ("ftp://93.184.215.14/hook", "url"),
        ("https:///hook", "url"),
        ("https://no-such-host.invalid/hook", "unresolvable"),
    ],
)
def test_non_public_or_plain_http_destinations_are_refused(settings, url, rule):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    with pytest.raises(DestinationRefused) as refused:
        check_destination(url)
    assert refused.value.rule == rule


def test_public_https_is_accepted():
    destination = check_destination("https://93.184.215.14:8443/hooks/epcis?x=1")
    assert (destination.host, destination.port, destination.path) == (
        "93.184.215.14",
        8443,
        "/hooks/epcis?x=1",
    )


def test_allow_list_opens_named_hosts_and_networks_only(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["hooks.corp.example", ".intra.example", "10.20.0.0/16"]
    check_destination("http://10.20.3.4/hook")  # intranet network: private and http allowed
    with pytest.raises(DestinationRefused):
        check_destination("http://10.21.0.1/hook")
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    check_destination("https://10.21.0.1/hook")  # private over HTTPS
    for url, rule in [
        ("http://10.21.0.1/hook", "https_required"),
        ("https://127.0.0.1/hook", "loopback_address"),
        ("https://169.254.169.254/", "link_local_address"),
    ]:
        with pytest.raises(DestinationRefused) as refused:
            check_destination(url)
        assert refused.value.rule == rule


class Receiver:
    def __init__(self, status=200, location=None):
        self.requests = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(dict(self.headers))
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_redirects_are_not_followed(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    target = Receiver()
    redirector = Receiver(status=307, location=target.url)
    try:
        assert post_json(redirector.url, b"{}", {"Content-Type": "application/json"}, 5) == 307
        assert len(redirector.requests) == 1 and target.requests == []
    finally:
        target.close()
        redirector.close()


def test_the_checked_address_is_the_one_connected_to(settings, monkeypatch):
    """DNS rebinding: the name is resolved once, checked, and that address is connected to;
    the request still names the host (Host header, TLS server name)."""
    settings.WEBHOOK_ALLOWED_HOSTS = ["hooks.corp.example"]
    receiver = Receiver()
    answers = []
    real = socket.getaddrinfo

    def resolver(host, port, *args, **kwargs):
        if host == "hooks.corp.example":
            answers.append(host)
            return real("127.0.0.1", port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    try:
        url = f"http://hooks.corp.example:{receiver.server.server_port}/hook"
        assert post_json(url, b"{}", {}, 5) == 200
        assert receiver.requests[0]["Host"] == f"hooks.corp.example:{receiver.server.server_port}"
        assert answers == ["hooks.corp.example"]  # resolved once: no second lookup to swap
    finally:
        receiver.close()


@pytest.mark.parametrize(
    "dest",
    [
        "http://127.0.0.1:9/x",
        "https://localhost/x",
        "https://[::1]/x",
        "http://example.com/x",
        "https://169.254.169.254/x",
    ],
)
def test_subscription_api_refuses_internal_destinations(enterprise, settings, dest):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    enterprise.client.post("/epcis/queries", {"name": "q", "query": {}}, format="json")
    response = enterprise.client.post(
        "/epcis/queries/q/subscriptions", {"dest": dest, "stream": True}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "dest"
    assert not enterprise.client.get("/epcis/queries/q/subscriptions").json()


def test_delivery_checks_the_destination_again(
    enterprise, settings, django_capture_on_commit_callbacks
):
    """A destination allowed when subscribing but not when sending (allow-list narrowed, DNS
    now pointing inside) is not called: the delivery fails at once, without retries."""
    from decimal import Decimal
    from trace.epcis.models import SubscriptionDelivery

    from config.celery import app
    from tests.factories import ProductFactory, produce

    app.conf.task_always_eager = True
    receiver = Receiver()
    try:
        settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
        enterprise.client.post(
            "/epcis/queries",
            {"name": "q", "query": {"EQ_bizStep": ["commissioning"]}},
            format="json",
        )
        created = enterprise.client.post(
            "/epcis/queries/q/subscriptions", {"dest": receiver.url, "stream": True}, format="json"
        )
        assert created.status_code == 201, created.content
        settings.WEBHOOK_ALLOWED_HOSTS = []
        with django_capture_on_commit_callbacks(execute=True):
            produce(
                enterprise.user, ProductFactory(owner=enterprise.org), lot="O1", quantity=Decimal(1)
            )
        delivery = SubscriptionDelivery.objects.get()
        assert (delivery.status, delivery.attempts) == ("failed", 1)
        assert delivery.last_error == "refused: loopback_address"
        assert receiver.requests == []
    finally:
        receiver.close()
