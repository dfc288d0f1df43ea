"""The sweep writes in bulk (one UPDATE, one timeline INSERT, one outbox INSERT per chunk) and
still writes exactly the rows a sweep taking the incidents one at a time writes."""

import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.models import Notification, WebhookEndpoint
from incidents import services
from incidents.models import Incident, IncidentTimeline, QualityAward
from incidents.services import SWEEP_FIELDS, incidents_sweep

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SH)
FIGURES = [0, 1, 4, 12]  # deaths: grades IV, IV, III, II (they must reach city, province, national)


def _report(dairy, batch, n: int):
    incident = services.incident_report(
        actor=dairy.user,
        title=f"bulk {n}",
        description="消费者食用后住院",
        region_code="320312",
        occurred_at=T0 - timedelta(hours=2),
        discovered_at=T0 - timedelta(minutes=20),
        batch_ids=[batch.pk],
        deaths=FIGURES[n % len(FIGURES)],
        direct_loss=Decimal(n * 1000),
        now=T0 + timedelta(minutes=n),
    )
    if n % 5 == 1:  # acknowledged: no reminders, the pass-up clock still runs
        services.incident_acknowledge(
            incident_id=incident.pk, actor=_county(), now=T0 + timedelta(minutes=n + 3)
        )
    if n % 7 == 2:  # accepted and investigated: the investigation report falls due
        county = _county()
        services.incident_accept(
            incident_id=incident.pk, actor=county, now=T0 + timedelta(minutes=n + 5)
        )
        if incident.investigating_level == "county":  # grade IV; III and II go higher
            services.incident_investigate(
                incident_id=incident.pk, actor=county, now=T0 + timedelta(hours=1)
            )
    return incident


def _county():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(email="county@amr.example.cn")


def _world(dairy, batch, n: int) -> dict[int, int]:
    """``n`` incidents in every state the sweep acts on; returns pk → n."""
    return {_report(dairy, batch, i).pk: i for i in range(n)}


def _written(names: dict[int, int]) -> dict:
    """What the sweeps wrote, with each incident named by its place (pks differ between runs)."""

    def name(text: str) -> str:
        return re.sub(r"(#|/incidents/)(\d+)", lambda m: f"{m[1]}<{names[int(m[2])]}>", text)

    timeline = sorted(
        (names[r.incident_id], r.action, r.at, r.reason, sorted(r.data.items()))
        for r in IncidentTimeline.objects.filter(incident_id__in=names)
    )
    outbox = sorted(
        (
            names[r.subject_id],
            r.organization_id,
            r.channel,
            r.email,
            r.webhook_id,
            r.topic,
            name(r.subject),
            name(r.body),
            name(str(sorted({**r.payload, "id": names[r.payload["id"]]}.items()))),
            r.status,
            r.attempts,
        )
        for r in Notification.objects.filter(
            subject_type="incidents.Incident", subject_id__in=names
        )
    )
    incidents = sorted(
        (names[i.pk], *(getattr(i, f) for f in SWEEP_FIELDS if f != "updated_at"))
        for i in Incident.objects.filter(pk__in=names)
    )
    return {"timeline": timeline, "outbox": outbox, "incidents": incidents}


def _swept(dairy, batch, settings, *, chunk: int, n: int, sweeps: list) -> dict:
    """Build the world, sweep at each time of ``sweeps`` in chunks of ``chunk``, read what was
    written, and roll it all back."""
    with transaction.atomic():
        names = _world(dairy, batch, n)
        settings.INCIDENT_SWEEP_CHUNK = chunk
        acted = sum(incidents_sweep(at) for at in sweeps)
        written = {**_written(names), "acted": acted}
        transaction.set_rollback(True)
    return written


@pytest.fixture
def city_webhook(chain):
    """The city has a webhook as well as its address: escalations write two outbox rows."""
    return WebhookEndpoint.objects.create(
        organization=chain["city"].org, url="https://hooks.example.com/city", secret="s"
    )


@pytest.fixture
def award(dairy):
    QualityAward.objects.create(
        organization=dairy.org, name="苏州市市长质量奖", awarded_on="2024-01-01"
    )


