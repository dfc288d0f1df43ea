"""The reporting chain and the deadline sweep (the local product plan, default figures from Order 493's model: county at once, each level passes up
within 2 hours until the level the grade requires; reminders by policy; exactly once)."""

import threading
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection

from core.deadlines import sweep_all
from core.models import Notification
from incidents import services
from incidents.models import Incident, IncidentTimeline, QualityAward
from incidents.services import incidents_sweep

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SH)


def report(dairy, batch, *, deaths=0, serious=0, loss=0, now=T0, **kwargs):
    return services.incident_report(
        actor=dairy.user,
        title="酸奶致病",
        description="消费者食用后住院",
        region_code="320312",
        occurred_at=now - timedelta(hours=2),
        discovered_at=now - timedelta(minutes=20),
        batch_ids=[batch.pk],
        deaths=deaths,
        serious_injuries=serious,
        direct_loss=Decimal(loss),
        now=now,
        **kwargs,
    )


def actions(incident):
    return list(
        IncidentTimeline.objects.filter(incident=incident)
        .order_by("at", "id")
        .values_list("action", "data__to")
    )


def test_a_report_reaches_the_county_at_once_and_is_due_an_hour_after_discovery(
    chain, dairy, batch
):
    """The local product plan (defaults from Order 493's model): the enterprise reports to the county regulator within 1 hour of discovery."""
    incident = report(dairy, batch, deaths=1)
    assert (incident.grade, incident.level, incident.required_level) == ("IV", "county", "city")
    assert incident.report_due_at == T0 - timedelta(minutes=20) + timedelta(hours=1)
    assert incident.reported_late is False
    assert incident.escalation_due_at == T0 + timedelta(hours=2)
    assert incident.reminder_due_at == T0 + timedelta(minutes=30)
    assert list(Notification.objects.values_list("organization", "email", "topic")) == [
        (chain["county"].org.pk, "county@amr.example.cn", "incident.reported")
    ]


def test_delivery_and_its_outcome_are_on_the_timeline(
    chain, dairy, batch, django_capture_on_commit_callbacks
):
    """Issue 11 §7: delivered after commit; the notification sent or failed is a timeline row."""
    with django_capture_on_commit_callbacks(execute=True):
        incident = report(dairy, batch, deaths=1)
    assert [m.to for m in mail.outbox] == [["county@amr.example.cn"]]
    assert ("notification_sent", None) in actions(incident)


def test_a_late_report_is_marked_late(chain, dairy, batch):
    """The local product plan (defaults from Order 493's model): 1 hour after discovery; a late report is marked late on the record."""
    incident = services.incident_report(
        actor=dairy.user,
        title="t",
        description="d",
        region_code="320312",
        occurred_at=T0 - timedelta(hours=5),
        discovered_at=T0 - timedelta(hours=3),
        batch_ids=[batch.pk],
        now=T0,
    )
    assert incident.reported_late is True
    assert ("reported_late", None) in actions(incident)


def test_the_sweep_escalates_each_level_once_on_its_deadline_with_reminders(chain, dairy, batch):
    """The local product plan (default 2 hours per level) and the reminder policy (every 30 min, 3 times) as settings."""
    incident = report(dairy, batch, deaths=12)  # grade II: must reach national
    assert incidents_sweep(T0 + timedelta(minutes=29)) == 0
    assert incidents_sweep(T0 + timedelta(minutes=61)) == 2  # two reminders to the county
    assert incidents_sweep(T0 + timedelta(minutes=61)) == 0  # twice at the same time: nothing more
    assert (
        incidents_sweep(T0 + timedelta(hours=2, minutes=1)) == 2
    )  # third reminder, escalation to city
    incident.refresh_from_db()
    assert (incident.level, incident.is_overdue, incident.overdue_since) == (
        "city",
        True,
        T0 + timedelta(hours=2),
    )
    incidents_sweep(T0 + timedelta(hours=8))
    incident.refresh_from_db()
    assert incident.level == "national" and incident.escalation_due_at is None
    escalations = IncidentTimeline.objects.filter(incident=incident, action="escalated").order_by(
        "at"
    )
    assert [(e.data["to"], e.at) for e in escalations] == [
        ("city", T0 + timedelta(hours=2)),
        ("province", T0 + timedelta(hours=4)),
        ("national", T0 + timedelta(hours=6)),
    ]
    assert IncidentTimeline.objects.filter(incident=incident, action="reminder").count() == 12


