"""The city acts on what the sweep escalated to it, from the workbench: the incident and the
complaint pages offer take over / urge / hand back, and the inbox says what is wanted; an
overdue report stays in its owner's inbox until it is filed."""

from datetime import timedelta
from trace.models import Batch

import pytest
from django.utils import timezone

from complaints import services as complaint_services
from complaints.models import Complaint
from incidents import services
from incidents.models import Incident, IncidentTimeline
from tests.workbench.test_records import seeded  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def _row(html: str, key: str) -> str:
    return html.split(f'data-item="{key}"')[1].split("</li>")[0]


def test_the_city_takes_over_an_escalated_incident_and_handles_it(client, seeded):  # noqa: F811
    incident = Incident.objects.get(
        title="消费者反映酸奶异味"
    )  # escalated to the city by the sweep
    assert incident.level == "city" and incident.handling_level == "county"
    client.force_login(seeded["city-regulator"])
    inbox = client.get("/workbench/inbox/items/?lang=en").content.decode()
    assert "take over or urge" in _row(inbox, f"incident-{incident.pk}")
    page = client.get(f"/workbench/incidents/{incident.pk}/?lang=en").content.decode()
    base = f"/workbench/incidents/{incident.pk}/do/"
    assert f'action="{base}take-over/"' in page and f'action="{base}urge/"' in page
    assert f'action="{base}accept/"' not in page  # the county handles it until taken over

    response = client.post(f"{base}take-over/", {"reason": "县局逾期未处置"})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.handling_level == "city"
    page = client.get(f"/workbench/incidents/{incident.pk}/?lang=en").content.decode()
    assert f'action="{base}accept/"' in page and f'action="{base}hand-back/"' in page
    assert "Taken over" in page and "County → City" in page

    # a hand-back without its reason is refused on the page, with the reason as the field
    response = client.post(f"{base}hand-back/", {"reason": ""}, follow=True)
    assert "reason" in response.content.decode()
    incident.refresh_from_db()
    assert incident.handling_level == "city"
    client.post(f"{base}hand-back/", {"reason": "交由属地县局继续办理"})
    incident.refresh_from_db()
    assert incident.handling_level == "county"


def test_an_urge_reaches_the_county_inbox_until_it_acts(client, seeded):  # noqa: F811
    incident = Incident.objects.get(title="消费者反映酸奶异味")
    client.force_login(seeded["city-regulator"])
    when = timezone.localtime(timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    client.post(f"/workbench/incidents/{incident.pk}/do/urge/", {"due_at": when, "reason": "速办"})
    assert IncidentTimeline.objects.filter(incident=incident, action="urged").exists()
    client.force_login(seeded["county-regulator"])
    row = _row(
        client.get("/workbench/inbox/items/?lang=en").content.decode(), f"incident-{incident.pk}"
    )
    assert "urged by the level above" in row and "act as urged" in row
    services.incident_accept(incident_id=incident.pk, actor=seeded["county-regulator"])
    row = _row(
        client.get("/workbench/inbox/items/?lang=en").content.decode(), f"incident-{incident.pk}"
    )
    assert "urged by the level above" not in row


def test_the_city_takes_over_an_escalated_complaint(client, seeded):  # noqa: F811
    complaint = Complaint.objects.filter(status="submitted").order_by("id").first()
    complaint_services.complaints_sweep(complaint.accept_due_at + timedelta(minutes=1))
    complaint.refresh_from_db()
    assert complaint.escalated
    client.force_login(seeded["city-regulator"])
    key = f"complaint-{complaint.pk}"
    assert "take over or urge it" in _row(
        client.get("/workbench/inbox/items/?lang=en").content.decode(), key
    )
    base = f"/workbench/complaints/{complaint.pk}/do/"
    page = client.get(f"/workbench/complaints/{complaint.pk}/").content.decode()
    assert f'action="{base}take-over/"' in page and f'action="{base}accept/"' not in page
    client.post(f"{base}take-over/", {})
    page = client.get(f"/workbench/complaints/{complaint.pk}/").content.decode()
    assert f'action="{base}accept/"' in page and f'action="{base}hand-back/"' in page
    client.post(f"{base}accept/", {"reason": "市局提级办理"})
    complaint.refresh_from_db()
    assert complaint.status == "accepted"
    # the county no longer handles it
    assert not complaint_services.is_handler(seeded["county-regulator"], complaint)


def test_an_overdue_supplement_stays_in_the_reporter_inbox_until_filed(client, seeded):  # noqa: F811
    producer = seeded["producer"]
    batch = Batch.objects.filter(product__owner=producer.membership.organization).first()
    long_ago = timezone.now() - timedelta(days=90)
    incident = services.incident_report(
        actor=producer,
        title="补充报告逾期",
        description="…",
        region_code="320312",
        batch_ids=[batch.pk],
        occurred_at=long_ago - timedelta(hours=2),
        discovered_at=long_ago - timedelta(hours=1),
        now=long_ago,
    )
    assert incident.supplement_due_at is not None
    services.incidents_sweep(timezone.now())
    incident.refresh_from_db()
    assert incident.supplement_due_at is None  # the sweep noticed it and told the reporter
    client.force_login(producer)
    key = f"incident-{incident.pk}"
    html = client.get("/workbench/inbox/items/?lang=en").content.decode()
    assert "supplementary report: overdue" in _row(html, key)
    services.incident_supplement(incident_id=incident.pk, actor=producer, reason="补充")
    html = client.get("/workbench/inbox/items/?lang=en").content.decode()
    assert key not in html or "supplementary report: overdue" not in _row(html, key)
