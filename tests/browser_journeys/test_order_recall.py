"""The city regulator, in Chromium, orders a recall from an incident's page: the demo's lots
are food, and from 2026-12-01 a food recall is ordered by a districted city or higher (SAMR
Order 122 Art. 20), so the county sees no such link. The city opens the incident, follows "order a recall of these lots", writes the plan and lands on the recall,
which links back to the incident (and the incident lists the recall). axe-core runs on every
page visited, and each page's interface text is checked for Chinese punctuation and for
English outside record data."""

import re

import pytest
from django.contrib.auth import get_user_model

from incidents.models import Incident
from recalls import policy
from recalls.models import Recall
from tests.browser import assert_accessible
from tests.browser_journeys.conftest import sign_in
from tests.workbench.test_both_languages import _interface_text, half_width_punctuation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _checked(page):
    """axe-core and the language of the page as the regulator reads it (Chinese)."""
    page.wait_for_load_state()
    assert_accessible(page)
    text = _interface_text(page.content())
    assert not half_width_punctuation(text), (page.url, half_width_punctuation(text))
    english = [w for w in re.findall(r"\b[A-Za-z][A-Za-z_]{2,}\b", text) if not w.isupper()]
    assert not english, (page.url, english)


def test_city_orders_a_recall_from_an_incident_and_the_two_link(browser, demo):
    users = get_user_model().objects
    county, city = users.get(username="county-regulator"), users.get(username="city-regulator")
    incident = next(
        i
        for i in Incident.objects.visible_to(city).order_by("pk")
        if policy.can_order_from_incident(city, i)
    )
    assert not policy.can_order_from_incident(county, incident)  # food: Order 122 Art. 20
    before = set(Recall.objects.values_list("pk", flat=True))
    page = sign_in(browser, demo, "city-regulator")
    response = page.goto(f"{demo}/workbench/incidents/{incident.pk}/")
    assert response.status == 200
    _checked(page)

    page.locator("#order-recall").click()
    page.wait_for_url(f"**/workbench/incidents/{incident.pk}/order-recall/")
    _checked(page)
    assert page.locator("#order-producer").inner_text()
    assert page.locator("#order-from table tbody tr").count() >= 1
    page.get_by_label("缺陷", exact=True).fill("同批次酸奶检出致病菌")
    page.get_by_label("危害", exact=True).fill("食用后可致腹泻、呕吐")
    page.get_by_label("通知标题（中文）", exact=True).fill("关于召回问题批次酸奶的公告")
    page.get_by_label("通知正文（中文）", exact=True).fill(
        "请立即停止食用，凭购物凭证到购买门店退款。"
    )
    page.locator("#order-recall-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/workbench/recalls/\d+/$"))
    _checked(page)

    (recall,) = Recall.objects.exclude(pk__in=before)
    assert page.url.endswith(f"/workbench/recalls/{recall.pk}/")
    assert (
        recall.recall_type == "ordered" and recall.ordered_by_id == city.membership.organization_id
    )
    assert list(recall.incidents.values_list("pk", flat=True)) == [incident.pk]
    back = page.locator(f'a[href="/workbench/incidents/{incident.pk}/"]')
    assert back.count() >= 1
    back.first.click()
    page.wait_for_url(f"**/workbench/incidents/{incident.pk}/")
    _checked(page)
    assert recall.number in page.locator("#recalls").inner_text()