def test_a_sweep_a_day_late_writes_the_same_rows_as_sweeps_on_time(chain, dairy, batch):
    """Catch-up after downtime: nothing due is skipped, nothing is doubled."""
    on_time = report(dairy, batch, deaths=12)
    for minutes in range(0, 8 * 60, 7):
        incidents_sweep(T0 + timedelta(minutes=minutes))
    late = report(dairy, batch, deaths=12)
    incidents_sweep(T0 + timedelta(days=1))
    incidents_sweep(T0 + timedelta(days=1))

    def rows(incident):
        return list(
            IncidentTimeline.objects.filter(incident=incident)
            .exclude(action__startswith="notification")
            .order_by("at", "id")
            .values_list("action", "at", "data__to", "data__n")
        )

    assert rows(on_time) == rows(late)


def test_acknowledging_stops_the_reminders_but_not_the_pass_up_clock(chain, dairy, batch):
    incident = report(dairy, batch, deaths=12)
    services.incident_acknowledge(
        incident_id=incident.pk, actor=chain["county"].user, now=T0 + timedelta(minutes=5)
    )
    incidents_sweep(T0 + timedelta(hours=2, minutes=1))
    assert [a for a, _ in actions(incident) if a in ("reminder", "escalated", "acknowledged")] == [
        "acknowledged",
        "escalated",
    ]


def test_passing_up_and_skipping_a_level(chain, dairy, batch):
    """The local product plan (defaults from Order 493's model): each level passes it up; a level may skip upward (越级上报)."""
    incident = report(dairy, batch, deaths=12)
    services.incident_report_up(
        incident_id=incident.pk,
        actor=chain["county"].user,
        to_level="province",
        reason="情况紧急",
        now=T0 + timedelta(minutes=10),
    )
    incident.refresh_from_db()
    assert incident.level == "province"
    assert incident.escalation_due_at == T0 + timedelta(minutes=130)
    row = IncidentTimeline.objects.get(incident=incident, action="reported_up")
    assert row.data == {"from": "county", "to": "province", "skipped": True}
    with pytest.raises(services.NotYourAction):  # the county no longer holds it
        services.incident_report_up(incident_id=incident.pk, actor=chain["county"].user)


def test_the_chain_stops_at_the_level_the_grade_requires(chain, dairy, batch):
    incident = report(dairy, batch, deaths=1)  # grade IV: city
    incidents_sweep(T0 + timedelta(days=2))
    incident.refresh_from_db()
    assert (
        incident.level == "city"
        and incident.escalation_due_at is None
        and incident.reminder_due_at is None
    )


def test_a_supplement_raising_the_figures_recomputes_the_grade_and_the_required_level(
    chain, dairy, batch
):
    """Issue 11 §1: a supplementary report that changes the figures recomputes the provisional grade."""
    incident = report(dairy, batch, deaths=1)
    incidents_sweep(T0 + timedelta(hours=3))
    incident.refresh_from_db()
    assert (incident.level, incident.escalation_due_at) == ("city", None)
    services.incident_supplement(
        incident_id=incident.pk,
        actor=dairy.user,
        deaths=4,
        reason="两人不治",
        now=T0 + timedelta(hours=5),
    )
    incident.refresh_from_db()
    assert (incident.grade, incident.required_level, incident.grade_confirmed) == (
        "III",
        "province",
        False,
    )
    assert incident.escalation_due_at == T0 + timedelta(hours=7)
    incidents_sweep(T0 + timedelta(hours=7, minutes=1))
    incident.refresh_from_db()
    assert incident.level == "province"


def test_a_confirmed_grade_is_not_lowered_by_a_supplement(chain, dairy, batch):
    incident = report(dairy, batch, deaths=3)
    services.incident_grade(
        incident_id=incident.pk,
        actor=chain["county"].user,
        grade="III",
        reason="核实",
        now=T0 + timedelta(minutes=5),
    )
    services.incident_supplement(
        incident_id=incident.pk, actor=dairy.user, deaths=2, now=T0 + timedelta(hours=1)
    )
    incident.refresh_from_db()
    assert (incident.grade, incident.computed_grade, incident.grade_confirmed) == (
        "III",
        "IV",
        True,
    )


