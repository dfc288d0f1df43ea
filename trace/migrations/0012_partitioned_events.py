# Events partitioned by record time on PostgreSQL; event keys in a table of their own.
#
# On PostgreSQL ``trace_event`` becomes a table range-partitioned by ``record_time``, one
# partition a month (UTC) and a DEFAULT partition, its rows copied over. A partitioned table's
# primary key and unique indexes must contain the partition key, so:
#   - the primary key is (id, record_time); ``id`` stays the ORM's primary key;
#   - what was unique (the event ID among originals and among error declarations, the chain's
#     (organization, sequence)) is unique in ``trace_eventkey`` (one row per event, written by a
#     statement trigger on ``trace_event``); the same-named indexes on ``trace_event`` remain
#     for lookups (the chain's with record_time added, still a UNIQUE constraint);
#   - the event-lot links and lineage edges reference ``trace_eventkey(id)``.
# Indexes, foreign keys, checks, triggers and grants of the old table are carried over by
# name. ``trace_event_add_partition(month)`` creates a month's partition (SECURITY DEFINER:
# the application role runs it from the beat task without owning the table).
# On SQLite ``trace_event`` stays a plain table and a row trigger fills ``trace_eventkey``.

import django.db.models.deletion
from django.db import migrations, models


PARTITION_FUNCTION = """
CREATE OR REPLACE FUNCTION trace_event_add_partition(month date) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    first date := date_trunc('month', month)::date;
    next date := (date_trunc('month', month) + interval '1 month')::date;
    name text := format('trace_event_y%sm%s', to_char(first, 'YYYY'), to_char(first, 'MM'));
    lower timestamptz := (first::text || ' 00:00:00+00')::timestamptz;
    upper timestamptz := (next::text || ' 00:00:00+00')::timestamptz;
    grant_row record;
BEGIN
    -- Already there (attached, or detached by retention and kept): nothing to do.
    IF to_regclass('public.' || quote_ident(name)) IS NOT NULL THEN
        RETURN NULL;
    END IF;
    -- Rows of that month already in the DEFAULT partition stay there (still found, not pruned).
    IF EXISTS (SELECT 1 FROM public.trace_event_default WHERE record_time >= lower AND record_time < upper) THEN
        RAISE NOTICE 'trace_event_default holds rows of %; partition % not created', first, name;
        RETURN NULL;
    END IF;
    EXECUTE format('CREATE TABLE public.%I PARTITION OF public.trace_event FOR VALUES FROM (%L) TO (%L)',
                   name, lower, upper);
    -- A partition carries exactly its parent's grants (not the owner's default privileges).
    FOR grant_row IN
        SELECT DISTINCT a.grantee FROM pg_class c, aclexplode(c.relacl) a
        WHERE c.oid = to_regclass('public.' || quote_ident(name)) AND a.grantee <> c.relowner
    LOOP
        EXECUTE format('REVOKE ALL ON public.%I FROM %s', name,
                       CASE WHEN grant_row.grantee = 0 THEN 'PUBLIC' ELSE grant_row.grantee::regrole::text END);
    END LOOP;
    FOR grant_row IN
        SELECT a.grantee, a.privilege_type FROM pg_class c, aclexplode(c.relacl) a
        WHERE c.oid = 'public.trace_event'::regclass AND a.grantee <> c.relowner
    LOOP
        EXECUTE format('GRANT %s ON public.%I TO %s', grant_row.privilege_type, name,
                       CASE WHEN grant_row.grantee = 0 THEN 'PUBLIC' ELSE grant_row.grantee::regrole::text END);
    END LOOP;
    RETURN name;
END;
$$;
"""

KEY_TRIGGER = """
CREATE OR REPLACE FUNCTION trace_event_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO trace_eventkey (id, event_id, declaration, organization_id, chain_seq, record_time)
    SELECT id, event_id, error_declaration IS NOT NULL, organization_id, chain_seq, record_time
    FROM new_events;
    RETURN NULL;
END;
$$;
CREATE TRIGGER trace_event_key AFTER INSERT ON trace_event
    REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION trace_event_key();
"""

