"""The wrong persona is refused on every EPCIS endpoint."""

import pytest

from .conftest import document, object_event


@pytest.mark.parametrize(
    "method, url",
    [
        ("get", "/epcis/capture"),
        ("post", "/epcis/capture"),
        ("get", "/epcis/capture/7c9e6679-7425-40de-944b-e07fc1f90ae7"),
        ("get", "/epcis/events"),
        ("get", "/epcis/events/urn:uuid:7c9e6679-7425-40de-944b-e07fc1f90ae7"),
        ("get", "/epcis/queries"),
        ("post", "/epcis/queries"),
        ("get", "/epcis/queries/q/events"),
        ("post", "/epcis/queries/q/subscriptions"),
    ],
)
def test_anonymous_gets_401_security_exception(anonymous, method, url):
    response = getattr(anonymous.client, method)(url)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["type"] == "epcisException:SecurityException"


@pytest.mark.parametrize("persona", ["enterprise_viewer", "regulator", "regulator_elsewhere"])
def test_only_enterprise_operators_capture(request, capture, persona):
    response = capture(request.getfixturevalue(persona), document(object_event()))
    assert response.status_code == 403
    assert response.json()["type"] == "epcisException:SecurityException"


def test_capture_jobs_are_private_to_the_organization(enterprise, other_enterprise, capture):
    location = capture(enterprise, document(object_event()))["Location"]
    assert other_enterprise.client.get(location).status_code == 404
    assert other_enterprise.client.get("/epcis/capture").json() == []
    assert enterprise.client.get(location).status_code == 200
    assert enterprise.client.get("/epcis/capture/not-a-uuid").status_code == 404


def test_regulator_reads_events_in_its_jurisdiction(
    enterprise, regulator, regulator_elsewhere, job_of
):
    job_of(
        enterprise, document(object_event(eventID="urn:uuid:30000000-0000-4000-8000-000000000001"))
    )
    url = "/epcis/events/urn:uuid:30000000-0000-4000-8000-000000000001"
    assert regulator.client.get(url).status_code == 200
    assert regulator_elsewhere.client.get(url).status_code == 404
