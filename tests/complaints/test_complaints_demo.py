"""The demo seed: a few complaints (one mediated to an agreement, one turned into an incident,
one escalated to the city past its decision deadline) and one risk signal."""

import pytest
from django.core.management import call_command

from complaints.demo import seed_complaints
from complaints.models import Complaint, RiskSignal

pytestmark = pytest.mark.django_db


def test_the_seed_adds_complaints_and_a_signal_once():
    call_command("seed_demo")
    statuses = set(Complaint.objects.values_list("status", flat=True))
    assert {"closed", "converted", "submitted"} <= statuses
    answered = Complaint.objects.get(status="closed")
    assert answered.reply and answered.timeline.filter(action="replied").exists()
    converted = Complaint.objects.get(status="converted")
    assert converted.incident.source == "complaint"
    assert converted.incident.timeline.filter(action="from_complaint").exists()
    signal = RiskSignal.objects.get()
    assert signal.kind == "injury_cluster" and signal.evidence["injury_complaints"] == 3
    assert seed_complaints() == 0
    call_command("seed_demo")
    assert Complaint.objects.count() == 6 and RiskSignal.objects.count() == 1


def test_the_demo_city_can_act_on_the_complaint_escalated_to_it(client):
    """A complaint the county left undecided past its decision deadline (SAMR Order 20
    Art. 14) reaches Xuzhou city, whose regulator takes it over from the workbench."""
    from django.contrib.auth import get_user_model

    call_command("seed_demo")
    escalated = Complaint.objects.get(escalated=True)
    assert escalated.timeline.filter(action="overdue_escalated").exists()
    client.force_login(get_user_model().objects.get(username="city-regulator"))
    page = client.get(f"/workbench/complaints/{escalated.pk}/").content.decode()
    assert f"/workbench/complaints/{escalated.pk}/do/take-over/" in page
    response = client.post(f"/workbench/complaints/{escalated.pk}/do/take-over/", {})
    assert response.status_code in (200, 302)
    assert escalated.timeline.filter(action="taken_over").exists()
