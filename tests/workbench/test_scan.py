"""The scan app's server side: a record is stored once however often it is sent (its client ID
is the event's ID), refusals name the field and rule, and the app installs (manifest, worker
served from the app's scope, icons)."""

import json
import uuid
from trace.models import Event

import pytest
from django.test import Client

from core.choices import Role
from tests.factories import EnterpriseFactory, ProductFactory, UserFactory, produce

pytestmark = pytest.mark.django_db


@pytest.fixture
def dairy():
    user = UserFactory(organization=EnterpriseFactory(region_code="320312"))
    batch = produce(user, ProductFactory(owner=user.membership.organization), lot="YG01")
    client = Client()
    client.force_login(user)
    return user, batch, client


def code(batch):
    return f"https://id.gs1.org/01/{batch.gtin}/10/{batch.lot}"


def post(client, body):
    return client.post("/workbench/scan/record/", json.dumps(body), content_type="application/json")


def test_a_record_sent_twice_is_stored_once(dairy):
    user, batch, client = dairy
    record = {
        "client_id": str(uuid.uuid4()),
        "code": code(batch),
        "action": "sell",
        "quantity": "5",
        "recorded_at": "2026-03-02T09:00:00+08:00",
    }
    first = post(client, record)
    again = post(client, record)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["stored"] == "before"
    events = Event.objects.filter(event_id=f"urn:uuid:{record['client_id']}")
    assert events.count() == 1
    assert events.get().event_time.isoformat().startswith("2026-03-02T01:00:00")


def test_each_action_and_its_refusals(dairy):
    user, batch, client = dairy
    ok = post(
        client,
        {
            "client_id": str(uuid.uuid4()),
            "code": code(batch),
            "action": "inspect",
            "result": "pass",
        },
    )
    assert ok.status_code == 201
    held = post(
        client,
        {
            "client_id": str(uuid.uuid4()),
            "code": code(batch),
            "action": "hold",
            "reason": "感官异常",
        },
    )
    assert held.status_code == 201
    batch.refresh_from_db()
    assert batch.status == "on_hold"
    refused = post(client, {"client_id": str(uuid.uuid4()), "code": code(batch), "action": "hold"})
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "reason"
    no_id = post(client, {"code": code(batch), "action": "sell", "quantity": "1"})
    assert no_id.json()["errors"][0] == {
        "field": "client_id",
        "rule": "uuid",
        "message": no_id.json()["errors"][0]["message"],
    }
    unknown = post(
        client,
        {
            "client_id": str(uuid.uuid4()),
            "code": f"https://id.gs1.org/01/{batch.gtin}/10/NOPE",
            "action": "sell",
            "quantity": "1",
        },
    )
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["rule"] == "unknown_lot"


def test_another_organizations_client_id_is_refused(dairy):
    user, batch, client = dairy
    record = {
        "client_id": str(uuid.uuid4()),
        "code": code(batch),
        "action": "inspect",
        "result": "pass",
    }
    assert post(client, record).status_code == 201
    rival = UserFactory(organization=EnterpriseFactory(region_code="330106"))
    other_batch = produce(rival, ProductFactory(owner=rival.membership.organization), lot="B1")
    other = Client()
    other.force_login(rival)
    answer = post(other, {**record, "code": code(other_batch)})
    assert answer.status_code == 409 and answer.json()["errors"][0]["rule"] == "event_id_taken"


def test_a_viewer_may_not_record(dairy):
    user, batch, _client = dairy
    viewer = UserFactory(organization=user.membership.organization, organization__role=Role.VIEWER)
    client = Client()
    client.force_login(viewer)
    answer = post(
        client,
        {"client_id": str(uuid.uuid4()), "code": code(batch), "action": "sell", "quantity": "1"},
    )
    assert answer.status_code == 403


def test_the_app_installs_from_its_own_scope(dairy, client):
    manifest = client.get("/workbench/scan/manifest.webmanifest")
    assert manifest["Content-Type"].startswith("application/manifest+json")
    body = manifest.json()
    assert body["scope"] == body["start_url"] == "/workbench/scan/"
    assert body["display"] == "standalone"
    assert {icon["sizes"] for icon in body["icons"]} == {"192x192", "512x512"}
    for icon in body["icons"]:
        assert client.get(icon["src"]).status_code == 200
    worker = client.get("/workbench/scan/sw.js")
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == "/workbench/scan/"
    assert b"/workbench/scan/" in worker.content and b"__SHELL__" not in worker.content
    page = dairy[2].get("/workbench/scan/")
    assert b'rel="manifest"' in page.content
