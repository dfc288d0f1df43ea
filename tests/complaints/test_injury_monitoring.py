"""Injury monitoring over complaints AND incidents (issue 12 §5, seed 004).

An incident's own figures (deaths, serious and minor injuries) count per person hurt, beside the
injury complaints (one person each): in the groups regulators read and in the rule that raises a
risk signal, which then names the numbers and links to both the complaints and the incidents.
Each asker's groups come only from the incidents it may see (the local product plan, default figures from Order 493's model: a level sees an incident
once it reached that level)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from complaints.models import RiskSignal
from complaints.services import complaint_submit
from core.models import Notification
from incidents import services as incident_services
from tests.factories import produce

pytestmark = pytest.mark.django_db

GROUPS = "/api/v1/complaints/injury-groups/"


def report(dairy, batches, *, now, deaths=0, serious=0, minor=0):
    return incident_services.incident_report(
        actor=dairy.user,
        title="酸奶致病",
        description="消费者食用后出现腹泻",
        region_code="320312",
        occurred_at=now - timedelta(hours=2),
        discovered_at=now - timedelta(minutes=20),
        batch_ids=[b.pk for b in batches],
        deaths=deaths,
        serious_injuries=serious,
        minor_injuries=minor,
        now=now,
    )


def sweep(now):
    call_command("sweep_deadlines", "--now", now.isoformat())


def test_an_incident_with_injuries_counts_per_person_in_every_grouping(batch, chain, dairy):
    now = timezone.now()
    other = produce(dairy.user, batch.product, lot="YG02")
    report(dairy, [batch, other], now=now, deaths=1, serious=2, minor=3)
    complaint_submit(batch=batch, description="腹泻", injured=True)
    complaint_submit(batch=batch, description="包装破损", injured=False)  # no injury: not counted
    county = chain["county"].client

    by_batch = county.get(GROUPS + "?by=batch").json()
    assert by_batch == [
        {
            "group": batch.pk,
            "injury_complaints": 1,
            "incidents": 1,
            "deaths": 1,
            "serious_injuries": 2,
            "minor_injuries": 3,
            "casualties": 7,
        },
        {
            "group": other.pk,
            "injury_complaints": 0,
            "incidents": 1,
            "deaths": 1,
            "serious_injuries": 2,
            "minor_injuries": 3,
            "casualties": 6,
        },
    ]
    # On the product, in the region and in the week the incident counts once, not per batch.
    (product,) = county.get(GROUPS + "?by=product").json()
    assert (product["group"], product["incidents"], product["casualties"]) == (
        batch.product_id,
        1,
        7,
    )
    (region,) = county.get(GROUPS + "?by=region").json()
    assert (region["group"], region["casualties"]) == ("320312", 7)
    (week,) = county.get(GROUPS + "?by=week").json()
    assert (week["incidents"], week["casualties"]) == (1, 7)
    # The batch filter narrows both sides.
    filtered = county.get(GROUPS + f"?by=batch&batch={other.pk}").json()
    assert [(g["group"], g["casualties"]) for g in filtered] == [(other.pk, 6)]


def test_each_regulator_groups_only_the_incidents_it_may_see(batch, chain, dairy):
    """The incident is at the county (grade IV needs no more): the city reads the injury
    complaints of its region but not the incident; a regulator elsewhere reads nothing."""
    now = timezone.now()
    report(dairy, [batch], now=now, minor=4)
    complaint_submit(batch=batch, description="腹泻", injured=True)

    def casualties(persona):
        return [(g["incidents"], g["casualties"]) for g in persona.client.get(GROUPS).json()]

    assert casualties(chain["county"]) == [(1, 5)]
    assert casualties(chain["city"]) == [(0, 1)]
    assert casualties(chain["elsewhere"]) == []
    # The reporting enterprise sees its own incident (and no complaints: those are regulators').
    assert casualties(dairy) == [(1, 4)]


def test_a_rejected_incident_is_not_counted(batch, chain, dairy):
    incident = report(dairy, [batch], now=timezone.now(), minor=4)
    incident_services.incident_reject(
        incident_id=incident.pk, actor=chain["county"].user, reason="不属实"
    )
    assert chain["county"].client.get(GROUPS).json() == []


def test_an_incident_and_a_complaint_on_one_batch_raise_a_signal_naming_both(batch, chain, dairy):
    """Two hurt in an incident plus one injury complaint reach the threshold of 3 people."""
    complaint = complaint_submit(batch=batch, description="腹泻", injured=True)
    now = timezone.now()
    incident = report(dairy, [batch], now=now, minor=2)
    assert RiskSignal.objects.count() == 0  # incidents are checked by the sweep
    sweep(now)
    sweep(now)  # twice: still one signal, the incident added once
    signal = RiskSignal.objects.get()
    assert signal.kind == "injury_cluster"
    assert signal.evidence["casualties"] == 3
    assert signal.evidence["injury_complaints"] == 1 and signal.evidence["incidents"] == 1
    assert signal.evidence["incident_casualties"] == 2 and signal.evidence["threshold"] == 3
    assert list(signal.complaints.all()) == [complaint]
    assert list(signal.incidents.all()) == [incident]
    notes = Notification.objects.filter(topic="risk.injury_cluster")
    assert {n.organization for n in notes} == {chain["county"].org, dairy.org}
    for note in notes:
        assert note.payload["incidents"][0].endswith(f"/api/v1/incidents/{incident.pk}/")
        assert note.payload["complaints"][0].endswith(f"/api/v1/complaints/{complaint.pk}/")
    # The county sees the links; the city, which may not see the incident, gets no incident id.
    url = f"/api/v1/signals/{signal.pk}/"
    assert chain["county"].client.get(url).json()["incidents"] == [incident.pk]
    assert chain["city"].client.get(url).json()["incidents"] == []
    assert dairy.client.get(url).json()["incidents"] == [incident.pk]


def test_one_incident_with_enough_casualties_raises_a_signal_alone(batch, chain, dairy):
    now = timezone.now()
    incident = report(dairy, [batch], now=now, serious=3)
    sweep(now)
    signal = RiskSignal.objects.get()
    assert signal.evidence["casualties"] == 3 and signal.complaints.count() == 0
    assert signal.region_code == "320312" and signal.producer == dairy.org
    assert chain["county"].client.get("/api/v1/signals/").json()["results"][0]["incidents"] == [
        incident.pk
    ]


def test_a_later_incident_joins_the_open_signal_once(batch, chain, dairy):
    for _ in range(3):
        complaint_submit(batch=batch, description="腹泻", injured=True)
    signal = RiskSignal.objects.get()
    now = timezone.now()
    later = report(dairy, [batch], now=now, minor=1)
    sweep(now)
    sweep(now)
    assert RiskSignal.objects.count() == 1 and list(signal.incidents.all()) == [later]
    evidence = signal.timeline.filter(action="evidence_added")
    assert [row.data for row in evidence] == [{"casualties": 4, "incident": later.pk}]


def test_an_old_incident_is_outside_the_window(batch, chain, dairy, settings):
    now = timezone.now()
    report(dairy, [batch], now=now - timedelta(days=settings.RISK_INJURY_WINDOW_DAYS + 1), minor=2)
    complaint_submit(batch=batch, description="腹泻", injured=True)
    sweep(now)
    assert RiskSignal.objects.count() == 0


def test_incident_casualties_feed_the_product_trend_rule(batch, chain, dairy, settings):
    """This week's people hurt on the product ≥ 3 × the trailing weekly average."""
    settings.RISK_INJURY_MIN_COMPLAINTS = 100  # only the trend rule can fire
    settings.RISK_INJURY_TRAILING_WEEKS = 4
    now = timezone.now()
    complaint_submit(batch=batch, description="腹泻", injured=True, now=now - timedelta(days=20))
    other = produce(dairy.user, batch.product, lot="YG02")
    report(dairy, [other], now=now - timedelta(hours=1), minor=2)
    sweep(now)
    signal = RiskSignal.objects.get()
    assert signal.evidence["rule"] == "multiple_of_trailing_average"
    assert signal.evidence["this_week"] == 2 and signal.evidence["incidents"] == 1
    assert signal.evidence["trailing_weekly_average"] == 0.25
    assert list(signal.batches.all()) == [other]
