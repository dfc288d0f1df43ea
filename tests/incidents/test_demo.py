"""The demo seed (issue 11 §12): incidents in several states, one escalated to the province,
one overdue, so a new user sees the chain at once."""

from trace.demo.seed import seed_demo

import pytest
from django.core.management import call_command

from incidents.demo import seed_incidents
from incidents.models import Incident

pytestmark = pytest.mark.django_db


def test_the_seed_shows_the_chain_and_runs_once():
    call_command("seed_demo")
    incidents = Incident.objects.order_by("id")
    assert {i.status for i in incidents} >= {"reported", "responding", "closed"}
    assert incidents.filter(level="province", status="responding").exists()
    overdue = incidents.get(is_overdue=True)
    assert overdue.level == "city"
    assert overdue.timeline.filter(action="escalated").count() == 1
    assert seed_incidents() == 0 and seed_demo()[0] is False
    assert (
        Incident.objects.exclude(source="complaint").count() == 4
    )  # + one from a demo complaint (issue 12)
