"""The regulator's list counts its jurisdiction from the count index alone: the region prefix is a
range (``core.lookups.Prefix``) holding exactly the codes that begin with it, and on PostgreSQL
every condition of the count — jurisdiction, levels reached, the list's filters — is checked
inside ``incident_list_count_idx`` (an index-only scan with no per-row filter)."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from incidents.models import Incident
from incidents.policy import visible_to

from .conftest import report_body

URL = "/api/v1/incidents/"
CODES = ["320299", "320300", "320312", "320399", "320400", "330312"]


@pytest.fixture
def placed(chain, dairy, batch, t0):
    """One incident per region code of ``CODES``, each reported and passed up to the city."""
    ids = []
    for n, code in enumerate(CODES):
        body = report_body(batch, t0, batches=[], title=f"count {n}")
        response = dairy.client.post(URL, body, format="json")
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])
        Incident.objects.filter(pk=ids[-1]).update(
            region_code=code, level="city", level_rank=1, reached_county=True, reached_city=True
        )
    return dict(zip(ids, CODES, strict=True))


def test_a_city_regulator_counts_exactly_the_incidents_placed_in_its_city(chain, placed):
    city = chain["city"]  # 320300: Xuzhou
    response = city.client.get(URL)
    assert response.status_code == 200
    shown = {row["id"] for row in response.json()["results"]}
    assert shown == {pk for pk, code in placed.items() if code.startswith("3203")}
    assert response.json()["count"] == 3
    # The same with a filter of the list, which the count index also holds.
    assert city.client.get(URL, {"level": "city", "region": "320312"}).json()["count"] == 1


def test_the_prefix_range_is_the_startswith_set(placed):
    for prefix in ["3203", "32039", "3", "320312", "9"]:
        expected = set(Incident.objects.filter(region_code__startswith=prefix).values_list("pk"))
        assert set(Incident.objects.filter(region_code__prefix=prefix).values_list("pk")) == (
            expected
        )


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL plan")
def test_the_count_is_an_index_only_scan_with_every_condition_in_the_index(chain, placed):
    queryset = visible_to(chain["city"].user).filter(status="reported", level="city")
    with CaptureQueriesContext(connection) as captured:
        queryset.count()
    count_sql = captured.captured_queries[-1]["sql"]  # the list's own COUNT(*)
    assert "COUNT(" in count_sql, count_sql
    with transaction.atomic(), connection.cursor() as cursor:
        # A few rows: the planner would read the table; the question is what the index can do.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + count_sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using incident_list_count_idx" in plan, plan
    assert "Filter" not in plan, plan
