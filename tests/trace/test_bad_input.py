"""No input produces a 500: every write endpoint is fed junk; what it refuses is problem+json."""

from decimal import Decimal

import pytest

from tests.factories import produce

JUNK = [
    {},
    {"quantity": None},
    {"quantity": "1e400"},
    {"quantity": "NaN"},
    {"quantity": 10**30},
    {"quantity": [1, 2]},
    {"quantity": {"$gt": 0}},
    {"to_organization": "abc", "quantity": "1"},
    {"to_organization": -1, "quantity": "1"},
    {"inputs": "x", "product": "x", "lot": "x", "quantity": "1", "unit": "x"},
    {
        "inputs": [{"batch": None, "quantity": "1"}],
        "product": 1,
        "lot": "\u0000",
        "quantity": "1",
        "unit": "EA",
    },
    {"result": "maybe", "event_time": "yesterday"},
    {"event_time": "2026-13-45T99:00:00", "quantity": "1", "reason": "x" * 10000},
    {
        "lot": "L1",
        "product": 10**12,
        "quantity": "1",
        "unit": "EA",
        "production_date": "not a date",
    },
    {"code": ["x"]},
    {"code": "\x1d\x1d\x1d"},
    {"code": "https://example.com/01/123/10/x"},
    {"reason": None, "corrective_event_ids": "not a list"},
]


@pytest.fixture
def urls(enterprise, product):
    batch = produce(enterprise.user, product, lot="L1", quantity=Decimal(10))
    event = batch.event_links.first().event
    return [
        "/api/v1/products/",
        "/api/v1/sites/",
        "/api/v1/batches/",
        "/api/v1/batches/transform/",
        "/api/v1/scan/",
        f"/api/v1/events/{event.pk}/declare-error/",
        *(
            f"/api/v1/batches/{batch.pk}/{action}/"
            for action in ("inspect", "ship", "receive", "sell", "destroy", "hold", "release")
        ),
    ]


@pytest.mark.parametrize("body", JUNK, ids=range(len(JUNK)))
def test_junk_json_never_gets_a_500(enterprise, urls, body):
    refused = 0
    for url in urls:
        response = enterprise.client.post(url, body, format="json")
        assert response.status_code < 500, (url, body, response.status_code, response.content[:300])
        if response.status_code >= 400:
            refused += 1
            assert response["Content-Type"] == "application/problem+json"
            assert response.json()["status"] == response.status_code
    assert refused >= len(urls) - 2  # a junk body may happen to be a valid sale or hold


def test_malformed_json_and_wrong_content_type(enterprise, urls):
    for url in urls:
        broken = enterprise.client.post(url, data="{not json", content_type="application/json")
        assert broken.status_code == 400 and broken.json()["type"].endswith("parse-error")
        xml = enterprise.client.post(url, data="<a/>", content_type="application/xml")
        assert xml.status_code == 415


# --- issue 9, "server errors from bad input" --------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2026-01-01T00:00:00+21:00",  # ISO 8601 allows it, no zone has it, PostgreSQL refuses it
        "2026-01-01T00:00:00-13:30",
        "0001-01-01T00:00:00+08:00",  # leaves the calendar in UTC
        "9999-12-31T23:00:00-08:00",
    ],
)
def test_event_time_filters_out_of_range_are_refused(enterprise, value):
    response = enterprise.client.get("/api/v1/events/", {"after": value})
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    assert {e["field"] for e in response.json()["errors"]} == {"after"}


def test_event_time_filter_with_a_real_offset_still_filters(enterprise, product):
    produce(enterprise.user, product, lot="T1", quantity=Decimal(1))
    response = enterprise.client.get("/api/v1/events/", {"after": "2000-01-01T00:00:00+14:00"})
    assert response.status_code == 200 and response.json()["count"] == 1
    response = enterprise.client.get("/api/v1/events/", {"before": "2000-01-01T00:00:00-12:00"})
    assert response.status_code == 200 and response.json()["count"] == 0


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/events/?biz_step=ship%00ping",
        "/api/v1/batches/?q=%00",
        "/api/v1/public/batches/06901234567892/L%001/",
        "/01/06901234567892/10/L%001",
    ],
)
def test_nul_in_the_address_is_a_400_problem(enterprise, url):
    response = enterprise.client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["rule"] == "nul_character"


def test_a_body_over_the_upload_limit_is_a_413_problem(enterprise, settings):
    """Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB by default): a clear 413, not an HTML 400."""
    body = '{"name": "' + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + '"}'
    response = enterprise.client.generic(
        "POST", "/api/v1/products/", body, content_type="application/json"
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 413 and problem["type"].endswith("request-too-large")
    assert str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE) in problem["detail"]


# --- found by schemathesis (tests/api/test_fuzz.py) ---------------------------------------


@pytest.mark.parametrize(
    "query",
    [{"product_id": "-2.649332748308222e+83"}, {"product_id": "1.5"}, {"product_id": str(2**64)}],
)
def test_id_filters_take_whole_numbers_in_range(enterprise, query):
    response = enterprise.client.get("/api/v1/batches/", query)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "product_id"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/batches/-2120135/qr.png?size=-4623",
        "/api/v1/batches/-105377/qr.svg",
        "/api/v1/batches/-1/trace.csv",
        "/api/v1/batches/-2120135/labels/?count=-4623",
        "/api/v1/no-such-thing/",
        "/epcis/no-such-thing",
    ],
)
def test_unknown_api_addresses_are_problem_json_404s(enterprise, url):
    """Not a redirect to another spelling, not Django's HTML page: what the schema documents."""
    response = enterprise.client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
