"""The monthly partitions of ``trace_event`` on PostgreSQL: made ahead of time, detached after retention.

``trace_event`` is range-partitioned by ``record_time`` (migration ``trace.0012``): one
partition per calendar month in UTC, named ``trace_event_yYYYYmMM``, and
``trace_event_default`` for a row no month partition takes. The record time is the
partition key because the server sets it at capture: every insert lands in the current
month (its indexes stay in memory), a month's partition is complete once the month is
over, and retention counts from when the record was kept. (The event time is what a
sender says, years back or ahead; EPCIS queries filter both, and the record-time windows
are the ones that prune.)

- ``ensure_ahead`` creates the partitions of this month and the next
  ``EVENT_PARTITION_MONTHS_AHEAD`` (beat, daily; ``manage.py event_partitions``) through
  ``trace_event_add_partition``, a SECURITY DEFINER function the migration made, so the
  application role needs no ownership of the table.
- ``detach_expired`` detaches (``ALTER TABLE … DETACH PARTITION``) the months whose every
  record is past the retention period: the rows stay in the detached table, which only the
  verifier reads (``detached_tails``, ``detached_links``), whose grants shrink to
  ``SELECT`` and which nothing here drops; their event IDs stay taken (``EventKey``). Detaching needs the table's owner: the command is run as the migration
  role, never by the application.

The retention period is the longest of the record-keeping rules in force
(``retention``) and the ``EVENT_RETENTION_YEARS`` setting, which may only lengthen it; a
month that still names a lot whose shelf life ended less than the food rule's months ago
is kept whatever its age.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.rulebook import NoRuleInForce, Rule, rule

TABLE = "trace_event"
DEFAULT = "trace_event_default"
_NAME = re.compile(r"^trace_event_y(\d{4})m(\d{2})$")

# Record-keeping rules the stored events serve (the event record is what a recall's records
# are drawn from): years kept, and months kept after a lot's shelf life ends.
RETENTION_YEAR_RULES = ("recall.records_years", "food_recall.records_years")
AFTER_EXPIRY_RULE = "food_recall.records_months_after_expiry"


@dataclass(frozen=True)
class Partition:
    name: str
    start: datetime  # UTC, included
    end: datetime  # UTC, excluded


@dataclass(frozen=True)
class Retention:
    years: int
    months_after_expiry: int
    rules: tuple[Rule, ...]  # the rules in force that set the figures
    cutoff: datetime  # a partition ending at or before this is past the period

    def citations(self, lang: str | None = None) -> str:
        return "; ".join(r.citation(lang) for r in self.rules)


def month_start(moment: date | datetime) -> date:
    if isinstance(moment, datetime):
        moment = moment.astimezone(UTC) if timezone.is_aware(moment) else moment
    return date(moment.year, moment.month, 1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"trace_event_y{month.year:04d}m{month.month:02d}"


def _partition(name: str) -> Partition | None:
    match = _NAME.match(name)
    if not match:
        return None
    first = date(int(match.group(1)), int(match.group(2)), 1)
    after = add_months(first, 1)
    return Partition(
        name,
        datetime(first.year, first.month, 1, tzinfo=UTC),
        datetime(after.year, after.month, 1, tzinfo=UTC),
    )


def is_partitioned() -> bool:
    """Whether ``trace_event`` is a partitioned table here (PostgreSQL after the migration)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
        row = cursor.fetchone()
    return bool(row) and row[0] == "p"


def attached() -> list[Partition]:
    """The month partitions attached to ``trace_event``, oldest first (not the default)."""
    if not is_partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            [TABLE],
        )
        found = [_partition(name) for (name,) in cursor.fetchall()]
    return sorted((p for p in found if p is not None), key=lambda p: p.start)


