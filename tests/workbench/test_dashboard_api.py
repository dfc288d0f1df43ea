"""``GET /api/v1/dashboard/``: the dashboard's figures as data, for regulators only, the same
numbers as the page; the period's labels read 起 / 止; the month axis never overlaps."""

import re
from datetime import date

import pytest

from incidents import selectors as incident_selectors
from recalls import selectors as recall_selectors
from tests.workbench.test_records import seeded  # noqa: F401 (the fixture)
from workbench import charts, stats
from workbench.charts import Series

pytestmark = pytest.mark.django_db


def _same(value):
    """A cell as both sides can compare it: numbers as numbers, the rest as text."""
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def test_the_api_gives_the_page_s_figures(client, seeded):  # noqa: F811
    client.force_login(seeded["county-regulator"])
    query = "from=2026-01-01&to=2026-12-31"
    data = client.get(f"/api/v1/dashboard/?{query}").json()
    assert data["from"] == "2026-01-01" and data["to"] == "2026-12-31"
    keys = [f["key"] for f in data["figures"]]
    assert "incidents" in keys
    page = client.get("/workbench/dashboard/?date_from=2026-01-01&date_to=2026-12-31")
    for figure in page.context["figures"]:
        api = next(f for f in data["figures"] if f["key"] == figure.key)
        assert [c["key"] for c in api["columns"]] == [k for k, _t in figure.columns]
        expected = [[_same(c) for c in row] for row in figure.cells()]
        got = [[_same(row[c["key"]]) for c in api["columns"]] for row in api["rows"]]
        assert got == expected


def test_only_regulators_and_a_bad_period_names_its_field(client, seeded):  # noqa: F811
    client.force_login(seeded["producer"])
    assert client.get("/api/v1/dashboard/").status_code == 403
    client.force_login(seeded["county-regulator"])
    answer = client.get("/api/v1/dashboard/?from=2026-12-01&to=2026-01-01")
    assert answer.status_code == 400
    assert [e["field"] for e in answer.json()["errors"]] == ["to"]


def test_the_period_labels_read_qi_and_zhi(client, seeded):  # noqa: F811
    client.force_login(seeded["county-regulator"])
    html = client.get("/workbench/dashboard/").content.decode()
    labels = re.findall(r'<label>([^<]*)<input type="date" name="(date_\w+)"', html)
    assert labels == [("起", "date_from"), ("止", "date_to")]
    assert "发往" not in html


@pytest.mark.parametrize("months", [6, 13, 24, 36])
def test_month_labels_never_overlap(months):
    categories = [f"{2024 + (m // 12)}-{m % 12 + 1:02d}" for m in range(months)]
    svg = charts.bar_chart(categories, [Series("n", [1] * months)], title="t")
    xs = [
        float(x)
        for x in re.findall(
            r'<text x="([\d.]+)" y="[\d.]+" text-anchor="middle" fill="#1d2329">', svg
        )
    ]
    assert xs, svg
    widest = 7 * len(categories[0])
    assert all(b - a >= widest for a, b in zip(xs, xs[1:], strict=False))


def test_the_api_counts_what_the_apps_selectors_count_for_the_caller(client, seeded):  # noqa: F811
    """Each regulator gets the figures of what it sees: the incidents figure of the API sums to
    the incidents ``incidents.selectors`` finds for that regulator (``visible_to``: the city
    sees only what reached its level), and the recalls figure lists the recalls
    ``recalls.selectors`` finds for it."""
    start = date(2026, 1, 1)
    end = date(2026, 12, 31)
    period = stats.Period(start, end)
    totals = {}
    for username in ("county-regulator", "city-regulator"):
        user = seeded[username]
        client.force_login(user)
        data = client.get(f"/api/v1/dashboard/?from={start}&to={end}").json()
        figure = next(f for f in data["figures"] if f["key"] == "incidents")
        counted = incident_selectors.reported_between(user, period.start_at, period.end_at)
        assert sum(row["count"] for row in figure["rows"]) == counted.count()
        recalls = next(f for f in data["figures"] if f["key"] == "recalls")
        assert [r["number"] for r in recalls["rows"]] == list(
            recall_selectors.activated_between(user, period.start_at, period.end_at).values_list(
                "number", flat=True
            )
        )
        totals[username] = counted.count()
    assert totals["county-regulator"] > 0 and totals["city-regulator"] > 0
    assert totals["county-regulator"] != totals["city-regulator"]  # each its own scope
