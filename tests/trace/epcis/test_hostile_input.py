"""Hostile values on the EPCIS binding end in a
clear 4xx (problem+json) or a capture job that names the field and rule — never a 500,
never an ``ImplementationException``, never a stored event REST would refuse."""

from decimal import Decimal
from trace.core.identifiers import canonical_lot_uri
from trace.models import Batch, Event

import pytest

from tests.factories import produce

from .conftest import document, object_event


def _problem(response, status):
    assert response.status_code == status, (response.status_code, response.content[:400])
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["type"].startswith("epcisException:")
    return body


@pytest.mark.parametrize(
    "url",
    [
        "/epcis/events?EQ_bizStep=ship%00ping",
        "/epcis/events?MATCH_epc=urn:epc:id:sgtin:6901234.012345.1%00",
        "/epcis/events?EQ_eventID=%00",
        "/epcis/events?GE_eventTime=2026-01-01T00:00:00%00Z",
        "/epcis/events?perPage=1%00",
        "/epcis/events?%00=x",
        "/epcis/events/urn:uuid:%00",
        "/epcis/queries/a%00b",
        "/epcis/queries/a%00b/events",
        "/epcis/queries/a%00b/subscriptions",
        "/epcis/capture/%00",
    ],
)
def test_nul_in_parameters_event_ids_and_query_names_is_refused(enterprise, url):
    """PostgreSQL cannot hold NUL in text: refused as input, never sent to the database."""
    body = _problem(enterprise.client.get(url), 400)
    assert body["type"] == "epcisException:QueryParameterException"
    assert body["errors"][0]["rule"] == "nul_character"


def test_nul_in_a_named_query_body_is_refused(enterprise):
    response = enterprise.client.post(
        "/epcis/queries", {"name": "a\u0000b", "query": {}}, format="json"
    )
    _problem(response, 400)
    response = enterprise.client.post(
        "/epcis/queries", {"name": "ok", "query": {"EQ_bizStep": "x\u0000"}}, format="json"
    )
    _problem(response, 400)


def _only_validation_errors(job):
    assert job["success"] is False
    types = {e["type"] for e in job["errors"]}
    assert types == {"epcisException:ValidationException"}, job["errors"]
    return [item for e in job["errors"] for item in e["errors"]]


def test_nul_in_an_extension_is_a_validation_error(enterprise, job_of):
    doc = document(
        object_event(**{"example:note": "bad\u0000value"}),
        context=[
            "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
            {"example": "https://example.com/ns/"},
        ],
    )
    before = Event.objects.count()
    response = enterprise.client.generic(
        "POST", "/epcis/capture", _dumps(doc), content_type="application/ld+json"
    )
    if response.status_code == 202:  # refused when the job runs: the job names the rule
        errors = _only_validation_errors(enterprise.client.get(response["Location"]).json())
        assert any(item["rule"] == "nul_character" for item in errors)
    else:
        assert _problem(response, 400)["errors"][0]["rule"] == "nul_character"
    assert Event.objects.count() == before


@pytest.mark.parametrize(
    "moment",
    [
        "0001-01-01T00:00:00+08:00",
        "9999-12-31T23:59:59-08:00",
        "9999-12-31T20:00:00Z",
        "0001-01-01T00:00:00Z",
    ],
)
def test_event_times_at_the_ends_of_the_calendar_are_validation_errors(enterprise, capture, moment):
    """Year 1 east of UTC, or 9999 west of it, overflows when converted: a validation error."""
    before = Event.objects.count()
    response = capture(enterprise, document(object_event(eventTime=moment)))
    if response.status_code == 202:
        job = enterprise.client.get(response["Location"]).json()
        errors = _only_validation_errors(job)
        assert any(item["field"].endswith("eventTime") for item in errors), errors
    else:
        _problem(response, 400)
    assert Event.objects.count() == before


def test_a_lot_with_a_bad_gtin_check_digit_is_refused_as_in_rest(enterprise, product, capture):
    """GS1 General Specifications §7.9: the GTIN check digit. REST refuses such a GTIN; so does EPCIS."""
    good = product.gtin
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    event = object_event(
        action="ADD",
        bizStep="commissioning",
        disposition="active",
        quantityList=[{"epcClass": canonical_lot_uri(bad, "BAD1"), "quantity": 5, "uom": "EA"}],
    )
    del event["epcList"]
    response = capture(enterprise, document(event))
    if response.status_code == 202:
        job = enterprise.client.get(response["Location"]).json()
        errors = _only_validation_errors(job)
        assert any(item["rule"] == "gtin_check_digit" for item in errors), errors
    else:
        _problem(response, 400)
    assert not Batch.objects.filter(lot="BAD1").exists()
    # The same GTIN through REST: refused with the same rule.
    rest = enterprise.client.post(
        "/api/v1/products/", {"gtin": bad, "name": "x", "category": "food"}
    )
    assert rest.status_code == 400
    assert "gtin_check_digit" in {e["rule"] for e in rest.json()["errors"]}


def test_the_good_check_digit_still_captures(enterprise, product, job_of):
    produce(enterprise.user, product, lot="G1", quantity=Decimal(10))
    event = object_event(
        quantityList=[
            {"epcClass": canonical_lot_uri(product.gtin, "G1"), "quantity": 1, "uom": "EA"}
        ]
    )
    del event["epcList"]
    assert job_of(enterprise, document(event))["success"] is True


def _dumps(doc):
    import json

    return json.dumps(doc)