def test_the_investigation_report_is_due_60_days_after_the_incident_and_extends_once(
    chain, dairy, batch
):
    """The local product plan (rule incident.product.investigation_days, UNVERIFIED: the
    work-safety model it borrows counts from the incident): 60 days from the day after the
    incident (Civil Code Art. 201) — 2 March + 60 is 1 May, a public holiday through 5 May, so
    the period ends at 24:00 on 6 May (Art. 203); extendable once by 60 days."""
    incident = report(dairy, batch)
    county = chain["county"].user
    services.incident_accept(incident_id=incident.pk, actor=county, now=T0 + timedelta(minutes=10))
    services.incident_investigate(incident_id=incident.pk, actor=county, now=T0 + timedelta(days=1))
    incident.refresh_from_db()
    assert incident.investigation_due_at == datetime(2026, 5, 6, 23, 59, 59, 999999, tzinfo=SH)
    services.incident_extend(
        incident_id=incident.pk, actor=county, reason="需检验", now=T0 + timedelta(days=50)
    )
    incident.refresh_from_db()
    assert incident.investigation_due_at == datetime(2026, 7, 5, 23, 59, 59, 999999, tzinfo=SH)
    with pytest.raises(services.Conflict):
        services.incident_extend(
            incident_id=incident.pk, actor=county, reason="again", now=T0 + timedelta(days=51)
        )
    incidents_sweep(datetime(2026, 7, 6, tzinfo=SH))
    incident.refresh_from_db()
    assert incident.is_overdue and ("investigation_overdue", None) in actions(incident)


def test_an_award_holder_owes_a_written_report_within_30_days(chain, dairy, batch):
    """Seed 004 (Suzhou award rules): award holders report major incidents in writing within 30 days."""
    QualityAward.objects.create(
        organization=dairy.org, name="苏州市市长质量奖", awarded_on="2024-01-01"
    )
    incident = report(dairy, batch, deaths=12)
    assert incident.written_report_due_at == T0 + timedelta(days=30)
    services.incident_supplement(
        incident_id=incident.pk, actor=dairy.user, written_report=True, now=T0 + timedelta(days=3)
    )
    incident.refresh_from_db()
    assert incident.written_report_due_at is None


def test_a_defect_without_casualties_goes_to_the_province_within_2_working_days(
    chain, dairy, batch
):
    """SAMR Order 19: report to the provincial regulator within 2 working days."""
    friday = datetime(2026, 2, 13, 10, tzinfo=SH)  # the Friday before the 2026 Spring Festival
    incident = services.incident_report(
        actor=dairy.user,
        title="缺陷",
        description="包装破损",
        region_code="320312",
        kind="defect",
        occurred_at=friday - timedelta(hours=1),
        discovered_at=friday,
        batch_ids=[batch.pk],
        now=friday,
    )
    assert (incident.level, incident.handling_level) == ("province", "province")
    assert incident.calendar_covered is True
    assert incident.report_due_at.date() > friday.date() + timedelta(days=4)


def test_sweeps_registered_with_the_command(chain, dairy, batch):
    incident = report(dairy, batch, deaths=12)
    call_command("sweep_deadlines", "--now", (T0 + timedelta(hours=2, minutes=1)).isoformat())
    incident.refresh_from_db()
    assert incident.level == "city"
    assert "incidents" in sweep_all(T0)


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_act_once(chain, dairy, batch):
    """Two sweeps at once (SELECT … FOR UPDATE SKIP LOCKED) escalate each incident exactly once."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL) for real row locks")
    incidents = [report(dairy, batch, deaths=12) for _ in range(20)]
    barrier = threading.Barrier(2)
    results = []

    def run():
        barrier.wait()
        try:
            results.append(incidents_sweep(T0 + timedelta(hours=2, minutes=1)))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 20 * 4
    assert IncidentTimeline.objects.filter(action="escalated").count() == 20
    assert all(Incident.objects.get(pk=i.pk).level == "city" for i in incidents)
    assert Notification.objects.filter(topic="incident.escalated").count() == 20
