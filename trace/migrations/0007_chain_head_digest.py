# Chain heads and signed daily digests (tamper evidence over everything shown).

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models
from django.db.models import Max

# A head only moves forward and always names a stored event of its organization; it is
# never deleted. Digests, like events, are append-only. (TRUNCATE, used only by test
# teardown, is not a row operation and is unaffected.)
FORWARD = """
CREATE OR REPLACE FUNCTION trace_chainhead_forward_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'trace_chainhead: a chain head is never deleted';
    END IF;
    IF TG_OP = 'UPDATE' AND (NEW.organization_id <> OLD.organization_id OR NEW.chain_seq <= OLD.chain_seq) THEN
        RAISE EXCEPTION 'trace_chainhead only moves forward (% to %)', OLD.chain_seq, NEW.chain_seq;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM trace_event WHERE organization_id = NEW.organization_id
                   AND chain_seq = NEW.chain_seq AND content_hash = NEW.content_hash) THEN
        RAISE EXCEPTION 'trace_chainhead must name a stored event (organization %, sequence %)',
            NEW.organization_id, NEW.chain_seq;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER trace_chainhead_forward_only BEFORE INSERT OR UPDATE OR DELETE ON trace_chainhead
    FOR EACH ROW EXECUTE FUNCTION trace_chainhead_forward_only();

CREATE OR REPLACE FUNCTION trace_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER trace_chaindigest_append_only BEFORE UPDATE OR DELETE ON trace_chaindigest
    FOR EACH ROW EXECUTE FUNCTION trace_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS trace_chaindigest_append_only ON trace_chaindigest;
DROP FUNCTION IF EXISTS trace_append_only();
DROP TRIGGER IF EXISTS trace_chainhead_forward_only ON trace_chainhead;
DROP FUNCTION IF EXISTS trace_chainhead_forward_only();
"""


def backfill_heads(apps, schema_editor):
    """Record the head of every chain begun before heads were recorded."""
    Event = apps.get_model("trace", "Event")
    ChainHead = apps.get_model("trace", "ChainHead")
    now = django.utils.timezone.now()
    tails = Event.objects.values("organization_id").annotate(seq=Max("chain_seq"))
    for tail in tails.iterator():
        content_hash = Event.objects.filter(
            organization_id=tail["organization_id"], chain_seq=tail["seq"]
        ).values_list("content_hash", flat=True).get()
        ChainHead.objects.create(organization_id=tail["organization_id"], chain_seq=tail["seq"],
                                 content_hash=content_hash, updated_at=now)


def triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('api', '0001_initial'),
        ('trace', '0006_eventbatch_role_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='ChainDigest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date', models.DateField(unique=True, verbose_name='date')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                ('payload', models.TextField(verbose_name='signed payload')),
                ('signature', models.CharField(max_length=128, verbose_name='signature')),
                ('key_id', models.CharField(max_length=64, verbose_name='key ID')),
                ('sha256', models.CharField(max_length=64, verbose_name='payload hash')),
            ],
            options={
                'verbose_name': 'chain digest',
                'verbose_name_plural': 'chain digests',
                'ordering': ['-date'],
            },
        ),
        migrations.CreateModel(
            name='ChainHead',
            fields=[
                ('organization', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, primary_key=True, related_name='+', serialize=False, to='api.organization')),
                ('chain_seq', models.PositiveBigIntegerField(verbose_name='chain sequence')),
                ('content_hash', models.CharField(max_length=64, verbose_name='content hash')),
                ('updated_at', models.DateTimeField(verbose_name='updated at')),
            ],
            options={
                'verbose_name': 'chain head',
                'verbose_name_plural': 'chain heads',
                'ordering': ['organization'],
            },
        ),
        migrations.RunPython(backfill_heads, migrations.RunPython.noop),
        migrations.RunPython(triggers, drop_triggers),
    ]
