"""Events partitioned by record time on PostgreSQL; event keys unique in a table of their own.

On PostgreSQL ``trace_event`` is range-partitioned by month of ``record_time``: the
months are created ahead (command, beat task), an EPCIS record-time window reads only its
months, retention detaches whole months past the record-keeping period and keeps their
rows, and the event ID and chain position stay unique across every month through
``trace_eventkey``. On SQLite the table is a plain one and the key rows are kept all the
same.
"""

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO
from trace.core import partitions, signing
from trace.core.capture import capture_events
from trace.core.chain import Report, check_digest, verify_chain
from trace.core.digest import digest_make, signed_file
from trace.core.identifiers import canonical_lot_uri
from trace.core.services import batch_ship, batch_transform
from trace.core.tasks import create_event_partitions
from trace.epcis.query import matching_events, normalise_params
from trace.models import (
    Batch,
    Event,
    EventBatch,
    EventIdentifier,
    EventKey,
    LineageEdge,
)

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.factories import ProductFactory, produce

NOW = timezone.now()
THIS_MONTH = partitions.month_start(NOW)


def _postgres():
    if connection.vendor != "postgresql":
        pytest.skip("partitions are PostgreSQL's; SQLite keeps one plain table")


def _moment(months_back: int, day: int = 10) -> datetime:
    month = partitions.add_months(THIS_MONTH, -months_back)
    return datetime(month.year, month.month, day, 8, 0, tzinfo=UTC)


def _observe(persona, at: datetime, *, event_id: str | None = None, lot: Batch | None = None):
    """Capture one OBSERVE event recorded at ``at``; returns the stored Event."""
    event = {
        "type": "ObjectEvent",
        "action": "OBSERVE",
        "eventID": event_id or f"urn:uuid:{uuid.uuid4()}",
        "eventTime": (at - timedelta(hours=1)).isoformat(),
        "eventTimeZoneOffset": "+00:00",
        "bizStep": "inspecting",
    }
    if lot is None:
        event["epcList"] = [f"urn:epc:id:sgtin:6901234.012345.{uuid.uuid4().int % 10**9}"]
    else:
        event["quantityList"] = [{"epcClass": canonical_lot_uri(lot.gtin, lot.lot), "quantity": 1}]
    result = capture_events(
        documents=[event], organization=persona.org, user=persona.user, record_time=at
    )
    return Event.objects.get(pk=result.event_pks[0]) if result.event_pks else None


def _partition_of(event: Event) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM trace_event WHERE id = %s", [event.pk])
        return cursor.fetchone()[0]


def test_every_event_has_its_key_row_and_every_derived_row_names_a_stored_event(
    enterprise, partner, product
):
    """Links and lineage edges have no database constraint to ``trace_event`` itself (on
    PostgreSQL theirs is to the key table): nothing points nowhere, on either database."""
    milk = produce(enterprise.user, product, lot="M1", quantity=Decimal(50))
    batch_ship(batch=milk, to=partner.org, quantity=Decimal(5), actor=enterprise.user)
    batch_transform(
        inputs=[(milk, Decimal(10))],
        product=ProductFactory(owner=enterprise.org),
        lot="Y1",
        quantity=Decimal(10),
        unit="EA",
        actor=enterprise.user,
    )
    _observe(enterprise, NOW)
    events = {
        e.pk: e
        for e in Event.objects.only(
            "event_id", "error_declaration", "organization", "chain_seq", "record_time"
        )
    }
    keys = {k.pk: k for k in EventKey.objects.all()}
    assert keys.keys() == events.keys() and len(events) >= 4
    for pk, key in keys.items():
        event = events[pk]
        assert (key.event_id, key.declaration, key.organization_id, key.chain_seq) == (
            event.event_id,
            event.error_declaration is not None,
            event.organization_id,
            event.chain_seq,
        )
        assert key.record_time == event.record_time
    for derived in (EventBatch, LineageEdge, EventIdentifier):
        named = set(derived.objects.values_list("event_id", flat=True))
        assert named and named <= events.keys(), derived.__name__


def test_events_land_in_the_month_of_their_record_time(enterprise):
    _postgres()
    assert partitions.is_partitioned()
    partitions.add_month(_moment(2))
    now_event, old_event = _observe(enterprise, NOW), _observe(enterprise, _moment(2))
    assert _partition_of(now_event) == partitions.partition_name(THIS_MONTH)
    assert _partition_of(old_event) == partitions.partition_name(_moment(2).date())
    # A month nobody created: the DEFAULT partition takes it, and the month is then left alone.
    straggler = _observe(enterprise, _moment(40))
    assert _partition_of(straggler) == partitions.DEFAULT
    assert partitions.add_month(_moment(40)) is None
    assert Event.objects.filter(pk=straggler.pk).exists()
    assert partitions.partition_name(_moment(40).date()) not in {
        p.name for p in partitions.attached()
    }


