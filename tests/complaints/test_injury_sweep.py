"""Injury signals after an outage and at volume (issue 19 §7).

The incidents' side of injury monitoring runs from a queue filled in the transaction that
reports an incident (or changes its figures): a run evaluates only what is queued, each incident
at its own time. So a sweep after twelve days of downtime raises the signals whose windows closed
while it was down (the old sweep only looked back seven days from its own clock, and missed
them), each once; and a run with nothing new reads no incident, complaint or signal."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints.models import PendingInjuryCheck, RiskSignal
from complaints.risk import sliding_casualties, window_casualties
from complaints.risk.injuries import _batch_window, _people
from complaints.services import complaint_submit, incident_injuries_sweep
from core.models import Notification
from incidents import services as incident_services
from tests.factories import produce

pytestmark = pytest.mark.django_db


def report(dairy, batches, *, at, minor=0, serious=0):
    return incident_services.incident_report(
        actor=dairy.user,
        title="酸奶致病",
        description="消费者食用后出现腹泻",
        region_code="320312",
        occurred_at=at - timedelta(hours=2),
        discovered_at=at - timedelta(minutes=20),
        batch_ids=[b.pk for b in batches],
        serious_injuries=serious,
        minor_injuries=minor,
        now=at,
    )


@pytest.fixture
def start():
    """The last sweep before the outage, a month ago."""
    return timezone.now() - timedelta(days=30)


def test_a_sweep_after_a_twelve_day_outage_raises_every_signal_missed_once(
    batch, chain, dairy, start, settings
):
    settings.RISK_INJURY_MULTIPLE_MIN = 100  # the per-lot rule only (the trend has its test)
    assert incident_injuries_sweep(start) == 0
    lot_x = batch
    lot_y = produce(dairy.user, batch.product, lot="YG02")
    lot_z = produce(dairy.user, batch.product, lot="YG03")
    # X: 2 + 1 people within a day, on days 1 and 2 (the window closing on day 2 holds 3).
    report(dairy, [lot_x], at=start + timedelta(days=1), minor=2)
    report(dairy, [lot_x], at=start + timedelta(days=2), minor=1)
    # Y: one incident with 3 seriously injured on day 9.
    report(dairy, [lot_y], at=start + timedelta(days=9), serious=3)
    # Z: 1 and 2 people eight days apart: no 7-day window holds 3.
    report(dairy, [lot_z], at=start + timedelta(days=3), minor=1)
    report(dairy, [lot_z], at=start + timedelta(days=11), minor=2)

    back = start + timedelta(days=13)  # X's incidents are 11 and 12 days old: outside 7 days
    assert incident_injuries_sweep(back) == 2
    signals = {s.batches.get(): s for s in RiskSignal.objects.all()}
    assert set(signals) == {lot_x, lot_y}
    # Raised as of the moment its window closed, with the figures of that window.
    assert signals[lot_x].raised_at == start + timedelta(days=2)
    assert signals[lot_x].evidence["casualties"] == 3
    assert signals[lot_x].evidence["incidents"] == 2
    assert signals[lot_y].raised_at == start + timedelta(days=9)
    assert PendingInjuryCheck.objects.count() == 0
    notes = Notification.objects.filter(topic="risk.injury_cluster").count()
    assert notes > 0

    # Run again, at the same time and later: each signal was raised exactly once.
    assert incident_injuries_sweep(back) == 0
    assert incident_injuries_sweep(back + timedelta(minutes=1)) == 0
    assert RiskSignal.objects.count() == 2
    assert Notification.objects.filter(topic="risk.injury_cluster").count() == notes


def test_a_run_with_nothing_new_reads_nothing_but_the_empty_queue(batch, chain, dairy, start):
    for day in (1, 2, 3):
        report(dairy, [batch], at=start + timedelta(days=day), minor=1)
    assert incident_injuries_sweep(start + timedelta(days=4)) == 1
    with CaptureQueriesContext(connection) as run:
        assert incident_injuries_sweep(start + timedelta(days=4, minutes=1)) == 0
    statements = [q["sql"] for q in run.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 1, statements
    assert "complaints_pendinginjurycheck" in statements[0]
    for table in ('incidents_incident"', 'complaints_complaint"', 'complaints_risksignal"'):
        assert table not in statements[0].split("INNER JOIN")[0]


def test_the_work_of_a_run_does_not_grow_with_the_incidents_already_seen(
    batch, chain, dairy, start
):
    """One new incident on a lot with 3 earlier incidents, then on a lot with 15: the same
    statements (the figures are counted by the database, not read row by row)."""
    small, big = batch, produce(dairy.user, batch.product, lot="YG-BIG")
    for i in range(3):
        report(dairy, [small], at=start + timedelta(hours=1 + i), minor=1)
    for i in range(15):
        report(dairy, [big], at=start + timedelta(hours=1 + i), minor=1)
    incident_injuries_sweep(start + timedelta(days=1))
    assert RiskSignal.objects.count() == 2  # one on each lot, the later incidents joined it

    def one_new_on(lot, at):
        report(dairy, [lot], at=at, minor=1)
        with CaptureQueriesContext(connection) as run:
            assert incident_injuries_sweep(at) == 1  # it joins the open signal
        return len(run.captured_queries)

    at = start + timedelta(days=1, hours=1)
    assert one_new_on(small, at) == one_new_on(big, at + timedelta(minutes=1))


def test_a_missed_weekly_trend_is_raised_for_the_week_it_happened(
    batch, chain, dairy, start, settings
):
    """The product rule too: this week's people ≥ 3 × the trailing weekly average, decided as of
    the incident's time and keyed by that week."""
    settings.RISK_INJURY_MIN_COMPLAINTS = 100  # only the trend rule can fire
    settings.RISK_INJURY_TRAILING_WEEKS = 4
    other = produce(dairy.user, batch.product, lot="YG02")
    report(dairy, [batch], at=start + timedelta(days=1), minor=1)
    spike = report(dairy, [other], at=start + timedelta(days=20), minor=2)
    assert incident_injuries_sweep(start + timedelta(days=29)) == 1
    signal = RiskSignal.objects.get()
    assert signal.evidence["rule"] == "multiple_of_trailing_average"
    assert signal.raised_at == spike.reported_at
    assert signal.evidence["this_week"] == 2 and signal.evidence["trailing_weekly_average"] == 0.25


