"""GET /epcis/events: the standard parameters, paging, visibility."""

import re
from trace.epcis.validation import validate_query_document
from urllib.parse import urlsplit

import pytest

from .conftest import document, object_event

SGLN_URN = "urn:epc:id:sgln:6901234.00001.0"
SGLN_DL = "https://id.gs1.org/414/6901234000016"


def _ids(response):
    assert response.status_code == 200, response.content
    body = response.json()
    assert validate_query_document(body) == []
    return [e["eventID"] for e in body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]


@pytest.fixture
def events(enterprise, job_of):
    evs = {
        "ship": object_event(
            eventID="urn:uuid:10000000-0000-4000-8000-000000000001",
            action="OBSERVE",
            bizStep="shipping",
            disposition="in_transit",
            eventTime="2026-11-01T08:00:00.000+08:00",
            epcList=["urn:epc:id:sgtin:6901234.012345.1001"],
            readPoint={"id": SGLN_URN},
            bizLocation={"id": SGLN_URN},
            bizTransactionList=[
                {"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:6901234000012:PO-1"}
            ],
            sourceList=[{"type": "owning_party", "source": "urn:epc:id:pgln:6901234.00001"}],
            destinationList=[
                {"type": "owning_party", "destination": "https://id.gs1.org/417/6901234000023"}
            ],
        ),
        "receive": object_event(
            eventID="urn:uuid:10000000-0000-4000-8000-000000000002",
            bizStep="receiving",
            disposition="in_progress",
            eventTime="2026-11-02T08:00:00.000+08:00",
            epcList=["https://id.gs1.org/01/06901234123456/21/1001"],
        ),
        "add": object_event(
            eventID="urn:uuid:10000000-0000-4000-8000-000000000003",
            action="ADD",
            bizStep="commissioning",
            eventTime="2026-11-03T08:00:00.000+08:00",
            epcList=[],
            quantityList=[{"epcClass": "urn:epc:class:lgtin:6901234.012345.LOT9", "quantity": 10}],
        ),
        "pack": {
            "type": "AggregationEvent",
            "eventID": "urn:uuid:10000000-0000-4000-8000-000000000004",
            "action": "ADD",
            "bizStep": "packing",
            "eventTime": "2026-11-04T08:00:00.000+08:00",
            "eventTimeZoneOffset": "+08:00",
            "parentID": "urn:epc:id:sscc:6901234.0000000001",
            "childEPCs": ["urn:epc:id:sgtin:6901234.012345.1002"],
        },
        "make": {
            "type": "TransformationEvent",
            "eventID": "urn:uuid:10000000-0000-4000-8000-000000000005",
            "eventTime": "2026-11-05T08:00:00.000+08:00",
            "eventTimeZoneOffset": "+08:00",
            "inputEPCList": ["urn:epc:id:sgtin:6901234.012345.1003"],
            "outputQuantityList": [
                {"epcClass": "urn:epc:class:lgtin:6901234.054321.OUT1", "quantity": 3}
            ],
        },
    }
    job = job_of(enterprise, document(*evs.values()))
    assert job["success"], job["errors"]
    return {k: v["eventID"] for k, v in evs.items()}


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"eventType": "AggregationEvent|TransformationEvent"}, ["pack", "make"]),
        (
            {
                "GE_eventTime": "2026-11-02T00:00:00Z",
                "LT_eventTime": "2026-11-04T00:00:00.000+00:00",
            },
            ["receive", "add"],
        ),
        (
            {"GE_recordTime": "2000-01-01T00:00:00Z", "eventType": "ObjectEvent"},
            ["ship", "receive", "add"],
        ),
        ({"LT_recordTime": "2000-01-01T00:00:00Z"}, []),
        ({"EQ_action": "ADD"}, ["add", "pack"]),
        ({"EQ_bizStep": "shipping|https://ref.gs1.org/cbv/BizStep-receiving"}, ["ship", "receive"]),
        ({"EQ_disposition": "in_transit"}, ["ship"]),
        ({"EQ_readPoint": SGLN_DL}, ["ship"]),
        ({"EQ_bizLocation": SGLN_URN}, ["ship"]),
        ({"MATCH_epc": "https://id.gs1.org/01/06901234123456/21/1001"}, ["ship", "receive"]),
        ({"MATCH_epc": "urn:epc:id:sgtin:6901234.012345.1002"}, ["pack"]),
        ({"MATCH_parentID": "https://id.gs1.org/00/069012340000000016"}, ["pack"]),
        ({"MATCH_inputEPC": "urn:epc:id:sgtin:6901234.012345.1003"}, ["make"]),
        ({"MATCH_outputEPC": "urn:epc:id:sgtin:6901234.012345.1003"}, []),
        (
            {
                "MATCH_anyEPC": "urn:epc:id:sgtin:6901234.012345.1003|urn:epc:id:sscc:6901234.0000000001"
            },
            ["pack", "make"],
        ),
        (
            {"MATCH_anyEPC": "urn:epc:idpat:sgtin:6901234.012345.*"},
            ["ship", "receive", "pack", "make"],
        ),
        ({"MATCH_epcClass": "https://id.gs1.org/01/06901234123456/10/LOT9"}, ["add"]),
        ({"MATCH_epcClass": "urn:epc:idpat:sgtin:6901234.012345.*"}, ["add"]),
        ({"MATCH_outputEPCClass": "urn:epc:class:lgtin:6901234.054321.OUT1"}, ["make"]),
        ({"MATCH_inputEPCClass": "urn:epc:class:lgtin:6901234.054321.OUT1"}, []),
        (
            {
                "MATCH_anyEPCClass": "urn:epc:class:lgtin:6901234.054321.OUT1|urn:epc:class:lgtin:6901234.012345.LOT9"
            },
            ["add", "make"],
        ),
        ({"EQ_eventID": "urn:uuid:10000000-0000-4000-8000-000000000002"}, ["receive"]),
        ({"EQ_bizTransaction_po": "urn:epcglobal:cbv:bt:6901234000012:PO-1"}, ["ship"]),
        ({"EQ_bizTransaction_inv": "urn:epcglobal:cbv:bt:6901234000012:PO-1"}, []),
        ({"EQ_source_owning_party": "https://id.gs1.org/417/6901234000016"}, ["ship"]),
        (
            {
                "EQ_destination_https://ref.gs1.org/cbv/SDT-owning_party": "urn:epc:id:pgln:6901234.00002"
            },
            ["ship"],
        ),
        ({"EXISTS_errorDeclaration": "true"}, []),
        ({"orderBy": "eventTime"}, ["make", "pack", "add", "receive", "ship"]),
        (
            {"orderBy": "eventTime", "orderDirection": "ASC", "eventCountLimit": "2"},
            ["ship", "receive"],
        ),
    ],
)
def test_query_parameters(enterprise, events, params, expected):
    assert _ids(enterprise.client.get("/epcis/events", params)) == [events[k] for k in expected]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"EQ_action": "SHOUT"}, "EQ_action"),
        ({"eventCountLimit": "2"}, "eventCountLimit"),
        ({"orderBy": "bizStep"}, "orderBy"),
        ({"GE_eventTime": "2026-11-01T00:00:00"}, "GE_eventTime"),
        ({"EQ_quantity": "three"}, "EQ_quantity"),
        ({"EQ_shoeSize": "3"}, "EQ_shoeSize"),
        ({"perPage": "0"}, "perPage"),
        ({"nextPageToken": "forged"}, "nextPageToken"),
    ],
)
def test_bad_query_parameters(enterprise, events, params, field):
    response = enterprise.client.get("/epcis/events", params)
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "epcisException:QueryParameterException"
    assert body["errors"][0]["field"] == field


