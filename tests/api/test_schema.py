"""The OpenAPI document matches what the server answers."""

from decimal import Decimal

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.factories import produce


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _response_schema(schema, path, method, code="200"):
    content = schema["paths"][path][method]["responses"][code]["content"]
    return next(iter(content.values()))["schema"]


def test_source_and_destination_organizations_are_nullable(schema, enterprise, product):
    event_schema = schema["components"]["schemas"]["Event"]["properties"]
    for name in ("source_organization", "destination_organization"):
        prop = event_schema[name]
        assert prop.get("nullable") is True or any(
            branch.get("nullable") for branch in prop.get("oneOf", []) + prop.get("allOf", [])
        ), prop
    produce(enterprise.user, product, lot="N1", quantity=Decimal(1))
    event = enterprise.client.get("/api/v1/events/").json()["results"][0]
    assert event["source_organization"] is None and event["destination_organization"] is None


@pytest.mark.parametrize(
    "path", ["/epcis/capture", "/epcis/queries", "/epcis/queries/{name}/subscriptions"]
)
def test_epcis_listings_are_documented_as_the_arrays_they_are(schema, path, enterprise):
    assert _response_schema(schema, path, "get")["type"] == "array"
    assert isinstance(enterprise.client.get(path.replace("{name}", "x")).json(), (list, dict))
    assert isinstance(enterprise.client.get("/epcis/capture").json(), list)


def test_error_answers_are_documented_as_problem_json(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            codes = set(operation["responses"])
            assert {"400", "401", "403", "404", "429"} <= codes, (path, method, codes)
            if method in ("post", "put", "patch", "delete"):
                assert {"409", "413", "415"} <= codes, (path, method, codes)
            problem = operation["responses"]["404"]["content"]["application/problem+json"]["schema"]
            assert problem == {"$ref": "#/components/schemas/Problem"}


def test_options_does_not_advertise_trace_and_trace_is_refused(enterprise, product):
    """The lot's trace graph stays at …/trace/, but no handler answers the HTTP TRACE verb."""
    batch = produce(enterprise.user, product, lot="T1", quantity=Decimal(1))
    for url in (
        f"/api/v1/batches/{batch.pk}/",
        f"/api/v1/batches/{batch.pk}/trace/",
        "/api/v1/batches/",
    ):
        allow = enterprise.client.options(url)["Allow"]
        assert "TRACE" not in allow, (url, allow)
        assert enterprise.client.generic("TRACE", url).status_code == 405
    assert enterprise.client.get(f"/api/v1/batches/{batch.pk}/trace/").status_code == 200
