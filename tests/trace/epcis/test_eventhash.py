"""The CBV 2.0 event hash (CBV 2.0 section 8.9) agrees with GS1's reference implementation:
on the published examples (hashes stored in reference_event_hashes.json) and, differentially,
on documents built to reach every rule (the reference package is a dev dependency)."""

import json
import subprocess
import sys
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


# Documents that reach each rule of the pre-hash string: every EPC scheme, numbers, CBV URNs
# and bare values, extensions inside standard fields and at the top, entry lists with their
# keys in either order, sensor reports, child EPCs, and the fields left out.
VARIANT_CONTEXT = [
    {"example": "http://ns.example.com/epcis/"},
    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
]
BASE = {
    "type": "ObjectEvent",
    "action": "OBSERVE",
    "eventTime": "2026-11-20T09:30:00.123456+08:00",
    "eventTimeZoneOffset": "+08:00",
}
VARIANTS = {
    "every EPC scheme": {
        **BASE,
        "epcList": [
            "urn:epc:id:sgtin:0614141.112345.400",
            "urn:epc:id:sscc:0614141.1234567890",
            "urn:epc:id:grai:0614141.12345.400",
            "urn:epc:id:giai:0614141.12345400",
            "urn:epc:id:gdti:0614141.12345.400",
            "urn:epc:id:sgtin:6901234.000001.A%2FB",
            "https://example.com/01/06901234000016/10/L1/21/S1",
            "urn:epc:id:itip:4012345.012345.01.02.987",
        ],
        "readPoint": {"id": "urn:epc:id:sgln:0614141.12345.400"},
        "bizLocation": {"id": "urn:epc:id:sgln:0614141.12345.0"},
    },
    "quantities and classes": {
        **BASE,
        "action": "ADD",
        "epcList": [],
        "quantityList": [
            {
                "epcClass": "urn:epc:class:lgtin:4012345.012345.998877",
                "quantity": 200.0,
                "uom": "KGM",
            },
            {"epcClass": "urn:epc:idpat:sgtin:4012345.098765.*", "quantity": 5},
        ],
        "bizStep": "urn:epcglobal:cbv:bizstep:commissioning",
        "disposition": "active",
    },
    "extensions everywhere": {
        **BASE,
        "epcList": ["urn:epc:id:sgtin:0614141.112345.401"],
        "readPoint": {"id": "urn:epc:id:sgln:0614141.12345.400", "example:room": "B2"},
        "example:myField": {"example:b": "2", "example:a": 1.50},
        "example:list": ["z", "a"],
        "ilmd": {"example:bestBefore": "2027-01-01", "example:grade": "A"},
    },
    "transactions, sources, destinations": {
        **BASE,
        "epcList": ["urn:epc:id:sscc:0614141.1234567890"],
        "bizStep": "shipping",
        "disposition": "in_transit",
        "bizTransactionList": [
            {"bizTransaction": "urn:epcglobal:cbv:bt:0614141000005:PO-9", "type": "po"},
            {"type": "desadv", "bizTransaction": "urn:epcglobal:cbv:bt:0614141000005:D-1"},
        ],
        "sourceList": [{"type": "owning_party", "source": "urn:epc:id:pgln:0614141.00000"}],
        "destinationList": [{"type": "location", "destination": "urn:epc:id:sgln:0614141.00001.0"}],
        "persistentDisposition": {"set": ["completeness_verified"], "unset": ["needs_replacement"]},
    },
    "sensor data": {
        **BASE,
        "epcList": ["urn:epc:id:sgtin:0614141.112345.402"],
        "sensorElementList": [
            {
                "sensorMetadata": {
                    "time": "2026-11-20T01:00:00Z",
                    "deviceID": "urn:epc:id:giai:4000001.111",
                },
                "sensorReport": [
                    {"type": "Temperature", "value": 26.0, "uom": "CEL"},
                    {
                        "type": "gs1:RelativeHumidity",
                        "value": 12.1,
                        "uom": "A93",
                        "example:cv": "123",
                    },
                ],
            }
        ],
    },
    "aggregation with children": {
        "type": "AggregationEvent",
        "action": "ADD",
        "eventTime": "2026-11-20T09:30:00Z",
        "eventTimeZoneOffset": "+00:00",
        "parentID": "urn:epc:id:sscc:0614141.1234567890",
        "childEPCs": ["urn:epc:id:sgtin:0614141.112345.2", "urn:epc:id:sgtin:0614141.112345.1"],
        "childQuantityList": [
            {"epcClass": "urn:epc:class:lgtin:4012345.012345.998877", "quantity": 10}
        ],
    },
    "error declaration": {
        **BASE,
        "epcList": ["urn:epc:id:sgtin:0614141.112345.403"],
        "errorDeclaration": {"declarationTime": "2026-11-21T00:00:00Z", "reason": "incorrect_data"},
        "eventID": "urn:uuid:7a5c3f4e-0000-4000-8000-000000000000",
        "recordTime": "2026-11-21T00:00:01Z",
    },
}


# The reference keeps a document's namespaces in module globals: one process per document.
_REFERENCE = """
import json, sys
from epcis_event_hash_generator import hash_generator, json_to_py
events = json_to_py.event_list_from_epcis_document_str(sys.stdin.read())
print(json.dumps(hash_generator.epcis_hashes_from_events(events)))
"""


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_hash_agrees_with_reference_package(name):
    doc = document(VARIANTS[name], context=VARIANT_CONTEXT)
    reference = subprocess.run(
        [sys.executable, "-c", _REFERENCE],
        input=json.dumps(doc),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    event = doc["epcisBody"]["eventList"][0]
    assert [event_hash_id(event, VARIANT_CONTEXT, document_vocabulary([event]))] == json.loads(
        reference.stdout
    )


def test_error_declaration_and_record_time_do_not_change_the_hash():
    """CBV 2.0 8.9.2: recordTime, eventID and errorDeclaration are not part of the hash, so
    a declaration names the event it corrects by the same ID."""
    declared = VARIANTS["error declaration"]
    plain = {
        k: v for k, v in declared.items() if k not in ("errorDeclaration", "eventID", "recordTime")
    }
    assert event_hash_id(declared) == event_hash_id(plain)
