"""The CBV 2.0 event hash follows the GS1 reference implementation exactly."""

import json
from pathlib import Path
from trace.gs1.eventhash import document_vocabulary, event_hash_id
from trace.models import Event

import pytest

from .conftest import document, example, object_event

# Computed by the GS1 reference implementation (epcis-event-hash-generator 1.9.3),
# one process per file (it keeps namespaces in module globals).
REFERENCE = json.loads((Path(__file__).with_name("reference_event_hashes.json")).read_text())


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_hash_matches_reference_implementation(name):
    doc = example(name)
    events = doc["epcisBody"]["eventList"]
    vocabulary = document_vocabulary(events)
    assert [event_hash_id(e, doc["@context"], vocabulary) for e in events] == REFERENCE[name]


def test_hash_ignores_order_and_spelling():
    a = object_event(
        epcList=["urn:epc:id:sgtin:6901234.012345.1", "urn:epc:id:sgtin:6901234.012345.2"]
    )
    b = object_event(
        epcList=["https://id.gs1.org/01/06901234123456/21/2", "urn:epc:id:sgtin:6901234.012345.1"],
        bizStep="https://ref.gs1.org/cbv/BizStep-inspecting",
        eventTime="2026-11-20T01:30:00Z",
    )
    assert event_hash_id(a) == event_hash_id(b)
    assert event_hash_id(a).startswith("ni:///sha-256;") and event_hash_id(a).endswith(
        "?ver=CBV2.0"
    )
    assert event_hash_id(a) != event_hash_id(object_event(bizStep="shipping"))


def test_event_without_id_gets_its_hash_and_is_stored_once(enterprise, job_of):
    event = object_event()
    first = job_of(enterprise, document(event))
    second = job_of(enterprise, document(event))
    assert first["success"] and second["success"], second["errors"]
    assert second["duplicateEventCount"] == 1
    stored = Event.objects.get()
    assert stored.event_id == event_hash_id(event, document(event)["@context"])