def test_max_event_count(enterprise, events):
    response = enterprise.client.get("/epcis/events", {"maxEventCount": "2"})
    assert response.status_code == 413
    assert response.json()["type"] == "epcisException:QueryTooLargeException"


def test_paging_with_link_header(enterprise, events):
    seen, url, params, pages = [], "/epcis/events", {"perPage": "2", "orderBy": "eventTime"}, 0
    while url:
        response = enterprise.client.get(url, params)
        seen += _ids(response)
        pages += 1
        link = response.get("Link")
        if link:
            assert link.endswith('rel="next"')
            target = urlsplit(re.match(r"<([^>]+)>", link).group(1))
            url, params = target.path, dict(pair.split("=", 1) for pair in target.query.split("&"))
            from urllib.parse import unquote

            params = {k: unquote(v) for k, v in params.items()}
        else:
            url = None
    assert pages == 3
    assert seen == [events[k] for k in ("make", "pack", "add", "receive", "ship")]


def test_single_event(enterprise, events):
    from urllib.parse import quote

    assert _ids(enterprise.client.get("/epcis/events/" + quote(events["ship"], safe=""))) == [
        events["ship"]
    ]
    missing = enterprise.client.get("/epcis/events/urn:uuid:99999999-0000-4000-8000-000000000000")
    assert missing.status_code == 404
    assert missing.json()["type"] == "epcisException:NoSuchNameException"


def test_visibility(events, other_enterprise, regulator, regulator_elsewhere, anonymous):
    assert _ids(other_enterprise.client.get("/epcis/events")) == []
    assert other_enterprise.client.get(f"/epcis/events/{events['ship']}").status_code == 404
    assert len(_ids(regulator.client.get("/epcis/events"))) == 5
    assert _ids(regulator_elsewhere.client.get("/epcis/events")) == []
    response = anonymous.client.get("/epcis/events")
    assert response.status_code == 401
    assert response.json()["type"] == "epcisException:SecurityException"


def test_query_count_does_not_grow_with_events(
    enterprise, events, job_of, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        first = _ids(enterprise.client.get("/epcis/events"))
    job_of(
        enterprise,
        document(*[object_event() | {"eventTime": f"2026-11-06T0{i}:00:00Z"} for i in range(5)]),
    )
    with django_assert_max_num_queries(6):
        assert len(_ids(enterprise.client.get("/epcis/events"))) == len(first) + 5