def add_month(month: date) -> str | None:
    """Create the partition of ``month``; its name, or None when it exists (attached or
    kept detached) or the default partition already holds rows of that month."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT trace_event_add_partition(%s)", [month_start(month)])
        return cursor.fetchone()[0]


def ensure_ahead(months: int | None = None, *, now: datetime | None = None) -> list[str]:
    """Create the partitions of this month and the ``months`` after it that are missing."""
    if not is_partitioned():
        return []
    ahead = settings.EVENT_PARTITION_MONTHS_AHEAD if months is None else months
    first = month_start(now or timezone.now())
    created = []
    for n in range(ahead + 1):
        name = add_month(add_months(first, n))
        if name:
            created.append(name)
    return created


def _in_force(key: str, on: datetime) -> Rule | None:
    try:
        return rule(key, on)
    except NoRuleInForce:
        return None


def retention(now: datetime | None = None) -> Retention:
    """The period events are kept attached: the longest record-keeping rule in force, or
    ``EVENT_RETENTION_YEARS`` when that is longer."""
    now = now or timezone.now()
    rules = [r for r in map(lambda key: _in_force(key, now), RETENTION_YEAR_RULES) if r]
    years = max([int(r.value) for r in rules] + [settings.EVENT_RETENTION_YEARS])
    after_expiry = _in_force(AFTER_EXPIRY_RULE, now)
    first = month_start(now)
    cutoff_month = date(first.year - years, first.month, 1)
    return Retention(
        years=years,
        months_after_expiry=int(after_expiry.value) if after_expiry else 0,
        rules=tuple(rules) + ((after_expiry,) if after_expiry else ()),
        cutoff=datetime(cutoff_month.year, cutoff_month.month, 1, tzinfo=UTC),
    )


def _names_live_lot(partition: Partition, expiry_after: date) -> bool:
    """Whether an event of the partition names a lot whose shelf life ends after ``expiry_after``."""
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT EXISTS (SELECT 1 FROM "{partition.name}" e '
            "JOIN trace_eventbatch l ON l.event_id = e.id "
            "JOIN trace_batch b ON b.id = l.batch_id WHERE b.expiry_date > %s)",
            [expiry_after],
        )
        return cursor.fetchone()[0]


def expired(now: datetime | None = None) -> list[Partition]:
    """The attached months past the retention period whose lots are all past the shelf-life rule."""
    now = now or timezone.now()
    period = retention(now)
    # A lot whose shelf life ended after this day is still within the months-after-expiry
    # rule (counted from the first of this month: a few days more than the rule, never fewer).
    expiry_after = add_months(month_start(now), -period.months_after_expiry)
    return [
        p for p in attached() if p.end <= period.cutoff and not _names_live_lot(p, expiry_after)
    ]


def detach_expired(now: datetime | None = None, *, dry_run: bool = False) -> list[Partition]:
    """Detach every expired month (see ``expired``); the rows stay in the detached table."""
    now = now or timezone.now()
    period = retention(now)
    done = []
    for partition in expired(now):
        if not dry_run:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f'ALTER TABLE {TABLE} DETACH PARTITION "{partition.name}"')
                note = (
                    f"Events recorded from {partition.start:%Y-%m-%d} to before "
                    f"{partition.end:%Y-%m-%d} (UTC), detached from {TABLE} on {now:%Y-%m-%d} "
                    f"after {period.years} years ({period.citations('en')}); rows kept."
                )
                cursor.execute(f'COMMENT ON TABLE "{partition.name}" IS %s', [note])
                _read_only(cursor, partition.name)
        done.append(partition)
    return done


def _read_only(cursor, name: str) -> None:
    """Leave the roles that had rights on a detached month only ``SELECT`` (verifying reads
    it): it kept its grants, among them the application's ``INSERT``, and lost the
    partition's triggers."""
    cursor.execute(
        "SELECT a.privilege_type, CASE WHEN a.grantee = 0 THEN 'PUBLIC' "
        "ELSE a.grantee::regrole::text END FROM pg_class c, aclexplode(c.relacl) a "
        "WHERE c.oid = %s::regclass AND a.grantee <> c.relowner AND a.privilege_type <> 'SELECT'",
        [f'"{name}"'],
    )
    for privilege, grantee in cursor.fetchall():
        cursor.execute(f'REVOKE {privilege} ON "{name}" FROM {grantee}')


def detached() -> list[str]:
    """The month tables retention detached (kept, no longer part of ``trace_event``)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname ~ '^trace_event_y[0-9]{4}m[0-9]{2}$' "
            "AND relkind = 'r' AND NOT relispartition AND relnamespace = 'public'::regnamespace "
            "ORDER BY relname"
        )
        return [name for (name,) in cursor.fetchall()]


def detached_tails() -> dict[int, tuple[int, str]]:
    """Per organization, the last chain link (sequence, content hash) in a detached month:
    where the chain of the attached events goes on from."""
    tails: dict[int, tuple[int, str]] = {}
    with connection.cursor() as cursor:
        for name in detached():
            cursor.execute(
                "SELECT DISTINCT ON (organization_id) organization_id, chain_seq, content_hash "
                f'FROM "{name}" ORDER BY organization_id, chain_seq DESC'
            )
            for org, seq, content_hash in cursor.fetchall():
                if org not in tails or tails[org][0] < seq:
                    tails[org] = (seq, content_hash)
    return tails


def _in_pairs(table: str, columns: str) -> str:
    return (
        f'SELECT {columns} FROM "{table}" WHERE (organization_id, chain_seq) IN '
        "(SELECT * FROM unnest(%s::bigint[], %s::bigint[]))"
    )


def detached_links(links: Iterable[tuple[int, int]]) -> dict[tuple[int, int], tuple]:
    """The chain links ``(organization, sequence)`` that lie in a detached month table: for
    each found, (table, prev_hash, content_hash, event_id, document). The key table's record
    time names the month, so only the tables of the months asked about are read."""
    links = list(links)
    tables = set(detached())
    if not links or not tables:
        return {}
    found: dict[tuple[int, int], tuple] = {}
    by_table: dict[str, list[tuple[int, int]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            _in_pairs("trace_eventkey", "organization_id, chain_seq, record_time"),
            [[org for org, _ in links], [seq for _, seq in links]],
        )
        for org, seq, record_time in cursor.fetchall():
            name = partition_name(month_start(record_time))
            if name in tables:
                by_table.setdefault(name, []).append((org, seq))
        for name, pairs in sorted(by_table.items()):
            cursor.execute(
                _in_pairs(
                    name, "organization_id, chain_seq, prev_hash, content_hash, event_id, document"
                ),
                [[org for org, _ in pairs], [seq for _, seq in pairs]],
            )
            for org, seq, prev_hash, content_hash, event_id, document in cursor.fetchall():
                if isinstance(document, str):  # Django reads jsonb as text
                    document = json.loads(document)
                found[(org, seq)] = (name, prev_hash, content_hash, event_id, document)
    return found