SQLITE_KEY_TRIGGER = """
CREATE TRIGGER trace_event_key AFTER INSERT ON trace_event BEGIN
    INSERT INTO trace_eventkey (id, event_id, declaration, organization_id, chain_seq, record_time)
    VALUES (NEW.id, NEW.event_id, NEW.error_declaration IS NOT NULL, NEW.organization_id,
            NEW.chain_seq, NEW.record_time);
END
"""

KEY_COPY = """
INSERT INTO trace_eventkey (id, event_id, declaration, organization_id, chain_seq, record_time)
SELECT id, event_id, error_declaration IS NOT NULL, organization_id, chain_seq, record_time
FROM trace_event
"""

# Tables whose column ``event_id`` references the event's primary key (their Django fields
# carry db_constraint=False; the database constraint is this one).
LINKS = ("trace_eventbatch", "trace_lineageedge")
MONTHS_AHEAD = 3


def _rows(cursor, sql, params=None):
    cursor.execute(sql, params)
    return cursor.fetchall()


def _table_parts(cursor, table):
    """What to carry over from ``table``: its indexes (not those of constraints), primary key
    and unique constraints, foreign keys, triggers, grants (LIKE copies the checks)."""
    oid = f"'{table}'::regclass"
    indexes = _rows(
        cursor,
        f"SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        f"WHERE x.indrelid = {oid} AND NOT EXISTS "
        f"(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid AND c.conrelid = {oid})",
    )
    keys = _rows(
        cursor,
        f"SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
        f"WHERE conrelid = {oid} AND contype IN ('p', 'u')",
    )
    others = _rows(
        cursor,
        f"SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        f"WHERE conrelid = {oid} AND contype = 'f' AND coninhcount = 0",
    )
    triggers = _rows(
        cursor,
        f"SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
        f"WHERE tgrelid = {oid} AND NOT tgisinternal AND tgparentid = 0",
    )
    grants = _rows(
        cursor,
        f"SELECT a.grantee, a.privilege_type FROM pg_class c, aclexplode(c.relacl) a "
        f"WHERE c.oid = {oid} AND a.grantee <> c.relowner",
    )
    return indexes, keys, others, triggers, grants


def _grant(cursor, table, grants):
    for grantee, privilege in grants:
        cursor.execute("SELECT CASE WHEN %s = 0 THEN 'PUBLIC' ELSE %s::regrole::text END", [grantee, grantee])
        (who,) = cursor.fetchone()
        cursor.execute(f"GRANT {privilege} ON {table} TO {who}")


def _detach_links(cursor, referenced):
    for table, name in _rows(
        cursor,
        "SELECT conrelid::regclass::text, conname FROM pg_constraint "
        "WHERE contype = 'f' AND confrelid = %s::regclass",
        [referenced],
    ):
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')


