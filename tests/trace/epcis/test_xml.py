"""EPCIS XML: capture of EPCIS 1.2 and 2.0 XML documents (GS1's schema, hardened parsing),
stored exactly as JSON-LD captures are, and query results answered as XML."""

import json
from trace.epcis.xml import (
    NS_20,
    NS_QUERY_20,
    epcis_document_xml,
    read_capture_xml,
    schema,
)
from trace.models import Event
from urllib.parse import quote

import pytest
from lxml import etree

from .conftest import CONFORMANCE, EXAMPLES, document, example, object_event

XML_DIR = CONFORMANCE / "XML"


def _xml(name: str) -> bytes:
    return (XML_DIR / name).read_bytes()


def _post_xml(capture, persona, body: bytes, content_type="application/xml"):
    return capture(persona, None, raw=body, content_type=content_type)


def _job(persona, response):
    assert response.status_code == 202, response.content
    return persona.client.get(response["Location"]).json()


@pytest.mark.parametrize("name", ["Example_9.6.1-ObjectEvent.xml", "ObjectEvent-1.2.xml"])
def test_gs1_xml_example_is_captured(enterprise, capture, name):
    job = _job(enterprise, _post_xml(capture, enterprise, _xml(name)))
    assert job["success"] is True, job["errors"]
    assert job["capturedEventCount"] == 2
    response = enterprise.client.get("/epcis/events", {"EQ_bizStep": "receiving"})
    (event,) = response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert event["bizLocation"] == {"id": "urn:epc:id:sgln:0012345.11111.0"}
    assert event["bizTransactionList"][1] == {
        "type": "desadv",
        "bizTransaction": "urn:epcglobal:cbv:bt:0614141073467:1152",
    }
    assert event["example:myField"] == "Example of a vendor/user extension"


def test_xml_and_json_ld_of_the_same_events_store_once(enterprise, capture):
    """GS1's example 9.6.1 in XML and in JSON-LD (neither carrying an event ID: GS1's JSON
    gives IDs from an older draft of the hash) is one event: one event hash, stored once."""
    job = _job(enterprise, _post_xml(capture, enterprise, _xml("Example_9.6.1-ObjectEvent.xml")))
    assert job["capturedEventCount"] == 2
    doc = example("Example_9.6.1-ObjectEvent.jsonld")
    first = doc["epcisBody"]["eventList"][0]
    del first["eventID"]
    doc["epcisBody"]["eventList"] = [first]
    job = _job(enterprise, capture(enterprise, doc))
    assert job["success"] is True, job["errors"]
    assert (job["capturedEventCount"], job["duplicateEventCount"]) == (0, 1)
    assert Event.objects.count() == 2


def test_json_ld_capture_sent_again_as_xml_stores_nothing_new(enterprise, capture):
    doc = document(
        object_event(
            bizStep="receiving",
            readPoint={"id": "urn:epc:id:sgln:6901234.00001.0"},
            quantityList=[
                {"epcClass": "urn:epc:class:lgtin:6901234.012345.LOT1", "quantity": 5, "uom": "KGM"}
            ],
        )
    )
    job = _job(enterprise, capture(enterprise, doc))
    assert job["capturedEventCount"] == 1
    job = _job(enterprise, _post_xml(capture, enterprise, epcis_document_xml(doc)))
    assert job["success"] is True, job["errors"]
    assert (job["capturedEventCount"], job["duplicateEventCount"]) == (0, 1)
    assert Event.objects.count() == 1


def _gs1_documents():
    return [p for p in EXAMPLES if json.loads(p.read_text())["type"] == "EPCISDocument"]


@pytest.mark.parametrize("path", _gs1_documents(), ids=lambda p: p.name)
def test_every_gs1_example_written_as_xml_passes_gs1_schema_and_reads_back(path):
    doc = json.loads(path.read_text(encoding="utf-8"))
    body = epcis_document_xml(doc)
    root = etree.fromstring(body)
    assert schema(NS_20).validate(root), schema(NS_20).error_log
    back = read_capture_xml(body)["epcisBody"]["eventList"]
    for original, read in zip(doc["epcisBody"]["eventList"], back, strict=True):
        for key in ("type", "eventTime", "action", "bizStep", "epcList", "readPoint"):
            assert read.get(key) == original.get(key), (path.name, key)


