"""The regulator's list: rows written directly are the detail's fields, and a page costs the same
three statements on incidents whatever its size or filters (NetBox-style query counts)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.serializers import IncidentListSerializer

from .conftest import report_body

URL = "/api/v1/incidents/"
FILTERS = [
    {},
    {"status": "reported", "grade": ["IV", "II"]},
    {"region": "3203", "overdue": "false", "level": "county"},
    {"open": "true", "ordering": "-occurred_at"},
]


def _report(dairy, batch, t0, n: int):
    body = report_body(batch, t0, deaths=[0, 12][n % 2], title=f"list {n}")
    response = dairy.client.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_the_list_row_is_the_detail_restricted_to_the_list_fields(chain, dairy, batch, t0):
    """The hand-written row and the detail agree, value for value."""
    ids = [_report(dairy, batch, t0, n) for n in range(3)]
    county = chain["county"].client
    rows = county.get(URL).json()["results"]
    assert sorted(r["id"] for r in rows) == sorted(ids)
    fields = IncidentListSerializer.Meta.fields
    for row in rows:
        detail = county.get(f"{URL}{row['id']}/").json()
        assert list(row) == fields
        shared = [name for name in fields if name in detail]  # the detail has no next_due_at
        assert {n: row[n] for n in shared} == {n: detail[n] for n in shared}
        assert row["batches"] == [batch.pk] and row["reporter_name"] == dairy.org.name


def test_the_list_rows_match_the_field_based_serializer(chain, dairy, batch, t0):
    """Against DRF's own per-field representation of the same declared fields."""
    from incidents.models import Incident

    _report(dairy, batch, t0, 1)
    incident = Incident.objects.select_related("reporter").get()
    fast = IncidentListSerializer(incident).data
    slow = super(IncidentListSerializer, IncidentListSerializer(incident)).to_representation(
        incident
    )
    assert fast == dict(slow)


def _incident_statements(client, params) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, params)
    assert response.status_code == 200, response.content
    on_incidents = [q for q in captured.captured_queries if "incidents_incident" in q["sql"]]
    return len(captured.captured_queries), len(on_incidents)


@pytest.mark.parametrize("params", FILTERS)
def test_a_page_costs_the_same_statements_for_two_and_for_twelve_incidents(
    chain, dairy, batch, t0, params
):
    """Count, page, batch ids, and the probe for incidents naming the jurisdiction's enterprises
    placed elsewhere (issue 19, one index probe): four statements on incidents, and no more as
    rows are added."""
    for n in range(2):
        _report(dairy, batch, t0 - timedelta(minutes=n), n)
    county = chain["county"].client
    few = _incident_statements(county, params)
    for n in range(2, 12):
        _report(dairy, batch, t0 - timedelta(minutes=n), n)
    many = _incident_statements(county, params)
    assert few == many
    assert many[1] == 4


def test_the_count_is_read_once_per_filter_and_is_never_stale(
    chain, dairy, batch, t0, django_capture_on_commit_callbacks
):
    """Page after page the count comes from the cache; a report, a sweep or an action that
    commits makes the next page count again, so the figure always describes the data."""
    from django.utils import timezone

    from incidents import services

    with django_capture_on_commit_callbacks(execute=True):
        ids = [_report(dairy, batch, t0 - timedelta(minutes=n), n) for n in range(3)]
    county = chain["county"].client
    params = {"page_size": 1, "status": "reported"}
    assert county.get(URL, params).json()["count"] == 3
    with CaptureQueriesContext(connection) as second:
        assert county.get(URL, {**params, "page": 2}).json()["count"] == 3
    assert not [q for q in second.captured_queries if "COUNT(" in q["sql"]]
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_accept(incident_id=ids[0], actor=chain["county"].user, now=t0)
    assert county.get(URL, {**params, "page": 2}).json()["count"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        _report(dairy, batch, t0, 5)
    assert county.get(URL, params).json()["count"] == 3
    # The sweep writes in bulk (no post_save): it says so itself.
    assert county.get(URL, {"overdue": "true"}).json()["count"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        services.incidents_sweep(timezone.now() + timedelta(hours=3))
    assert county.get(URL, {"overdue": "true"}).json()["count"] == 4  # every one passed up late
