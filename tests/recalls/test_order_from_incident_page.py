"""A regulator orders a recall from an incident's workbench page (the notice to recall, SAMR
Order 19 Arts. 12–13): who may is ``recalls.policy.can_order_from_incident`` — a writer of a
regulator whose jurisdiction holds the producer of the incident's lots, while the incident
stands. The incident page links to the form only for them; the form goes through the service
``POST /api/v1/recalls/`` with ``incident`` uses, and the recall links the incident."""

import re

import pytest
from django.test import Client

from core.choices import Role
from incidents import services as incident_services
from incidents.models import IncidentTimeline
from recalls import policy
from recalls.models import Recall
from tests.factories import UserFactory
from tests.recalls import test_from_incident as from_incident

# The county regulator of the dairy's place, the dairy's lot (shipped to the partner) and an
# incident the dairy reported on it.
county, lot, incident = from_incident.county, from_incident.lot, from_incident.incident
PLAN = from_incident.PLAN

pytestmark = pytest.mark.django_db


def _page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_regulator_of_the_producers_place_may_order_from_the_incident(
    county,
    regulator,
    regulator_elsewhere,
    enterprise,
    partner,
    incident,
):
    """The county and the city over it govern the dairy that made the lot; the regulator of
    another city, the producer and the shop may not."""
    assert policy.can_order_from_incident(county.user, incident)
    assert policy.can_order_from_incident(regulator.user, incident)
    assert not policy.can_order_from_incident(regulator_elsewhere.user, incident)
    assert not policy.can_order_from_incident(enterprise.user, incident)
    assert not policy.can_order_from_incident(partner.user, incident)
    assert policy.order_producer(incident) == enterprise.org


def test_a_viewer_or_a_rejected_incident_or_no_lot_gives_no_order(county, enterprise, incident):
    viewer = UserFactory(organization=county.org, organization__role=Role.VIEWER)
    assert not policy.can_order_from_incident(viewer, incident)
    nothing_named = from_incident._incident(enterprise, [])
    assert policy.order_producer(nothing_named) is None
    assert not policy.can_order_from_incident(county.user, nothing_named)
    incident_services.incident_reject(
        incident_id=incident.pk, actor=county.user, reason="不属于食品安全事故"
    )
    incident.refresh_from_db()
    assert not policy.can_order_from_incident(county.user, incident)


def test_the_incident_page_links_the_order_form_for_the_regulator_only(
    county,
    regulator_elsewhere,
    enterprise,
    incident,
):
    url = f"/workbench/incidents/{incident.pk}/"
    order = f"/workbench/incidents/{incident.pk}/order-recall/"
    assert f'href="{order}"' in _page(county.user).get(url).content.decode()
    assert f'href="{order}"' not in _page(enterprise.user).get(url).content.decode()
    assert _page(enterprise.user).get(order).status_code == 403
    assert _page(regulator_elsewhere.user).get(order).status_code == 404


def test_ordering_through_the_page_links_the_recall_and_the_incident(
    county,
    enterprise,
    incident,
    lot,
):
    client = _page(county.user)
    order = f"/workbench/incidents/{incident.pk}/order-recall/"
    form = client.get(order).content.decode()
    assert lot.lot in form and f'href="/workbench/incidents/{incident.pk}/"' in form
    fields = {k: v for k, v in PLAN.items() if k != "planned_end"}
    response = client.post(order, {**fields, "depth": "consumer", "target_effectiveness": "A"})
    assert response.status_code == 302, response.content.decode()[:2000]
    recall = Recall.objects.get()
    assert response["Location"] == f"/workbench/recalls/{recall.pk}/"
    assert recall.recall_type == "ordered" and recall.ordered_by_id == county.org.pk
    assert recall.producer_id == enterprise.org.pk
    assert list(recall.incidents.values_list("pk", flat=True)) == [incident.pk]
    assert IncidentTimeline.objects.filter(incident=incident, action="recall_opened").exists()
    page = client.get(response["Location"]).content.decode()
    assert re.search(rf'href="/workbench/incidents/{incident.pk}/"', page)


def test_an_empty_form_is_refused_and_nothing_written(county, incident):
    response = _page(county.user).post(f"/workbench/incidents/{incident.pk}/order-recall/", {})
    assert response.status_code == 400
    assert Recall.objects.count() == 0
