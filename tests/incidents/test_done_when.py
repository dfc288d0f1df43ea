"""An incident's whole course, end to end through the API on the demo data.

`producer` reports 12 deaths on a demo yogurt batch: grade II (the local plan's default, Order 493's model: 10–29 deaths), it reaches
`county-regulator` at once; with the sweep run at chosen --now times and nobody acting, it is
escalated to the city, the province and the national regulator, each on its deadline (the local product plan, default figures from Order 493's model:
each level passes it up within 2 hours; grade II must reach the national level), each exactly once,
with the reminders the policy sets (every 30 minutes, 3 times per level); each level sees it only
from then on; a supplementary report raising the figures recomputes the grade; the whole history
reads in order on the timeline.
"""

from datetime import datetime, timedelta
from trace.demo.seed import DEMO_PASSWORD, demo_yogurt_batch, seed_demo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.test import APIClient

from core.models import Notification
from incidents.demo import seed_incidents
from incidents.models import Incident

pytestmark = pytest.mark.django_db
REGULATORS = ("county-regulator", "city-regulator", "province-regulator", "national-regulator")


def signed_in(username):
    client = APIClient()
    token = client.post(
        "/api/v1/auth/token/", {"username": username, "password": DEMO_PASSWORD}, format="json"
    )
    assert token.status_code == 200, token.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    return client


def sweep(at):
    call_command("sweep_deadlines", "--now", at.isoformat())


def test_done_when():
    seed_demo()
    seed_incidents()
    for username in REGULATORS:
        get_user_model().objects.filter(username=username).update(
            email=f"{username}@amr.example.cn"
        )
    producer = signed_in("producer")
    clients = {name: signed_in(name) for name in REGULATORS}
    batch = demo_yogurt_batch()

    created = producer.post(
        "/api/v1/incidents/",
        {
            "title": "彭城原味酸奶致食物中毒",
            "description": "食用同批次酸奶后多人死亡。",
            "batches": [batch.pk],
            "region_code": "320312",
            "occurred_at": "2026-01-01T08:00:00+08:00",
            "discovered_at": "2026-01-01T08:00:00+08:00",
            "deaths": 12,
            "serious_injuries": 20,
            "minor_injuries": 40,
            "direct_loss": "3000000",
        },
        format="json",
    )
    # discovered long ago: the report is late and says so (the local product plan, default figures from Order 493's model: within 1 hour of discovery).
    assert created.status_code == 201, created.content
    body = created.json()
    incident_id, url = body["id"], f"/api/v1/incidents/{body['id']}/"
    assert (body["grade"], body["grade_provisional"], body["level"], body["reported_late"]) == (
        "II",
        True,
        "county",
        True,
    )
    t0 = Incident.objects.get(pk=incident_id).reported_at

    def sees():
        return [name for name, client in clients.items() if client.get(url).status_code == 200]

    assert sees() == ["county-regulator"]
    assert Notification.objects.filter(
        subject_id=incident_id, topic="incident.reported"
    ).get().email == ("county-regulator@amr.example.cn")

    # A supplementary report raising the figures recomputes the provisional grade.
    supplement = producer.post(
        url + "supplement/", {"deaths": 31, "reason": "又有19人不治"}, format="json"
    )
    assert supplement.status_code == 200, supplement.content
    assert (supplement.json()["grade"], supplement.json()["grade_provisional"]) == ("I", True)

    sweep(t0 + timedelta(minutes=61))
    assert sees() == ["county-regulator"]
    for hours, level in (
        (2, "city-regulator"),
        (4, "province-regulator"),
        (6, "national-regulator"),
    ):
        sweep(t0 + timedelta(hours=hours) - timedelta(seconds=1))
        assert level not in sees()
        sweep(t0 + timedelta(hours=hours, seconds=1))
        sweep(t0 + timedelta(hours=hours, seconds=1))  # again at the same time: nothing doubles
        assert level in sees()
        escalated_to = level.removesuffix("-regulator")
        assert (
            Notification.objects.filter(
                subject_id=incident_id, topic="incident.escalated", email=f"{level}@amr.example.cn"
            ).count()
            == 1
        ), escalated_to
    sweep(t0 + timedelta(days=2))
    assert sees() == list(REGULATORS)

    timeline = clients["national-regulator"].get(url + "timeline/").json()["results"]
    steps = [
        (
            row["action"],
            row["data"].get("to") or row["data"].get("level")
            if row["action"] in ("reminder", "escalated", "grade_changed")
            else None,
        )
        for row in timeline
    ]
    expected = [
        ("reported", None),
        ("reported_late", None),
        ("supplement", None),
        ("grade_changed", "I"),
    ]
    for level, nxt in (
        ("county", "city"),
        ("city", "province"),
        ("province", "national"),
        ("national", None),
    ):
        expected += [("reminder", level)] * 3
        if nxt:
            expected.append(("escalated", nxt))
    assert steps == expected
    assert [row["at"] for row in timeline] == sorted(row["at"] for row in timeline)
    escalations = [row for row in timeline if row["action"] == "escalated"]
    # Each escalation is stamped with its own deadline, 2 hours after the previous level got it.
    assert [datetime.fromisoformat(row["at"]) for row in escalations] == [
        t0 + timedelta(hours=h) for h in (2, 4, 6)
    ]
    assert Incident.objects.get(pk=incident_id).is_overdue