def test_a_bulk_sweep_writes_exactly_the_rows_a_sweep_one_at_a_time_writes(
    chain, dairy, batch, settings, city_webhook, award
):
    """Escalations, reminders, overdue investigation and written reports of 24 incidents: one sweep
    a day late in chunks of 500 (bulk) and in chunks of 1 (one by one) write the same rows."""
    late = [T0 + timedelta(days=70)]
    bulk = _swept(dairy, batch, settings, chunk=500, n=24, sweeps=late)
    one_by_one = _swept(dairy, batch, settings, chunk=1, n=24, sweeps=late)
    assert bulk["acted"] > 24 * 3  # every incident escalated at least once, with reminders
    kinds = {row[1] for row in bulk["timeline"]}
    assert {"escalated", "reminder", "investigation_overdue", "written_report_overdue"} <= kinds
    assert {row[2] for row in bulk["outbox"]} == {"email", "webhook"}
    assert bulk == one_by_one


def test_bulk_sweeps_on_time_write_what_one_late_bulk_sweep_writes(
    chain, dairy, batch, settings, city_webhook
):
    """Chunks crossing incidents (7 per chunk), swept every 13 minutes or once a day late."""
    on_time = [T0 + timedelta(minutes=m) for m in range(0, 10 * 60, 13)] + [T0 + timedelta(days=1)]
    a = _swept(dairy, batch, settings, chunk=7, n=16, sweeps=on_time)
    b = _swept(dairy, batch, settings, chunk=7, n=16, sweeps=[T0 + timedelta(days=1)])

    def stamped(rows):  # each row's own deadline; when the sweep ran differs, by design
        return [(*row[:4], [kv for kv in row[4] if kv[0] != "swept_at"]) for row in rows]

    assert stamped(a["timeline"]) == stamped(b["timeline"]) and a["incidents"] == b["incidents"]
    assert a["outbox"] == b["outbox"]


def _queries(dairy, batch, settings, n: int) -> int:
    with transaction.atomic():
        _world(dairy, batch, n)
        settings.INCIDENT_SWEEP_CHUNK = 500
        with CaptureQueriesContext(connection) as captured:
            incidents_sweep(T0 + timedelta(hours=2, minutes=1))
        transaction.set_rollback(True)
    return len(captured.captured_queries)


def test_the_sweep_writes_in_bulk_whatever_the_number_due(chain, dairy, batch, settings):
    """The same statements for 4 and for 20 due incidents (NetBox-style query count): the rows go
    in with one INSERT per table and one UPDATE, not one statement per row."""
    assert _queries(dairy, batch, settings, 4) == _queries(dairy, batch, settings, 20)


def test_a_failing_sweep_chunk_writes_nothing(chain, dairy, batch, settings, monkeypatch):
    """The outbox rows are written in the chunk's transaction: a failure leaves no row behind."""
    incident = _report(dairy, batch, 3)
    before = (Notification.objects.count(), IncidentTimeline.objects.count())

    def fail(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services.sweep, "_save_swept", fail)
    with pytest.raises(RuntimeError):
        incidents_sweep(T0 + timedelta(hours=3))
    assert (Notification.objects.count(), IncidentTimeline.objects.count()) == before
    incident.refresh_from_db()
    assert incident.level == "county"


def test_rows_written_in_bulk_are_delivered_after_commit(
    chain, dairy, batch, django_capture_on_commit_callbacks
):
    """One broker message per hundred rows, each row delivered once and marked sent."""
    incidents = [_report(dairy, batch, n) for n in (3, 7)]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        incidents_sweep(T0 + timedelta(hours=2, minutes=30))
    swept = Notification.objects.filter(
        topic="incident.escalated", subject_id__in=[i.pk for i in incidents]
    )
    assert swept.count() == 2 and set(swept.values_list("status", flat=True)) == {"sent"}
    assert ["city@amr.example.cn"] in [m.to for m in mail.outbox]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
@pytest.mark.django_db(transaction=True)  # real commits: SET LOCAL ends with the transaction
def test_only_the_sweeps_own_commit_skips_the_wait_for_the_disk(chain, dairy, batch, monkeypatch):
    """The sweep's transaction commits without waiting for its WAL (it is recomputable from the
    due times); the setting is local to it, so every other transaction still waits."""
    _report(dairy, batch, 3)
    seen = []
    original = services._save_swept

    def spy(*args):
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            seen.append(cursor.fetchone()[0])
        return original(*args)

    monkeypatch.setattr(services.sweep, "_save_swept", spy)
    assert incidents_sweep(T0 + timedelta(hours=3)) >= 1
    assert seen and set(seen) == {"off"}
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
