from django.db import migrations

# Events are append-only at the database too, so neither a bug nor a manual
# UPDATE in psql can rewrite history. (TRUNCATE, used only by test teardown,
# is not a row operation and is unaffected.)
FORWARD = """
CREATE OR REPLACE FUNCTION trace_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'trace_event is append-only: declare an error instead of %', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER trace_event_append_only BEFORE UPDATE OR DELETE ON trace_event
    FOR EACH ROW EXECUTE FUNCTION trace_event_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS trace_event_append_only ON trace_event;
DROP FUNCTION IF EXISTS trace_event_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("trace", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
