# Django's state of ``trace_event`` as the database has it since ``trace.0012``: state only.
#
# On PostgreSQL the partitioned table's unique indexes must contain ``record_time``, so 0012
# left the event-ID indexes plain (not unique) and the chain's constraint on
# (organization, chain_seq, record_time); what is unique is ``trace_eventkey``'s. The state
# still named the old unique constraints, which the table no longer has: a model check, or a
# later migration that drops or alters them, would rely on something that is not there.
#
# Nothing in the database changes. On SQLite (one plain table) the old unique indexes stay:
# stricter than the state says, the key table refusing the same duplicates. Remaking the
# SQLite table to drop them would also drop its ``trace_event_key`` trigger.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("trace", "0012_partitioned_events"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveConstraint(model_name="event", name="event_unique_id"),
                migrations.RemoveConstraint(
                    model_name="event", name="event_unique_error_declaration"
                ),
                migrations.RemoveConstraint(model_name="event", name="event_unique_chain_seq"),
                migrations.AddIndex(
                    model_name="event",
                    index=models.Index(
                        condition=models.Q(("error_declaration__isnull", True)),
                        fields=["event_id"],
                        name="event_unique_id",
                    ),
                ),
                migrations.AddIndex(
                    model_name="event",
                    index=models.Index(
                        condition=models.Q(("error_declaration__isnull", False)),
                        fields=["event_id"],
                        name="event_unique_error_declaration",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="event",
                    constraint=models.UniqueConstraint(
                        fields=("organization", "chain_seq", "record_time"),
                        name="event_unique_chain_seq",
                    ),
                ),
            ],
        ),
    ]
