# The foreign keys of the rows capture writes by the thousand, checked once per statement.
#
# A foreign key of PostgreSQL checks each new row by itself: at commit, one lookup and one
# lock of the referenced row per row and key. A 1,000-event capture writes about 9,000 such
# references (each event's organization and recorder, each lot link, lineage edge and custody
# row), nearly all naming the same few organizations and lots again and again: about 40 ms of
# a 250 ms capture went to those checks (docs/BENCHMARKS.md, ``capture_throughput``).
#
# On PostgreSQL the keys below are no longer constraints but triggers that keep their rule:
#   - a statement that inserts rows checks, once, every distinct key it names: each must exist
#     in the referenced table, and is locked FOR KEY SHARE there until the transaction ends, as
#     a foreign key locks it (``suyuan_keys_present``, a statement trigger over the new rows);
#   - an update that changes such a key checks the new one the same way (a row trigger that
#     fires only when the key changed);
#   - deleting a referenced row, or changing its key, is refused while a row still names it,
#     checked when the transaction commits, as the deferred foreign keys Django makes are
#     (``suyuan_key_still_referenced``, a deferred constraint trigger on the referenced table).
# Errors are PostgreSQL's foreign_key_violation (23503), so Django raises IntegrityError as
# before. The referenced row is locked before it is checked and a delete waits for that lock,
# so a row inserted by a transaction still open cannot be orphaned by a concurrent delete
# (under READ COMMITTED, the isolation Django uses).
#
# On SQLite nothing changes in the database: its tables keep their foreign keys (Django checks
# them at commit). Remaking the SQLite tables to drop them would drop ``trace_event``'s
# triggers too (see 0013).

from django.conf import settings
from django.db import migrations, models
from django.db.models.deletion import PROTECT, SET_NULL

# (table, column, referenced table, referenced column, name of the rule in errors)
KEYS = [
    ("trace_event", "organization_id", "api_organization", "id", "trace_event_organization_key"),
    ("trace_event", "source_org_id", "api_organization", "id", "trace_event_source_org_key"),
    (
        "trace_event",
        "destination_org_id",
        "api_organization",
        "id",
        "trace_event_destination_org_key",
    ),
    ("trace_event", "recorded_by_id", "auth_user", "id", "trace_event_recorded_by_key"),
    ("trace_eventbatch", "batch_id", "trace_batch", "id", "trace_eventbatch_batch_key"),
    ("trace_eventbatch", "event_id", "trace_eventkey", "id", "trace_eventbatch_event_key"),
    ("trace_lineageedge", "parent_id", "trace_batch", "id", "trace_lineageedge_parent_key"),
    ("trace_lineageedge", "child_id", "trace_batch", "id", "trace_lineageedge_child_key"),
    ("trace_lineageedge", "event_id", "trace_eventkey", "id", "trace_lineageedge_event_key"),
    (
        "trace_custody",
        "organization_id",
        "api_organization",
        "id",
        "trace_custody_organization_key",
    ),
    ("trace_custody", "batch_id", "trace_batch", "id", "trace_custody_batch_key"),
]

