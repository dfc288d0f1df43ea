"""Append-only timelines: one row per action on a workflow object (incident, complaint, recall).

A concrete timeline subclasses ``TimelineEntry`` and adds the foreign key to
its object. Rows are never changed: ``save()`` of an existing row and
``delete()`` raise, and on PostgreSQL the migration helper
``append_only_sql(table)`` installs a trigger refusing UPDATE and DELETE (as
``trace`` does for events). TRUNCATE (test teardown) is unaffected.
"""

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Organization


class TimelineImmutableError(Exception):
    pass


class TimelineQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TimelineImmutableError("timeline rows are append-only")

    def delete(self):
        raise TimelineImmutableError("timeline rows are append-only")


class TimelineEntry(models.Model):
    """Abstract: one thing that happened to a workflow object — who, when, why, what changed."""

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    actor_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    action = models.CharField(_("action"), max_length=64)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    objects = TimelineQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise TimelineImmutableError("timeline rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TimelineImmutableError("timeline rows are append-only")


class _PostgresOnlyRunSQL(migrations.RunSQL):
    """RunSQL that does nothing on databases other than PostgreSQL (SQLite in the embedded default)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def append_only_sql(table_name: str) -> migrations.RunSQL:
    """A migration operation installing a PostgreSQL trigger that refuses UPDATE and DELETE on the table."""
    function = f"{table_name}_append_only"
    forward = f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{table_name} is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {function} BEFORE UPDATE OR DELETE ON {table_name}
    FOR EACH ROW EXECUTE FUNCTION {function}();
"""
    backward = f"""
DROP TRIGGER IF EXISTS {function} ON {table_name};
DROP FUNCTION IF EXISTS {function}();
"""
    return _PostgresOnlyRunSQL(forward, backward)
