"""Append-only timelines: one row per action on a workflow object (incident, complaint, recall).

A concrete timeline subclasses ``TimelineEntry``, adds the foreign key to its
object and names it in ``subject_field``; ``Timeline.entry(obj, action, …)``
builds a row the same way for every app (actor, the actor's organization,
reason, JSON-safe data, time) and ``Timeline.record(…)`` saves it. Rows are never changed: ``save()`` of an existing row and
``delete()`` raise, and on PostgreSQL the migration helper
``append_only_sql(table)`` installs a trigger refusing UPDATE and DELETE (as
``trace`` does for events). TRUNCATE (test teardown) is unaffected.
"""

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Organization, organization_of


class TimelineImmutableError(Exception):
    pass


def json_value(value):
    """A value as a timeline row's ``data`` stores it: amounts as strings, times in ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


class TimelineQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TimelineImmutableError("timeline rows are append-only")

    def delete(self):
        raise TimelineImmutableError("timeline rows are append-only")


class TimelineEntry(models.Model):
    """Abstract: one thing that happened to a workflow object — who, when, why, what changed."""

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("actor"),
    )
    actor_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("actor's organization"),
    )
    action = models.CharField(_("action"), max_length=64)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    objects = TimelineQuerySet.as_manager()

    # The foreign key to the object this timeline is about ("incident", "complaint", …).
    subject_field = ""

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise TimelineImmutableError("timeline rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TimelineImmutableError("timeline rows are append-only")

    @classmethod
    def entry(
        cls,
        subject,
        action: str,
        *,
        actor=None,
        organization: Organization | None = None,
        reason: str = "",
        data: dict | None = None,
        at: datetime | None = None,
    ) -> "TimelineEntry":
        """One row about ``subject``, not yet saved: who (the signed-in actor and the organization
        it acts for, unless ``organization`` is given), why, what changed, when (default now)."""
        if actor is not None and not actor.is_authenticated:
            actor = None
        return cls(
            **{cls.subject_field: subject},
            action=action,
            actor=actor,
            actor_organization=organization or organization_of(actor),
            reason=reason or "",
            data={k: json_value(v) for k, v in (data or {}).items()},
            at=at or timezone.now(),
        )

    @classmethod
    def record(cls, subject, action: str, **kwargs) -> "TimelineEntry":
        """``entry(…)`` saved now, in the caller's transaction."""
        row = cls.entry(subject, action, **kwargs)
        row.save()
        return row


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
