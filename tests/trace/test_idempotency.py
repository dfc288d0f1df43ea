"""The business API's idempotency key: an action sent again with the same ``Idempotency-Key``
(a lost answer, a client's queue resent) is recorded once and answered with the first event."""

import uuid
from trace.models import Event

import pytest

from tests.conftest import Persona
from tests.factories import EnterpriseFactory, ProductFactory, UserFactory, produce

pytestmark = pytest.mark.django_db


@pytest.fixture
def dairy():
    persona = Persona(UserFactory(organization=EnterpriseFactory(region_code="320312")))
    batch = produce(persona.user, ProductFactory(owner=persona.org), lot="YG01")
    return persona, batch


def test_the_same_key_records_one_event(dairy):
    persona, batch = dairy
    key = str(uuid.uuid4())
    url = f"/api/v1/batches/{batch.pk}/sell/"
    first = persona.client.post(url, {"quantity": "5"}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = persona.client.post(url, {"quantity": "5"}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["event_id"] == again.json()["event_id"] == f"urn:uuid:{key}"
    assert Event.objects.filter(event_id=f"urn:uuid:{key}").count() == 1
    other = persona.client.post(url, {"quantity": "5"}, format="json")
    assert other.status_code == 201
    assert Event.objects.filter(biz_step__endswith="retail_selling").count() == 2


def test_a_hold_resent_is_not_refused_as_already_held(dairy):
    persona, batch = dairy
    key = str(uuid.uuid4())
    url = f"/api/v1/batches/{batch.pk}/hold/"
    for expected in (201, 200):
        answer = persona.client.post(
            url, {"reason": "冷链异常"}, format="json", HTTP_IDEMPOTENCY_KEY=key
        )
        assert answer.status_code == expected


def test_a_key_that_is_no_uuid_is_refused_naming_the_header(dairy):
    persona, batch = dairy
    answer = persona.client.post(
        f"/api/v1/batches/{batch.pk}/sell/",
        {"quantity": "5"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="my-key",
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "Idempotency-Key"
    assert answer.json()["errors"][0]["rule"] == "idempotency_key"


def test_another_organizations_key_is_a_conflict(dairy):
    persona, batch = dairy
    key = str(uuid.uuid4())
    persona.client.post(
        f"/api/v1/batches/{batch.pk}/sell/",
        {"quantity": "1"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    rival = Persona(UserFactory(organization=EnterpriseFactory(region_code="330106")))
    their = produce(rival.user, ProductFactory(owner=rival.org), lot="B1")
    answer = rival.client.post(
        f"/api/v1/batches/{their.pk}/sell/",
        {"quantity": "1"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert answer.status_code == 409
    assert answer.json()["errors"][0]["rule"] == "event_id_taken"
