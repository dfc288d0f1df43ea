"""Who a food recall plan is reported to, and so who approves it, depends on the day. Until
2026-11-30 any county-or-higher regulator (CFDA Order 12 Art. 13); from 2026-12-01 the
districted-city regulator for a business licensed or filed at county level, the provincial one
for a business the province or a districted city licensed (SAMR Order 122 Art. 5 ¶3). No
licensing level is recorded, so every business counts as county-licensed and its plan goes to
the city. A consumer product's plan (SAMR Order 19) is unchanged: any regulator of the place.
The rule is ``food_recall.plan_receiver_level``; ``recalls.policy.receives_plan`` asks it."""

from datetime import date
from decimal import Decimal
from trace.core import services as trace_services
from trace.core.choices import ProductCategory

import pytest
from django.test import Client
from django.utils import timezone

from core import rulebook
from core.models import Notification
from recalls import services
from tests.factories import ProductFactory
from tests.recalls import test_from_incident as from_incident
from tests.recalls.test_parties import PLAN

county = from_incident.county

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def addresses(county, regulator):
    """The county and the city each have an address, so a message to them is written."""
    for persona, email in ((county, "county@example.cn"), (regulator, "city@example.cn")):
        persona.user.email = email
        persona.user.save(update_fields=["email"])


def _filed(enterprise, partner, category, discovered=None):
    product = ProductFactory(owner=enterprise.org, category=category)
    lot = trace_services.batch_produce(
        product=product, lot="F1", quantity=Decimal(10), unit="EA", actor=enterprise.user
    )
    trace_services.batch_ship(batch=lot, to=partner.org, quantity=Decimal(4), actor=enterprise.user)
    recall = services.recall_create(
        actor=enterprise.user, batch_ids=[lot.pk], risk_discovered_at=discovered, **PLAN
    )
    services.recall_edit_scope(recall_id=recall.pk, actor=enterprise.user, edits=[], confirm=True)
    return services.recall_submit(recall_id=recall.pk, actor=enterprise.user)


def _told(org, recall) -> bool:
    return Notification.objects.filter(
        organization=org, topic="recall.submitted", subject__contains=recall.number
    ).exists()


def test_the_rule_changes_on_the_day_order_122_takes_effect():
    before = rulebook.rule("food_recall.plan_receiver_level", on=date(2026, 11, 30))
    after = rulebook.rule("food_recall.plan_receiver_level", on=date(2026, 12, 1))
    assert (before.value, before.article.en) == ("county", "Art. 13")
    assert (after.value, after.article.en) == ("city", "Art. 5 ¶3")
    assert "SAMR Order 122" in after.citation("en")
    assert "设区的市级" in after.phrase


def test_a_food_plan_from_2026_12_01_goes_to_the_city_not_the_county(
    county, regulator, enterprise, partner
):
    recall = _filed(enterprise, partner, ProductCategory.FOOD)
    assert recall.created_at.date() >= date(2026, 12, 1)  # SAMR Order 122 in force
    assert _told(regulator.org, recall) and not _told(county.org, recall)
    url = f"/api/v1/recalls/{recall.pk}/approve/"
    response = county.client.post(url, {"reason": "同意"}, format="json")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"].endswith("/plan-receiver-level")
    assert "第五条第三款" in body["detail"] or "Art. 5 ¶3" in body["detail"]
    assert recall.timeline.filter(action="approved").count() == 0

    # The workbench: the county is not offered the approval, the city is; the page names the
    # receiving level with its citation.
    def page(user):
        client = Client()
        client.force_login(user)
        return client.get(f"/workbench/recalls/{recall.pk}/?lang=en")

    county_page, city_page = page(county.user), page(regulator.user)
    assert f"/workbench/recalls/{recall.pk}/do/approve/" not in county_page.content.decode()
    html = city_page.content.decode()
    assert f"/workbench/recalls/{recall.pk}/do/approve/" in html
    assert 'id="plan-receiver"' in html and "SAMR Order 122" in html and "Art. 5 ¶3" in html

    assert regulator.client.post(url, {"reason": "同意"}, format="json").status_code == 200


def test_a_food_recall_discovered_before_2026_12_01_keeps_the_county(county, enterprise, partner):
    """CFDA Order 12 Art. 13: the plan goes to the county-or-higher regulator."""
    discovered = timezone.make_aware(timezone.datetime(2026, 11, 28, 9, 0))
    if discovered > timezone.now():
        pytest.skip("the day is still ahead")
    recall = _filed(enterprise, partner, ProductCategory.FOOD, discovered=discovered)
    assert _told(county.org, recall)
    response = county.client.post(
        f"/api/v1/recalls/{recall.pk}/approve/", {"reason": "同意"}, format="json"
    )
    assert response.status_code == 200, response.json()


def test_a_consumer_product_plan_is_unchanged(county, enterprise, partner):
    """SAMR Order 19: any regulator of the place may approve; the county is told."""
    recall = _filed(enterprise, partner, ProductCategory.KEY_CONSUMER)
    assert recall.recall_category == "product" and _told(county.org, recall)
    response = county.client.post(
        f"/api/v1/recalls/{recall.pk}/approve/", {"reason": "同意"}, format="json"
    )
    assert response.status_code == 200, response.json()
