"""The whole standard query: quantities, locations with their descendants, sensor data,
extension fields (``EQ_``/``EQ_INNER_``/``EQ_ILMD_``…), ``EXISTS_<field>``, ``orderBy`` an
extension field; and every query parameter GS1's REST binding lists, with its example."""

from trace.models import Site

import pytest
import yaml

from .conftest import CONFORMANCE, document, example, object_event

SPEC = yaml.safe_load((CONFORMANCE / "REST_Bindings" / "openapi.yaml").read_text("utf-8"))
EXTENSIONS = {"ex": "https://ns.example.com/epcis/"}
CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", EXTENSIONS]


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    events = response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    return [e.get("ex:tag") for e in events]


@pytest.fixture
def events(enterprise, job_of):
    """Five events, each tagged ``ex:tag`` so a test can tell which came back."""
    lot = "urn:epc:class:lgtin:6901234.012345."
    doc = document(
        object_event(
            **{
                "ex:tag": "a",
                "ex:grade": "A",
                "ex:weight": 12.5,
                "ex:when": "2026-01-02T00:00:00Z",
            },
            quantityList=[{"epcClass": lot + "L1", "quantity": 5, "uom": "KGM"}],
            bizLocation={"id": "urn:epc:id:sgln:6901234.00001.0"},
            readPoint={"id": "urn:epc:id:sgln:6901234.00001.7"},
            ilmd={"ex:origin": "CN", "ex:detail": {"ex:farm": "north"}},
            action="ADD",
        ),
        object_event(
            **{"ex:tag": "b", "ex:grade": "B", "ex:weight": 3, "ex:when": "2026-01-01T00:00:00Z"},
            quantityList=[{"epcClass": lot + "L2", "quantity": 50, "uom": "KGM"}],
            bizLocation={"id": "https://id.gs1.org/414/6901234000016/254/dock-2"},
            sensorElementList=[
                {
                    "sensorMetadata": {"deviceID": "urn:epc:id:giai:4000001.111"},
                    "sensorReport": [
                        {"type": "Temperature", "value": 26.5, "uom": "CEL"},
                        {"type": "RelativeHumidity", "value": 12.1, "uom": "A93"},
                    ],
                }
            ],
        ),
        object_event(
            **{"ex:tag": "c", "ex:inner": {"ex:nested": {"ex:grade": "C"}}},
            bizLocation={"id": "urn:epc:id:sgln:6901234.00002.0"},
            sensorElementList=[
                {
                    "sensorReport": [
                        {
                            "type": "gs1:Temperature",
                            "value": 41,
                            "uom": "FAH",
                            "time": "2026-01-03T08:00:00Z",
                        }
                    ]
                }
            ],
        ),
        object_event(**{"ex:tag": "d"}, persistentDisposition={"set": ["completeness_verified"]}),
        context=CONTEXT,
    )
    job = job_of(enterprise, doc)
    assert job["success"] is True, job["errors"]
    return enterprise


def _query(persona, **params):
    return _ids(persona.client.get("/epcis/events", params))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"EQ_quantity": "5"}, ["a"]),
        ({"EQ_quantity": "5|50"}, ["a", "b"]),
        ({"GT_quantity": "5"}, ["b"]),
        ({"GE_quantity": "5"}, ["a", "b"]),
        ({"LT_quantity": "50"}, ["a"]),
        ({"LE_quantity": "50"}, ["a", "b"]),
        ({"GE_quantity": "51"}, []),
    ],
)
def test_quantity_filters(events, params, expected):
    assert _query(events, **params) == expected


def test_wd_biz_location_takes_sub_locations(events):
    # The GLN 6901234000016 and its extension dock-2 (AI 254), not another GLN.
    assert _query(events, WD_bizLocation="urn:epc:id:sgln:6901234.00001.0") == ["a", "b"]
    assert _query(events, EQ_bizLocation="urn:epc:id:sgln:6901234.00001.0") == ["a"]
    assert _query(events, WD_bizLocation="https://id.gs1.org/414/6901234000023") == ["c"]
    assert _query(events, WD_readPoint="https://id.gs1.org/414/6901234000016") == ["a"]


