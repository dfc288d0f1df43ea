"""Bad documents are refused up front: 4xx problem+json naming the field and rule, nothing stored."""

import json
from trace.epcis.models import CaptureJob
from trace.models import Event

import pytest

from .conftest import document, object_event


@pytest.fixture(autouse=True)
def _nothing_written(db):
    yield
    assert Event.objects.count() == 0
    assert CaptureJob.objects.count() == 0


def _problem(response, status, exception="ValidationException"):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == f"epcisException:{exception}"
    assert body["status"] == status
    return body


def _rules(body):
    return {(e["field"], e["rule"]) for e in body.get("errors", [])}


def test_malformed_json(enterprise, capture):
    body = _problem(capture(enterprise, None, raw='{"type": "EPCISDocument",'), 400)
    assert _rules(body) == {(None, "json")}


def test_wrong_content_type(enterprise, capture):
    _problem(
        capture(enterprise, document(object_event()), content_type="text/plain"),
        415,
        "UnsupportedMediaTypeException",
    )


def test_missing_context(enterprise, capture):
    doc = document(object_event())
    del doc["@context"]
    assert _rules(_problem(capture(enterprise, doc), 400)) == {("@context", "required")}


def test_context_without_epcis(enterprise, capture):
    doc = document(object_event(), context=[{"ex": "https://example.com/"}])
    assert ("@context", "context_epcis") in _rules(_problem(capture(enterprise, doc), 400))


def test_not_an_epcis_document(enterprise, capture):
    assert ("type", "document_type") in _rules(_problem(capture(enterprise, object_event()), 400))


def test_unknown_event_type(enterprise, capture):
    doc = document(object_event(type="https://example.com/FancyEvent"))
    assert ("epcisBody.eventList[0].type", "event_type") in _rules(
        _problem(capture(enterprise, doc), 400)
    )


def test_event_time_without_offset(enterprise, capture):
    doc = document(object_event(), object_event(eventTime="2026-11-20T09:30:00"))
    assert ("epcisBody.eventList[1].eventTime", "format") in _rules(
        _problem(capture(enterprise, doc), 400)
    )


def test_quantity_must_be_numeric(enterprise, capture):
    event = object_event(
        quantityList=[{"epcClass": "urn:epc:class:lgtin:6901234.012345.L1", "quantity": "12"}]
    )
    body = _problem(capture(enterprise, document(event)), 400)
    assert ("epcisBody.eventList[0].quantityList[0].quantity", "type") in _rules(body)


@pytest.mark.parametrize(
    "value, rule",
    [
        ("shippingg", "any_of"),  # not CBV and not a URI
        ("https://ref.gs1.org/cbv/BizStep-shippingg", "cbv_vocabulary"),  # a CBV URI naming nothing
    ],
)
def test_cbv_vocabulary(enterprise, capture, value, rule):
    body = _problem(capture(enterprise, document(object_event(bizStep=value))), 400)
    assert ("epcisBody.eventList[0].bizStep", rule) in _rules(body)


def test_deep_nesting(enterprise, capture):
    nested = "x"
    for _ in range(60):
        nested = {"ex:a": nested}
    body = _problem(capture(enterprise, document(object_event(**{"ex:deep": nested}))), 400)
    assert (None, "max_depth") in _rules(body)


def test_absurd_nesting_does_not_crash(enterprise, capture):
    raw = '{"a":' * 200_000 + "1" + "}" * 200_000
    assert _rules(_problem(capture(enterprise, None, raw=raw), 400)) & {
        (None, "max_depth"),
        (None, "json"),
    }


def test_50_mb_body_is_refused(enterprise, capture):
    raw = json.dumps(document(object_event())) + " " * (50 * 1024 * 1024)
    body = _problem(capture(enterprise, None, raw=raw), 413, "CaptureLimitExceededException")
    assert _rules(body) == {(None, "file_size_limit")}


def test_event_count_limit(enterprise, capture, settings):
    settings.EPCIS_CAPTURE_LIMIT = 2
    response = capture(enterprise, document(object_event(), object_event(), object_event()))
    _problem(response, 413, "CaptureLimitExceededException")
    assert response["GS1-EPCIS-Capture-Limit"] == "2"


def test_file_size_limit_without_content_length_trust(enterprise, capture, settings):
    settings.EPCIS_CAPTURE_FILE_SIZE_LIMIT = 200
    _problem(
        capture(enterprise, document(object_event(), object_event())),
        413,
        "CaptureLimitExceededException",
    )


def test_unknown_error_behaviour(enterprise, capture):
    body = _problem(capture(enterprise, document(object_event()), behaviour="sometimes"), 400)
    assert ("GS1-Capture-Error-Behaviour", "capture_error_behaviour") in _rules(body)


def test_unsupported_epcis_version(enterprise, capture):
    response = capture(enterprise, document(object_event()), headers={"GS1-EPCIS-Version": "1.2"})
    _problem(response, 406, "NotAcceptableException")


def test_options_advertises_limits(enterprise, settings):
    response = enterprise.client.options("/epcis/capture")
    assert response.status_code == 204
    assert response["GS1-EPCIS-Capture-Limit"] == str(settings.EPCIS_CAPTURE_LIMIT)
    assert response["GS1-EPCIS-Capture-File-Size-Limit"] == str(
        settings.EPCIS_CAPTURE_FILE_SIZE_LIMIT
    )
    assert "POST" in response["Allow"]
    assert response["GS1-EPCIS-Version"] == "2.0.0"
