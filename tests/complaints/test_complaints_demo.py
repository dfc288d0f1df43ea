"""The demo seed (issue 12 §8): a few complaints, one answered, one converted to an incident,
and one risk signal."""

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
    assert Complaint.objects.count() == 5 and RiskSignal.objects.count() == 1
