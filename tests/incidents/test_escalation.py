"""A level the sweep escalated an incident to acts on it: takes the case over, urges the level
handling it with a deadline, or hands a case it took over back with a reason."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.models import Notification
from incidents import escalation, services
from incidents.models import Incident

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SH)


@pytest.fixture
def escalated(chain, dairy, batch):
    """A grade I incident the county did not pass up in time: the sweep took it to the city."""
    incident = services.incident_report(
        actor=dairy.user,
        title="酸奶致病",
        description="消费者食用后住院",
        region_code="320312",
        kind="incident",
        occurred_at=T0 - timedelta(hours=2),
        discovered_at=T0 - timedelta(minutes=20),
        batch_ids=[batch.pk],
        deaths=12,
        now=T0,
    )
    due = Incident.objects.get(pk=incident.pk).escalation_due_at
    services.incidents_sweep(due + timedelta(minutes=1))
    incident.refresh_from_db()
    assert incident.level == "city" and incident.handling_level == "county"
    return incident


def fields(response):
    return [e["field"] for e in response.json()["errors"]]


def _url(incident, action):
    return f"/api/v1/incidents/{incident.pk}/{action}/"


def test_the_city_takes_over_and_then_handles_the_case(chain, escalated):
    city, county = chain["city"], chain["county"]
    answer = city.client.post(_url(escalated, "take-over"), {"reason": "县局未按时上报"})
    assert answer.status_code == 200, answer.data
    assert answer.data["handling_level"] == "city"
    row = escalated.timeline.get(action="taken_over")
    assert row.data == {"from": "county", "to": "city"}
    assert row.actor_organization == city.org and row.reason == "县局未按时上报"
    assert Notification.objects.filter(
        topic="incident.taken_over", organization=county.org
    ).exists()
    # the handling actions moved with the case: the city accepts, the county no longer may
    assert county.client.post(_url(escalated, "accept"), {}).status_code == 403
    assert city.client.post(_url(escalated, "accept"), {}).status_code == 200
    # taking over twice is refused: the city already handles it
    again = city.client.post(_url(escalated, "take-over"), {})
    assert again.status_code == 403
    assert again.json()["type"].endswith("holding-level-above-handler")


def test_only_the_holding_level_above_the_handler_takes_over(chain, escalated):
    for name in ("county", "province", "national"):
        answer = chain[name].client.post(_url(escalated, "take-over"), {})
        assert answer.status_code in (403, 404), (name, answer.status_code)
    elsewhere = chain["elsewhere"].client.post(_url(escalated, "take-over"), {})
    assert elsewhere.status_code == 404


def test_hand_back_needs_a_reason_and_returns_the_case(chain, escalated):
    city, county = chain["city"], chain["county"]
    refused = city.client.post(_url(escalated, "hand-back"), {"reason": "交回"})
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("taken-over-only")
    escalation.incident_take_over(incident_id=escalated.pk, actor=city.user)
    missing = city.client.post(_url(escalated, "hand-back"), {})
    assert missing.status_code == 400
    assert fields(missing)[0] == "reason"
    answer = city.client.post(_url(escalated, "hand-back"), {"reason": "属地处置更便利"})
    assert answer.status_code == 200, answer.data
    assert answer.data["handling_level"] == "county"
    assert escalated.timeline.filter(action="handed_back").get().data == {
        "from": "city",
        "to": "county",
    }
    assert Notification.objects.filter(
        topic="incident.handed_back", organization=county.org
    ).exists()
    assert county.client.post(_url(escalated, "accept"), {}).status_code == 200


def test_the_city_urges_the_county_with_a_deadline(chain, escalated):
    city, county = chain["city"], chain["county"]
    past = city.client.post(_url(escalated, "urge"), {"due_at": "2020-01-01T00:00:00+08:00"})
    assert past.status_code == 400
    assert fields(past)[0] == "due_at"
    due_at = (datetime.now(SH) + timedelta(days=2)).replace(microsecond=0)
    answer = city.client.post(
        _url(escalated, "urge"), {"due_at": due_at.isoformat(), "reason": "请立即受理"}
    )
    assert answer.status_code == 200, answer.data
    row = escalated.timeline.get(action="urged")
    assert row.data["level"] == "county" and row.data["by"] == "city"
    assert Notification.objects.filter(topic="incident.urged", organization=county.org).exists()
    pending = escalation.open_urge(escalated, county.org)
    assert pending["due_at"] == due_at and pending["reason"] == "请立即受理"
    assert escalation.open_urge(escalated, city.org) is None
    # the county acting on the incident answers the urge
    services.incident_accept(incident_id=escalated.pk, actor=county.user)
    assert escalation.open_urge(escalated, county.org) is None


def test_the_county_may_not_urge_or_take_over_its_own_case(chain, escalated):
    county = chain["county"]
    assert county.client.post(_url(escalated, "urge"), {}).status_code == 403
    assert escalation.escalation_actions_for(incident=escalated, actor=county.user) == []
    assert escalation.escalation_actions_for(incident=escalated, actor=chain["city"].user) == [
        "take-over",
        "urge",
    ]
