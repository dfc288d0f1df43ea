"""The inbox: what needs this user now, most urgent first, through the visibility rules."""

import re
from datetime import timedelta
from trace.models import Batch

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents import services
from incidents.models import Incident
from tests.workbench.test_records import seeded  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def _keys(html: str) -> list[str]:
    return re.findall(r'data-item="([a-z]+-\d+)"', html)


def test_the_county_sees_overdue_incidents_first_with_how_late(client, seeded):  # noqa: F811
    client.force_login(seeded["county-regulator"])
    html = client.get("/workbench/?lang=en").content.decode()
    keys = _keys(html)
    # The demo's overdue items: an escalated incident and a complaint left undecided past its
    # decision deadline (Order 20 Art. 14), which the sweep escalated to the city.
    assert keys and keys[0].startswith(("incident-", "complaint-"))
    items = re.split(r'<li class="wb-card wb-inbox-item', html)[1:]
    assert "wb-inbox-item--overdue" in items[0] and "overdue by" in items[0]
    # Overdue before the rest; the demo's escalated incident waits for the county's acceptance.
    flags = ["wb-inbox-item--overdue" in i.split(">", 1)[0] for i in items]
    assert flags == sorted(flags, reverse=True)
    escalated = Incident.objects.get(title="消费者反映酸奶异味")
    assert f"incident-{escalated.pk}" in keys[: flags.count(True)]
    assert 'id="inbox-counts"' in html and "overdue" in html


def test_filters_by_kind_and_overdue(client, seeded):  # noqa: F811
    client.force_login(seeded["county-regulator"])
    keys = _keys(client.get("/workbench/?kind=complaint").content.decode())
    assert keys and all(k.startswith("complaint-") for k in keys)
    keys = _keys(client.get("/workbench/?overdue=1").content.decode())
    assert keys and all(k.startswith(("incident-", "complaint-")) for k in keys)
    assert any(k.startswith("complaint-") for k in keys)  # the one left undecided
    signals = _keys(client.get("/workbench/?kind=signal").content.decode())
    assert signals and all(k.startswith("signal-") for k in signals)


def test_the_fragment_is_the_list_alone(client, seeded):  # noqa: F811
    client.force_login(seeded["county-regulator"])
    page = client.get("/workbench/?kind=incident").content.decode()
    assert 'data-poll-url="/workbench/inbox/items/?kind=incident"' in page
    fragment = client.get("/workbench/inbox/items/?kind=incident")
    assert fragment["Cache-Control"] == "private, no-store"
    body = fragment.content.decode()
    assert "<html" not in body and _keys(body) == _keys(page)
    # No token in the list (the buttons post the page's one form), so an unchanged list
    # answers the same HTML and the page leaves it alone.
    assert "csrfmiddlewaretoken" not in body and 'form="inbox-act"' in body
    assert 'id="inbox-act"' in page and "csrfmiddlewaretoken" in page


def test_the_city_sees_a_county_incident_only_once_passed_up(client, seeded):  # noqa: F811
    fresh = Incident.objects.get(title="酸奶杯内发现异物")
    key = f"incident-{fresh.pk}"
    client.force_login(seeded["city-regulator"])
    assert key not in _keys(client.get("/workbench/inbox/items/").content.decode())
    services.incident_report_up(incident_id=fresh.pk, actor=seeded["county-regulator"])
    html = client.get("/workbench/inbox/items/?lang=en").content.decode()
    assert key in _keys(html)
    row = html.split(f'data-item="{key}"')[1].split("</li>")[0]
    assert "to acknowledge" in row and f"/workbench/incidents/{fresh.pk}/do/acknowledge/" in row


def test_an_enterprise_sees_its_own_things_never_another_s(client, seeded):  # noqa: F811
    client.force_login(seeded["producer"])
    own = _keys(client.get("/workbench/").content.decode())
    assert any(k.startswith("recall-") for k in own)  # its active recall's progress report
    reported = Incident.objects.filter(reporter=seeded["producer"].membership.organization)
    assert {f"incident-{i.pk}" for i in reported.open()} <= set(own)  # supplements it owes
    client.force_login(seeded["ranch"])
    html = client.get("/workbench/").content.decode()
    assert not any(k.startswith(("recall-", "incident-")) for k in _keys(html))
    # A consignee of the active recall is asked to acknowledge its notice.
    client.force_login(seeded["retailer"])
    keys = _keys(client.get("/workbench/").content.decode())
    assert any(k.startswith("notice-") for k in keys)
    assert not any(k.startswith(("recall-", "incident-")) for k in keys)


def test_a_quick_button_comes_back_to_the_inbox(client, seeded):  # noqa: F811
    fresh = Incident.objects.get(title="酸奶杯内发现异物")
    client.force_login(seeded["county-regulator"])
    response = client.post(
        f"/workbench/incidents/{fresh.pk}/do/accept/", {"next": "/workbench/?kind=incident"}
    )
    assert response.status_code == 302 and response["Location"] == "/workbench/?kind=incident"
    fresh.refresh_from_db()
    assert fresh.status == "accepted"
    # An address elsewhere is not followed.
    response = client.post(
        f"/workbench/incidents/{fresh.pk}/do/acknowledge/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == f"/workbench/incidents/{fresh.pk}/"


def _report(producer, n: int) -> None:
    batch = Batch.objects.filter(product__owner=producer.membership.organization).first()
    now = timezone.now()
    for i in range(n):
        services.incident_report(
            actor=producer,
            title=f"测试 {i}",
            description="…",
            region_code="320312",
            batch_ids=[batch.pk],
            occurred_at=now - timedelta(hours=2),
            discovered_at=now - timedelta(hours=1),
        )


@pytest.mark.parametrize("url", ["/workbench/", "/workbench/incidents/"])
def test_more_incidents_cost_no_more_queries(client, seeded, url):  # noqa: F811
    client.force_login(seeded["county-regulator"])
    client.get(url)  # sessions, the calendar and the like settle
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    _report(seeded["producer"], 5)
    with CaptureQueriesContext(connection) as after:
        response = client.get(url)
    assert len(_keys(response.content.decode())) or "data-id=" in response.content.decode()
    assert len(after.captured_queries) == len(before.captured_queries)


def test_a_county_escalated_past_sees_its_late_report_up_as_overdue_until_filed(client, demo):
    """The local product plan (defaults from Order 493's model): the county still owes its report up after the sweep alerted the city; the inbox
    keeps it among the overdue items, with the pass-up button, until the county files it."""
    from django.utils import timezone

    from incidents.models import Incident
    from incidents.services import owes_late_report

    county = demo["county-regulator"]
    org = county.membership.organization
    escalated = [i for i in Incident.objects.filter(level="city") if owes_late_report(i, org)]
    assert escalated, "the demo has an incident the sweep escalated past the county"
    incident = escalated[0]
    client.force_login(county)
    page = client.get("/workbench/inbox/items/").content.decode()
    assert f"/workbench/incidents/{incident.pk}/do/report-up/" in page
    response = client.post(f"/workbench/incidents/{incident.pk}/do/report-up/", {})
    assert response.status_code == 302
    row = incident.timeline.filter(action="reported_up").latest("pk")
    assert row.data["late"] is True and row.at <= timezone.now()
    page = client.get("/workbench/inbox/items/").content.decode()
    assert f"/workbench/incidents/{incident.pk}/do/report-up/" not in page
