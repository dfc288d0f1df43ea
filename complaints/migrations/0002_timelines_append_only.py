from django.db import migrations

from core.timeline import append_only_sql


class Migration(migrations.Migration):
    """On PostgreSQL, complaint and risk-signal timelines refuse UPDATE and DELETE."""

    dependencies = [("complaints", "0001_initial")]

    operations = [
        append_only_sql("complaints_complainttimeline"),
        append_only_sql("complaints_risksignaltimeline"),
    ]
