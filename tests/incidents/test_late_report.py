"""A level the sweep escalated past still files its own report up, late, once.

The local product plan (default figures from Order 493's model): each level reports to the one above within 2 hours. When the county does not, the
deadline sweep alerts the city (issue 11 §6); the county's duty to report is not done for it. So
the county may still pass the incident up: the timeline records its report as late, the city is
notified, and the incident stays where the escalation took it. A county that passed it up in time
owes nothing, and nobody else may file it.
"""

from datetime import timedelta
from trace.demo.seed import DEMO_PASSWORD, demo_yogurt_batch, seed_demo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.test import APIClient

from core.models import Notification
from incidents.models import Incident

pytestmark = pytest.mark.django_db


def signed_in(username):
    client = APIClient()
    token = client.post(
        "/api/v1/auth/token/", {"username": username, "password": DEMO_PASSWORD}, format="json"
    )
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    return client


@pytest.fixture
def escalated():
    """A grade IV incident nobody at the county passed up: the sweep gave it to the city."""
    seed_demo()
    get_user_model().objects.filter(username="city-regulator").update(email="city@amr.example.cn")
    producer = signed_in("producer")
    created = producer.post(
        "/api/v1/incidents/",
        {
            "title": "酸奶胀包",
            "description": "一名消费者食用后腹泻。",
            "batches": [demo_yogurt_batch().pk],
            "region_code": "320312",
            "occurred_at": "2026-11-30T08:00:00+08:00",
            "discovered_at": "2026-11-30T08:00:00+08:00",
            "minor_injuries": 1,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    incident = Incident.objects.get(pk=created.json()["id"])
    call_command(
        "sweep_deadlines", "--now", (incident.reported_at + timedelta(hours=3)).isoformat()
    )
    incident.refresh_from_db()
    assert incident.level == "city" and incident.is_overdue
    return incident


def test_the_escalated_past_county_reports_up_late_once(escalated):
    county = signed_in("county-regulator")
    url = f"/api/v1/incidents/{escalated.pk}/"
    accepted = county.post(url + "accept/", {}, format="json")
    assert accepted.status_code == 200, accepted.content
    answer = county.post(url + "report-up/", {"reason": "补报"}, format="json")
    assert answer.status_code == 200, answer.content
    escalated.refresh_from_db()
    assert escalated.level == "city"  # where the escalation took it
    row = escalated.timeline.filter(action="reported_up").get()
    assert row.data["from"] == "county" and row.data["to"] == "city" and row.data["late"] is True
    assert (
        Notification.objects.filter(subject_id=escalated.pk, topic="incident.reported_up")
        .get()
        .email
        == "city@amr.example.cn"
    )
    again = county.post(url + "report-up/", {}, format="json")
    assert again.status_code == 403  # filed: the county holds nothing more to pass up


def test_only_the_level_escalated_past_may_file_the_late_report(escalated):
    url = f"/api/v1/incidents/{escalated.pk}/report-up/"
    # the city holds it now and passes it up the usual way, to the province
    city = signed_in("city-regulator")
    assert city.post(url, {}, format="json").status_code == 200
    escalated.refresh_from_db()
    assert escalated.level == "province"
    # the county still owes its own report; the city, which passed it up in time, owes nothing
    county = signed_in("county-regulator")
    assert county.post(url, {}, format="json").status_code == 200
    assert city.post(url, {}, format="json").status_code == 403
    escalated.refresh_from_db()
    assert escalated.level == "province"
