"""Who sees an incident on the reporting chain: the levels it has actually reached (issue 11 §9: a
regulator sees an incident in its jurisdiction "once it has reached its level (reported, escalated
or skipped to it)"; issue 11 §4: a level may skip upward, 越级上报).

A level that was skipped has not reached the incident and does not see it. The chain goes on upward
from the level that holds it, so a later pass-up or escalation by the sweep never reaches a skipped
level below; it sees the incident only once it is informed (``inform_skipped`` on a pass-up).
"""

import importlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps as django_apps

from core.models import Notification
from incidents import services
from incidents.models import Incident, IncidentTimeline
from incidents.services import incidents_sweep

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SH)
URL = "/api/v1/incidents/"
LEVELS = ("county", "city", "province", "national")


def report(dairy, batch, *, deaths=12, now=T0, kind="incident"):
    return services.incident_report(
        actor=dairy.user,
        title="酸奶致病",
        description="消费者食用后住院",
        region_code="320312",
        kind=kind,
        occurred_at=now - timedelta(hours=2),
        discovered_at=now - timedelta(minutes=20),
        batch_ids=[batch.pk],
        deaths=deaths,
        now=now,
    )


def seen_by(chain, incident):
    """The levels of the chain that see the incident, through the one visibility rule."""
    return {
        level
        for level in LEVELS
        if Incident.objects.visible_to(chain[level].user).filter(pk=incident.pk).exists()
    }


def skip_to_province(chain, incident, **kwargs):
    return services.incident_report_up(
        incident_id=incident.pk,
        actor=chain["county"].user,
        to_level="province",
        reason="情况紧急",
        now=T0 + timedelta(minutes=10),
        **kwargs,
    )


def test_a_level_skipped_upward_does_not_see_the_incident(chain, dairy, batch):
    """Issue 11 §9 and §4: the county passes it straight to the province (越级上报); the city was
    skipped, so it has not reached the city and the city does not see it, in the list or by id."""
    incident = report(dairy, batch)
    skip_to_province(chain, incident)
    incident.refresh_from_db()
    assert incident.levels_reached == ["county", "province"]
    assert seen_by(chain, incident) == {"county", "province"}
    assert chain["city"].client.get(f"{URL}{incident.pk}/").status_code == 404
    assert incident.pk not in [row["id"] for row in chain["city"].client.get(URL).json()["results"]]
    body = chain["province"].client.get(f"{URL}{incident.pk}/").json()
    assert body["levels_reached"] == ["county", "province"]


def test_a_later_escalation_goes_on_upward_and_leaves_the_skipped_level_out(chain, dairy, batch):
    """The local product plan (defaults from Order 493's model): each level passes it up within 2 hours; the sweep escalates from the level that
    holds it (province → national), never back down to the city the county skipped."""
    incident = report(dairy, batch)  # grade II: must reach the national level
    skip_to_province(chain, incident)
    incidents_sweep(T0 + timedelta(minutes=10, hours=2, seconds=1))
    incident.refresh_from_db()
    assert incident.level == "national"
    assert seen_by(chain, incident) == {"county", "province", "national"}
    assert not Notification.objects.filter(organization=chain["city"].org).exists()


def test_each_level_escalated_to_sees_it_from_then_on(chain, dairy, batch):
    """Issue 11 "Done when": with nobody acting, each level sees the incident only from its
    escalation on (the local product plan, default figures from Order 493's model: 2 hours per level); nothing is skipped, every level reached."""
    incident = report(dairy, batch)
    seen = []
    for hours in (0, 2, 4, 6):
        incidents_sweep(T0 + timedelta(hours=hours, seconds=1))
        seen.append(seen_by(chain, incident))
    assert seen == [{"county"}, {"county", "city"}, {"county", "city", "province"}, set(LEVELS)]


