# Each event lot link carries its event's recording organization, action and business step
# (``EventBatch.event_organization``, ``event_action``, ``event_biz_step``), so that who held
# what of a recall's lots (``recalls.selectors.scope_holdings``) adds up the links alone instead
# of reading an event per link. Existing links are filled from their events here; capture
# writes the three with every new link (``trace.core.store.insert_links``).
#
# Plain ``ADD COLUMN`` on both databases: Django would remake the SQLite table to add them,
# and a remade table keeps only the foreign keys Django's state still declares.

import django.db.models.deletion
from django.db import migrations, models

COLUMNS = (
    ("event_organization_id", "bigint NULL"),
    ("event_action", "varchar(8) NOT NULL DEFAULT ''"),
    ("event_biz_step", "varchar(255) NOT NULL DEFAULT ''"),
)


def forward(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE trace_eventbatch "
                + ", ".join(f"ADD COLUMN {name} {kind}" for name, kind in COLUMNS)
            )
            cursor.execute(
                "UPDATE trace_eventbatch l SET event_organization_id = ev.organization_id, "
                "event_action = ev.action, event_biz_step = ev.biz_step "
                "FROM trace_event ev WHERE ev.id = l.event_id"
            )
            # As Django declares its columns: no default in the database.
            cursor.execute(
                "ALTER TABLE trace_eventbatch ALTER COLUMN event_action DROP DEFAULT, "
                "ALTER COLUMN event_biz_step DROP DEFAULT"
            )
            return
        for name, kind in COLUMNS:
            cursor.execute(f"ALTER TABLE trace_eventbatch ADD COLUMN {name} {kind}")
        cursor.execute(
            "UPDATE trace_eventbatch SET "
            + ", ".join(
                f"{column} = (SELECT ev.{source} FROM trace_event ev "
                "WHERE ev.id = trace_eventbatch.event_id)"
                for column, source in (
                    ("event_organization_id", "organization_id"),
                    ("event_action", "action"),
                    ("event_biz_step", "biz_step"),
                )
            )
        )


def backward(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for name, _kind in reversed(COLUMNS):
            cursor.execute(f"ALTER TABLE trace_eventbatch DROP COLUMN {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0008_calendar_year"),
        ("trace", "0015_keys_checked_per_statement"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forward, backward)],
            state_operations=[
                migrations.AddField(
                    model_name="eventbatch",
                    name="event_action",
                    field=models.CharField(blank=True, max_length=8, verbose_name="action"),
                ),
                migrations.AddField(
                    model_name="eventbatch",
                    name="event_biz_step",
                    field=models.CharField(
                        blank=True, max_length=255, verbose_name="business step"
                    ),
                ),
                migrations.AddField(
                    model_name="eventbatch",
                    name="event_organization",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="api.organization",
                        verbose_name="recording organization",
                    ),
                ),
            ],
        ),
    ]
