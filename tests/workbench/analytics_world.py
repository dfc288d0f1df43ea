"""The whole demo (the conftest's ``demo`` seeds the supply chain only) and helpers that build
small worlds of incidents, complaints and recalls for the figures' tests."""

import pytest

from incidents.complaints.demo import seed_complaints
from incidents.demo import seed_incidents
from recalls.demo import seed_recall_demo


@pytest.fixture
def full_demo(demo):
    """The demo as ``manage.py seed_demo`` makes it: incidents, recalls and complaints too."""
    seed_incidents()
    seed_recall_demo()
    seed_complaints()
    return demo