def test_a_skipped_level_informed_later_sees_it_but_does_not_hold_it(chain, dairy, batch):
    """A skipped level is reached later when it is informed: the province passes the incident on
    to the national level and informs the city the county skipped; the city is notified and sees
    the incident, but only the level holding it acknowledges or passes it up (the local product plan)."""
    incident = report(dairy, batch)
    skip_to_province(chain, incident)
    services.incident_report_up(
        incident_id=incident.pk,
        actor=chain["province"].user,
        inform_skipped=True,
        now=T0 + timedelta(minutes=30),
    )
    incident.refresh_from_db()
    assert (incident.level, incident.levels_reached) == ("national", list(LEVELS))
    assert seen_by(chain, incident) == set(LEVELS)
    informed = IncidentTimeline.objects.get(incident=incident, action="informed")
    assert informed.data == {"levels": ["city"]}
    assert list(
        Notification.objects.filter(organization=chain["city"].org).values_list("topic", flat=True)
    ) == ["incident.informed"]
    response = chain["city"].client.post(f"{URL}{incident.pk}/acknowledge/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["type"].endswith("/current-level-only")


def test_informing_the_skipped_level_on_the_skip_itself(chain, dairy, batch):
    """The county may skip the city and inform it in the same pass-up (API ``inform_skipped``)."""
    incident = report(dairy, batch)
    response = chain["county"].client.post(
        f"{URL}{incident.pk}/report-up/",
        {"to_level": "province", "inform_skipped": True, "reason": "情况紧急"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["levels_reached"] == ["county", "city", "province"]
    assert response.json()["level"] == "province"
    assert chain["city"].client.get(f"{URL}{incident.pk}/").status_code == 200


def test_a_defect_sent_to_the_province_is_not_seen_by_the_levels_below(chain, dairy, batch):
    """SAMR Order 19: a casualty-free consumer-product defect is reported to the provincial
    regulator; the county and the city were not reached and do not see it."""
    incident = report(dairy, batch, deaths=0, kind="defect")
    assert incident.levels_reached == ["province"]
    assert seen_by(chain, incident) == {"province"}


def test_the_migration_fills_the_levels_reached_from_the_timeline(chain, dairy, batch):
    """Rows written before the levels were recorded get them from their timeline: every level up
    to the one held, except the levels a pass-up skipped or a first report went past."""
    passed = report(dairy, batch)
    services.incident_report_up(
        incident_id=passed.pk, actor=chain["county"].user, now=T0 + timedelta(minutes=5)
    )
    skipped = report(dairy, batch)
    skip_to_province(chain, skipped)
    defect = report(dairy, batch, deaths=0, kind="defect")
    expected = {
        i.pk: Incident.objects.get(pk=i.pk).levels_reached for i in (passed, skipped, defect)
    }
    assert expected == {
        passed.pk: ["county", "city"],
        skipped.pk: ["county", "province"],
        defect.pk: ["province"],
    }
    Incident.objects.update(**{f"reached_{level}": False for level in LEVELS})
    migration = importlib.import_module("incidents.migrations.0003_levels_reached")
    migration.fill_reached(django_apps, None)
    assert {pk: Incident.objects.get(pk=pk).levels_reached for pk in expected} == expected


@pytest.mark.parametrize("action", ["accept", "reject", "merge", "extend", "conclude", "transfer"])
def test_the_wrong_level_is_refused_before_its_input_is_read(chain, dairy, batch, action):
    """Issue 11 "Bad input" (an action by the wrong level): the city, which sees the incident,
    sends an empty body to an action only the handling county takes (or, for extend and conclude,
    the investigating county: a grade IV product incident under the local plan), and gets 403
    naming the rule (``handling-level-only`` / ``investigating-level-only``), not a 400 about
    the missing input."""
    investigation = action in ("extend", "conclude")
    incident = report(dairy, batch, deaths=0 if investigation else 12)
    services.incident_report_up(
        incident_id=incident.pk, actor=chain["county"].user, now=T0 + timedelta(minutes=5)
    )
    response = chain["city"].client.post(f"{URL}{incident.pk}/{action}/", {}, format="json")
    assert response.status_code == 403, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    rule = "investigating" if investigation else "handling"
    assert response.json()["type"].endswith(f"/{rule}-level-only")
    # the county, which handles it, gets as far as its input
    response = chain["county"].client.post(f"{URL}{incident.pk}/{action}/", {}, format="json")
    assert response.status_code in (200, 400), response.content


def test_the_level_not_holding_the_incident_is_refused_before_the_state(chain, dairy, batch):
    """The county passed the incident up: it no longer holds it, so passing it up again is 403
    (``current-level-only``) whatever it sends; and an enterprise is 403 (``regulator-only``)."""
    incident = report(dairy, batch)
    services.incident_report_up(
        incident_id=incident.pk, actor=chain["county"].user, now=T0 + timedelta(minutes=5)
    )
    response = chain["county"].client.post(
        f"{URL}{incident.pk}/report-up/", {"to_level": "nowhere"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["type"].endswith("/current-level-only")
    response = dairy.client.post(f"{URL}{incident.pk}/grade/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["type"].endswith("/regulator-only")
