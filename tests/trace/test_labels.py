"""The print-ready A4 label sheet of a lot."""

import re
from datetime import date

import pytest

from tests.factories import ProductFactory, produce

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch(enterprise):
    product = ProductFactory(owner=enterprise.org, name="彭城原味酸奶 200g")
    return produce(
        enterprise.user,
        product,
        lot="YG2026111601",
        production_date=date(2026, 11, 16),
        expiry_date=date(2026, 12, 7),
    )


def labels_url(batch, query=""):
    return f"/api/v1/batches/{batch.pk}/labels/{query}"


def test_label_sheet_is_print_ready_html_with_24_labels(enterprise, batch):
    response = enterprise.client.get(labels_url(batch))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    body = response.content.decode()
    assert "@page" in body and "A4" in body
    assert body.count('<div class="label">') == 24
    assert body.count("<svg") == 24
    assert "<?xml" not in body
    assert f"(01){batch.gtin} (10)YG2026111601" in body
    assert "(11)261116 (17)261207" in body
    assert "2026-11-16" in body and "2026-12-07" in body
    assert "彭城原味酸奶 200g" in body


def test_label_qr_codes_carry_the_digital_link(enterprise, batch):
    """The inline SVG is the same code the qr.svg endpoint serves."""
    body = enterprise.client.get(labels_url(batch, "?count=1")).content.decode()
    svg = enterprise.client.get(f"/api/v1/batches/{batch.pk}/qr.svg").content.decode()
    path = re.search(r'<path d="([^"]+)"', svg).group(1)
    assert path in body


@pytest.mark.parametrize("count", [1, 3, 200])
def test_label_count(enterprise, batch, count):
    body = enterprise.client.get(labels_url(batch, f"?count={count}")).content.decode()
    assert body.count('<div class="label">') == count


@pytest.mark.parametrize(
    "count,rule", [("0", "min_value"), ("201", "max_value"), ("abc", "invalid")]
)
def test_bad_count_is_a_problem_naming_the_field(enterprise, batch, count, rule):
    response = enterprise.client.get(labels_url(batch, f"?count={count}"))
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    error = response.json()["errors"][0]
    assert (error["field"], error["rule"]) == ("count", rule)


def test_regulator_of_the_region_may_print(regulator, batch):
    assert regulator.client.get(labels_url(batch)).status_code == 200


def test_anonymous_is_refused(anonymous, batch):
    response = anonymous.client.get(labels_url(batch))
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("persona_name", ["other_enterprise", "regulator_elsewhere"])
def test_batches_not_visible_are_not_found(request, persona_name, batch):
    persona = request.getfixturevalue(persona_name)
    response = persona.client.get(labels_url(batch))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_user_without_organization_is_refused(batch):
    from rest_framework.test import APIClient

    from tests.factories import UserFactory

    client = APIClient()
    client.force_authenticate(UserFactory())
    assert client.get(labels_url(batch)).status_code == 403
