"""Named queries and webhook subscriptions: signed deliveries, retries, delivery log."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from trace.epcis.models import NamedQuery, Subscription, SubscriptionDelivery
from trace.epcis.validation import validate_query_document

import pytest
from django.utils import timezone

from core.deadlines import sweep_all

from .conftest import document, object_event

TOKEN = "13df38d8275b13f05704629e5f1cf3d45d6132d5"


class Receiver:
    """A real HTTP server on 127.0.0.1 that records POSTs; answers from ``statuses`` (then 200)."""

    def __init__(self, statuses=()):
        self.requests: list[tuple[dict, bytes]] = []
        self.statuses = list(statuses)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((self.headers, body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/callback"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def _receivers_on_loopback_allowed(settings):
    """The test receivers listen on 127.0.0.1, which api.outbound refuses unless allow-listed."""
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]


@pytest.fixture
def receiver():
    created = []

    def make(statuses=()):
        created.append(Receiver(statuses))
        return created[-1]

    yield make
    for r in created:
        r.close()


def _subscribe(persona, dest, *, query=None, name="shipments"):
    created = persona.client.post(
        "/epcis/queries",
        {"name": name, "query": query or {"EQ_bizStep": ["shipping"]}},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created["Location"] == f"/epcis/queries/{name}"
    response = persona.client.post(
        f"/epcis/queries/{name}/subscriptions",
        {"dest": dest, "signatureToken": TOKEN, "stream": True},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert "signatureToken" not in response.json()
    return response.json()


def test_matching_events_are_delivered_signed(enterprise, job_of, receiver):
    server = receiver()
    subscription = _subscribe(enterprise, server.url)
    job_of(
        enterprise,
        document(
            object_event(
                bizStep="shipping", eventID="urn:uuid:20000000-0000-4000-8000-000000000001"
            ),
            object_event(bizStep="inspecting"),
        ),
    )
    assert len(server.requests) == 1
    headers, body = server.requests[0]
    expected = hmac.new(TOKEN.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["GS1-Signature"], expected)
    doc = json.loads(body)
    assert validate_query_document(doc) == []
    results = doc["epcisBody"]["queryResults"]
    assert (
        results["queryName"] == "shipments"
        and results["subscriptionID"] == subscription["subscriptionID"]
    )
    assert [e["eventID"] for e in results["resultsBody"]["eventList"]] == [
        "urn:uuid:20000000-0000-4000-8000-000000000001"
    ]
    delivery = SubscriptionDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    listed = enterprise.client.get("/epcis/queries/shipments/subscriptions").json()
    assert listed[0]["lastNotifiedAt"]


def test_business_endpoint_events_reach_subscribers_too(
    enterprise, product, receiver, django_capture_on_commit_callbacks
):
    from decimal import Decimal

    from tests.factories import produce

    server = receiver()
    _subscribe(enterprise, server.url, query={"EQ_bizStep": ["commissioning"]})
    with django_capture_on_commit_callbacks(execute=True):
        produce(enterprise.user, product, lot="S1", quantity=Decimal(5))
    assert len(server.requests) == 1


def test_failed_delivery_is_retried(enterprise, job_of, receiver):
    server = receiver(statuses=[500, 503])
    _subscribe(enterprise, server.url)
    job_of(enterprise, document(object_event(bizStep="shipping")))
    assert len(server.requests) == 3
    delivery = SubscriptionDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 3, 200)


def test_unreachable_subscriber_is_logged_as_failed(enterprise, job_of, receiver):
    server = receiver()
    url = server.url
    server.close()
    _subscribe(enterprise, url)
    job = job_of(enterprise, document(object_event(bizStep="shipping")))
    assert job["success"] is True  # the capture never depends on a subscriber
    delivery = SubscriptionDelivery.objects.get()
    assert delivery.status == "failed" and delivery.attempts > 1 and delivery.last_error


def test_subscriber_only_receives_what_it_may_see(enterprise, other_enterprise, job_of, receiver):
    server = receiver()
    _subscribe(other_enterprise, server.url)
    job_of(enterprise, document(object_event(bizStep="shipping")))
    assert server.requests == []


def test_named_query_results_and_personas(
    enterprise, enterprise_viewer, other_enterprise, anonymous, job_of
):
    job_of(
        enterprise, document(object_event(bizStep="shipping"), object_event(bizStep="receiving"))
    )
    assert (
        enterprise.client.post(
            "/epcis/queries", {"name": "q", "query": {"EQ_bizStep": ["shipping"]}}, format="json"
        ).status_code
        == 201
    )
    again = enterprise.client.post("/epcis/queries", {"name": "q", "query": {}}, format="json")
    assert again.status_code == 409
    assert again.json()["type"] == "epcisException:ResourceAlreadyExistsException"
    bad = enterprise.client.post(
        "/epcis/queries", {"name": "bad", "query": {"EQ_action": ["NOPE"]}}, format="json"
    )
    assert bad.status_code == 400 and bad.json()["type"] == "epcisException:QueryParameterException"
    events = enterprise.client.get("/epcis/queries/q/events").json()
    assert events["epcisBody"]["queryResults"]["queryName"] == "q"
    assert len(events["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == 1
    assert enterprise.client.get("/epcis/queries/q").json() == {
        "name": "q",
        "query": {"EQ_bizStep": ["shipping"]},
    }

    assert other_enterprise.client.get("/epcis/queries/q/events").status_code == 404
    assert (
        other_enterprise.client.post(
            "/epcis/queries/q/subscriptions",
            {"dest": "http://127.0.0.1:9/x", "stream": True},
            format="json",
        ).status_code
        == 404
    )
    assert anonymous.client.get("/epcis/queries").status_code == 401
    assert (
        enterprise_viewer.client.post(
            "/epcis/queries", {"name": "v", "query": {}}, format="json"
        ).status_code
        == 403
    )

    assert enterprise.client.delete("/epcis/queries/q").status_code == 204
    assert not NamedQuery.objects.exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"signatureToken": TOKEN, "stream": True}, "dest"),
        ({"dest": "ftp://example.com/x", "stream": True}, "dest"),
        ({"dest": "https://93.184.215.14/x"}, "stream"),
        ({"dest": "https://93.184.215.14/x", "schedule": {"hour": "25"}}, "schedule.hour"),
        ({"dest": "https://93.184.215.14/x", "schedule": {"hour": "x"}}, "schedule.hour"),
        ({"dest": "https://93.184.215.14/x", "schedule": {"week": "1"}}, "schedule.week"),
        (
            {"dest": "https://93.184.215.14/x", "schedule": {"month": "2", "dayOfMonth": "31"}},
            "schedule",
        ),
        (
            {"dest": "https://93.184.215.14/x", "schedule": {"hour": "1"}, "stream": True},
            "stream",
        ),
    ],
)
def test_bad_subscriptions(enterprise, body, field):
    enterprise.client.post("/epcis/queries", {"name": "q", "query": {}}, format="json")
    response = enterprise.client.post("/epcis/queries/q/subscriptions", body, format="json")
    assert response.status_code == 400
    assert response.json()["type"] == "epcisException:SubscriptionControlsException"
    assert response.json()["errors"][0]["field"] == field


def test_unsubscribe(enterprise, other_enterprise, receiver):
    subscription = _subscribe(enterprise, receiver().url)
    url = f"/epcis/queries/shipments/subscriptions/{subscription['subscriptionID']}"
    assert other_enterprise.client.delete(url).status_code == 404
    assert enterprise.client.get(url).json()["subscriptionID"] == subscription["subscriptionID"]
    assert enterprise.client.delete(url).status_code == 204
    assert enterprise.client.get(url).status_code == 404


def test_scheduled_subscription_runs_from_the_sweep(
    enterprise, receiver, job_of, django_capture_on_commit_callbacks
):
    """A schedule instead of stream: nothing is sent as events arrive; when the sweep finds
    the subscription due, the events recorded since the previous run go in one delivery."""
    r = receiver()
    enterprise.client.post(
        "/epcis/queries", {"name": "daily", "query": {"EQ_bizStep": ["shipping"]}}, format="json"
    )
    response = enterprise.client.post(
        "/epcis/queries/daily/subscriptions",
        {"dest": r.url, "signatureToken": TOKEN, "schedule": {"hour": "2"}},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["stream"] is False
    assert body["schedule"] == {"hour": "2"}
    assert body["nextRunAt"].endswith("T02:00:00.000Z")

    job_of(enterprise, document(object_event(bizStep="shipping"), object_event()))
    assert r.requests == []  # not streamed

    subscription = Subscription.objects.get()
    later = subscription.next_run_at + timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        results = sweep_all(later)
    assert results["epcis-scheduled-subscriptions"] == 1
    ((headers, raw),) = r.requests
    delivered = json.loads(raw)
    assert validate_query_document(delivered) == []
    events = delivered["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert [e["bizStep"] for e in events] == ["shipping"]
    assert delivered["epcisBody"]["queryResults"]["subscriptionID"] == body["subscriptionID"]
    subscription.refresh_from_db()
    assert subscription.next_run_at == subscription.last_run_at.replace(
        hour=2, minute=0, second=0, microsecond=0
    ) + timedelta(days=1)

    # The next run sends nothing: no new events, and reportIfEmpty is off.
    with django_capture_on_commit_callbacks(execute=True):
        sweep_all(subscription.next_run_at + timedelta(seconds=1))
    assert len(r.requests) == 1
    assert timezone.now() < subscription.next_run_at + timedelta(days=2)