def test_wd_biz_location_of_an_organization_takes_its_sites(enterprise, job_of):
    enterprise.org.gln = "6901234000007"
    enterprise.org.save(update_fields=["gln"])
    site = Site.objects.create(
        owner=enterprise.org, name="Plant", gln="6901234000038", address="-", region_code="110101"
    )
    job_of(
        enterprise,
        document(
            object_event(**{"ex:tag": "site"}, bizLocation={"id": site.location_uri + "/254/7"}),
            object_event(**{"ex:tag": "else"}, bizLocation={"id": "urn:suyuan:site:999999"}),
            context=CONTEXT,
        ),
    )
    assert _query(enterprise, WD_bizLocation="https://id.gs1.org/417/6901234000007") == ["site"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"EQ_type": "Temperature"}, ["b", "c"]),
        ({"EQ_type": "https://gs1.org/voc/RelativeHumidity"}, ["b"]),
        ({"EQ_deviceID": "urn:epc:id:giai:4000001.111"}, ["b"]),
        ({"GE_value_CEL": "26"}, ["b"]),  # 41 °F is 5 °C
        ({"LT_value_CEL": "6"}, ["c"]),
        ({"GE_value_FAH": "79"}, ["b"]),  # 26.5 °C is 79.7 °F
        ({"GE_value_A93": "12"}, ["b"]),
        ({"GE_time": "2026-01-03T00:00:00Z"}, ["c"]),
    ],
)
def test_sensor_filters(events, params, expected):
    assert _query(events, **params) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"EQ_ex:grade": "A|B"}, ["a", "b"]),
        ({"EQ_https://ns.example.com/epcis/#grade": "B"}, ["b"]),
        ({"GT_ex:weight": "4"}, ["a"]),
        ({"LE_ex:weight": "3"}, ["b"]),
        ({"EQ_INNER_ex:grade": "C"}, ["c"]),
        ({"EQ_ex:grade": "C"}, []),  # top-level only
        ({"EQ_ILMD_ex:origin": "CN"}, ["a"]),
        ({"EQ_INNER_ILMD_ex:farm": "north"}, ["a"]),
        ({"EXISTS_ex:grade": "true"}, ["a", "b"]),
        ({"EXISTS_INNER_ex:nested": ""}, ["c"]),
        ({"EXISTS_ILMD_ex:origin": "true"}, ["a"]),
        ({"EXISTS_sensorElementList": "true"}, ["b", "c"]),
        ({"EXISTS_bizLocation": "true", "EXISTS_sensorElementList": "false"}, ["a"]),
        ({"EQ_persistentDisposition_set": "completeness_verified"}, ["d"]),
    ],
)
def test_extension_and_exists_filters(events, params, expected):
    assert _query(events, **params) == expected


def test_order_by_extension_time_field(events):
    ordered = _query(events, orderBy="ex:when", orderDirection="ASC", **{"EXISTS_ex:when": ""})
    assert ordered == ["b", "a"]
    ordered = _query(events, orderBy="ex:weight", **{"EXISTS_ex:weight": "true"})
    assert ordered == ["a", "b"]  # DESC by default
    limited = _query(events, orderBy="ex:weight", orderDirection="ASC", eventCountLimit="1")
    assert limited == ["b"]


def test_eq_event_id(events):
    event_id = events.client.get("/epcis/events", {"EQ_quantity": "50"}).json()["epcisBody"][
        "queryResults"
    ]["resultsBody"]["eventList"][0]["eventID"]
    assert _query(events, EQ_eventID=event_id) == ["b"]


@pytest.mark.parametrize("name", ["EQ_quantity", "GE_value_CEL", "GE_time"])
def test_bad_numbers_are_refused_naming_the_parameter(events, name):
    response = events.client.get("/epcis/events", {name: "lots"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == name


def test_named_query_with_document_filters(events):
    events.client.post(
        "/epcis/queries",
        {"name": "heavy", "query": {"GE_quantity": 10, "EQ_type": ["Temperature"]}},
        content_type="application/json",
    )
    response = events.client.get("/epcis/queries/heavy/events")
    assert _ids(response) == ["b"]


def _gs1_query_parameters():
    """Every query parameter GS1's OpenAPI lists for ``GET /events``, with a value: its
    example, or one of its schema's type."""
    components = SPEC["components"]["parameters"]
    values = {"number": "1", "integer": "1", "boolean": "true"}
    out = []
    for ref in SPEC["paths"]["/events"]["get"]["parameters"]:
        parameter = components[ref["$ref"].rsplit("/", 1)[1]]
        if parameter.get("in") != "query" or parameter["name"] in ("perPage", "nextPageToken"):
            continue
        schema = parameter.get("schema", {})
        items = schema.get("items", {})
        value = parameter.get("example")
        if value is None:
            kind = schema.get("type")
            if kind == "array":
                value = (items.get("enum") or ["urn:example:value"])[0]
            elif schema.get("format") == "date-time":
                value = "2026-01-01T00:00:00Z"
            elif "enum" in schema:
                value = schema["enum"][0]
            else:
                value = values.get(kind, "urn:example:value")
        out.append((parameter["name"], str(value)))
    return out


@pytest.mark.parametrize(("name", "value"), _gs1_query_parameters(), ids=lambda v: str(v))
def test_every_gs1_query_parameter_is_understood(events, name, value):
    params = {name: value}
    if name == "eventCountLimit":
        params["orderBy"] = "eventTime"
    if name == "maxEventCount":
        params[name] = "100"
    response = events.client.get("/epcis/events", params)
    assert response.status_code == 200, (name, value, response.content)


def test_gs1_example_events_answer_their_own_sensor_queries(enterprise, job_of):
    job = job_of(enterprise, example("WithSensorData/SensorDataExample1.jsonld"))
    assert job["success"] is True, job["errors"]
    response = enterprise.client.get("/epcis/events", {"EQ_type": "Temperature"})
    assert response.status_code == 200
    assert response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