def test_an_event_id_is_unique_across_months(enterprise):
    _postgres()
    partitions.add_month(_moment(3))
    first = _observe(
        enterprise, _moment(3), event_id="urn:uuid:0b6e4d1e-7c1a-4f3e-9d57-000000000001"
    )
    again = capture_events(
        documents=[
            {
                "type": "ObjectEvent",
                "action": "OBSERVE",
                "eventID": first.event_id,
                "eventTime": NOW.isoformat(),
                "eventTimeZoneOffset": "+00:00",
                "epcList": ["urn:epc:id:sgtin:6901234.012345.77"],
            }
        ],
        organization=enterprise.org,
        user=enterprise.user,
    )
    assert again.event_pks == [] and again.duplicates == [first.event_id]
    # Written behind the capture service, into another month: the key table refuses it.
    columns = [
        f.column for f in Event._meta.concrete_fields if f.column not in ("id", "record_time")
    ]
    listed = ", ".join(columns)
    with (
        pytest.raises(IntegrityError, match="eventkey_unique"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            f"INSERT INTO trace_event ({listed}, record_time) "
            f"SELECT {listed}, now() FROM trace_event WHERE id = %s",
            [first.pk],
        )
    assert Event.objects.filter(event_id=first.event_id).count() == 1


def test_a_link_to_no_stored_event_is_refused(enterprise, product):
    _postgres()
    lot = produce(enterprise.user, product, lot="L9", quantity=Decimal(5))
    last = EventKey.objects.order_by("-id").values_list("id", flat=True).first()
    with (
        pytest.raises(IntegrityError, match="trace_eventbatch_event_key"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "INSERT INTO trace_eventbatch (event_id, batch_id, role, uom, event_action, "
            "event_biz_step) VALUES (%s, %s, 'subject', '', '', '')",
            [last + 1000, lot.pk],
        )


def _scanned(queryset) -> set[str]:
    """The months the query's own event scan reads (alias ``trace_event``; the visibility
    subquery, the lots this organization handled, reads its events of every month)."""
    plan = queryset.explain()
    return set(
        re.findall(r" on (trace_event_(?:y\d{4}m\d{2}|default)) trace_event(?:_\d+)?\s", plan)
    )


def test_a_record_time_window_reads_only_its_months(enterprise):
    _postgres()
    for back in (1, 2, 3):
        partitions.add_month(_moment(back))
    stored = {back: _observe(enterprise, _moment(back)) for back in (1, 2, 3)}
    window = {
        "GE_recordTime": _moment(2, day=1).replace(hour=0).isoformat(),
        "LT_recordTime": _moment(1, day=1).replace(hour=0).isoformat(),
    }
    queryset, _parsed = matching_events(
        Event.objects.visible_to(enterprise.user), normalise_params(window)
    )
    assert list(queryset.values_list("pk", flat=True)) == [stored[2].pk]
    assert _scanned(queryset) == {partitions.partition_name(_moment(2).date())}
    # Both bounds of the window count: from a month's start on, that month and the later ones.
    queryset, _parsed = matching_events(
        Event.objects.visible_to(enterprise.user),
        normalise_params({"GE_recordTime": window["GE_recordTime"]}),
    )
    scanned = _scanned(queryset)
    assert partitions.partition_name(_moment(3).date()) not in scanned
    assert {partitions.partition_name(_moment(b).date()) for b in (1, 2)} <= scanned
    assert partitions.partition_name(THIS_MONTH) in scanned


def test_the_months_ahead_are_created_by_the_command_and_the_beat_task(db, settings):
    entry = settings.CELERY_BEAT_SCHEDULE["trace-event-partitions"]
    assert (
        entry["task"] == create_event_partitions.name == "trace.core.tasks.create_event_partitions"
    )
    _postgres()
    settings.EVENT_PARTITION_MONTHS_AHEAD = 5
    call_command("event_partitions", ahead=8, stdout=StringIO())
    names = {p.name for p in partitions.attached()}
    for n in range(9):
        assert partitions.partition_name(partitions.add_months(THIS_MONTH, n)) in names
    assert create_event_partitions() == []  # nothing missing: it creates nothing twice
    settings.EVENT_PARTITION_MONTHS_AHEAD = 10
    assert create_event_partitions() == [
        partitions.partition_name(partitions.add_months(THIS_MONTH, n)) for n in (9, 10)
    ]


def test_the_command_says_so_where_there_are_no_partitions(capsys):
    if connection.vendor == "postgresql":
        pytest.skip("SQLite only")
    call_command("event_partitions", "--detach")
    assert "not partitioned" in capsys.readouterr().out


def test_retention_is_the_longest_record_keeping_rule_and_the_setting_only_lengthens_it(settings):
    period = partitions.retention(NOW)
    assert period.years == 5  # recall records, SAMR Order 19 Art. 21 ¶2 (VERIFIED)
    assert "Art. 21" in period.citations("en")
    assert period.months_after_expiry == 6  # food recall records, SAMR Order 122 Art. 23
    settings.EVENT_RETENTION_YEARS = 2
    assert partitions.retention(NOW).years == 5
    settings.EVENT_RETENTION_YEARS = 10
    assert partitions.retention(NOW).years == 10


def test_retention_detaches_old_months_and_keeps_their_rows(enterprise, product, settings):
    _postgres()
    for back in (74, 73, 30):
        partitions.add_month(_moment(back))
    old = _observe(enterprise, _moment(74))
    recent = _observe(enterprise, _moment(30))
    # A lot still within six months of its shelf life's end keeps its month, however old.
    lot = produce(enterprise.user, product, lot="LONG", quantity=Decimal(5))
    Batch.objects.filter(pk=lot.pk).update(expiry_date=timezone.localdate() + timedelta(days=30))
    kept_for_lot = _observe(enterprise, _moment(73), lot=lot)

    settings.EVENT_RETENTION_YEARS = 7  # longer than 74 months: nothing goes
    assert partitions.detach_expired(NOW) == []
    settings.EVENT_RETENTION_YEARS = 0
    planned = partitions.detach_expired(NOW, dry_run=True)
    assert [p.name for p in planned] == [partitions.partition_name(_moment(74).date())]
    assert Event.objects.filter(pk=old.pk).exists()

    [detached] = partitions.detach_expired(NOW)
    assert detached.name == partitions.partition_name(_moment(74).date())
    assert not Event.objects.filter(pk=old.pk).exists()
    assert Event.objects.filter(pk__in=[recent.pk, kept_for_lot.pk]).count() == 2
    with connection.cursor() as cursor:  # the rows are kept, in the detached table
        cursor.execute(f'SELECT event_id, content_hash FROM "{detached.name}"')
        assert cursor.fetchall() == [(old.event_id, old.content_hash)]
        cursor.execute("SELECT obj_description(%s::regclass, 'pg_class')", [detached.name])
        assert "Order 19" in cursor.fetchone()[0]
    # Its event ID stays taken.
    assert EventKey.objects.filter(pk=old.pk, event_id=old.event_id).exists()
    assert detached.name not in {p.name for p in partitions.attached()}
    # The chain goes on from the detached months' last link: still whole, still verified.
    checked, broken = verify_chain(enterprise.org.pk)
    assert broken is None and checked == Event.objects.filter(organization=enterprise.org).count()
    call_command("verify_event_chain", stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_the_migration_converts_a_database_with_events_and_back(enterprise, partner, product):
    _postgres()
    lot = produce(enterprise.user, product, lot="C1", quantity=Decimal(20))
    batch_ship(batch=lot, to=partner.org, quantity=Decimal(4), actor=enterprise.user)

    def rows():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, event_id, record_time, content_hash, document::text FROM trace_event "
                "ORDER BY id"
            )
            return cursor.fetchall()

    before, links = rows(), sorted(EventBatch.objects.values_list("event_id", "batch_id"))
    executor = MigrationExecutor(connection)
    executor.migrate([("trace", "0011_scheduled_subscriptions")])
    try:
        assert not partitions.is_partitioned()
        assert rows() == before
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
    finally:
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert partitions.is_partitioned()
    assert rows() == before
    assert sorted(EventBatch.objects.values_list("event_id", "batch_id")) == links
    assert set(EventKey.objects.values_list("id", flat=True)) == {r[0] for r in before}
    checked, broken = verify_chain(enterprise.org.pk)
    assert broken is None and checked == 2
    # Capture goes on after the last converted id.
    newer = _observe(enterprise, NOW)
    assert newer.pk > before[-1][0]


def test_a_lookup_by_id_or_event_id_reads_the_one_month_of_the_event(enterprise):
    """The key table gives the record time; the lookup carries it and reads one month."""
    _postgres()
    for back in (1, 2, 3):
        partitions.add_month(_moment(back))
    stored = {back: _observe(enterprise, _moment(back)) for back in (1, 2, 3)}
    event, month = stored[2], {partitions.partition_name(_moment(2).date())}
    assert len(_scanned(Event.objects.filter(pk=event.pk))) > 3  # by id alone: every month
    assert _scanned(Event.objects.by_pks([event.pk])) == month
    assert list(Event.objects.by_pks([event.pk])) == [event]
    visible = Event.objects.visible_to(enterprise.user)
    assert _scanned(visible.by_event_id(event.event_id)) == month
    assert list(visible.by_event_id(event.event_id)) == [event]
    both = {partitions.partition_name(_moment(b).date()) for b in (1, 2)}
    assert _scanned(Event.objects.by_pks([stored[1].pk, event.pk])) == both


def test_the_event_endpoints_answer_by_id_and_event_id(enterprise, partner):
    """The REST detail and the EPCIS event by ID, through the key table, on either database."""
    event = _observe(enterprise, NOW)
    one = enterprise.client.get(f"/api/v1/events/{event.pk}/")
    assert one.status_code == 200 and one.json()["event_id"] == event.event_id
    for missing in (event.pk + 1000, "x1"):
        assert enterprise.client.get(f"/api/v1/events/{missing}/").status_code == 404
    assert partner.client.get(f"/api/v1/events/{event.pk}/").status_code == 404  # not its own
    epcis = enterprise.client.get(f"/epcis/events/{event.event_id}").json()
    assert [
        e["eventID"] for e in epcis["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    ] == [event.event_id]
    assert enterprise.client.get("/epcis/events/urn:uuid:nothing-here").status_code == 404


def test_a_signed_digest_whose_head_lies_in_a_detached_month_is_checked_there(
    enterprise, settings, tmp_path
):
    _postgres()
    partitions.add_month(_moment(74))
    old = _observe(enterprise, _moment(74))
    _observe(enterprise, NOW)
    digest, _created = digest_make(day=_moment(74).date())
    assert [h["chain_seq"] for h in json.loads(digest.payload)["heads"]] == [old.chain_seq]
    kept = tmp_path / "kept.json"
    kept.write_text(json.dumps(signed_file(digest)))
    settings.EVENT_RETENTION_YEARS = 0
    [month] = partitions.detach_expired(NOW)
    assert not Event.objects.filter(pk=old.pk).exists()
    out = StringIO()
    call_command("verify_event_chain", "--digest", str(kept), stdout=out)
    assert "intact" in out.getvalue() and "2 signed digests" in out.getvalue()
    # The head's row in the detached month is hashed again: a rewritten document is named.
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{month.name}" SET document = jsonb_set(document, %s, %s) WHERE id = %s',
            ["{bizStep}", '"shipping"', old.pk],
        )
    report = Report()
    check_digest(signed_file(digest), key=signing.public_key(), report=report, label="kept")
    [finding] = report.findings
    assert finding.subject == f"kept: organization {enterprise.org.pk} at sequence 1"
    assert month.name in finding.stored and finding.recomputed == old.content_hash


def test_the_migration_state_names_only_what_the_table_enforces(db):
    """Django's state of ``trace_event`` (its Meta) matches the table: no unique constraint
    the partitioned table lacks; on SQLite the table is stricter, never looser."""
    with connection.cursor() as cursor:
        table = connection.introspection.get_constraints(cursor, "trace_event")
    unique = {
        tuple(c["columns"]) for name, c in table.items() if c["unique"] and not c["primary_key"]
    }
    declared = [c for c in Event._meta.constraints if isinstance(c, models.UniqueConstraint)]
    assert [c.name for c in declared] == ["event_unique_chain_seq"]
    [chain] = declared
    columns = [Event._meta.get_field(f).column for f in chain.fields]
    assert columns == ["organization_id", "chain_seq", "record_time"]
    for index in Event._meta.indexes:
        assert index.name in table, index.name
    if connection.vendor == "postgresql":
        assert unique == {tuple(columns)}
        assert not table["event_unique_id"]["unique"]
        assert not table["event_unique_error_declaration"]["unique"]
    else:  # one plain table: the old unique indexes stay, stricter than the state says
        assert ("organization_id", "chain_seq") in unique
        assert table["event_unique_id"]["unique"]
    # What is unique everywhere: the key table's constraints.
    with connection.cursor() as cursor:
        keys = connection.introspection.get_constraints(cursor, "trace_eventkey")
    assert keys["eventkey_unique_id"]["unique"] and keys["eventkey_unique_chain_seq"]["unique"]
