"""The injury-signal benchmark at a tiny size (issue 19 §7): it runs, measures real work, and
leaves the database as it found it. Nothing here checks a speed (that is bench/'s job)."""

import pytest
from django.conf import settings

from bench import MEASURES
from bench.signals import measure
from complaints.models import Complaint, PendingInjuryCheck, RiskSignal
from incidents.models import Incident

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db,
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="the benchmarks need PostgreSQL (DATABASE_URL)",
    ),
]


def test_the_signal_benchmark_runs_tiny_and_cleans_up():
    assert MEASURES["signals"] == "bench.signals"  # a row of ``python -m bench``
    incidents, complaints = Incident.objects.count(), Complaint.objects.count()
    (row,) = measure(items=400, repetitions=2, seed=3, new_per_run=12)
    assert row.name == "injury_signal_sweep" and row.unit == "ms"
    assert row.value > 0 and row.baseline > 0 and row.ratio > 0
    assert row.met is not None and row.target.startswith("≤ 1000 ms")
    # Every run evaluated and joined each new incident once; an idle run did nothing.
    assert row.details["acted"] == [12, 12]
    assert len(row.details["idle_ms"]) == 2
    assert row.details["statements"] < 40  # statements for 12 incidents, not one per record
    assert (Incident.objects.count(), Complaint.objects.count()) == (incidents, complaints)
    assert not RiskSignal.objects.exists() and not PendingInjuryCheck.objects.exists()