FUNCTIONS = r"""
-- Statement trigger AFTER INSERT, REFERENCING NEW TABLE AS new_rows; its arguments come in
-- fours: column, referenced table, referenced column, rule name.
CREATE OR REPLACE FUNCTION suyuan_keys_present() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    i integer := 0;
    wanted bigint[];
    found bigint;
    missing text;
BEGIN
    WHILE i < TG_NARGS LOOP
        EXECUTE format('SELECT array_agg(DISTINCT %1$I ORDER BY %1$I) FROM new_rows WHERE %1$I IS NOT NULL',
                       TG_ARGV[i])
            INTO wanted;
        IF wanted IS NOT NULL THEN
            -- Locked as a foreign key locks it: a concurrent delete waits for this transaction.
            EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM %I WHERE %I = ANY($1) FOR KEY SHARE) AS locked',
                           TG_ARGV[i + 1], TG_ARGV[i + 2])
                INTO found USING wanted;
            IF found < cardinality(wanted) THEN
                EXECUTE format('SELECT k::text FROM unnest($1) AS k WHERE NOT EXISTS '
                               '(SELECT 1 FROM %I WHERE %I = k) LIMIT 1', TG_ARGV[i + 1], TG_ARGV[i + 2])
                    INTO missing USING wanted;
                RAISE EXCEPTION 'insert or update on table "%" violates foreign key constraint "%"',
                                TG_TABLE_NAME, TG_ARGV[i + 3]
                    USING ERRCODE = 'foreign_key_violation',
                          DETAIL = format('Key (%s)=(%s) is not present in table "%s".',
                                          TG_ARGV[i], missing, TG_ARGV[i + 1]),
                          TABLE = TG_TABLE_NAME, CONSTRAINT = TG_ARGV[i + 3];
            END IF;
        END IF;
        i := i + 4;
    END LOOP;
    RETURN NULL;
END;
$$;

-- Row trigger AFTER UPDATE OF the column, WHEN the key changed; arguments: one four.
CREATE OR REPLACE FUNCTION suyuan_key_present() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    key text := to_jsonb(NEW) ->> TG_ARGV[0];
BEGIN
    IF key IS NOT NULL THEN
        EXECUTE format('SELECT 1 FROM %I WHERE %I = $1::bigint FOR KEY SHARE', TG_ARGV[1], TG_ARGV[2])
            USING key;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'insert or update on table "%" violates foreign key constraint "%"',
                            TG_TABLE_NAME, TG_ARGV[3]
                USING ERRCODE = 'foreign_key_violation',
                      DETAIL = format('Key (%s)=(%s) is not present in table "%s".',
                                      TG_ARGV[0], key, TG_ARGV[1]),
                      TABLE = TG_TABLE_NAME, CONSTRAINT = TG_ARGV[3];
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

-- Deferred constraint trigger on the referenced table, AFTER DELETE or AFTER UPDATE OF its
-- key; arguments: referencing table, its column, the referenced column, rule name.
CREATE OR REPLACE FUNCTION suyuan_key_still_referenced() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    key text := to_jsonb(OLD) ->> TG_ARGV[2];
    still boolean;
BEGIN
    IF TG_OP = 'UPDATE' AND key IS NOT DISTINCT FROM (to_jsonb(NEW) ->> TG_ARGV[2]) THEN
        RETURN NULL;
    END IF;
    -- The row may have come back under the same key (deleted and inserted again).
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I = $1::bigint)', TG_TABLE_NAME, TG_ARGV[2])
        INTO still USING key;
    IF still THEN
        RETURN NULL;
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I = $1::bigint)', TG_ARGV[0], TG_ARGV[1])
        INTO still USING key;
    IF still THEN
        RAISE EXCEPTION 'update or delete on table "%" violates foreign key constraint "%" on table "%"',
                        TG_TABLE_NAME, TG_ARGV[3], TG_ARGV[0]
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Key (%s)=(%s) is still referenced from table "%s".',
                                  TG_ARGV[2], key, TG_ARGV[0]),
                  TABLE = TG_ARGV[0], CONSTRAINT = TG_ARGV[3];
    END IF;
    RETURN NULL;
END;
$$;
"""


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _constraints(cursor, table, column, referenced):
    """The foreign key constraints of ``table.column`` to ``referenced`` (not inherited ones)."""
    cursor.execute(
        "SELECT c.conname FROM pg_constraint c JOIN pg_attribute a "
        "ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) "
        "WHERE c.contype = 'f' AND c.coninhcount = 0 AND c.conrelid = %s::regclass "
        "AND c.confrelid = %s::regclass AND a.attname = %s",
        [table, referenced, column],
    )
    return [name for (name,) in cursor.fetchall()]