def test_new_figures_on_an_incident_are_evaluated_again(batch, chain, dairy, start):
    """A supplementary report raises the count after the incident was evaluated."""
    first = report(dairy, [batch], at=start + timedelta(hours=1), minor=1)
    report(dairy, [batch], at=start + timedelta(hours=2), minor=1)
    assert incident_injuries_sweep(start + timedelta(hours=3)) == 0
    incident_services.incident_supplement(
        incident_id=first.pk, actor=dairy.user, minor_injuries=2, reason="又有一人就医"
    )
    assert PendingInjuryCheck.objects.filter(incident=first).exists()
    assert incident_injuries_sweep(timezone.now()) == 1
    assert RiskSignal.objects.get().evidence["casualties"] == 3


def test_an_incident_reported_after_the_runs_clock_waits_for_a_later_run(
    batch, chain, dairy, start
):
    report(dairy, [batch], at=start + timedelta(days=2), serious=3)
    assert incident_injuries_sweep(start + timedelta(days=1)) == 0
    assert PendingInjuryCheck.objects.count() == 1
    assert incident_injuries_sweep(start + timedelta(days=2, minutes=1)) == 1


def test_an_incident_without_casualties_is_never_queued(batch, chain, dairy, start):
    report(dairy, [batch], at=start + timedelta(days=1))
    assert PendingInjuryCheck.objects.count() == 0


def test_the_sweeps_one_statement_counts_what_the_rule_counts(batch, chain, dairy, start):
    """``window_casualties`` (the sweep's one statement for a chunk) against the rule's own
    counts: injured complaints only, rejected incidents not, every lot an incident names."""
    other = produce(dairy.user, batch.product, lot="YG02")
    at = start + timedelta(days=1)
    report(dairy, [batch, other], at=at, minor=2, serious=1)
    report(dairy, [other], at=at + timedelta(hours=1), minor=4)
    rejected = report(dairy, [batch], at=at + timedelta(hours=2), minor=5)
    incident_services.incident_reject(
        incident_id=rejected.pk, actor=chain["county"].user, reason="不属实"
    )
    report(dairy, [batch], at=at - timedelta(days=8), minor=7)  # outside every window below
    complaint_submit(batch=batch, description="腹泻", injured=True, now=at + timedelta(hours=3))
    complaint_submit(batch=batch, description="破损", injured=False, now=at + timedelta(hours=3))
    moments = [at, at + timedelta(hours=1), at + timedelta(hours=4), at + timedelta(days=6)]
    pairs = [(lot.pk, moment) for lot in (batch, other) for moment in moments]
    expected = []
    for batch_id, moment in pairs:
        complaints, _n, people = _people(
            *_batch_window(batch_id, since=moment - timedelta(days=7), until=moment)
        )
        expected.append(complaints + people)
    assert window_casualties(pairs) == expected == [3, 3, 4, 4, 3, 7, 7, 7]
    # One aggregate per lot, then what entered and left the window: the same figures, also
    # over spans longer than the window (a catch-up) and in any order.
    assert sliding_casualties(pairs) == expected
    spread = [(batch.pk, at + timedelta(days=d)) for d in (9, 0, 3, 1, 7)]
    assert sliding_casualties(spread) == window_casualties(spread) == [0, 3, 4, 4, 4]


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_share_the_queue_and_raise_each_signal_once(
    batch, chain, dairy, start, settings
):
    """Real threads on PostgreSQL: queue rows locked SKIP LOCKED in chunks of 4, so the two
    sweeps take turns through one lot's incidents; one signal per lot, every incident on it."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL) for real row locks")
    settings.RISK_INJURY_SWEEP_CHUNK = 4
    settings.RISK_INJURY_MULTIPLE_MIN = 1000  # the per-lot rule only
    lots = [batch, produce(dairy.user, batch.product, lot="YG02")]
    made = [
        report(dairy, [lot], at=start + timedelta(minutes=i), minor=1)
        for i in range(12)
        for lot in lots
    ]
    barrier = threading.Barrier(2)
    results = []

    def run():
        barrier.wait()
        try:
            results.append(incident_injuries_sweep(start + timedelta(hours=1)))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert RiskSignal.objects.count() == 2 and PendingInjuryCheck.objects.count() == 0
    for lot in lots:
        signal = RiskSignal.objects.get(batches=lot)
        linked = sorted(signal.incidents.values_list("pk", flat=True))
        assert linked == sorted(i.pk for i in made if i.batches.get() == lot)
    assert Notification.objects.filter(topic="risk.injury_cluster").count() == 2 * 2