def test_invalid_xml_is_refused_naming_gs1_schema(enterprise, capture):
    body = _xml("Example_9.6.1-ObjectEvent.xml").replace(
        b"<action>OBSERVE</action>", b"<action>LOOK</action>", 1
    )
    response = _post_xml(capture, enterprise, body)
    assert response.status_code == 400
    problem = response.json()
    assert problem["type"] == "epcisException:ValidationException"
    assert problem["errors"][0]["rule"] == "xml_schema"
    assert Event.objects.count() == 0


def test_missing_required_element_refused(enterprise, capture):
    body = _xml("Example_9.6.1-ObjectEvent.xml").replace(
        b"<eventTimeZoneOffset>-06:00</eventTimeZoneOffset>", b"", 1
    )
    response = _post_xml(capture, enterprise, body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["rule"] == "xml_schema"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0"
  creationDate="2005-07-11T11:30:47.0Z"><EPCISBody><EventList><ObjectEvent>
  <eventTime>2005-04-03T20:33:31.116-06:00</eventTime>
  <eventTimeZoneOffset>-06:00</eventTimeZoneOffset><epcList/><action>OBSERVE</action>
  <bizStep>&lol4;</bizStep></ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0"
  creationDate="2005-07-11T11:30:47.0Z"><EPCISBody><EventList><ObjectEvent>
  <eventTime>2005-04-03T20:33:31.116-06:00</eventTime>
  <eventTimeZoneOffset>-06:00</eventTimeZoneOffset><epcList/><action>OBSERVE</action>
  <bizStep>&xxe;</bizStep></ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>"""


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["laughs", "xxe"])
def test_entity_documents_refused_nothing_stored(enterprise, capture, body):
    response = _post_xml(capture, enterprise, body)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["rule"] == "xml_doctype"
    assert Event.objects.count() == 0
    assert enterprise.client.get("/epcis/capture").json() == []


def test_malformed_and_foreign_xml_refused(enterprise, capture):
    response = _post_xml(capture, enterprise, b"<epcis:EPCISDocument")
    assert response.status_code == 400
    assert response.json()["errors"][0]["rule"] == "xml_syntax"
    response = _post_xml(capture, enterprise, b"<html xmlns='http://www.w3.org/1999/xhtml'/>")
    assert response.status_code == 400
    assert response.json()["errors"][0]["rule"] == "document_type"


def test_text_xml_is_accepted(enterprise, capture):
    response = _post_xml(
        capture, enterprise, _xml("Example_9.6.1-ObjectEvent.xml"), content_type="text/xml"
    )
    assert _job(enterprise, response)["success"] is True


def test_events_answer_xml_on_accept(enterprise, capture):
    _job(enterprise, _post_xml(capture, enterprise, _xml("Example_9.6.1-ObjectEvent.xml")))
    response = enterprise.client.get("/epcis/events", HTTP_ACCEPT="application/xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = etree.fromstring(response.content)
    assert etree.QName(root).text == f"{{{NS_QUERY_20}}}EPCISQueryDocument"
    events = root.findall(".//resultsBody/EventList/ObjectEvent")
    assert len(events) == 2
    assert events[1].findtext("bizLocation/id") == "urn:epc:id:sgln:0012345.11111.0"
    assert events[1].findtext("{http://ns.example.com/epcis}myField") == (
        "Example of a vendor/user extension"
    )
    # The events answered are valid EPCIS 2.0 XML (GS1's schema) and read back as captured.
    wrapper = etree.Element(f"{{{NS_20}}}EPCISDocument", schemaVersion="2.0")
    wrapper.set("creationDate", "2026-01-01T00:00:00Z")
    etree.SubElement(wrapper, "EPCISBody").append(root.find(".//resultsBody/EventList"))
    assert schema(NS_20).validate(wrapper), schema(NS_20).error_log
    assert all(e.findtext("eventID").startswith("ni:///sha-256;") for e in events)


def test_named_query_and_event_detail_answer_xml(enterprise, capture):
    _job(enterprise, _post_xml(capture, enterprise, _xml("Example_9.6.1-ObjectEvent.xml")))
    enterprise.client.post(
        "/epcis/queries",
        {"name": "shipped", "query": {"EQ_bizStep": ["shipping"]}},
        content_type="application/json",
    )
    response = enterprise.client.get("/epcis/queries/shipped/events", HTTP_ACCEPT="application/xml")
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    assert root.findtext(f".//{{{NS_QUERY_20}}}QueryResults/queryName") == "shipped"
    (event,) = root.findall(".//ObjectEvent")
    event_id = event.findtext("eventID")
    detail = enterprise.client.get(
        f"/epcis/events/{quote(event_id, safe='')}", HTTP_ACCEPT="application/xml"
    )
    assert detail.status_code == 200
    assert etree.fromstring(detail.content).findtext(".//ObjectEvent/eventID") == event_id


def test_xml_problem_stays_json(enterprise):
    response = enterprise.client.get(
        "/epcis/events", {"EQ_action": "LOOK"}, HTTP_ACCEPT="application/xml"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "EQ_action"


def test_gs1_all_fields_example_passes_gs1_schema_and_is_captured_as_add(enterprise, capture):
    """GS1's ``object_event_all_possible_fields.xml`` (a bare ``<!DOCTYPE project>``, every
    field, typed extensions): GS1's XSD accepts it; its ``ilmd`` on an OBSERVE event breaks
    EPCIS 2.0's rule (instance/lot master data only where objects are created, ADD), which
    capture names; written as ADD it is captured with every field."""
    body = _xml("object_event_all_possible_fields.xml")
    response = _post_xml(capture, enterprise, body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "epcisBody.eventList[0]"
    assert Event.objects.count() == 0

    body = body.replace(b"<action>OBSERVE</action>", b"<action>ADD</action>", 1)
    job = _job(enterprise, _post_xml(capture, enterprise, body))
    assert job["success"] is True, job["errors"]
    (event,) = enterprise.client.get("/epcis/events").json()["epcisBody"]["queryResults"][
        "resultsBody"
    ]["eventList"]
    assert event["ilmd"]["cbvmda:lotNumber"] == "ABC123"
    assert event["ext1:int"] == 10 and event["ext1:boolean"] is True
    assert event["ext1:array"][:2] == [12, 22]
    report = event["sensorElementList"][0]["sensorReport"][0]
    assert report["type"] == "Temperature" and report["value"] == 26
    assert event["persistentDisposition"] == {
        "set": ["completeness_verified"],
        "unset": ["completeness_inferred"],
    }
    assert {s["type"] for s in event["sourceList"]} == {
        "location",
        "possessing_party",
        "owning_party",
    }
    # Asked for by its sensor data and its extension fields.
    assert enterprise.client.get("/epcis/events", {"GE_value_CEL": "25"}).json()["epcisBody"][
        "queryResults"
    ]["resultsBody"]["eventList"]
    found = enterprise.client.get(
        "/epcis/events", {"EQ_INNER_ILMD_ext3:string": "stringInObjectInObject"}
    )
    assert len(found.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == 1


def test_external_doctype_refused(enterprise, capture):
    body = _xml("Example_9.6.1-ObjectEvent.xml").replace(
        b"<epcis:EPCISDocument",
        b'<!DOCTYPE epcis:EPCISDocument SYSTEM "http://127.0.0.1:9/x.dtd">\n<epcis:EPCISDocument',
        1,
    )
    response = _post_xml(capture, enterprise, body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["rule"] == "xml_doctype"


OPENEPCIS = CONFORMANCE.parent / "openepcis" / "XML"


def test_openepcis_document_of_every_event_type_is_accepted(enterprise, capture):
    """OpenEPCIS's mixed document (five event types, sensor data, an error declaration)
    passes GS1's XSD and the JSON-LD checks; each event then meets this repository's rules."""
    body = (OPENEPCIS / "Combination_of_different_event.xml").read_bytes()
    response = _post_xml(capture, enterprise, body, content_type="application/xml")
    job = _job(enterprise, response)
    assert job["eventCount"] == 6
    doc = read_capture_xml(body)
    assert [e["type"] for e in doc["epcisBody"]["eventList"]] == [
        "ObjectEvent",
        "AggregationEvent",
        "TransactionEvent",
        "TransformationEvent",
        "AssociationEvent",
        "AssociationEvent",
    ]
    transformation = doc["epcisBody"]["eventList"][3]
    assert transformation["persistentDisposition"]["set"] == ["completeness_verified"]
    assert transformation["ext1:string"] == "string"
    assert doc["@context"][1]["ext1"] == "http://example.com/ext1/"


def test_openepcis_invalid_document_is_refused(enterprise, capture):
    body = (OPENEPCIS / "ObjectEvent_with_wrong_element_order.xml").read_bytes()
    response = _post_xml(capture, enterprise, body)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["rule"] == "xml_schema"
    assert "action" in error["field"]
    assert Event.objects.count() == 0
