"""A client written only from the official OpenAPI binding captures and pages through results.

Paths, parameter and header names are read from ``REST_Bindings/openapi.yaml``;
nothing Suyuan-specific is used except the server's base path ``/epcis``.
"""

import json
import re
from trace.epcis.validation import validate_query_document
from urllib.parse import parse_qsl, urlsplit

import yaml

from .conftest import CONFORMANCE, document, object_event

SPEC = yaml.safe_load((CONFORMANCE / "REST_Bindings" / "openapi.yaml").read_text(encoding="utf-8"))
BASE = "/epcis"


def _param(name: str) -> str:
    return SPEC["components"]["parameters"][name]["name"]


def test_openapi_client_captures_and_pages(enterprise, django_capture_on_commit_callbacks):
    capture_path = "/capture"
    assert "post" in SPEC["paths"][capture_path]
    behaviour_header = SPEC["components"]["parameters"]["GS1-Capture-Error-Behaviour"]["name"]
    limit_header = "GS1-EPCIS-Capture-Limit"
    assert limit_header in SPEC["components"]["responses"]["204CaptureEndpointDiscovery"]["headers"]

    discovery = enterprise.client.options(BASE + capture_path)
    assert discovery.status_code == 204
    limit = int(discovery[limit_header])

    events = [object_event(eventTime=f"2026-11-20T09:{i:02d}:00.000+08:00") for i in range(7)]
    assert len(events) <= limit
    with django_capture_on_commit_callbacks(execute=True):
        accepted = enterprise.client.generic(
            "POST",
            BASE + capture_path,
            json.dumps(document(*events)),
            content_type="application/json",
            **{"HTTP_" + behaviour_header.upper().replace("-", "_"): "rollback"},
        )
    assert accepted.status_code == 202  # as the binding's 202 response
    job = enterprise.client.get(accepted["Location"]).json()
    for prop in SPEC["components"]["schemas"]["CaptureJob"]["allOf"][0]["properties"]:
        if prop != "finishedAt" or not job["running"]:
            assert prop in job
    assert job["running"] is False and job["success"] is True

    per_page, token = _param("PerPage"), _param("NextPageToken")
    assert "/events" in SPEC["paths"]
    url, query, received = BASE + "/events", {per_page: "3"}, []
    while url:
        page = enterprise.client.get(url, query)
        assert page.status_code == 200
        body = page.json()
        assert validate_query_document(body) == []
        received += body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        link = page.get("Link")
        if not link:
            break
        target = urlsplit(re.match(r'<([^>]+)>;\s*rel="next"', link).group(1))
        url, query = target.path, dict(parse_qsl(target.query))
        assert token in query
    assert len(received) == 7
    assert len({e["eventID"] for e in received}) == 7