def _rebuild(cursor, *, partitioned: bool):
    """Copy ``trace_event`` into a new table of the other kind and give it the old one's parts."""
    indexes, keys, others, triggers, grants = _table_parts(cursor, "trace_event")
    (last_id,) = _rows(cursor, "SELECT coalesce(max(id), 0) FROM trace_event")[0]
    months = [m for (m,) in _rows(
        cursor,
        "SELECT DISTINCT date_trunc('month', record_time AT TIME ZONE 'UTC')::date FROM trace_event",
    )]
    cursor.execute("DROP TRIGGER IF EXISTS trace_event_key ON trace_event")
    _detach_links(cursor, "trace_event")
    cursor.execute("ALTER TABLE trace_event RENAME TO trace_event_old")
    kind = " PARTITION BY RANGE (record_time)" if partitioned else ""
    cursor.execute(
        "CREATE TABLE trace_event (LIKE trace_event_old INCLUDING DEFAULTS INCLUDING IDENTITY "
        f"INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS){kind}"
    )
    if partitioned:
        cursor.execute("CREATE TABLE trace_event_default PARTITION OF trace_event DEFAULT")
        cursor.execute(PARTITION_FUNCTION)
        cursor.execute(
            "SELECT trace_event_add_partition(m::date) FROM (SELECT unnest(%s::date[]) AS m UNION "
            "SELECT generate_series(date_trunc('month', now() AT TIME ZONE 'UTC'), "
            "date_trunc('month', now() AT TIME ZONE 'UTC') + %s * interval '1 month', "
            "interval '1 month')) AS months ORDER BY m",
            [months, MONTHS_AHEAD],
        )
    # The old table's triggers (append-only) would refuse nothing here: this is an INSERT.
    cursor.execute("INSERT INTO trace_event SELECT * FROM trace_event_old")
    cursor.execute("DROP TABLE trace_event_old")
    sequence = _rows(cursor, "SELECT pg_get_serial_sequence('trace_event', 'id')")[0][0]
    cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO trace_event_id_seq")
    if last_id:
        cursor.execute("SELECT setval('trace_event_id_seq', %s)", [last_id])
    for name, kind_, definition in keys:
        if partitioned:  # the partition key joins every unique constraint
            definition = definition[:-1] + ", record_time)"
        else:  # back to what Django made: the primary key is the id
            definition = definition.replace(", record_time)", ")")
        cursor.execute(f'ALTER TABLE trace_event ADD CONSTRAINT "{name}" {definition}')
    for _name, definition in indexes:
        definition = definition.replace(" ON ONLY ", " ON ")
        if partitioned:  # uniqueness of the event ID is the key table's
            definition = definition.replace("CREATE UNIQUE INDEX", "CREATE INDEX")
        elif _name in ("event_unique_id", "event_unique_error_declaration"):
            definition = definition.replace("CREATE INDEX", "CREATE UNIQUE INDEX")
        cursor.execute(definition)
    for name, definition in others:
        cursor.execute(f'ALTER TABLE trace_event ADD CONSTRAINT "{name}" {definition}')
    for _name, definition in triggers:
        if _name != "trace_event_key":
            cursor.execute(definition)
    _grant(cursor, "trace_event", grants)


def forward(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(KEY_COPY)
            _rebuild(cursor, partitioned=True)
            cursor.execute(KEY_TRIGGER)
            for table in LINKS:
                cursor.execute(
                    f"ALTER TABLE {table} ADD CONSTRAINT {table}_event_key_fk FOREIGN KEY "
                    "(event_id) REFERENCES trace_eventkey (id) DEFERRABLE INITIALLY DEFERRED"
                )
        else:
            cursor.execute(KEY_COPY)
            cursor.execute(SQLITE_KEY_TRIGGER)


def backward(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _detach_links(cursor, "trace_eventkey")
            _rebuild(cursor, partitioned=False)
            cursor.execute("DROP FUNCTION IF EXISTS trace_event_key()")
            cursor.execute("DROP FUNCTION IF EXISTS trace_event_add_partition(date)")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS trace_event_key")


class Migration(migrations.Migration):

    dependencies = [
        ('api', '0008_calendar_year'),
        ('trace', '0011_scheduled_subscriptions'),
    ]

    operations = [
        migrations.AlterField(
            model_name='eventbatch',
            name='event',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='batch_links', to='trace.event', verbose_name='event'),
        ),
        migrations.AlterField(
            model_name='lineageedge',
            name='event',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='lineage_edges', to='trace.event', verbose_name='event'),
        ),
        migrations.CreateModel(
            name='EventKey',
            fields=[
                ('id', models.BigIntegerField(primary_key=True, serialize=False, verbose_name='event')),
                ('event_id', models.CharField(max_length=255, verbose_name='event ID')),
                ('declaration', models.BooleanField(verbose_name='error declaration')),
                ('chain_seq', models.PositiveBigIntegerField(verbose_name='chain sequence')),
                ('record_time', models.DateTimeField(verbose_name='record time')),
                ('organization', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='api.organization', verbose_name='recording organization')),
            ],
            options={
                'verbose_name': 'event key',
                'verbose_name_plural': 'event keys',
                'ordering': ['id'],
                'constraints': [models.UniqueConstraint(fields=('event_id', 'declaration'), name='eventkey_unique_id'), models.UniqueConstraint(fields=('organization', 'chain_seq'), name='eventkey_unique_chain_seq')],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