def forward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(FUNCTIONS)
        tables: dict[str, list[tuple]] = {}
        for table, column, referenced, referenced_column, rule in KEYS:
            for name in _constraints(cursor, table, column, referenced):
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            tables.setdefault(table, []).append((column, referenced, referenced_column, rule))
            cursor.execute(
                f"CREATE TRIGGER {rule}_update AFTER UPDATE OF {column} ON {table} FOR EACH ROW "
                f"WHEN (OLD.{column} IS DISTINCT FROM NEW.{column}) "
                f"EXECUTE FUNCTION suyuan_key_present("
                f"{', '.join(map(_quote, (column, referenced, referenced_column, rule)))})"
            )
            cursor.execute(
                f"CREATE CONSTRAINT TRIGGER {rule}_referenced AFTER DELETE OR UPDATE OF "
                f"{referenced_column} ON {referenced} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                f"EXECUTE FUNCTION suyuan_key_still_referenced("
                f"{', '.join(map(_quote, (table, column, referenced_column, rule)))})"
            )
        for table, keys in tables.items():
            arguments = ", ".join(_quote(part) for key in keys for part in key)
            cursor.execute(
                f"CREATE TRIGGER {table}_keys AFTER INSERT ON {table} "
                f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
                f"EXECUTE FUNCTION suyuan_keys_present({arguments})"
            )


def backward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in dict.fromkeys(key[0] for key in KEYS):
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_keys ON {table}")
        for table, column, referenced, referenced_column, rule in KEYS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {rule}_update ON {table}")
            cursor.execute(f"DROP TRIGGER IF EXISTS {rule}_referenced ON {referenced}")
            cursor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {rule}_fk FOREIGN KEY ({column}) "
                f"REFERENCES {referenced} ({referenced_column}) DEFERRABLE INITIALLY DEFERRED"
            )
        cursor.execute(
            "DROP FUNCTION IF EXISTS suyuan_keys_present(), suyuan_key_present(), "
            "suyuan_key_still_referenced()"
        )


def _unconstrained(model_name, name, to, **options):
    return migrations.AlterField(
        model_name=model_name,
        name=name,
        field=models.ForeignKey(
            to=to, db_constraint=False, on_delete=options.pop("on_delete", PROTECT), **options
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("api", "0008_calendar_year"),
        ("trace", "0014_capture_body_lz4"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forward, backward)],
            state_operations=[
                _unconstrained(
                    "custody", "batch", "trace.batch", related_name="custody", verbose_name="batch"
                ),
                _unconstrained(
                    "custody",
                    "organization",
                    "api.organization",
                    related_name="custody",
                    verbose_name="holder",
                ),
                _unconstrained(
                    "event",
                    "destination_org",
                    "api.organization",
                    blank=True,
                    null=True,
                    related_name="events_as_destination",
                    verbose_name="destination organization",
                ),
                _unconstrained(
                    "event",
                    "organization",
                    "api.organization",
                    db_index=False,
                    related_name="events",
                    verbose_name="recording organization",
                ),
                _unconstrained(
                    "event",
                    "recorded_by",
                    settings.AUTH_USER_MODEL,
                    blank=True,
                    null=True,
                    on_delete=SET_NULL,
                    related_name="+",
                    verbose_name="recorded by",
                ),
                _unconstrained(
                    "event",
                    "source_org",
                    "api.organization",
                    blank=True,
                    null=True,
                    related_name="events_as_source",
                    verbose_name="source organization",
                ),
                _unconstrained(
                    "eventbatch",
                    "batch",
                    "trace.batch",
                    db_index=False,
                    related_name="event_links",
                    verbose_name="batch",
                ),
                _unconstrained(
                    "lineageedge",
                    "child",
                    "trace.batch",
                    related_name="parent_edges",
                    verbose_name="output lot",
                ),
                _unconstrained(
                    "lineageedge",
                    "parent",
                    "trace.batch",
                    related_name="child_edges",
                    verbose_name="input lot",
                ),
            ],
        ),
    ]
